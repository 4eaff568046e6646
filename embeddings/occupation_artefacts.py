"""Derived occupation artefacts: what the full catalogue's text contributes, without its text.

The product ships codes, names and 工种 only; the book's definitions and task lists stay with the
user who has the book. What ranking needs from them is derived and numeric, so it can ship:

* each occupation's dense vector of name + definition + tasks (the passage the matcher would
  embed), float16, L2-normalised;
* the lexical index's term statistics over the same text: for every char uni/bigram *term*, its
  BM25 weight in every occupation that contains it (bm25s's precomputed score matrix, CSR by
  term) — a bag of weighted n-grams, no sentence;
* a manifest naming the source file's sha256, the model and dimension, the fields, the BM25
  parameters and the sha256 of every file, so a loader can refuse artefacts that do not match.

Directory layout (``allow_pickle=False`` everywhere)::

    manifest.json       format, source_sha256, source_name, model, dimension, fields, count,
                        tokenizer, bm25 {k1, b, method}, files {name: sha256}
    ids.npy             (n,) unicode — occupation codes, row order of the arrays below
    dense.npy           (n, dimension) float16 — passage vectors (absent for a lexical-only build)
    terms.json          [term, ...] — term id i is terms[i]
    term_indptr.npy     (V + 1,) int32 — term i's postings are [indptr[i], indptr[i + 1])
    term_docs.npy       (nnz,) int16 — row in ids.npy of each posting
    term_weights.npy    (nnz,) float16 — BM25 weight of the term in that occupation
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from embeddings.texts import OCCUPATION_FIELDS, occupation_text
from embeddings.tokenize import CharNgramTokenizer

if TYPE_CHECKING:
    import polars as pl

    from embeddings.lexical import BM25Index
    from matcher.protocols import Encoder, Tokenizer

__all__ = [
    "ARTEFACT_FORMAT",
    "SHIPPED_ARTEFACTS",
    "ArtefactMismatch",
    "OccupationArtefacts",
    "TermWeights",
    "build_artefacts",
    "file_sha256",
    "load_artefacts",
]

ARTEFACT_FORMAT = 1
SHIPPED_ARTEFACTS = Path(__file__).resolve().parents[1] / "data" / "reference" / "occupation-artefacts"
_ARRAYS = ("ids.npy", "dense.npy", "term_indptr.npy", "term_docs.npy", "term_weights.npy")


class ArtefactMismatch(ValueError):
    """Stored artefacts do not match what the caller expects (or were altered after building)."""


def file_sha256(path: str | Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class TermWeights:
    """BM25 scores from stored term statistics: the same numbers as the
    :class:`~embeddings.lexical.BM25Index` they were taken from (to float16 precision), with no
    document text. Columns of :meth:`scores` follow :attr:`codes`."""

    def __init__(
        self,
        codes: Sequence[str],
        terms: Sequence[str],
        indptr: np.ndarray,
        docs: np.ndarray,
        weights: np.ndarray,
        tokenizer: Tokenizer | None = None,
    ) -> None:
        if len(indptr) != len(terms) + 1 or len(docs) != len(weights) or int(indptr[-1]) != len(docs):
            raise ArtefactMismatch("term statistics are inconsistent (indptr / docs / weights / terms)")
        self.codes = list(codes)
        self.terms = list(terms)
        self._vocab = {t: i for i, t in enumerate(self.terms)}
        self.indptr = np.asarray(indptr, dtype=np.int64)
        self.docs = np.asarray(docs, dtype=np.int64)
        self.weights = np.asarray(weights, dtype=np.float32)
        self.tokenizer: Tokenizer = tokenizer or CharNgramTokenizer()

    @classmethod
    def from_index(cls, index: BM25Index) -> TermWeights:
        """The term statistics of a built BM25 index (bm25s's eager score matrix)."""
        retriever = index._ensure()  # noqa: SLF001 - the one place that reads bm25s's matrix
        scores = retriever.scores
        vocab: dict[str, int] = retriever.vocab_dict
        # bm25s gives the empty token an id past the matrix's rows; it scores nothing
        terms = [""] * (len(scores["indptr"]) - 1)
        for term, term_id in vocab.items():
            if term_id < len(terms):
                terms[term_id] = term
        return cls(index.ids, terms, scores["indptr"], scores["indices"], scores["data"], index.tokenizer)

    def __len__(self) -> int:
        return len(self.codes)

    def reordered(self, codes: Sequence[str]) -> TermWeights:
        """The same statistics with columns in ``codes`` order (a permutation of :attr:`codes`)."""
        position = {c: i for i, c in enumerate(self.codes)}
        if sorted(position) != sorted(codes):
            raise ArtefactMismatch("the artefacts' occupation codes differ from the catalogue's")
        new_of_old = np.empty(len(self.codes), dtype=np.int64)
        for new, code in enumerate(codes):
            new_of_old[position[code]] = new
        return TermWeights(
            codes, self.terms, self.indptr, new_of_old[self.docs], self.weights, self.tokenizer
        )

    def scores(self, queries: Sequence[str]) -> np.ndarray:
        """BM25 score of every occupation for every query: (q, n) float32."""
        return self.scores_tokens([self.tokenizer.cut(q) for q in queries])

    def scores_tokens(self, queries: Sequence[list[str]]) -> np.ndarray:
        """As :meth:`scores` for tokenised queries; a repeated query token counts each time, as
        in bm25s."""
        out = np.zeros((len(queries), len(self.codes)), dtype=np.float32)
        for row, tokens in enumerate(queries):
            for token in tokens:
                term = self._vocab.get(token) if token else None
                if term is None:
                    continue
                start, stop = self.indptr[term], self.indptr[term + 1]
                # a term's postings name each document once, so plain fancy-index addition is exact
                out[row, self.docs[start:stop]] += self.weights[start:stop]
        return out

    def warm(self) -> None:
        """Load the tokenizer now (symmetry with BM25Index.warm)."""
        self.tokenizer.cut("预热")


@dataclass(frozen=True)
class OccupationArtefacts:
    """Loaded artefacts (see module docstring). ``vectors`` (n, dimension) float32 L2-normalised,
    or None for a lexical-only build."""

    directory: Path
    manifest: dict[str, Any]
    codes: list[str]
    vectors: np.ndarray | None
    terms: TermWeights

    @property
    def model(self) -> str:
        return str(self.manifest["model"])

    @property
    def digest(self) -> str:
        """Hex sha256 (16 characters) of the manifest, which names every file's hash: one value
        that changes whenever any artefact does."""
        return hashlib.sha256(json.dumps(self.manifest, sort_keys=True).encode()).hexdigest()[:16]

    def lexical_only(self) -> OccupationArtefacts:
        """These artefacts without their vectors: the text signal's term statistics serve any
        encoder, while the vectors serve only the model that made them."""
        return OccupationArtefacts(
            self.directory, {**self.manifest, "model": "", "dimension": 0}, self.codes, None, self.terms
        )

    def vectors_in(self, codes: Sequence[str]) -> np.ndarray:
        """The dense vectors in ``codes`` order: (len(codes), dimension) float32."""
        if self.vectors is None:
            raise ArtefactMismatch(f"{self.directory}: these artefacts hold no dense vectors")
        position = {c: i for i, c in enumerate(self.codes)}
        if sorted(position) != sorted(codes):
            raise ArtefactMismatch("the artefacts' occupation codes differ from the catalogue's")
        return self.vectors[[position[c] for c in codes]]


def build_artefacts(
    catalogue: pl.DataFrame,
    encoder: Encoder | None,
    out_dir: str | Path,
    *,
    source_sha256: str,
    source_name: str,
    fields: tuple[str, ...] = OCCUPATION_FIELDS,
) -> dict[str, Any]:
    """Derive the artefacts of ``catalogue`` (one row per code, the book's columns) into
    ``out_dir``, replacing what is there; returns the manifest.

    The text of each occupation is :func:`embeddings.texts.occupation_text` of ``fields`` (never
    work_types: 工种 names ship in the catalogue and are indexed from it). ``encoder`` None writes
    lexical statistics only. The directory is written beside ``out_dir`` and renamed into place,
    so a reader never sees half of it.
    """
    from embeddings.lexical import BM25Index

    rows = catalogue.unique(subset="code", keep="first", maintain_order=True).to_dicts()
    codes = [str(r["code"]) for r in rows]
    texts = [occupation_text(r, fields=fields) for r in rows]
    if len(codes) >= np.iinfo(np.int16).max:
        raise ValueError(f"{len(codes)} occupations do not fit the int16 posting format")
    index = BM25Index(CharNgramTokenizer(), tokenizer_kind="char")
    index.add(codes, texts)
    weights = TermWeights.from_index(index)
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        np.save(staging / "ids.npy", np.asarray(codes, dtype=np.str_), allow_pickle=False)
        dimension = 0
        if encoder is not None:
            vectors = np.asarray(encoder.encode(texts, kind="passage"), dtype=np.float32)
            dimension = int(vectors.shape[1])
            np.save(staging / "dense.npy", vectors.astype(np.float16), allow_pickle=False)
        np.save(staging / "term_indptr.npy", weights.indptr.astype(np.int32), allow_pickle=False)
        np.save(staging / "term_docs.npy", weights.docs.astype(np.int16), allow_pickle=False)
        np.save(staging / "term_weights.npy", weights.weights.astype(np.float16), allow_pickle=False)
        (staging / "terms.json").write_text(json.dumps(weights.terms, ensure_ascii=False), encoding="utf-8")
        manifest: dict[str, Any] = {
            "format": ARTEFACT_FORMAT,
            "source_name": source_name,
            "source_sha256": source_sha256,
            "model": encoder.name if encoder is not None else "",
            "dimension": dimension,
            "fields": list(fields),
            "count": len(codes),
            "tokenizer": "char",
            "bm25": {"k1": index.k1, "b": index.b, "method": index.method},
            "files": {p.name: file_sha256(p) for p in sorted(staging.iterdir()) if p.name != "manifest.json"},
        }
        (staging / "manifest.json").write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        staging.chmod(0o755)  # mkdtemp makes it private; the artefacts are for every reader
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return manifest


def load_artefacts(
    directory: str | Path = SHIPPED_ARTEFACTS,
    *,
    model: str | None = None,
    dimension: int | None = None,
    source_sha256: str | None = None,
) -> OccupationArtefacts:
    """Read and check artefacts written by :func:`build_artefacts`.

    Raises :class:`ArtefactMismatch` when the format is unknown, a file's sha256 differs from the
    manifest's, an array's shape disagrees with the manifest, or the manifest's model, dimension
    or source hash differs from the one given (None: not checked); ``FileNotFoundError`` when the
    directory holds no manifest.
    """
    directory = Path(directory)
    path = directory / "manifest.json"
    if not path.is_file():
        raise FileNotFoundError(f"{directory} holds no occupation artefacts: manifest.json is missing")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != ARTEFACT_FORMAT:
        raise ArtefactMismatch(f"{directory}: unsupported artefact format {manifest.get('format')!r}")
    for key, wanted in (("model", model), ("dimension", dimension), ("source_sha256", source_sha256)):
        if wanted is not None and manifest.get(key) != wanted:
            raise ArtefactMismatch(
                f"{directory} was built with {key} {manifest.get(key)!r}, expected {wanted!r}; "
                "rebuild with `skillbridge occupations build-artefacts`"
            )
    files: dict[str, str] = manifest.get("files", {})
    for name, digest in files.items():
        if not (directory / name).is_file() or file_sha256(directory / name) != digest:
            raise ArtefactMismatch(f"{directory}/{name} does not match the manifest's sha256")
    missing = [n for n in ("ids.npy", "terms.json", *_ARRAYS[2:]) if n not in files]
    if missing or (manifest.get("dimension") and "dense.npy" not in files):
        raise ArtefactMismatch(f"{directory}: the manifest lists no {', '.join(missing) or 'dense.npy'}")
    codes = [str(c) for c in np.load(directory / "ids.npy", allow_pickle=False).tolist()]
    if len(codes) != manifest.get("count"):
        raise ArtefactMismatch(f"{directory}: ids.npy holds {len(codes)} codes, manifest {manifest['count']}")
    vectors = None
    if "dense.npy" in files:
        stored = np.load(directory / "dense.npy", allow_pickle=False)
        if stored.shape != (len(codes), manifest["dimension"]):
            raise ArtefactMismatch(f"{directory}: dense.npy has shape {stored.shape}")
        vectors = stored.astype(np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        vectors /= np.where(norms > 0, norms, 1.0)  # float16 rounding moves norms off 1
    terms = json.loads((directory / "terms.json").read_text(encoding="utf-8"))
    weights = TermWeights(
        codes,
        terms,
        np.load(directory / "term_indptr.npy", allow_pickle=False),
        np.load(directory / "term_docs.npy", allow_pickle=False),
        np.load(directory / "term_weights.npy", allow_pickle=False),
    )
    return OccupationArtefacts(directory, manifest, codes, vectors, weights)
