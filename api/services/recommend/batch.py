"""Batch recommendation: every worker's top-k pathways, over all cores, written to Parquet.

The same core as one request (:func:`matcher.ranking.rank_pathways`, which
:func:`matcher.pathways.recommend` explains: same inputs → same pathways and scores); what differs
is only how the work is fed and that no explanation is written:

- workers are processed in an order chosen by the source (:meth:`WorkerSource.order`), so that
  neighbours share occupations (hence candidate programmes and orders, whose worker-independent
  parts — gap-closing programmes, subsidy terms — the core caches) and, for a context without
  ``support_amounts``, subsidy estimates (:class:`matcher.subsidy.PolicySupportMemo`, emptied
  after every chunk);
- the dense retrieval of a chunk is one faiss search of all its worker vectors;
- chunks go to ``processes`` forked worker processes that share the read-only tables, indexes and
  contexts built before the fork (copy-on-write; ``gc.freeze`` keeps the collector from touching,
  hence copying, those pages);
- the parent writes each chunk's rows to one Parquet file (polars frames through a single
  ``pyarrow`` writer, zstd) in chunk order, with a progress bar.

Rows: ``worker_id``, ``rank`` (1-based), ``kind``, ``programme_id``, ``order_id`` (null when the
pathway has none), ``score`` (float64, exactly the ranking's score), ``status`` of the worker's
recommendation ("ok" rows only; workers with no pathway get no row and are counted).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import multiprocessing
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from matcher.pathways import Candidates, MatchContext, WorkerQuery
from matcher.ranking import rank_pathways
from matcher.subsidy import city_code_of
from matcher.subsidy.support import PolicySupportMemo
from matcher.tables import OrderTable, ProgrammeTable
from matcher.types import WorkerProfile

if TYPE_CHECKING:
    from api.services.recommend import Recommender
    from embeddings.vector_index import FaissIndex

__all__ = [
    "BATCH_COLUMNS",
    "BatchStats",
    "Retriever",
    "ServiceWorkers",
    "WorkerSource",
    "positions_sorted_by",
    "recommend_all",
    "run_batch",
]

#: (vectors (n, d) float32, the n queries) -> n candidate sets; replaces the default retrieval
#: (dense neighbours only) when a product adds more sources, e.g. BM25 over the profile texts
Retriever = Callable[[np.ndarray, Sequence[WorkerQuery]], Sequence[Candidates]]

BATCH_COLUMNS: tuple[str, ...] = ("worker_id", "rank", "kind", "programme_id", "order_id", "score")


class WorkerSource(Protocol):
    """The workers of a batch run, addressed by position 0..len-1."""

    def __len__(self) -> int: ...

    def order(self) -> np.ndarray:
        """(n,) int64 permutation of positions: the processing order (any order gives the same
        rows per worker; a good one groups workers whose subsidy estimates coincide)."""
        ...

    def vectors(self, positions: np.ndarray) -> np.ndarray:
        """(len(positions), d) float32 stored embeddings of those workers."""
        ...

    def queries(self, positions: np.ndarray, vectors: np.ndarray) -> list[WorkerQuery]:
        """The workers at ``positions`` as queries (``vectors`` are their embeddings, in order)."""
        ...


@dataclass(frozen=True, slots=True)
class BatchStats:
    workers: int
    rows: int
    no_pathway: int
    seconds: float
    processes: int
    out: Path

    @property
    def workers_per_s(self) -> float:
        return self.workers / self.seconds if self.seconds > 0 else float("inf")


@dataclass(slots=True)
class _Job:
    source: WorkerSource
    programmes: ProgrammeTable
    orders: OrderTable
    programme_index: FaissIndex
    order_index: FaissIndex
    context: Callable[[WorkerProfile], MatchContext]
    k: int
    dense_programmes: int
    dense_orders: int
    positions: np.ndarray
    retrieve: Retriever | None


# set in the parent before the pool forks; the children read it (never pickled)
_JOB: _Job | None = None


def _single_threaded() -> Callable[[], None]:
    """Limit BLAS and OpenMP (faiss) to one thread; returns a function that restores them.

    One process per core: a second thread per process only adds switching and spinning."""
    from threadpoolctl import threadpool_limits

    limits = threadpool_limits(1)
    try:
        import faiss
    except ImportError:  # pragma: no cover - faiss is a dependency of the indexes
        return limits.restore_original_limits
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)

    def restore() -> None:
        limits.restore_original_limits()
        faiss.omp_set_num_threads(before)

    return restore


def _init_child() -> None:
    _single_threaded()


def _rows_of(row_of: dict[str, int], ids: np.ndarray) -> list[np.ndarray]:
    """Table rows of a (q, k) object array of search hits, per query: ``rows_for`` of the
    non-empty ids of each row of ``ids``, in one pass over the chunk."""
    get = row_of.get
    hits = ids.ravel().tolist()
    # an empty id is a slot the search did not fill
    found = [get(x, -1) for x in hits] if "" not in row_of else [get(x, -1) if x else -1 for x in hits]
    flat = np.asarray(found, dtype=np.int64).reshape(ids.shape)
    return [r[r >= 0] for r in flat]


def _run_chunk(bounds: tuple[int, int]) -> tuple[dict[str, list[Any]], int, int]:
    """Rows of the workers ``positions[start:end]``; returns (columns, workers, no-pathway count)."""
    job = _JOB
    assert job is not None
    positions = job.positions[bounds[0] : bounds[1]]
    vectors = np.ascontiguousarray(job.source.vectors(positions), dtype=np.float32)
    queries = job.source.queries(positions, vectors)
    if job.retrieve is not None:
        candidates = list(job.retrieve(vectors, queries))
    else:
        p_ids, _ = job.programme_index.search(vectors, job.dense_programmes)
        o_ids, _ = job.order_index.search(vectors, job.dense_orders)
        p_rows = _rows_of(job.programmes.row_of, p_ids)
        o_rows = _rows_of(job.orders.row_of, o_ids)
        candidates = [Candidates(p, o) for p, o in zip(p_rows, o_rows, strict=True)]
    # the rows carry no explanation, so the ranking alone is enough (a request explains the same
    # ranking); a context without cheap subsidy amounts gets one memo of full estimates per chunk
    # (sorted neighbours share them), emptied with the chunk so it never grows into the collector's way
    memos: dict[int, tuple[MatchContext, MatchContext]] = {}
    p_ids, o_ids = job.programmes.ids, job.orders.ids
    worker_ids: list[str] = []
    ranks: list[int] = []
    kinds: list[str] = []
    programme_ids: list[str | None] = []
    order_ids: list[str | None] = []
    scores: list[float] = []
    empty = 0
    for r, q in enumerate(queries):
        ctx = job.context(q.worker)
        if ctx.support_amounts is None:
            entry = memos.get(id(ctx))
            if entry is None:
                memo = PolicySupportMemo(ctx.support)
                entry = memos[id(ctx)] = (ctx, dataclasses.replace(ctx, support=memo))
            ctx = entry[1]
        ranking = rank_pathways(q, candidates[r], job.programmes, job.orders, ctx, job.k)
        if not ranking.pathways:
            empty += 1
            continue
        n = len(ranking.pathways)
        worker_ids += [q.worker.id] * n
        ranks += range(1, n + 1)
        for p in ranking.pathways:
            kinds.append(p.kind)
            programme_ids.append(p_ids[p.programme_row] if p.programme_row >= 0 else None)
            order_ids.append(o_ids[p.order_row] if p.order_row >= 0 else None)
            scores.append(p.score)
    cols: dict[str, list[Any]] = {
        "worker_id": worker_ids,
        "rank": ranks,
        "kind": kinds,
        "programme_id": programme_ids,
        "order_id": order_ids,
        "score": scores,
    }
    return cols, len(queries), empty


def run_batch(
    source: WorkerSource,
    programmes: ProgrammeTable,
    orders: OrderTable,
    programme_index: FaissIndex,
    order_index: FaissIndex,
    context: Callable[[WorkerProfile], MatchContext],
    out: Path,
    *,
    k: int = 10,
    processes: int = 2,
    chunk: int = 1000,
    limit: int | None = None,
    dense_programmes: int = 100,
    dense_orders: int = 100,
    retrieve: Retriever | None = None,
    progress: bool = True,
) -> BatchStats:
    """Top-``k`` pathways of the first ``limit`` workers of ``source.order()`` (all by default),
    written to the Parquet file ``out``. ``context(worker)`` must return the same
    :class:`MatchContext` object for workers that share one (cache it per city). Candidates come
    from ``retrieve`` when given, else from the ``dense_programmes`` / ``dense_orders`` nearest
    neighbours of each worker's vector in the two indexes (one batched search per chunk)."""
    import polars as pl
    import pyarrow.parquet as pq
    from tqdm import tqdm

    global _JOB
    positions = np.asarray(source.order(), dtype=np.int64)
    if limit is not None:
        positions = positions[:limit]
    n = len(positions)
    _JOB = _Job(
        source,
        programmes,
        orders,
        programme_index,
        order_index,
        context,
        k,
        dense_programmes,
        dense_orders,
        positions,
        retrieve,
    )
    schema = {
        "worker_id": pl.String,
        "rank": pl.Int8,
        "kind": pl.String,
        "programme_id": pl.String,
        "order_id": pl.String,
        "score": pl.Float64,
    }
    bounds = [(s, min(s + chunk, n)) for s in range(0, n, chunk)]
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    rows = empty = 0
    start = time.perf_counter()
    pool = None
    restore: Callable[[], None] | None = None
    # the tables and indexes are read-only from here on: keep the collector off their pages
    frozen_before = gc.get_freeze_count() > 0
    gc.collect()
    gc.freeze()
    try:
        if processes > 1 and n > chunk:
            pool = multiprocessing.get_context("fork").Pool(processes, initializer=_init_child)
            results: Any = pool.imap(_run_chunk, bounds)
        else:
            restore = _single_threaded()
            results = map(_run_chunk, bounds)
        writer = None
        with tqdm(total=n, unit="人", desc="批量推荐", disable=not progress) as bar:
            for cols, done, no_path in results:
                table = pl.DataFrame(cols, schema=schema).to_arrow()
                if writer is None:
                    writer = pq.ParquetWriter(out, table.schema, compression="zstd")
                writer.write_table(table)
                rows += len(cols["worker_id"])
                empty += no_path
                bar.update(done)
        if writer is None:
            pl.DataFrame(schema=schema).write_parquet(out)
        else:
            writer.close()
    finally:
        if pool is not None:
            pool.close()
            pool.join()
        if restore is not None:
            restore()
        if not frozen_before:  # leave a caller's own freeze (a service's tables) in place
            gc.unfreeze()
        _JOB = None
    return BatchStats(n, rows, empty, time.perf_counter() - start, processes if pool else 1, out)


def positions_sorted_by(keys: Sequence[np.ndarray]) -> np.ndarray:
    """A processing order: positions sorted by ``keys`` (last key most significant, as
    ``np.lexsort``), ties by position."""
    n = len(keys[0])
    return np.lexsort((np.arange(n), *keys)).astype(np.int64)


class ServiceWorkers:
    """Every stored worker of a :class:`~api.services.recommend.Recommender`, as a batch source.

    Brings every stored profile up to date first (encoding only new or changed profiles, in
    bounded batches), then loads the workers and their profiles once and orders them by desired
    occupation, group and birth year (see :meth:`WorkerSource.order`).
    """

    def __init__(self, recommender: Recommender) -> None:
        from sqlalchemy.orm import Session

        from api.services.records import load_workers

        recommender.sync_workers()
        self.snapshot = snap = recommender.snapshot
        with Session(recommender.engine) as session:
            self.workers = [r for _, r in load_workers(session, snap.regions)]
            profiles = {}
            ids = [w.id for w in self.workers]
            for start in range(0, len(ids), 5000):
                profiles.update(recommender.store.read(session, ids[start : start + 5000]))
        self.recommender = recommender
        self.ids = ids
        dim = recommender.store.dimension
        self._vectors = (
            np.vstack([profiles[i].vector for i in ids]) if ids else np.zeros((0, dim), np.float32)
        )
        self.codes = [(profiles[i].skills, profiles[i].wishes) for i in ids]

    def __len__(self) -> int:
        return len(self.workers)

    def order(self) -> np.ndarray:
        def key(j: int) -> tuple[object, ...]:
            w = self.workers[j]
            return (w.desired_occupations, sorted(w.groups), w.birth_year, w.id)

        return np.asarray(sorted(range(len(self.workers)), key=key), dtype=np.int64)

    def vectors(self, positions: np.ndarray) -> np.ndarray:
        return self._vectors[positions]

    def queries(self, positions: np.ndarray, vectors: np.ndarray) -> list[WorkerQuery]:
        out = []
        for r, j in enumerate(positions.tolist()):
            skills, wishes = self.codes[j]
            out.append(WorkerQuery(self.workers[j], vectors[r], skills, wishes))
        return out

    def retrieve(self, vectors: np.ndarray, queries: Sequence[WorkerQuery]) -> list[Candidates]:
        """Exactly :meth:`Recommender.retrieve` (dense neighbours, then BM25 hits of the profile
        text) for many workers, with one search per index."""
        from embeddings.texts import worker_text

        snap = self.snapshot
        s = self.recommender.sizes
        texts = [worker_text(q.worker, snap.occupation_names) for q in queries]
        dp = snap.programme_vectors.index.search(vectors, s.dense_programmes)[0].tolist()
        do = snap.order_vectors.index.search(vectors, s.dense_orders)[0].tolist()
        lex = [j for j, t in enumerate(texts) if t]
        bp: dict[int, list[str]] = {}
        bo: dict[int, list[str]] = {}
        if lex:
            found_p = snap.programme_bm25.search([texts[j] for j in lex], s.bm25_programmes)[0].tolist()
            found_o = snap.order_bm25.search([texts[j] for j in lex], s.bm25_orders)[0].tolist()
            bp, bo = dict(zip(lex, found_p, strict=True)), dict(zip(lex, found_o, strict=True))
        return [
            Candidates(
                snap.programmes.rows_for([i for i in dp[r] + bp.get(r, []) if i]),
                snap.orders.rows_for([i for i in do[r] + bo.get(r, []) if i]),
            )
            for r in range(len(queries))
        ]


def recommend_all(
    recommender: Recommender,
    out: Path,
    *,
    today: dt.date,
    k: int = 10,
    processes: int = 2,
    chunk: int = 1000,
    limit: int | None = None,
    progress: bool = True,
) -> BatchStats:
    """Every stored worker's top-``k`` pathways (as :meth:`Recommender.recommend_worker` gives
    them, with each worker's city weights) to the Parquet file ``out``."""
    source = ServiceWorkers(recommender)
    snap = source.snapshot
    contexts: dict[str, MatchContext] = {}

    def context(worker: WorkerProfile) -> MatchContext:
        city = city_code_of(worker.home.adcode)
        if city not in contexts:
            contexts[city] = snap.policies.context(worker.home.adcode, today)
        return contexts[city]

    # contexts are built before the fork so the children share them (and their policy books)
    for w in source.workers:
        context(w)
    return run_batch(
        source,
        snap.programmes,
        snap.orders,
        snap.programme_vectors.index,
        snap.order_vectors.index,
        context,
        out,
        k=k,
        processes=processes,
        chunk=chunk,
        limit=limit,
        retrieve=source.retrieve,
        progress=progress,
    )
