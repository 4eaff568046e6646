"""Occupation matching: free text ("会砌墙、贴瓷砖", "招聘电焊工") → ranked national occupation codes.

:class:`OccupationMatcher` is built once from a catalogue frame (the columns of
``occupations-2022.csv``) and an :class:`~matcher.protocols.Encoder`. It scores every occupation
with several *signals*, each a (q, n) float32 matrix over the catalogue:

==============  ===========================================================================
``bm25_text``   BM25 (char uni+bigrams) over the occupation text (name + chosen fields)
``bm25_name``   BM25 (char uni+bigrams) over the name alone (+ 工种 when ``use_work_types``)
``dense_text``  cosine of the e5 query embedding to the passage embedding of the text
``dense_name``  cosine of the query embedding to the name embedded *as a query* (short vs
                short: e5's symmetric "query: " prompt on both sides suits name-to-name)
``bm25_lexicon`` BM25 (char uni+bigrams) over the occupation's colloquial titles
                (:mod:`data.lexicon`: 瓦匠, 开叉车的, 外卖小哥 ...), all aliases as one field
``dense_lexicon`` the best cosine of the query to any of the occupation's aliases (each alias
                embedded as a query); -inf for an occupation without aliases
==============  ===========================================================================

Derived artefacts (:mod:`embeddings.occupation_artefacts`) stand in for the text fields when the
catalogue has no definitions or tasks (the shipped one): ``bm25_text`` then scores from the stored
term statistics and ``dense_text`` from the stored passage vectors, which are the numbers the full
catalogue would give.

Why two fields: a 工种 name or a posting's job title mostly matches an occupation *name*, but
definitions and tasks carry the vocabulary of people describing their work. Scoring fields
separately and fusing (a BM25F-like field weighting) lets a strong name hit win without the long
text drowning it, and lets a description match when the name does not.

Methods: ``"bm25"`` fuses the two BM25 signals, ``"dense"`` the two dense ones, ``"hybrid"`` all
four, by per-query min-max normalisation and a weighted sum (:mod:`embeddings.hybrid`). Queries
pass through :func:`embeddings.texts.query_text` first, which strips posting boilerplate.
Dense search goes through :class:`~embeddings.vector_index.FaissIndex` (exact below its size
threshold), so the same code serves a catalogue of any size.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from embeddings.hybrid import scatter, topk, weighted_fusion
from embeddings.lexical import BM25Index
from embeddings.occupation_artefacts import ArtefactMismatch, OccupationArtefacts, TermWeights
from embeddings.texts import OCCUPATION_FIELDS, occupation_name_text, occupation_text, query_text
from embeddings.tokenize import CharNgramTokenizer, make_tokenizer, occupation_user_words
from embeddings.vector_index import FaissIndex

if TYPE_CHECKING:
    import polars as pl

    from matcher.protocols import Encoder, Tokenizer

SIGNALS: tuple[str, ...] = (
    "bm25_text",
    "bm25_name",
    "bm25_lexicon",
    "dense_text",
    "dense_name",
    "dense_lexicon",
)

__all__ = [
    "DEFAULT_METHOD",
    "METHODS",
    "SIGNALS",
    "OccupationMatcher",
    "SignalWeights",
    "fuse",
    "occupation_index_texts",
]

METHODS: tuple[str, ...] = ("dense", "bm25", "hybrid")
DEFAULT_METHOD = "hybrid"


@dataclass(frozen=True)
class SignalWeights:
    """Weight of each signal in each method (see module docstring). Need not sum to 1.

    Defaults were chosen on the hand-written realistic order/profile set, with T1/T2 as a check
    (``eval/results/occupations.md``), not fitted: text fields carry the decision, with lexical
    and dense weighted equally because neither dominates across tasks; the name fields get a
    small weight, enough to let a posting that names its job title ("叉车司机") win on the
    title without letting short names outvote the description.
    """

    bm25_text: float = 0.4
    bm25_name: float = 0.1
    dense_text: float = 0.4
    dense_name: float = 0.1
    bm25_lexicon: float = 0.8
    dense_lexicon: float = 0.4
    norm_top: int = 100

    def for_method(self, method: str) -> dict[str, float]:
        """The signal → weight map that ``method`` fuses (zero weights dropped)."""
        if method not in METHODS:
            raise ValueError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
        chosen = {
            "bm25": ("bm25_text", "bm25_name", "bm25_lexicon"),
            "dense": ("dense_text", "dense_name", "dense_lexicon"),
            "hybrid": SIGNALS,
        }[method]
        return {name: getattr(self, name) for name in chosen if getattr(self, name)}


@dataclass
class OccupationMatcher:
    """Ranks catalogue occupations for free-text queries. Build with :meth:`build`."""

    codes: list[str]
    names: list[str]
    lexical_text: BM25Index | TermWeights
    lexical_name: BM25Index
    encoder: Encoder | None = None
    dense_text: FaissIndex | None = None
    dense_name: FaissIndex | None = None
    weights: SignalWeights = field(default_factory=SignalWeights)
    build_seconds: dict[str, float] = field(default_factory=dict)
    lexical_lexicon: BM25Index | None = None
    #: (m, dimension) float32 vectors of the lexicon's aliases (and, in lexical_lexicon, one BM25
    #: document per alias), sorted by column; alias_starts[j] is the first alias of column
    #: alias_columns[j]
    alias_vectors: np.ndarray | None = None
    alias_columns: np.ndarray | None = None
    alias_starts: np.ndarray | None = None
    #: manifest digest of the artefacts used ("" when built from catalogue text)
    artefacts_digest: str = ""

    @classmethod
    def build(
        cls,
        catalogue: pl.DataFrame,
        encoder: Encoder | None,
        *,
        use_work_types: bool = False,
        fields: tuple[str, ...] = OCCUPATION_FIELDS,
        tokenizer: str | Tokenizer = "char",
        weights: SignalWeights | None = None,
        index_kind: str = "auto",
        data_version: str = "",
        artefacts: OccupationArtefacts | None = None,
        lexicon: pl.DataFrame | None = None,
    ) -> OccupationMatcher:
        """Index ``catalogue`` (one row per occupation code).

        ``fields`` are the catalogue columns in the occupation text (``name`` always first);
        ``tokenizer`` is "char" (uni+bigram), "jieba" (user dictionary from the catalogue's names,
        and 工种 names when ``use_work_types``) or any Tokenizer. ``encoder`` None gives a
        lexical-only matcher (method "bm25"). ``index_kind`` is passed to :meth:`FaissIndex.build`.

        ``artefacts`` replace the text fields (``fields`` and ``tokenizer`` are then unused): their
        term statistics give ``bm25_text`` and, with an encoder of the artefacts' model, their
        vectors give ``dense_text``. Raises :class:`ArtefactMismatch` when their codes are not the
        catalogue's or the encoder is another model. ``lexicon`` (the frame of
        :func:`data.lexicon.read_lexicon`) adds the ``bm25_lexicon`` and ``dense_lexicon`` signals.
        """
        from data.lexicon import lexicon_documents

        rows = catalogue.unique(subset="code", keep="first", maintain_order=True).to_dicts()
        codes = [str(r["code"]) for r in rows]
        names = [str(r["name"]) for r in rows]
        texts, name_texts = occupation_index_texts(catalogue, fields=fields, use_work_types=use_work_types)
        seconds: dict[str, float] = {}
        start = time.perf_counter()
        lexical_text: BM25Index | TermWeights
        if artefacts is not None:
            lexical_text = artefacts.terms.reordered(codes)
        else:
            if isinstance(tokenizer, str):
                kind = tokenizer
                words = occupation_user_words(catalogue, include_work_types=use_work_types)
                tok: Tokenizer = make_tokenizer(tokenizer, words)
            else:
                kind, tok = getattr(tokenizer, "name", "custom"), tokenizer
            lexical_text = BM25Index(tok, tokenizer_kind=kind, data_version=data_version)
            lexical_text.add(codes, texts)
            lexical_text.scores([""])  # build the score matrix now
        # Names are a handful of characters: always char n-grams, whatever the text tokenizer.
        lexical_name = BM25Index(CharNgramTokenizer(), tokenizer_kind="char", data_version=data_version)
        lexical_name.add(codes, name_texts)
        lexical_name.scores([""])
        lexical_lexicon = None
        alias_texts: list[list[str]] = []
        alias_columns = alias_starts = None
        if lexicon is not None:
            _, alias_texts = lexicon_documents(lexicon, codes)
            flat = [alias for a in alias_texts for alias in a]
            columns = np.asarray([c for c, a in enumerate(alias_texts) for _ in a], dtype=np.int64)
            alias_columns = np.asarray([c for c, a in enumerate(alias_texts) if a], dtype=np.int64)
            alias_starts = np.searchsorted(columns, alias_columns).astype(np.int64)
            # one document per alias, so a code with sixty aliases is not penalised for its length
            lexical_lexicon = BM25Index(
                CharNgramTokenizer(), tokenizer_kind="char", data_version=data_version
            )
            lexical_lexicon.add([f"a{i}" for i in range(len(flat))], flat)
            lexical_lexicon.scores([""])
        seconds["bm25"] = time.perf_counter() - start
        dense_text = dense_name = None
        alias_vectors = None
        if encoder is not None:
            start = time.perf_counter()
            if artefacts is not None and artefacts.vectors is not None:
                if artefacts.model != encoder.name:
                    raise ArtefactMismatch(
                        f"{artefacts.directory} holds vectors of model {artefacts.model!r}, "
                        f"the encoder is {encoder.name!r}; rebuild with "
                        "`skillbridge occupations build-artefacts`"
                    )
                text_vectors = artefacts.vectors_in(codes)
            else:
                text_vectors = encoder.encode(texts, kind="passage")
            name_vectors = encoder.encode(name_texts, kind="query")
            flat = [alias for a in alias_texts for alias in a]
            if flat:
                alias_vectors = encoder.encode(flat, kind="query")
            seconds["encode"] = time.perf_counter() - start
            start = time.perf_counter()
            dense_text, dense_name = (
                FaissIndex.build(codes, v, model=encoder.name, kind=index_kind, data_version=data_version)
                for v in (text_vectors, name_vectors)
            )
            seconds["faiss"] = time.perf_counter() - start
        return cls(
            codes,
            names,
            lexical_text,
            lexical_name,
            encoder,
            dense_text,
            dense_name,
            weights or SignalWeights(),
            seconds,
            lexical_lexicon,
            alias_vectors,
            alias_columns,
            alias_starts,
            artefacts.digest if artefacts is not None else "",
        )

    def __len__(self) -> int:
        return len(self.codes)

    def signals(
        self, queries: Sequence[str], *, names: Sequence[str] | None = None, clean: bool = True
    ) -> dict[str, np.ndarray]:
        """Every available signal for ``queries``: name → (q, n) float32, columns in :attr:`codes` order.

        Queries are cleaned with :func:`query_text` (``clean`` False: as given, which the
        evaluation of posting structure compares against). ``names`` restricts the computation to those
        signals. Dense signals come from the vector indexes (-inf where an ANN index returned
        nothing for a code, and for ``dense_lexicon`` where a code has no alias).
        """
        wanted = set(names) if names is not None else set(SIGNALS)
        cleaned = [query_text(q) for q in queries] if clean else list(queries)
        out: dict[str, np.ndarray] = {}
        if "bm25_text" in wanted:
            out["bm25_text"] = self.lexical_text.scores(cleaned)
        if "bm25_name" in wanted:
            out["bm25_name"] = self.lexical_name.scores(cleaned)
        if "bm25_lexicon" in wanted and self.lexical_lexicon is not None and len(self.lexical_lexicon):
            out["bm25_lexicon"] = self._per_code_max(self.lexical_lexicon.scores(cleaned), floor=0.0)
        dense = [n for n in ("dense_text", "dense_name", "dense_lexicon") if n in wanted]
        if dense and self.encoder is not None and cleaned:
            vectors = self.encoder.encode(cleaned, kind="query")
            column = {c: i for i, c in enumerate(self.codes)}
            for name in dense:
                if name == "dense_lexicon":
                    if self.alias_vectors is not None:
                        cosines = np.asarray(vectors, dtype=np.float32) @ self.alias_vectors.T
                        out[name] = self._per_code_max(cosines, floor=-np.inf)
                    continue
                index = self.dense_text if name == "dense_text" else self.dense_name
                assert index is not None
                ids, scores = index.search(vectors, len(self.codes))
                out[name] = scatter(ids, scores, column, len(self.codes))
        return out

    def _per_code_max(self, alias_scores: np.ndarray, *, floor: float) -> np.ndarray:
        """(q, m) scores of the aliases → (q, n) float32: per occupation its best alias's score,
        ``floor`` for an occupation without aliases."""
        assert self.alias_columns is not None and self.alias_starts is not None
        out = np.full((alias_scores.shape[0], len(self.codes)), floor, dtype=np.float32)
        out[:, self.alias_columns] = np.maximum.reduceat(alias_scores, self.alias_starts, axis=1)
        return out

    def scores(self, queries: Sequence[str], method: str = DEFAULT_METHOD) -> np.ndarray:
        """Fused score of every occupation: (q, n) float32, higher is better."""
        weights = self.weights.for_method(method)
        if method != "bm25" and self.encoder is None:
            raise ValueError(f"method {method!r} needs an encoder; this matcher was built without one")
        signals = self.signals(queries, names=list(weights))
        return fuse(signals, weights, norm_top=self.weights.norm_top)

    def match(
        self, queries: Sequence[str], top: int = 10, method: str = DEFAULT_METHOD
    ) -> list[list[tuple[str, str, float]]]:
        """Best ``top`` occupations per query as (code, name, score), best first.

        An empty (or all-boilerplate) query returns an empty list rather than arbitrary codes.
        """
        scores = self.scores(queries, method)
        index, best = topk(scores, top)
        results: list[list[tuple[str, str, float]]] = []
        for row, query in enumerate(queries):
            if not query_text(query).strip():
                results.append([])
                continue
            results.append(
                [
                    (self.codes[i], self.names[i], round(float(s), 6))
                    for i, s in zip(index[row], best[row], strict=True)
                    if np.isfinite(s)
                ]
            )
        return results


def occupation_index_texts(
    catalogue: pl.DataFrame, *, fields: tuple[str, ...] = OCCUPATION_FIELDS, use_work_types: bool = False
) -> tuple[list[str], list[str]]:
    """(text, name text) of every occupation, one per code in catalogue order, as the matcher indexes them."""
    rows = catalogue.unique(subset="code", keep="first", maintain_order=True).to_dicts()
    texts = [occupation_text(r, fields=fields, use_work_types=use_work_types) for r in rows]
    names = [occupation_name_text(r, use_work_types=use_work_types) for r in rows]
    return texts, names


def fuse(
    signals: Mapping[str, np.ndarray], weights: Mapping[str, float], *, norm_top: int = 100
) -> np.ndarray:
    """Weighted min-max fusion of named signals (q, n) → (q, n) float32 in [0, 1].

    Weights are rescaled to sum to 1 so a fused score reads the same whatever the method: 1 means
    "best on every signal used" (see :mod:`embeddings.hybrid`).
    """
    names = [n for n in weights if n in signals and weights[n]]
    if not names:
        raise ValueError(f"none of the signals {sorted(weights)} is available")
    total = float(sum(weights[n] for n in names))
    return weighted_fusion(
        [signals[n] for n in names], [weights[n] / total for n in names], norm_top=norm_top
    )
