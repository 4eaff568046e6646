"""Speed benchmark of the pathway recommender at province scale, in-process.

    python -m eval.bench_recommender --programmes 50000 --orders 50000 --workers 1000000

Builds a synthetic catalogue, open orders and workers directly as records (no database), with
stored embeddings (occupation-clustered unit vectors, 384-d float32; workers' in a memory-mapped
.npy file), faiss indexes (:class:`embeddings.vector_index.FaissIndex`, IVF at this size) and the
city subsidy policies, then measures:

1. one worker's top-10 pathways: faiss retrieval + :func:`matcher.pathways.recommend`, text
   encoding excluded (embeddings are stored) — p50/p99 over ``--queries`` random workers;
2. one order's top-50 candidates: faiss search over all workers + workers of the order's
   occupation + :func:`matcher.candidates.rank_candidates` — p50/p99;
3. a batch run over ``--batch-workers`` workers (all of them by default) in chunks (batched faiss
   search, then the core per worker), written to Parquet with a progress bar; throughput, the
   projected time for 1,000,000 workers and the CPU time per worker (all processes), which depends
   far less than wall time on what else the machine runs.

Results go to ``eval/results/recommender_bench.json`` and are summarised in
``eval/results/recommender.md`` by hand from that file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import resource
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from matcher.candidates import rank_candidates
from matcher.pathways import Candidates, MatchContext, WorkerQuery, recommend
from matcher.tables import OrderTable, ProgrammeTable
from matcher.types import (
    EDUCATION_ORDER,
    TRAINING_TYPES,
    HeldCertificate,
    InstitutionInfo,
    OrderRecord,
    Place,
    ProgrammeRecord,
    WorkerProfile,
)

__all__ = ["main"]

DIM = 384
TODAY = dt.date(2026, 12, 1)
# Shanxi's bounding box, roughly
LAT = (34.6, 40.7)
LON = (110.2, 114.6)
CITIES = (
    "140100",
    "140200",
    "140300",
    "140400",
    "140500",
    "140600",
    "140700",
    "140800",
    "140900",
    "141000",
    "141100",
)
RESULTS = Path(__file__).resolve().parent / "results"


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


@dataclass
class Synthetic:
    occupations: list[str]
    centroids: np.ndarray
    programmes: ProgrammeTable
    orders: OrderTable
    w_occ: np.ndarray  # (n,) index into occupations: the worker's main skill
    w_want: np.ndarray  # (n,) desired occupation index
    w_cert: np.ndarray  # (n,) certificate level, 0 = none
    w_lat: np.ndarray
    w_lon: np.ndarray
    w_birth: np.ndarray
    w_edu: np.ndarray
    w_km: np.ndarray
    w_place: np.ndarray  # 0 local, 1 city, 2 anywhere
    w_flags: np.ndarray  # bit 0 consent, bit 1 entrepreneurship, bit 2 脱贫劳动力
    w_vectors: np.ndarray  # (n, DIM) float32 memmap

    def worker(self, i: int) -> WorkerProfile:
        occ = self.occupations[self.w_occ[i]]
        place = ("local", "city", "anywhere")[self.w_place[i]]
        city = CITIES[i % len(CITIES)]
        flags = int(self.w_flags[i])
        cert = int(self.w_cert[i])
        return WorkerProfile(
            id=f"W{i:07d}",
            birth_year=int(self.w_birth[i]),
            gender="男" if i % 2 else "女",
            education=EDUCATION_ORDER[int(self.w_edu[i])],
            home=Place(CITIES[(i * 7) % len(CITIES)], float(self.w_lat[i]), float(self.w_lon[i])),
            skills_text="干过活",
            desired_occupations=(self.occupations[self.w_want[i]],),
            desired_place=place,
            desired_city=Place(city, 37.87, 112.55) if place == "city" else None,
            max_commute_km=float(self.w_km[i]),
            expected_wage=4000 + (i % 5) * 500,
            entrepreneurship=bool(flags & 2),
            groups=frozenset({"脱贫劳动力"}) if flags & 4 else frozenset(),
            certificates=(HeldCertificate(occ, cert, 2020),) if cert else (),
            consent_share=bool(flags & 1),
        )

    def query(self, i: int) -> WorkerQuery:
        return WorkerQuery(
            self.worker(i), np.asarray(self.w_vectors[i]), frozenset({self.occupations[self.w_occ[i]]})
        )

    # -- api.services.recommend.batch.WorkerSource ------------------------------------------------
    def __len__(self) -> int:
        return len(self.w_occ)

    def order(self) -> np.ndarray:
        """Workers of one skill together (they share most candidate programmes), within it those of
        one group and birth year (their subsidy estimates for a programme coincide, so the batch's
        per-chunk memo answers them), then by desired occupation."""
        from api.services.recommend.batch import positions_sorted_by

        return positions_sorted_by((self.w_want, self.w_birth, self.w_flags & 4, self.w_occ))

    def vectors(self, positions: np.ndarray) -> np.ndarray:
        # sorted reads keep the memory-mapped file access sequential
        return np.asarray(self.w_vectors[np.sort(positions)])[np.argsort(np.argsort(positions))]

    def queries(self, positions: np.ndarray, vectors: np.ndarray) -> list[WorkerQuery]:
        occ = self.occupations
        return [
            WorkerQuery(self.worker(i), vectors[r], frozenset({occ[self.w_occ[i]]}))
            for r, i in enumerate(positions.tolist())
        ]


def build(n_programmes: int, n_orders: int, n_workers: int, workdir: Path, seed: int = 7) -> Synthetic:
    rng = np.random.default_rng(seed)
    occupations = [
        f"6-{a:02d}-{b:02d}-{c:02d}" for a in range(1, 31) for b in range(1, 4) for c in range(1, 5)
    ]
    centroids = _unit(rng.normal(size=(len(occupations), DIM)))
    inst = [
        InstitutionInfo(
            f"I{k:05d}",
            f"第{k}职业培训学校",
            "民办培训机构",
            "suspended" if k % 50 == 0 else "active",
            0.9,
            float(rng.uniform(0.4, 0.95)),
            float(rng.uniform(0.4, 0.9)),
        )
        for k in range(max(n_programmes // 40, 1))
    ]

    def place(k: int, lat: float, lon: float) -> Place:
        return Place(CITIES[k % len(CITIES)], float(lat), float(lon))

    p_occ = rng.integers(0, len(occupations), n_programmes)
    p_lat, p_lon = rng.uniform(*LAT, n_programmes), rng.uniform(*LON, n_programmes)
    p_start = rng.integers(-20, 150, n_programmes)
    p_len = rng.integers(7, 60, n_programmes)
    progs = [
        ProgrammeRecord(
            id=f"P{k:06d}",
            title=f"第{k}期培训班",
            institution=inst[k % len(inst)],
            occupation_code=occupations[p_occ[k]],
            level=int(rng.choice([5, 4, 3, 0])),
            training_type=TRAINING_TYPES[k % len(TRAINING_TYPES)],
            delivery=("线下", "线上", "混合")[k % 10 % 3 if k % 10 < 3 else 0],
            place=place(k, p_lat[k], p_lon[k]),
            start_date=TODAY + dt.timedelta(days=int(p_start[k])),
            end_date=TODAY + dt.timedelta(days=int(p_start[k] + p_len[k])),
            hours=int(p_len[k] * 6),
            seats=40,
            seats_left=int(rng.integers(0, 30)),
            fee=int(rng.choice([0, 800, 1500, 2800])),
            certificate="证书",
            min_age=16,
            max_age=int(rng.choice([55, 60])),
            min_education=None if k % 4 else "初中",
        )
        for k in range(n_programmes)
    ]
    o_occ = rng.integers(0, len(occupations), n_orders)
    o_lat, o_lon = rng.uniform(*LAT, n_orders), rng.uniform(*LON, n_orders)
    o_start = rng.integers(-10, 180, n_orders)
    orders = [
        OrderRecord(
            id=f"O{k:06d}",
            employer_name=f"第{k}公司",
            employer_kind="企业",
            occupation_code=occupations[o_occ[k]],
            head_count=10,
            place=place(k, o_lat[k], o_lon[k]),
            wage_min=4000 + 100 * (k % 30),
            wage_max=6000 + 100 * (k % 30),
            start_date=TODAY + dt.timedelta(days=int(o_start[k])),
            required_level=None if k % 3 else 4,
            requires_certificate=k % 4 == 0,
            min_age=18,
            max_age=60,
            employer_trains=k % 5 == 0,
            priority=k % 4,
        )
        for k in range(n_orders)
    ]
    p_emb = _unit(centroids[p_occ] + 0.6 * rng.normal(size=(n_programmes, DIM)).astype(np.float32))
    o_emb = _unit(centroids[o_occ] + 0.6 * rng.normal(size=(n_orders, DIM)).astype(np.float32))
    w_occ = rng.integers(0, len(occupations), n_workers)
    w_want = np.where(rng.random(n_workers) < 0.5, w_occ, rng.integers(0, len(occupations), n_workers))
    workdir.mkdir(parents=True, exist_ok=True)
    vectors = np.lib.format.open_memmap(
        workdir / "worker_vectors.npy", mode="w+", dtype=np.float32, shape=(n_workers, DIM)
    )
    for s in range(0, n_workers, 100_000):
        e = min(s + 100_000, n_workers)
        vectors[s:e] = _unit(centroids[w_occ[s:e]] + 0.8 * rng.normal(size=(e - s, DIM)).astype(np.float32))
    vectors.flush()
    return Synthetic(
        occupations,
        centroids,
        ProgrammeTable.from_records(progs, p_emb),
        OrderTable.from_records(orders, o_emb),
        w_occ,
        w_want,
        np.where(rng.random(n_workers) < 0.3, rng.choice([5, 4, 3], n_workers), 0),
        rng.uniform(*LAT, n_workers),
        rng.uniform(*LON, n_workers),
        rng.integers(1962, 2008, n_workers),
        rng.integers(0, 5, n_workers),
        rng.choice([10.0, 30.0, 50.0, 100.0], n_workers),
        rng.choice([0, 1, 2], n_workers, p=[0.5, 0.3, 0.2]),
        (rng.random(n_workers) < 0.7) * 1
        + (rng.random(n_workers) < 0.1) * 2
        + (rng.random(n_workers) < 0.2) * 4,
        np.load(workdir / "worker_vectors.npy", mmap_mode="r"),
    )


def _support_fns():  # type: ignore[no-untyped-def]
    """The service's subsidy functions: the full estimate under the city policy in force (the full
    fee where none), and the amounts the ranking reads of it
    (:class:`matcher.subsidy.PolicyAmounts`), as ``Recommender.context`` builds them."""
    from data.policy_loader import PolicyNotFound, load_city_policy
    from matcher.subsidy import PolicyAmounts, city_code_of, estimate_support, unpriced

    books: dict[str, Any] = {}
    # loaded up front, as the service does on its first request (``Recommender.allowance_groups``),
    # so a timed request never parses a policy file
    for city in sorted({city_code_of(c) for c in CITIES}):
        try:
            books[city] = load_city_policy(city)
        except PolicyNotFound:
            books[city] = None

    def policy_of(programme):  # type: ignore[no-untyped-def]
        book = books[city_code_of(programme.place.adcode)]
        return book.find(programme.start_date) if book is not None else None

    def support(worker, programme, order):  # type: ignore[no-untyped-def]
        policy = policy_of(programme)
        if policy is None:
            return unpriced(programme, order)
        return estimate_support(worker, programme, policy, order)

    return support, PolicyAmounts(policy_of)


def _allowance_groups() -> frozenset[str]:
    from data.policy_loader import available_cities, load_city_policy

    groups: set[str] = set()
    for city in available_cities():
        for version in load_city_policy(city).versions:
            groups |= version.living.groups
    return frozenset(groups)


def _cpu_s(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _pct(ms: Sequence[float]) -> dict[str, float]:
    a = np.asarray(ms)
    return {
        "p50_ms": float(np.percentile(a, 50)),
        "p99_ms": float(np.percentile(a, 99)),
        "mean_ms": float(a.mean()),
        "n": len(a),
    }


def main(argv: Sequence[str] | None = None) -> None:
    from threadpoolctl import threadpool_limits

    from embeddings.vector_index import FaissIndex

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--programmes", type=int, default=50_000)
    ap.add_argument("--orders", type=int, default=50_000)
    ap.add_argument("--workers", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=500)
    ap.add_argument("--order-queries", type=int, default=200)
    ap.add_argument("--batch-workers", type=int, default=None, help="workers in the batch run (default: all)")
    ap.add_argument("--processes", type=int, default=2, help="worker processes of the batch run")
    ap.add_argument("--workdir", type=Path, default=Path("var/bench-recommender"))
    ap.add_argument("--out", type=Path, default=RESULTS / "recommender_bench.json")
    args = ap.parse_args(argv)
    report: dict[str, Any] = {
        "scale": {"programmes": args.programmes, "orders": args.orders, "workers": args.workers}
    }
    t0 = time.perf_counter()
    syn = build(args.programmes, args.orders, args.workers, args.workdir)
    report["build_records_s"] = time.perf_counter() - t0
    print(f"records built in {report['build_records_s']:.0f} s", flush=True)
    t0 = time.perf_counter()
    p_emb, o_emb = syn.programmes.embeddings, syn.orders.embeddings
    assert p_emb is not None and o_emb is not None  # build() always stores them
    p_index = FaissIndex.build(list(syn.programmes.ids), p_emb, model="bench")
    o_index = FaissIndex.build(list(syn.orders.ids), o_emb, model="bench")
    # 256 lists: faiss trains k-means on 256 points per list, so training stays at ~65k vectors
    # (the default 4·√n = 4,000 lists would train on all 1M: most of an hour on two busy cores)
    w_index = FaissIndex.build(
        [f"W{i:07d}" for i in range(args.workers)],
        np.asarray(syn.w_vectors),
        model="bench",
        kind="ivf",
        nlist=min(256, max(1, args.workers // 39)),
    )
    print(f"indexes built in {time.perf_counter() - t0:.0f} s", flush=True)
    report["build_indexes_s"] = time.perf_counter() - t0
    report["index_kinds"] = {"programmes": p_index.kind, "orders": o_index.kind, "workers": w_index.kind}
    groups = _allowance_groups()
    support, amounts = _support_fns()
    ctx = MatchContext(
        TODAY,
        support=support,
        allowance_possible=lambda w: bool(w.groups & groups),
        support_amounts=amounts,
    )
    # as the service does after building its tables (api.routers.recommend.on_startup)
    gc.collect()
    gc.freeze()
    rng = np.random.default_rng(1)

    def one_worker(i: int) -> int:
        q = syn.query(i)
        assert q.embedding is not None
        p_ids, _ = p_index.search(q.embedding[None, :], 100)
        o_ids, _ = o_index.search(q.embedding[None, :], 100)
        cands = Candidates(
            syn.programmes.rows_for([x for x in p_ids[0] if x]),
            syn.orders.rows_for([x for x in o_ids[0] if x]),
        )
        return len(recommend(q, cands, syn.programmes, syn.orders, ctx, 10).pathways)

    # one request is single-threaded: on two shared cores, BLAS/OpenMP threads for a (m, 384)
    # product or one faiss probe only add switching and spinning (p50 6.9 → 3.0 ms measured)
    with threadpool_limits(1):
        for i in rng.integers(0, args.workers, 20):  # warm-up
            one_worker(int(i))
        times, sizes = [], []
        cpu0 = time.process_time()
        for i in rng.integers(0, args.workers, args.queries):
            s = time.perf_counter()
            sizes.append(one_worker(int(i)))
            times.append((time.perf_counter() - s) * 1000)
        cpu = time.process_time() - cpu0
    report["worker_top10"] = {
        **_pct(times),
        "cpu_mean_ms": cpu / len(times) * 1000,
        "mean_pathways": float(np.mean(sizes)),
        "target_p99_ms": 20,
        "threads": 1,
        "load_average": os.getloadavg(),
    }

    by_occ: dict[int, np.ndarray] = {}
    order_w = np.argsort(syn.w_occ, kind="stable")
    bounds = np.searchsorted(syn.w_occ[order_w], np.arange(len(syn.occupations) + 1))
    for k in range(len(syn.occupations)):
        by_occ[k] = order_w[bounds[k] : bounds[k + 1]]
    occ_index = {c: k for k, c in enumerate(syn.occupations)}

    def one_order(j: int) -> int:
        order = syn.orders.records[j]
        vec = o_emb[j]
        ids, _ = w_index.search(vec[None, :], 300)
        dense = [int(x[1:]) for x in ids[0] if x]
        same = by_occ[occ_index[order.occupation_code]]
        pool = sorted(set(dense) | set(rng.choice(same, min(200, len(same)), replace=False).tolist()))
        queries = [syn.query(i) for i in pool]
        res = rank_candidates(order, queries, syn.programmes, ctx, order_embedding=vec, k=50)
        return len(res.candidates)

    for j in rng.integers(0, args.orders, 5):
        one_order(int(j))
    times, sizes = [], []
    cpu0 = time.process_time()
    for j in rng.integers(0, args.orders, args.order_queries):
        s = time.perf_counter()
        sizes.append(one_order(int(j)))
        times.append((time.perf_counter() - s) * 1000)
    cpu = time.process_time() - cpu0
    report["order_top50"] = {
        **_pct(times),
        "cpu_mean_ms": cpu / len(times) * 1000,
        "mean_candidates": float(np.mean(sizes)),
        "target_p99_ms": 100,
        "load_average": os.getloadavg(),
    }

    report["batch"] = batch(syn, p_index, o_index, ctx, args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps(report, ensure_ascii=False, indent=2))


def batch(syn: Synthetic, p_index, o_index, ctx: MatchContext, args: argparse.Namespace) -> dict:  # type: ignore[no-untyped-def]
    """Top-10 pathways for ``--batch-workers`` workers (all by default) through the product's
    batch runner (:func:`api.services.recommend.batch.run_batch`), to Parquet; returns timings."""
    from api.services.recommend.batch import run_batch

    n = args.batch_workers or args.workers
    out = args.workdir / "batch.parquet"
    # CPU time of this process and of the batch's worker processes (counted once they are joined)
    own0, kids0 = _cpu_s(resource.RUSAGE_SELF), _cpu_s(resource.RUSAGE_CHILDREN)
    stats = run_batch(
        syn,
        syn.programmes,
        syn.orders,
        p_index,
        o_index,
        lambda _w: ctx,
        out,
        processes=args.processes,
        limit=n,
    )
    own, kids = _cpu_s(resource.RUSAGE_SELF) - own0, _cpu_s(resource.RUSAGE_CHILDREN) - kids0
    return {
        "workers": stats.workers,
        "rows": stats.rows,
        # all CPU the run took (ranking in the worker processes, writing in this one) per worker;
        # the throughput two free cores would give is 2000 / this
        "cpu_ms_per_worker": (own + kids) / stats.workers * 1000,
        "cpu_s_worker_processes": kids,
        "cpu_s_parent": own,
        "no_pathway": stats.no_pathway,
        "processes": stats.processes,
        "seconds": stats.seconds,
        "workers_per_s": stats.workers_per_s,
        "projected_1m_minutes": 1_000_000 / stats.workers_per_s / 60,
        "target_minutes": 15,
        "load_average_after": os.getloadavg(),
        "parquet": str(out),
    }


if __name__ == "__main__":
    main()
