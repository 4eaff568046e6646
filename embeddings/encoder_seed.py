"""Shipped vectors of the texts every new home encodes before its first answer.

The occupation recogniser (:class:`api.services.recommend.skills.SkillRecogniser`) encodes every
occupation name, 工种 and colloquial title of the lexicon (about 6,500 short texts) when a home
first starts: minutes of CPU on two cores before ``/readyz`` can say ready. These texts are the
product's own (the shipped catalogue's names and the project's lexicon), so their vectors under
the bundled model are shipped too, as a *seed* for the home's :class:`~embeddings.cache.CachedEncoder`
(copied into the home's cache on first start)::

    encoder-seed/<model>/manifest.json   model, dimension, count, catalogue and lexicon digests, probes
    encoder-seed/<model>/keys.json       the cache keys (sha256 of model, kind, text), in row order
    encoder-seed/<model>/vectors.npy     (count, dimension) float16

A seed is used only when it was written for the encoder's model and dimension and the encoder
reproduces its probe texts' vectors (cosine ≥ :data:`PROBE_COSINE` for each): a model converted
differently, or another model under the same name, makes the home encode for itself, as before.
A text the seed lacks (a catalogue imported with other names, an edited lexicon) is encoded as
usual. The vectors are stored as float16 (half the size; cosines move by under 1e-3), and every
home using the seed reads the same numbers, so results stay deterministic.

``skillbridge occupations build-seed`` writes it (:func:`write_seed`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from embeddings.cache import cache_key

if TYPE_CHECKING:
    from embeddings.cache import CachedEncoder
    from matcher.protocols import Encoder

__all__ = ["PROBE_COSINE", "SHIPPED_SEEDS", "RecordingEncoder", "apply_seed", "write_seed"]

log = logging.getLogger(__name__)

SHIPPED_SEEDS = Path(__file__).resolve().parent.parent / "data" / "reference" / "encoder-seed"
FORMAT = 1
#: each probe text must encode to within this cosine of its seed vector
PROBE_COSINE = 0.999
PROBES = 6


class RecordingEncoder:
    """Wraps an encoder and remembers each (kind, text) it encoded, in first-seen order."""

    def __init__(self, encoder: Encoder) -> None:
        self.encoder = encoder
        self.name = encoder.name
        self.dimension = encoder.dimension
        self.seen: dict[tuple[str, str], np.ndarray] = {}

    def encode(self, texts: Sequence[str], *, kind: str = "passage") -> np.ndarray:
        out = np.asarray(self.encoder.encode(texts, kind=kind), np.float32)
        for text, row in zip(texts, out, strict=True):
            self.seen.setdefault((kind, text), row)
        return out


def write_seed(recorded: RecordingEncoder, directory: Path, *, digests: dict[str, str]) -> dict[str, object]:
    """Write every vector ``recorded`` saw as a seed under ``directory``; returns the manifest."""
    items = list(recorded.seen.items())
    if not items:
        raise ValueError("nothing was encoded: no seed to write")
    keys = [cache_key(recorded.name, kind, text) for (kind, text), _ in items]
    vectors = np.stack([v for _, v in items]).astype(np.float16)
    step = max(1, len(items) // PROBES)
    probes = [{"row": r, "kind": items[r][0][0], "text": items[r][0][1]} for r in range(0, len(items), step)][
        :PROBES
    ]
    manifest: dict[str, object] = {
        "format": FORMAT,
        "model": recorded.name,
        "dimension": recorded.dimension,
        "count": len(keys),
        "dtype": "float16",
        "digests": digests,
        "probes": probes,
    }
    directory.mkdir(parents=True, exist_ok=True)
    np.save(directory / "vectors.npy", vectors, allow_pickle=False)
    (directory / "keys.json").write_text(json.dumps(keys), encoding="utf-8")
    (directory / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return manifest


def apply_seed(cached: CachedEncoder, directory: Path) -> int:
    """Add the seed in ``directory`` to ``cached`` (keys it already holds are kept; the others are
    stored by its next flush, so a home checks the seed once); returns how many vectors were
    added, 0 when there is no usable seed (the reason is logged) or nothing is missing."""
    manifest_path = directory / "manifest.json"
    if not manifest_path.exists():
        return 0
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if (manifest.get("format"), manifest.get("model"), manifest.get("dimension")) != (
        FORMAT,
        cached.name,
        cached.dimension,
    ):
        model = manifest.get("model")
        log.warning("encoder seed %s is for %s, not %s: not used", directory, model, cached.name)
        return 0
    keys = json.loads((directory / "keys.json").read_text(encoding="utf-8"))
    if all(k in cached for k in keys):
        return 0  # an earlier start stored the seed in the home's cache
    vectors = np.load(directory / "vectors.npy", allow_pickle=False).astype(np.float32)
    if vectors.shape != (len(keys), cached.dimension) or len(keys) != manifest["count"]:
        log.warning("encoder seed %s is damaged (%d keys, %s): not used", directory, len(keys), vectors.shape)
        return 0
    probes = manifest["probes"]
    by_kind: dict[str, list[dict[str, object]]] = {}
    for p in probes:
        by_kind.setdefault(str(p["kind"]), []).append(p)
    for kind, group in by_kind.items():
        fresh = np.asarray(cached.encoder.encode([str(p["text"]) for p in group], kind=kind), np.float32)
        for p, row in zip(group, fresh, strict=True):
            seed = vectors[int(str(p["row"]))]
            cos = float(row @ seed / (np.linalg.norm(row) * np.linalg.norm(seed)))
            if cos < PROBE_COSINE:
                log.warning(
                    "encoder seed %s does not match this model (probe cosine %.4f): not used", directory, cos
                )
                return 0
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return cached.preload(keys, vectors)
