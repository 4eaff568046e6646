"""Embedding cache: nothing is encoded twice.

:class:`CachedEncoder` wraps any :class:`matcher.protocols.Encoder`. Each vector is keyed by
``sha256(model name, kind, text)``, so a text edited back and forth, or the same programme
description under two ids, costs one encoding; a changed text simply gets a new key.

With a ``store_dir`` the cache also persists, append-only, as numbered chunks::

    store_dir/params.json           {"model": ..., "dimension": ..., "format": 1}
    store_dir/vectors-000001.npy    (m, dimension) float32
    store_dir/keys-000001.json      the m hex keys, in row order

A chunk's keys file is written after its vectors and both via rename, so a crash leaves either
a whole chunk or none. Arrays load with ``allow_pickle=False``; nothing is pickled.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

if TYPE_CHECKING:
    from matcher.protocols import Encoder

__all__ = ["CachedEncoder", "cache_key", "store_name"]

FORMAT = 1


def cache_key(model: str, kind: str, text: str) -> str:
    """Hex sha256 of the three fields, NUL-separated (no text can forge another key's fields)."""
    return hashlib.sha256(f"{model}\x00{kind}\x00{text}".encode()).hexdigest()


def store_name(model: str) -> str:
    """A directory name for a model's cache (a model given as a path has its slashes replaced)."""
    return model.replace("/", "_").replace("\\", "_") or "_"


class CachedEncoder:
    """An ``Encoder`` that remembers every vector it has produced.

    ``encode`` returns exactly what the wrapped encoder would — (n, dimension) float32,
    L2-normalised, in input order — but sends only texts never seen before (deduplicated) to it,
    in one call. ``flush()`` writes new vectors to ``store_dir``; ``hits`` and ``misses`` count
    texts served from the cache and texts encoded.
    """

    def __init__(self, encoder: Encoder, store_dir: Path | None = None) -> None:
        self.encoder = encoder
        self.name = encoder.name
        self.dimension = encoder.dimension
        self.store_dir = Path(store_dir) if store_dir is not None else None
        self.hits = 0
        self.misses = 0
        self._vectors: dict[str, np.ndarray] = {}
        self._pending: list[str] = []  # keys encoded since the last flush, in order
        self._lock = threading.Lock()
        self._chunks = 0
        if self.store_dir is not None:
            self._load(self.store_dir)

    def __len__(self) -> int:
        return len(self._vectors)

    def encode(self, texts: Sequence[str], *, kind: str = "passage") -> np.ndarray:
        """``texts`` (n strings) → (n, dimension) float32, L2-normalised, cached by text."""
        keys = [cache_key(self.name, kind, t) for t in texts]
        with self._lock:
            missing: dict[str, str] = {}
            for key, text in zip(keys, texts, strict=True):
                if key not in self._vectors and key not in missing:
                    missing[key] = text
            self.hits += len(keys) - len(missing)
        if missing:
            # Encoded outside the lock: a slow model must not block readers of cached vectors.
            fresh = self.encoder.encode(list(missing.values()), kind=kind)
            with self._lock:
                for key, row in zip(missing, np.asarray(fresh, np.float32), strict=True):
                    if key not in self._vectors:
                        self._vectors[key] = row
                        self._pending.append(key)
                self.misses += len(missing)
        with self._lock:
            if not keys:
                return np.zeros((0, self.dimension), np.float32)
            return np.stack([self._vectors[k] for k in keys]).astype(np.float32, copy=False)

    def __contains__(self, key: object) -> bool:
        return key in self._vectors

    def preload(self, keys: Sequence[str], vectors: np.ndarray) -> int:
        """Hold ``vectors`` (rows L2-normalised, in ``keys`` order) as if just encoded (a shipped
        seed, see :mod:`embeddings.encoder_seed`; the next :meth:`flush` stores them); keys already
        held keep their vectors. Returns how many were added."""
        added = 0
        with self._lock:
            for key, row in zip(keys, np.asarray(vectors, np.float32), strict=True):
                if key not in self._vectors:
                    self._vectors[key] = row
                    self._pending.append(key)
                    added += 1
        return added

    def flush(self) -> int:
        """Persist vectors encoded since the last flush as one new chunk; returns how many."""
        if self.store_dir is None:
            return 0
        with self._lock:
            keys, self._pending = self._pending, []
            if not keys:
                return 0
            vectors = np.stack([self._vectors[k] for k in keys]).astype(np.float32)
            self._chunks += 1
            number = self._chunks
        store = self.store_dir
        store.mkdir(parents=True, exist_ok=True)
        self._write_params(store)
        _atomic_write(store / f"vectors-{number:06d}.npy", lambda fh: np.save(fh, vectors))
        payload = json.dumps(keys).encode()
        _atomic_write(store / f"keys-{number:06d}.json", lambda fh: fh.write(payload))
        return len(keys)

    def _write_params(self, store: Path) -> None:
        params = store / "params.json"
        if not params.exists():
            body = json.dumps({"model": self.name, "dimension": self.dimension, "format": FORMAT}).encode()
            _atomic_write(params, lambda fh: fh.write(body))

    def _load(self, store: Path) -> None:
        params_path = store / "params.json"
        if not params_path.exists():
            return
        params = json.loads(params_path.read_text(encoding="utf-8"))
        expected = {"model": self.name, "dimension": self.dimension, "format": FORMAT}
        if params != expected:
            raise ValueError(
                f"embedding cache {store} was written for {params}, not {expected}; "
                "point the cache at another directory or delete it"
            )
        for keys_path in sorted(store.glob("keys-*.json")):
            number = keys_path.stem.split("-", 1)[1]
            keys = json.loads(keys_path.read_text(encoding="utf-8"))
            vectors = np.load(store / f"vectors-{number}.npy", allow_pickle=False)
            if vectors.shape != (len(keys), self.dimension) or vectors.dtype != np.float32:
                raise ValueError(f"{keys_path}: {len(keys)} keys but vectors {vectors.shape} {vectors.dtype}")
            self._vectors.update(zip(keys, vectors, strict=True))
            self._chunks = max(self._chunks, int(number))


def _atomic_write(path: Path, write: Callable[[BinaryIO], object]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("wb") as fh:
        write(fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
