"""BM25 over a :class:`matcher.protocols.Tokenizer`, on ``bm25s``, with string ids and persistence.

BM25 statistics (idf, average length) depend on the whole corpus, so an add/remove/update is not a
local change: the index keeps every document's tokens and rebuilds its score matrix lazily on the
next search after a change. bm25s builds 10⁵ short documents in about a second, which is cheap next
to re-encoding them, and keeps the lexical index exact.

Directory layout (no pickle anywhere)::

    params.json          k1, b, method, tokenizer kind, data version, count, format
    ids.npy              (n,) unicode — document ids, in index order
    vocab.json           token → id of the stored documents' tokens
    doc_tokens.npy       (total_tokens,) int32 — every document's token ids, concatenated
    doc_offsets.npy      (n + 1,) int64 — document i is doc_tokens[off[i]:off[i+1]]
    bm25s/               bm25s's own JSON + .npy score matrix (loaded with allow_pickle=False)
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from embeddings.hybrid import topk
from embeddings.tokenize import make_tokenizer

if TYPE_CHECKING:
    import bm25s

    from matcher.protocols import Tokenizer

__all__ = ["BM25Index", "LexicalIndexMismatch"]

FORMAT_VERSION = 1


class LexicalIndexMismatch(ValueError):
    """A stored lexical index does not match what the caller expects."""


class BM25Index:
    """BM25 over string-id'd documents.

    ``tokenizer`` turns text into tokens; ``tokenizer_kind`` ("jieba" / "char") is recorded in
    ``params.json`` so a loaded index re-creates a compatible tokenizer for queries.
    ``method`` is a bm25s scoring variant ("lucene" — non-negative idf — by default; "robertson"
    is the classic Okapi formula of ``rank_bm25.BM25Okapi``).
    """

    def __init__(
        self,
        tokenizer: Tokenizer,
        *,
        tokenizer_kind: str = "custom",
        k1: float = 1.2,
        b: float = 0.75,
        method: str = "lucene",
        data_version: str = "",
    ) -> None:
        self.tokenizer = tokenizer
        self.tokenizer_kind = tokenizer_kind
        self.k1, self.b, self.method = k1, b, method
        self.data_version = data_version
        self._ids: list[str] = []
        self._tokens: list[list[str]] = []
        self._position: dict[str, int] = {}
        self._retriever: bm25s.BM25 | None = None

    # -- building -------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._ids)

    @property
    def ids(self) -> list[str]:
        """Document ids in index order (the column order of :meth:`scores`)."""
        return list(self._ids)

    def add(self, ids: Sequence[str], texts: Sequence[str]) -> None:
        """Add or replace documents. ``ids`` and ``texts`` have the same length; ids are unique."""
        self.add_tokens(ids, [self.tokenizer.cut(t) for t in texts])

    def add_tokens(self, ids: Sequence[str], tokens: Sequence[list[str]]) -> None:
        """Add or replace already-tokenised documents."""
        if len(ids) != len(tokens):
            raise ValueError(f"{len(ids)} ids but {len(tokens)} documents")
        if len(set(ids)) != len(ids):
            raise ValueError("ids must be unique within one add")
        for doc_id, toks in zip(ids, tokens, strict=True):
            if not doc_id:
                raise ValueError("ids must be non-empty strings")
            if doc_id in self._position:
                self._tokens[self._position[doc_id]] = list(toks)
            else:
                self._position[doc_id] = len(self._ids)
                self._ids.append(doc_id)
                self._tokens.append(list(toks))
        self._retriever = None

    def tokens_of(self, doc_id: str) -> list[str] | None:
        """The stored tokens of a document (None when absent): an index over a corpus that
        changed in a few documents reuses the others' instead of tokenising them again."""
        position = self._position.get(doc_id)
        return None if position is None else self._tokens[position]

    def remove(self, ids: Iterable[str]) -> int:
        """Remove documents by id (unknown ids are ignored); returns how many were removed."""
        drop = {i for i in ids if i in self._position}
        if drop:
            keep = [k for k, doc_id in enumerate(self._ids) if doc_id not in drop]
            self._ids = [self._ids[k] for k in keep]
            self._tokens = [self._tokens[k] for k in keep]
            self._position = {doc_id: k for k, doc_id in enumerate(self._ids)}
            self._retriever = None
        return len(drop)

    def _ensure(self) -> bm25s.BM25:
        if self._retriever is None:
            import bm25s

            retriever = bm25s.BM25(k1=self.k1, b=self.b, method=self.method)
            # bm25s needs at least one token overall; an all-empty corpus scores zero everywhere.
            corpus = self._tokens if any(self._tokens) else [[""] for _ in self._tokens]
            if corpus:
                logging.getLogger("bm25s").setLevel(logging.WARNING)
                retriever.index(corpus, show_progress=False)
            self._retriever = retriever
        return self._retriever

    def warm(self) -> None:
        """Build the score matrix and load the tokenizer's dictionary now, so that the first
        search pays for neither (and concurrent first searches never build it twice)."""
        self._ensure()
        self.tokenizer.cut("预热")

    # -- searching ------------------------------------------------------------------------------
    def scores(self, queries: Sequence[str]) -> np.ndarray:
        """BM25 score of every document for every query: (q, n) float32, columns in :attr:`ids` order."""
        return self.scores_tokens([self.tokenizer.cut(q) for q in queries])

    def scores_tokens(self, queries: Sequence[list[str]]) -> np.ndarray:
        """As :meth:`scores`, for already-tokenised queries."""
        out = np.zeros((len(queries), len(self._ids)), dtype=np.float32)
        if not self._ids:
            return out
        retriever = self._ensure()
        for row, tokens in enumerate(queries):
            known = retriever.get_tokens_ids([t for t in tokens if t])
            if known:
                out[row] = retriever.get_scores_from_ids(known)
        return out

    def search(self, queries: Sequence[str], k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` documents per query: (ids (q, k) object, scores (q, k) float32), best first.

        Documents with score 0 (no shared token) are not returned: their slots hold id "" and
        score -inf, as in :meth:`matcher.protocols.VectorIndex.search`.
        """
        scores = self.scores(queries)
        index, top = topk(scores, k)
        ids = np.full(index.shape, "", dtype=object)
        valid = (index >= 0) & (top > 0)
        ids[valid] = np.asarray(self._ids, dtype=object)[index[valid]]
        top = np.where(valid, top, -np.inf).astype(np.float32)
        return ids, top

    # -- persistence ----------------------------------------------------------------------------
    def params(self) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "kind": "bm25",
            "k1": self.k1,
            "b": self.b,
            "method": self.method,
            "tokenizer": self.tokenizer_kind,
            "data_version": self.data_version,
            "count": len(self._ids),
        }

    def save(self, directory: str | Path) -> Path:
        """Write the index to ``directory`` (created if needed); returns the directory."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        vocab: dict[str, int] = {}
        flat: list[int] = []
        offsets = [0]
        for toks in self._tokens:
            flat.extend(vocab.setdefault(t, len(vocab)) for t in toks)
            offsets.append(len(flat))
        np.save(directory / "ids.npy", np.asarray(self._ids, dtype=np.str_), allow_pickle=False)
        np.save(directory / "doc_tokens.npy", np.asarray(flat, dtype=np.int32), allow_pickle=False)
        np.save(directory / "doc_offsets.npy", np.asarray(offsets, dtype=np.int64), allow_pickle=False)
        (directory / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
        if self._ids:
            self._ensure().save(str(directory / "bm25s"), show_progress=False)
        (directory / "params.json").write_text(
            json.dumps(self.params(), ensure_ascii=False, indent=2), encoding="utf-8"
        )
        return directory

    @classmethod
    def load(
        cls,
        directory: str | Path,
        *,
        tokenizer: Tokenizer | None = None,
        expected_tokenizer: str | None = None,
        expected_data_version: str | None = None,
        user_words: Iterable[str] = (),
    ) -> BM25Index:
        """Read an index written by :meth:`save`.

        ``tokenizer`` defaults to a fresh one of the stored kind (``user_words`` for jieba).
        Raises :class:`LexicalIndexMismatch` when the stored tokenizer kind or data version differs
        from the expected one, and ``FileNotFoundError`` when the directory is not an index.
        """
        directory = Path(directory)
        params_path = directory / "params.json"
        if not params_path.exists():
            raise FileNotFoundError(f"{directory} is not a lexical index: params.json is missing")
        params = json.loads(params_path.read_text(encoding="utf-8"))
        if params.get("format") != FORMAT_VERSION or params.get("kind") != "bm25":
            raise LexicalIndexMismatch(f"{directory}: unsupported lexical index format {params!r}")
        if expected_tokenizer is not None and params["tokenizer"] != expected_tokenizer:
            raise LexicalIndexMismatch(
                f"{directory} was built with tokenizer {params['tokenizer']!r}, "
                f"expected {expected_tokenizer!r}; rebuild the index"
            )
        if expected_data_version is not None and params["data_version"] != expected_data_version:
            raise LexicalIndexMismatch(
                f"{directory} holds data version {params['data_version']!r}, "
                f"expected {expected_data_version!r}; rebuild the index"
            )
        if tokenizer is None:
            tokenizer = make_tokenizer(params["tokenizer"], user_words)
        index = cls(
            tokenizer,
            tokenizer_kind=params["tokenizer"],
            k1=params["k1"],
            b=params["b"],
            method=params["method"],
            data_version=params["data_version"],
        )
        ids = np.load(directory / "ids.npy", allow_pickle=False).tolist()
        flat = np.load(directory / "doc_tokens.npy", allow_pickle=False)
        offsets = np.load(directory / "doc_offsets.npy", allow_pickle=False)
        vocab = json.loads((directory / "vocab.json").read_text(encoding="utf-8"))
        if len(ids) != params["count"] or len(offsets) != len(ids) + 1:
            raise LexicalIndexMismatch(f"{directory}: ids.npy / doc_offsets.npy disagree with params.json")
        words = np.empty(len(vocab), dtype=object)
        for token, token_id in vocab.items():
            words[token_id] = token
        index._ids = [str(i) for i in ids]
        index._tokens = [words[flat[offsets[k] : offsets[k + 1]]].tolist() for k in range(len(ids))]
        index._position = {doc_id: k for k, doc_id in enumerate(index._ids)}
        if ids:
            import bm25s

            index._retriever = bm25s.BM25.load(str(directory / "bm25s"), allow_pickle=False)
        return index
