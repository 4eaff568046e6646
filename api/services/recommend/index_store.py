"""Stored embeddings and lexical indexes of the recommender, derived from the database.

Layout under ``<index_dir>/recommend/``::

    programmes/vectors/   FaissIndex (index.faiss, ids.npy, params.json) of programme passages
    programmes/hashes.npz ids and text hashes the vectors were computed from
    programmes/bm25/      BM25Index over the same texts (data_version = hash of all text hashes)
    orders/...            the same for open orders
    workers/vectors/      FaissIndex of worker profile texts (encoded as queries)
    workers/hashes.npz
    workers/skills.json   {worker id: [text hash, [skill codes], [wish codes]]} recognised in the
                          skills text and work history

An entity is (re-)encoded only when its text changed (text hash differs) or it is new, so a
refresh after an edit encodes one record, and a new programme, order or worker is matchable the
moment it is saved (the request path encodes a missing worker once and stores it).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from embeddings.lexical import BM25Index, LexicalIndexMismatch
from embeddings.tokenize import make_tokenizer
from embeddings.vector_index import FaissIndex, IndexMismatch

if TYPE_CHECKING:
    from matcher.protocols import Encoder

__all__ = ["EntityVectors", "SkillCodes", "lexical_index", "text_hash"]


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def _corpus_version(ids: Sequence[str], hashes: Sequence[str]) -> str:
    h = hashlib.sha1()
    for i, t in zip(ids, hashes, strict=True):
        h.update(f"{i}\t{t}\n".encode())
    return h.hexdigest()[:16]


@dataclass
class EntityVectors:
    """Embeddings of one kind of entity, keyed by id, with the text hash each was computed from."""

    directory: Path
    index: FaissIndex
    hashes: dict[str, str] = field(default_factory=dict)
    dirty: bool = False

    @classmethod
    def open(cls, directory: Path, encoder: Encoder) -> EntityVectors:
        """Load the stored vectors, or start empty when none (or ones of another model) exist."""
        directory = Path(directory)
        try:
            index = FaissIndex.load(
                directory / "vectors", expected_model=encoder.name, expected_dimension=encoder.dimension
            )
            with np.load(directory / "hashes.npz", allow_pickle=False) as z:
                hashes = dict(zip(z["ids"].tolist(), z["hashes"].tolist(), strict=True))
            if set(hashes) != set(index.ids):
                raise IndexMismatch(f"{directory}: hashes.npz and the vector index disagree")
        except (FileNotFoundError, IndexMismatch, KeyError, ValueError):
            index, hashes = FaissIndex.create(encoder.dimension, model=encoder.name), {}
        return cls(directory, index, hashes)

    def sync(
        self,
        ids: Sequence[str],
        texts: Sequence[str],
        encoder: Encoder,
        *,
        kind: str,
        complete: bool,
        batch: int = 2048,
    ) -> int:
        """Encode the texts whose hash changed or that are new; with ``complete``, drop ids not given.

        ``kind``: "query" or "passage". Returns how many texts were encoded.
        """
        hashes = [text_hash(t) for t in texts]
        todo = [j for j, (i, h) in enumerate(zip(ids, hashes, strict=True)) if self.hashes.get(i) != h]
        for start in range(0, len(todo), batch):
            part = todo[start : start + batch]
            vectors = encoder.encode([texts[j] for j in part], kind=kind)
            part_ids = [ids[j] for j in part]
            stale = [i for i in part_ids if i in self.index]
            if stale:
                self.index.remove(stale)
            self.index.add(part_ids, vectors)
            for j in part:
                self.hashes[ids[j]] = hashes[j]
        if complete:
            gone = set(self.hashes) - set(ids)
            if gone:
                self.index.remove(sorted(gone))
                for i in gone:
                    del self.hashes[i]
                self.dirty = True
        self.dirty = self.dirty or bool(todo)
        return len(todo)

    def vectors(self, ids: Sequence[str]) -> np.ndarray:
        """(n, d) float32, L2-normalised, in the order of ``ids`` (all must be stored)."""
        if not ids:
            return np.zeros((0, self.index.dimension), dtype=np.float32)
        return np.asarray(self.index.vectors(list(ids)), dtype=np.float32)

    def save(self) -> None:
        if not self.dirty:
            return
        self.index.save(self.directory / "vectors")
        ids = sorted(self.hashes)
        np.savez(
            self.directory / "hashes.npz",
            ids=np.asarray(ids, dtype=np.str_),
            hashes=np.asarray([self.hashes[i] for i in ids], dtype=np.str_),
        )
        self.dirty = False


def lexical_index(
    directory: Path, ids: Sequence[str], texts: Sequence[str], user_words: Sequence[str]
) -> BM25Index:
    """The BM25 index over ``texts``: loaded when the stored one holds exactly these texts,
    rebuilt (jieba with occupation names as user words) and saved otherwise."""
    version = _corpus_version(ids, [text_hash(t) for t in texts])
    try:
        return BM25Index.load(
            directory, expected_tokenizer="jieba", expected_data_version=version, user_words=user_words
        )
    except (FileNotFoundError, LexicalIndexMismatch):
        pass
    index = BM25Index(make_tokenizer("jieba", user_words), tokenizer_kind="jieba", data_version=version)
    if ids:
        index.add(list(ids), list(texts))
    index.save(directory)
    return index


@dataclass
class SkillCodes:
    """(skill codes, wish codes) recognised in each worker's profile text, cached by text hash."""

    path: Path
    codes: dict[str, tuple[str, frozenset[str], frozenset[str]]] = field(default_factory=dict)
    dirty: bool = False

    @classmethod
    def open(cls, path: Path) -> SkillCodes:
        try:
            raw = json.loads(Path(path).read_text(encoding="utf-8"))
            return cls(Path(path), {k: (v[0], frozenset(v[1]), frozenset(v[2])) for k, v in raw.items()})
        except (FileNotFoundError, ValueError, KeyError, IndexError, TypeError):
            return cls(Path(path))

    def get(self, worker_id: str, text: str) -> tuple[frozenset[str], frozenset[str]] | None:
        hit = self.codes.get(worker_id)
        return (hit[1], hit[2]) if hit is not None and hit[0] == text_hash(text) else None

    def put(self, worker_id: str, text: str, codes: tuple[frozenset[str], frozenset[str]]) -> None:
        self.codes[worker_id] = (text_hash(text), frozenset(codes[0]), frozenset(codes[1]))
        self.dirty = True

    def clear(self) -> None:
        """Forget every worker's codes (the occupation catalogue they were read against changed)."""
        self.codes.clear()
        self.dirty = True

    def save(self) -> None:
        if not self.dirty:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {k: [h, sorted(s), sorted(w)] for k, (h, s, w) in sorted(self.codes.items())}
        self.path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        self.dirty = False
