"""Stored embeddings and lexical indexes of the catalogue, derived from the database, shared by
any number of processes on one home.

Layout under ``<index_dir>/recommend/``::

    programmes/CURRENT              name of the newest published vector version
    programmes/vectors-<version>/   FaissIndex (index.faiss, ids.npy, params.json) + hashes.npz
    programmes/bm25-<version>/      BM25Index over the same texts
    orders/...                      the same for open orders
    build.lock                      held while a process encodes and publishes (one builder at a time)

Every published directory is immutable and named by what it holds (a hash of the ids and text
hashes, and the model), written to a temporary sibling and renamed into place, so a reader never
sees a half-written index and two processes building the same version agree on its contents. An
entity is encoded only when its text changed or it is new. Worker profiles are not here: they
live in the database (:mod:`api.services.recommend.profiles`).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from embeddings.lexical import BM25Index, LexicalIndexMismatch
from embeddings.tokenize import make_tokenizer
from embeddings.vector_index import FaissIndex, IndexMismatch

if TYPE_CHECKING:
    from matcher.protocols import Encoder

__all__ = ["EntityVectors", "build_lock", "corpus_version", "lexical_index", "publish", "text_hash"]

#: published versions kept beside the current one (a process may still be reading an older one)
KEEP_VERSIONS = 3


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def corpus_version(ids: Sequence[str], hashes: Sequence[str], salt: str = "") -> str:
    """A name for exactly these (id, text hash) pairs (and ``salt``, e.g. the model)."""
    h = hashlib.sha1(salt.encode("utf-8"))
    for i, t in zip(ids, hashes, strict=True):
        h.update(f"{i}\t{t}\n".encode())
    return h.hexdigest()[:16]


@contextmanager
def build_lock(path: Path) -> Iterator[None]:
    """An exclusive advisory lock on ``path`` across processes (blocks until held)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def publish(target: Path, write: Callable[[Path], object]) -> Path:
    """Publish an immutable directory: ``write(tmp)`` fills a temporary sibling, which is then
    renamed to ``target``. When ``target`` already exists (same name, same contents) nothing is
    written. Returns ``target``."""
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        write(tmp)
        try:
            os.rename(tmp, target)
        except OSError:
            if not target.exists():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _set_current(root: Path, name: str) -> None:
    tmp = root / f".CURRENT.{uuid.uuid4().hex}"
    tmp.write_text(name, encoding="utf-8")
    os.replace(tmp, root / "CURRENT")


def _current(root: Path) -> str | None:
    try:
        return (root / "CURRENT").read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def _prune(root: Path, prefix: str, keep: set[str]) -> None:
    """Remove published versions other than ``keep`` and the newest few."""
    found = sorted(
        (p for p in root.glob(f"{prefix}-*") if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True
    )
    for path in found[KEEP_VERSIONS:]:
        if path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)


@dataclass
class EntityVectors:
    """Embeddings of one kind of entity, keyed by id, with the text hash each was computed from.

    ``root``: the entity's directory (``.../recommend/programmes``). Open the newest published
    version with :meth:`open`, bring it up to date with :meth:`sync`, publish with :meth:`save`.
    """

    root: Path
    index: FaissIndex
    hashes: dict[str, str] = field(default_factory=dict)
    dirty: bool = False

    @classmethod
    def open(cls, root: Path, encoder: Encoder) -> EntityVectors:
        """Load the current published version, or start empty when none (or one of another
        model) exists."""
        root = Path(root)
        name = _current(root)
        try:
            if name is None:
                raise FileNotFoundError(root / "CURRENT")
            directory = root / name
            index = FaissIndex.load(
                directory, expected_model=encoder.name, expected_dimension=encoder.dimension
            )
            with np.load(directory / "hashes.npz", allow_pickle=False) as z:
                hashes = dict(zip(z["ids"].tolist(), z["hashes"].tolist(), strict=True))
            if set(hashes) != set(index.ids):
                raise IndexMismatch(f"{directory}: hashes.npz and the vector index disagree")
        except (FileNotFoundError, IndexMismatch, KeyError, ValueError):
            index, hashes = FaissIndex.create(encoder.dimension, model=encoder.name), {}
        return cls(root, index, hashes)

    def sync(
        self,
        ids: Sequence[str],
        texts: Sequence[str],
        encoder: Encoder,
        *,
        kind: str,
        complete: bool,
        batch: int = 2048,
        progress: Callable[[int], None] | None = None,
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
            if progress is not None:
                progress(len(part))
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

    @property
    def version(self) -> str:
        ids = sorted(self.hashes)
        return corpus_version(ids, [self.hashes[i] for i in ids], self.index.model)

    def save(self) -> None:
        """Publish the vectors as a new immutable version and make it current."""
        name = f"vectors-{self.version}"
        if not self.dirty and _current(self.root) == name:
            return
        ids = sorted(self.hashes)

        def write(tmp: Path) -> None:
            self.index.save(tmp)
            np.savez(
                tmp / "hashes.npz",
                ids=np.asarray(ids, dtype=np.str_),
                hashes=np.asarray([self.hashes[i] for i in ids], dtype=np.str_),
            )

        publish(self.root / name, write)
        _set_current(self.root, name)
        _prune(self.root, "vectors", {name})
        self.dirty = False


def lexical_index(
    root: Path,
    ids: Sequence[str],
    texts: Sequence[str],
    user_words: Sequence[str],
    *,
    previous: BM25Index | None = None,
    previous_hashes: Mapping[str, str] | None = None,
) -> BM25Index:
    """The BM25 index over ``texts``: loaded when a published version holds exactly these texts,
    built (jieba with occupation names as user words) and published otherwise. ``previous`` (built
    with the same user words) and the text hashes it was built from lend the tokens of every
    unchanged text, so an import of a few items tokenises only those. Its score matrix is built
    before it is returned, so the first search pays nothing."""
    hashes = [text_hash(t) for t in texts]
    version = corpus_version(ids, hashes, "jieba")
    target = Path(root) / f"bm25-{version}"
    try:
        index = BM25Index.load(
            target, expected_tokenizer="jieba", expected_data_version=version, user_words=user_words
        )
    except (FileNotFoundError, LexicalIndexMismatch):
        index = BM25Index(make_tokenizer("jieba", user_words), tokenizer_kind="jieba", data_version=version)
        known = previous_hashes or {}
        tokens = []
        for doc_id, text, h in zip(ids, texts, hashes, strict=True):
            reused = previous.tokens_of(doc_id) if previous is not None and known.get(doc_id) == h else None
            tokens.append(reused if reused is not None else index.tokenizer.cut(text))
        if ids:
            index.add_tokens(list(ids), tokens)
        publish(target, index.save)
        _prune(Path(root), "bm25", {target.name})
    index.warm()
    return index
