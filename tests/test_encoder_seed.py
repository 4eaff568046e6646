"""The shipped encoder seed: vectors of the recogniser's texts a new home need not encode, used
only when the encoder reproduces them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from embeddings.cache import CachedEncoder, cache_key
from embeddings.encoder import HashEncoder
from embeddings.encoder_seed import SHIPPED_SEEDS, RecordingEncoder, apply_seed, write_seed

TEXTS = [f"职业名称{n}" for n in range(40)]


class Counting(HashEncoder):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def encode(self, texts, *, kind="passage"):  # type: ignore[no-untyped-def]
        self.count += len(texts)
        return super().encode(texts, kind=kind)


class SameNameOtherModel(HashEncoder):
    """Calls itself "hash" but encodes differently (a model converted another way)."""

    def encode(self, texts, *, kind="passage"):  # type: ignore[no-untyped-def]
        return super().encode([t + "·" for t in texts], kind=kind)


def _seed(tmp_path: Path) -> Path:
    recorded = RecordingEncoder(HashEncoder())
    recorded.encode(TEXTS[:30], kind="passage")
    recorded.encode(TEXTS[30:], kind="query")
    write_seed(recorded, tmp_path / "seed", digests={"lexicon": "x"})
    return tmp_path / "seed"


def test_a_seeded_cache_encodes_nothing_the_seed_holds_and_stores_it_once(tmp_path: Path) -> None:
    seed = _seed(tmp_path)
    manifest = json.loads((seed / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["count"] == 40 and manifest["model"] == "hash" and len(manifest["probes"]) == 6
    base = Counting()
    cached = CachedEncoder(base, tmp_path / "home")
    assert apply_seed(cached, seed) == 40
    probes = base.count
    assert probes == 6  # only the probe texts were encoded, to check the model
    out = cached.encode(TEXTS[:30], kind="passage")
    assert base.count == probes  # every text came from the seed
    exact = HashEncoder().encode(TEXTS[:30], kind="passage")
    assert np.allclose(out, exact, atol=2e-3)  # float16, renormalised
    assert np.allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-6)
    # a text of the other kind is another key: encoded as usual
    cached.encode([TEXTS[0]], kind="query")
    assert base.count == probes + 1
    # the seed goes into the home's cache with the next flush; a later start needs no probe
    assert cached.flush() == 41
    again = Counting()
    reopened = CachedEncoder(again, tmp_path / "home")
    assert apply_seed(reopened, seed) == 0 and again.count == 0
    assert cache_key("hash", "query", TEXTS[35]) in reopened


def test_a_seed_the_encoder_does_not_reproduce_is_not_used(tmp_path: Path) -> None:
    seed = _seed(tmp_path)
    cached = CachedEncoder(SameNameOtherModel())
    assert apply_seed(cached, seed) == 0
    assert len(cached) == 0


def test_a_seed_of_another_model_or_a_damaged_one_is_not_used(tmp_path: Path) -> None:
    seed = _seed(tmp_path)
    manifest = json.loads((seed / "manifest.json").read_text(encoding="utf-8"))
    manifest["model"] = "e5-small"
    (seed / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert apply_seed(CachedEncoder(HashEncoder()), seed) == 0
    manifest["model"] = "hash"
    (seed / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    np.save(seed / "vectors.npy", np.zeros((39, 384), np.float16))
    assert apply_seed(CachedEncoder(HashEncoder()), seed) == 0
    assert apply_seed(CachedEncoder(HashEncoder()), tmp_path / "none") == 0


@pytest.mark.slow
def test_the_shipped_seed_matches_the_bundled_model_and_covers_the_recogniser(tmp_path: Path) -> None:
    """The model converted at setup reproduces the shipped seed, and a new home's recogniser
    finds every one of its texts there (so a first start encodes only the catalogue)."""
    from api.services.recommend.skills import SkillRecogniser
    from data.db.session import connected, upgrade
    from data.reference import load_reference
    from embeddings.encoder import load_encoder

    model = load_encoder("e5-small", tmp_path / "models")
    manifest = json.loads((SHIPPED_SEEDS / "e5-small" / "manifest.json").read_text(encoding="utf-8"))
    counting = RecordingEncoder(model)
    with connected(f"sqlite:///{tmp_path / 'db.sqlite'}") as engine:
        upgrade(engine)
        load_reference(engine)
        SkillRecogniser.build(engine, counting, tmp_path / "cache")
    # the probes only: nothing else had to be encoded
    assert len(counting.seen) == len(manifest["probes"])
    stored = CachedEncoder(model, tmp_path / "cache" / "e5-small")
    assert len(stored) == manifest["count"]  # the seed, stored in the home's cache
