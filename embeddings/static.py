"""Bulk path: a static token-embedding model distilled from the converted e5-small (model2vec-style).

A text's vector is the weighted mean of fixed per-token vectors, looked up after the very same
tokenizer as the default encoder: no transformer runs at encode time, so it is orders of
magnitude faster and far weaker (context is lost). Distillation (:func:`build_static_model`),
the method of model2vec (Tulkens & van Dongen, 2024), written out here because model2vec's
distiller pins an older ``transformers``:

1. every kept vocabulary piece is run through e5-small alone, as ``<s> piece </s>`` with the
   ``passage: `` prompt's tokens in front, and mean-pooled over the piece's position;
2. the vectors are centred and reduced by PCA to ``dims`` (256) dimensions;
3. each is weighted by SIF, ``a / (a + p(piece))`` with ``p`` from the tokenizer's own unigram
   log-probabilities (``a`` = 1e-3): frequent pieces (的, 是, 和) count little.

Kept pieces: those containing a CJK character or CJK/full-width punctuation, and pure-ASCII
pieces (numbers, Latin abbreviations such as PLC or CAD) — ~100 k of the 250 k; a piece from
another script contributes nothing, and a text with no kept piece gets a fixed unit vector.

Directory: ``vectors.npy`` (n, dims) float16, ``rows.npy`` (vocab,) int32 (token id → row or −1),
``tokenizer.json`` and ``skillbridge_static.json`` (version, dims, source build). Built once
(~1–3 min on 2 cores) on first use of ``load_encoder("e5-small-static")``.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from embeddings.e5_convert import MARKER as E5_MARKER
from embeddings.e5_convert import PROMPTS, is_built, staged_directory

__all__ = ["StaticEncoder", "build_static_model", "kept_piece", "sif_weights"]

STATIC_VERSION = 1
MARKER = "skillbridge_static.json"
SIF_A = 1e-3
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
_ASCII = re.compile(r"^\u2581?[\x21-\x7e]+$")


def kept_piece(piece: str) -> bool:
    """Whether a vocabulary piece gets a static vector (CJK, CJK punctuation or plain ASCII)."""
    return bool(_CJK.search(piece) or _ASCII.match(piece))


def sif_weights(log_probs: np.ndarray, a: float = SIF_A) -> np.ndarray:
    """SIF weight ``a / (a + p)`` of pieces with unigram log-probabilities ``log_probs`` (n,)."""
    return (a / (a + np.exp(np.asarray(log_probs, dtype=np.float64)))).astype(np.float32)


def pca(vectors: np.ndarray, dims: int) -> np.ndarray:
    """Centre ``vectors`` (n, d) and project onto their first ``dims`` principal axes (sign-fixed)."""
    centred = vectors - vectors.mean(axis=0, keepdims=True)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    axes = vt[:dims]
    # deterministic orientation: the largest-magnitude loading of each axis is positive
    signs = np.sign(axes[np.arange(len(axes)), np.abs(axes).argmax(axis=1)])
    return (centred @ (axes * signs[:, None]).T).astype(np.float32)


def build_static_model(
    e5_dir: Path,
    target_dir: Path,
    *,
    dims: int = 256,
    batch: int = 512,
    only_texts: Sequence[str] | None = None,
) -> Path:
    """Distil ``e5_dir`` (a built e5 model) into a static model at ``target_dir``; idempotent, atomic.

    ``only_texts`` keeps only the pieces those texts tokenise to (a small model whose build takes
    seconds, for tests of the build itself); the stamp records it, so such a model is never taken
    for the full one."""
    e5_dir, target_dir = Path(e5_dir), Path(target_dir)
    stamp: dict[str, object] = {
        "static_version": STATIC_VERSION,
        "dims": dims,
        "source": json.loads((e5_dir / E5_MARKER).read_text(encoding="utf-8")),
    }
    if only_texts is not None:
        digest = hashlib.sha256("\x1f".join(only_texts).encode("utf-8")).hexdigest()
        stamp["only_texts"] = {"count": len(only_texts), "sha256": digest}
    if is_built(target_dir, stamp, MARKER):
        return target_dir
    if not is_built(e5_dir):
        raise FileNotFoundError(f"{e5_dir} is not a built e5 model; run build_e5_model first")
    vocab = json.loads((e5_dir / "tokenizer.json").read_text(encoding="utf-8"))["model"]["vocab"]
    specials = {0, 1, 2, 3}
    wanted: set[int] | None = None
    if only_texts is not None:
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(e5_dir / "tokenizer.json"))
        encoded = tokenizer.encode_batch(list(only_texts), add_special_tokens=False)
        wanted = {i for e in encoded for i in e.ids}
    ids = np.asarray(
        [
            i
            for i, (piece, _) in enumerate(vocab)
            if i not in specials and kept_piece(piece) and (wanted is None or i in wanted)
        ]
    )
    raw = _token_vectors(e5_dir, ids, batch)
    vectors = pca(raw, dims) * sif_weights(np.asarray([vocab[i][1] for i in ids]))[:, None]
    rows = np.full(len(vocab), -1, dtype=np.int32)
    rows[ids] = np.arange(len(ids), dtype=np.int32)
    with staged_directory(target_dir) as tmp:
        np.save(tmp / "vectors.npy", vectors.astype(np.float16))
        np.save(tmp / "rows.npy", rows)
        shutil.copy(e5_dir / "tokenizer.json", tmp / "tokenizer.json")
        (tmp / MARKER).write_text(json.dumps(stamp, indent=2), encoding="utf-8")
    return target_dir


def _token_vectors(e5_dir: Path, ids: np.ndarray, batch: int) -> np.ndarray:
    """(len(ids), 384) float32: e5's output at each piece's position, prompt in front."""
    import torch
    from tokenizers import Tokenizer
    from transformers import AutoModel

    tokenizer = Tokenizer.from_file(str(e5_dir / "tokenizer.json"))
    prefix = tokenizer.encode(PROMPTS["passage"].strip(), add_special_tokens=False).ids
    model = AutoModel.from_pretrained(str(e5_dir), local_files_only=True).eval()
    out = np.empty((len(ids), model.config.hidden_size), np.float32)
    position = 1 + len(prefix)
    with torch.inference_mode():
        for start in range(0, len(ids), batch):
            chunk = torch.as_tensor(ids[start : start + batch], dtype=torch.long)[:, None]
            n = len(chunk)
            input_ids = torch.cat(
                [
                    torch.zeros((n, 1), dtype=torch.long),  # <s>
                    torch.as_tensor(prefix, dtype=torch.long).expand(n, -1),
                    chunk,
                    torch.full((n, 1), 2, dtype=torch.long),  # </s>
                ],
                dim=1,
            )
            hidden = model(input_ids=input_ids, attention_mask=torch.ones_like(input_ids)).last_hidden_state
            out[start : start + n] = hidden[:, position].numpy()
    return out


class StaticEncoder:
    """``Encoder`` over a static model directory: tokenise, look up, SIF-weighted mean, normalise.

    ``kind`` is accepted and ignored (no prompts: the prompt's tokens were folded in at
    distillation). Deterministic; thread-safe (read-only arrays).
    """

    def __init__(self, model_dir: Path, name: str = "e5-small-static") -> None:
        from tokenizers import Tokenizer

        model_dir = Path(model_dir)
        self.name = name
        vectors = np.load(model_dir / "vectors.npy", allow_pickle=False).astype(np.float32)
        self.dimension = int(vectors.shape[1])
        # one zero row appended: pieces without a vector (row −1) index it and add nothing
        self.vectors = np.vstack([vectors, np.zeros((1, self.dimension), np.float32)])
        self.rows = np.load(model_dir / "rows.npy", allow_pickle=False)
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()
        # a text none of whose pieces is kept gets this fixed direction
        self._fallback = np.zeros(self.dimension, np.float32)
        self._fallback[0] = 1.0

    def encode(self, texts: Sequence[str], *, kind: str = "passage") -> np.ndarray:
        """``texts`` (n strings) → (n, dimension) float32, L2-normalised."""
        if kind not in ("query", "passage"):
            raise ValueError(f"kind must be 'query' or 'passage', not {kind!r}")
        out = np.zeros((len(texts), self.dimension), np.float32)
        if not texts:
            return out
        encodings = self._tokenizer.encode_batch(list(texts), add_special_tokens=False)
        lengths = np.fromiter((len(e.ids) for e in encodings), dtype=np.int64, count=len(encodings))
        flat = np.fromiter((i for e in encodings for i in e.ids), dtype=np.int64, count=int(lengths.sum()))
        gathered = self.vectors[self.rows[flat]]  # -1 → the appended zero row
        nonempty = np.flatnonzero(lengths)
        if len(nonempty):
            starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])[nonempty]
            out[nonempty] = np.add.reduceat(gathered, starts, axis=0)
        norms = np.linalg.norm(out, axis=1)
        empty = norms == 0
        out[empty] = self._fallback
        norms[empty] = 1.0
        return out / norms[:, None]
