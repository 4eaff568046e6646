"""Pathway assembly: ranked job / train→job / train / start-up pathways for one worker.

Inputs are records and arrays only: the worker (with an optional (d,) float32 embedding and the
occupation codes recognised in the skills text), candidate programme and order rows produced by
retrieval outside the core, the columnar catalogue tables and a :class:`MatchContext` (today's
date, weights, the subsidy function). Output is a :class:`Recommendation` with at most ``k``
frozen :class:`Pathway` records, sorted by score (ties: kind order, then key), each with its
feature values, contributions and a Chinese explanation.

Scoring is exact but lazy in one respect: net cost and living allowance need the subsidy engine
for each (worker, programme) pair, so drafts are first ranked by an optimistic bound (free
training, full allowance) and the subsidy engine is consulted in that order until no remaining
draft can reach the top ``k``.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from matcher.explain import join_reasons, pathway_reasons
from matcher.features import (
    FEATURES,
    distance_value,
    priority_value,
    semantic_value,
    timing_value,
    wage_value,
)
from matcher.filters import Reach, gap_closing_rows, order_failures, programme_failures, qualifies_now
from matcher.profile import NEEDS_PROFILE_MESSAGE, is_profile_usable
from matcher.query import (
    Candidates,
    MatchContext,
    Pathway,
    Recommendation,
    WorkerQuery,
    known_occupations,
    similarities,
)
from matcher.scoring import KINDS, contributions
from matcher.support import SupportLike
from matcher.tables import OrderTable, ProgrammeTable, occupation_values_of

__all__ = [
    "Candidates",
    "MatchContext",
    "NO_MATCH_MESSAGE",
    "Pathway",
    "Recommendation",
    "WorkerQuery",
    "known_occupations",
    "recommend",
]

NO_MATCH_MESSAGE = "暂未找到您能参加的培训或岗位，可放宽通勤距离或补充求职意向"
_F = {name: i for i, name in enumerate(FEATURES)}
_KIND_ORDER = {k: i for i, k in enumerate(KINDS)}
_EMPTY_ROWS = np.zeros(0, dtype=np.int64)
_EMPTY_F = np.zeros(0, dtype=np.float64)


@dataclass(slots=True)
class _Drafts:
    """Growing column store of unscored pathways of all kinds."""

    kind: list[str] = field(default_factory=list)
    prog: list[int] = field(default_factory=list)
    order: list[int] = field(default_factory=list)
    feats: list[np.ndarray] = field(default_factory=list)
    blocks: list[tuple[str, int]] = field(default_factory=list)

    def add(self, kind: str, prog: np.ndarray, order: np.ndarray, feats: np.ndarray) -> None:
        n = len(feats)
        if n == 0:
            return
        self.blocks.append((kind, n))
        self.kind.extend([kind] * n)
        self.prog.extend(prog.tolist())
        self.order.extend(order.tolist())
        self.feats.append(feats)


class _Scorer:
    """Per-request state: reach of rows, similarities and a cache of subsidy estimates."""

    def __init__(self, query: WorkerQuery, programmes: ProgrammeTable, orders: OrderTable, ctx: MatchContext):
        self.q = query
        self.programmes = programmes
        self.orders = orders
        self.ctx = ctx
        self.w = ctx.weights
        self._support: dict[tuple[int, bool, str], SupportLike] = {}
        self.wvec = ctx.weights.vector
        # (rows, reach km, home km) of the rows that passed the filters; Reach records are made
        # only for the pathways returned
        self.p_reach: tuple[np.ndarray, np.ndarray, np.ndarray] = (_EMPTY_ROWS, _EMPTY_F, _EMPTY_F)
        self.o_reach: tuple[np.ndarray, np.ndarray, np.ndarray] = (_EMPTY_ROWS, _EMPTY_F, _EMPTY_F)

    def reach(self, row: int, programme: bool) -> Reach:
        rows, dist, home = self.p_reach if programme else self.o_reach
        j = int(np.searchsorted(rows, row))
        d, h = float(dist[j]), float(home[j])
        online = bool(programme and self.programmes.online[row])
        return Reach(d, h, abs(d - h) < 1e-9, online)

    def support(self, prog_row: int, order_row: int) -> SupportLike:
        order = self.orders.records[order_row] if order_row >= 0 else None
        # the estimate depends on the order only through who pays and what kind of employer it is
        key = (prog_row, bool(order and order.employer_trains), order.employer_kind if order else "")
        hit = self._support.get(key)
        if hit is None:
            hit = self._support[key] = self.ctx.support(
                self.q.worker, self.programmes.records[prog_row], order
            )
        return hit


def _unique(rows: np.ndarray) -> np.ndarray:
    return np.unique(np.asarray(rows, dtype=np.int64))


def recommend(
    query: WorkerQuery,
    candidates: Candidates,
    programmes: ProgrammeTable,
    orders: OrderTable,
    ctx: MatchContext,
    k: int = 10,
) -> Recommendation:
    """Top-``k`` pathways for one worker (see the module docstring)."""
    worker = query.worker
    if k <= 0:
        return Recommendation(worker.id, "ok", "", ())
    if not is_profile_usable(worker):
        return Recommendation(worker.id, "needs_profile", NEEDS_PROFILE_MESSAGE, ())
    sc = _Scorer(query, programmes, orders, ctx)
    w = ctx.weights
    today = ctx.today.toordinal()
    known = known_occupations(query)
    skills = frozenset(query.skill_occupations)
    drafts = _Drafts()

    # --- orders: filter, split into "can take now" and "needs training first" --------------
    o_rows = _unique(candidates.order_rows)
    o_bits, o_dist, o_home = order_failures(worker, orders, o_rows, ctx.today)
    ok = o_bits == 0
    o_rows, o_dist, o_home = o_rows[ok], o_dist[ok], o_home[ok]
    o_sim = similarities(query, orders, o_rows, np.asarray(candidates.order_rows), candidates.order_sim)
    o_occ = occupation_values_of(orders, o_rows, known)
    o_wage = wage_value(orders.wage_min[o_rows], orders.wage_max[o_rows], worker.expected_wage)
    o_prio = priority_value(orders.priority[o_rows], w.priority_cap)
    sc.o_reach = (o_rows, o_dist, o_home)
    ready = np.asarray(
        [qualifies_now(worker, orders.records[r], skills) for r in o_rows.tolist()], dtype=np.bool_
    )
    jr = ready
    job_f = np.zeros((int(jr.sum()), len(FEATURES)))
    job_f[:, _F["semantic"]] = semantic_value(o_sim[jr])
    job_f[:, _F["occupation"]] = o_occ[jr]
    job_f[:, _F["distance"]] = distance_value(o_dist[jr], w.distance_scale_km)
    job_f[:, _F["timing"]] = timing_value(orders.start[o_rows[jr]] - today, w.timing_scale_days)
    job_f[:, _F["wage"]] = o_wage[jr]
    job_f[:, _F["priority"]] = o_prio[jr]
    drafts.add("job", np.full(len(job_f), -1), o_rows[jr], job_f)

    # --- programmes: candidates, programmes of known occupations, programmes of gap orders ----
    gap = ~ready
    # programmes that could close each gap order's gap (occupation, level, certificate, ends
    # before the order starts); the worker-side filters run once on the union below
    closing: list[tuple[int, np.ndarray]] = []
    for j in np.flatnonzero(gap).tolist():
        order = orders.records[int(o_rows[j])]
        rows = programmes.by_occupation.get(order.occupation_code, _EMPTY_ROWS)
        if order.programme_id is not None and order.programme_id in programmes.row_of:
            rows = np.union1d(rows, [programmes.row_of[order.programme_id]])
        rows = rows[gap_closing_rows(programmes, rows, order)]
        if len(rows):
            closing.append((j, rows))
    extra: list[np.ndarray] = [np.asarray(candidates.programme_rows, dtype=np.int64)]
    extra += [programmes.by_occupation.get(code, _EMPTY_ROWS) for code in sorted(known)]
    extra += [rows for _, rows in closing]
    p_rows = _unique(np.concatenate(extra))
    p_bits, p_dist, p_home = programme_failures(worker, programmes, p_rows, ctx.today)
    ok = p_bits == 0
    p_rows, p_dist, p_home = p_rows[ok], p_dist[ok], p_home[ok]
    p_sim = similarities(
        query, programmes, p_rows, np.asarray(candidates.programme_rows), candidates.programme_sim
    )
    sc.p_reach = (p_rows, p_dist, p_home)

    # --- train → job: a passing programme that closes a passing gap order's gap in time ------
    passed = np.zeros(len(programmes), dtype=np.bool_)
    passed[p_rows] = True
    pairs_p: list[np.ndarray] = []
    pairs_o: list[np.ndarray] = []
    for j, rows in closing:
        rows = rows[passed[rows]]
        if len(rows):
            pairs_p.append(np.searchsorted(p_rows, rows))
            pairs_o.append(np.full(len(rows), j, dtype=np.int64))
    if pairs_p:
        pi = np.concatenate(pairs_p)
        oi = np.concatenate(pairs_o)
        pr, orow = p_rows[pi], o_rows[oi]
        f = np.zeros((len(pi), len(FEATURES)))
        f[:, _F["semantic"]] = semantic_value((p_sim[pi] + o_sim[oi]) / 2.0)
        f[:, _F["occupation"]] = o_occ[oi]
        f[:, _F["distance"]] = distance_value(np.maximum(p_dist[pi], o_dist[oi]), w.distance_scale_km)
        f[:, _F["timing"]] = timing_value(orders.start[orow] - programmes.end[pr], w.timing_scale_days)
        f[:, _F["wage"]] = o_wage[oi]
        f[:, _F["institution"]] = programmes.outcome[pr]
        f[:, _F["priority"]] = o_prio[oi]
        drafts.add("train_then_job", pr, orow, f)

    # --- train / start-up -------------------------------------------------------------------
    p_occ = occupation_values_of(programmes, p_rows, known)
    startup = programmes.startup[p_rows]
    is_chuangye = programmes.chuangye[p_rows]
    # occupation link, or among the few most similar programmes (rank, not a raw cosine level:
    # cosines of different encoders live on different scales)
    sim_rank = np.empty(len(p_rows), dtype=np.int64)
    sim_rank[np.lexsort((p_rows, -p_sim))] = np.arange(len(p_rows))
    relevant = (p_occ >= 0.6) | ((sim_rank < w.train_semantic_top) & (p_sim >= w.train_min_semantic))
    train_sel = relevant & ~is_chuangye & ~(startup & worker.entrepreneurship)
    start_sel = startup & worker.entrepreneurship
    for kind, sel in (("train", train_sel), ("start_up", start_sel)):
        rows = p_rows[sel]
        f = np.zeros((len(rows), len(FEATURES)))
        f[:, _F["semantic"]] = semantic_value(p_sim[sel])
        # for a start-up path the worker's stated intent is the occupation match
        f[:, _F["occupation"]] = 1.0 if kind == "start_up" else p_occ[sel]
        f[:, _F["distance"]] = distance_value(p_dist[sel], w.distance_scale_km)
        f[:, _F["timing"]] = timing_value(programmes.start[rows] - today, w.timing_scale_days)
        f[:, _F["institution"]] = programmes.outcome[rows]
        drafts.add(kind, rows, np.full(len(rows), -1), f)

    pathways = _select(sc, drafts, k)
    if not pathways:
        return Recommendation(worker.id, "no_match", NO_MATCH_MESSAGE, ())
    return Recommendation(worker.id, "ok", "", pathways)


def _group(kind: str, prog: int, order: int) -> tuple[str, int]:
    # one pathway per order for train→job (its best programme), one per programme otherwise
    return (kind, order if kind in ("job", "train_then_job") else prog)


def _select(sc: _Scorer, drafts: _Drafts, k: int) -> tuple[Pathway, ...]:
    if not drafts.kind:
        return ()
    w = sc.w
    feats = np.vstack(drafts.feats)
    kinds = drafts.kind
    progs, orders = drafts.prog, drafts.order
    # drafts carry net_cost = allowance = 0, so ``base`` is the score without the subsidy terms;
    # the bound adds the best case (free training, full allowance)
    bonus = np.repeat([w.bonus(kd) for kd, _ in drafts.blocks], [n for _, n in drafts.blocks])
    base = feats @ sc.wvec + bonus
    allowance = w.allowance if sc.ctx.allowance_possible(sc.q.worker) else 0.0
    bound = base + allowance * (np.asarray(progs) >= 0)
    order_ix = np.argsort(-bound, kind="stable")
    base_l, bound_l = base.tolist(), bound.tolist()
    cost_scale, allow_scale = w.cost_scale_yuan, w.allowance_scale_yuan

    best: dict[tuple[str, int], tuple[float, int, str, float, float, SupportLike | None]] = {}
    ranked: list[float] = []  # ascending negated best scores of groups, for the k-th threshold
    todo = order_ix.tolist()
    at = 0
    wanted = k
    while True:
        while at < len(todo):
            i = todo[at]
            if len(ranked) >= wanted and bound_l[i] < -ranked[wanted - 1]:
                break
            at += 1
            kind, prog, order = kinds[i], progs[i], orders[i]
            support = None
            cost_v = allow_v = 0.0
            if prog >= 0:
                support = sc.support(prog, order)
                # scalar fast path of features.net_cost_value / allowance_value (same formulas)
                cost_v = -min(max(support.net_cost / cost_scale, 0.0), 1.0)
                allow_v = min(max(support.living_allowance / allow_scale, 0.0), 1.0)
            score = base_l[i] + w.net_cost * cost_v + w.allowance * allow_v
            key = _key(sc, kind, prog, order)
            g = _group(kind, prog, order)
            old = best.get(g)
            if old is not None and (-old[0], old[2]) <= (-score, key):
                continue
            if old is not None:
                del ranked[bisect.bisect_left(ranked, -old[0])]
            best[g] = (score, i, key, cost_v, allow_v, support)
            bisect.insort(ranked, -score)
        chosen = _dedupe(best, kinds, progs, k)
        # a train pathway whose programme a better train→job pathway already uses is dropped;
        # when that leaves fewer than k, look further down the bound order
        if len(chosen) >= k or at >= len(todo):
            break
        wanted += k - len(chosen)

    out: list[Pathway] = []
    for score, i, _, cost_v, allow_v, support in chosen:
        row = feats[i].copy()
        row[_F["net_cost"]] = cost_v
        row[_F["allowance"]] = allow_v
        out.append(_build(sc, kinds[i], progs[i], orders[i], score, row, support))
    return tuple(out)


def _dedupe(best, kinds, progs, k):  # type: ignore[no-untyped-def]
    """Best group entries in rank order, dropping train pathways covered by a better train→job."""
    entries = sorted(best.values(), key=lambda e: (-e[0], _KIND_ORDER[kinds[e[1]]], e[2]))
    used: set[int] = set()
    chosen = []
    for e in entries:
        i = e[1]
        if kinds[i] == "train" and progs[i] in used:
            continue
        if kinds[i] == "train_then_job":
            used.add(progs[i])
        chosen.append(e)
        if len(chosen) == k:
            break
    return chosen


def _key(sc: _Scorer, kind: str, prog: int, order: int) -> str:
    pid = sc.programmes.records[prog].id if prog >= 0 else ""
    oid = sc.orders.records[order].id if order >= 0 else ""
    return f"{kind}:{pid}:{oid}"


def _build(
    sc: _Scorer,
    kind: str,
    prog: int,
    order: int,
    score: float,
    row: np.ndarray,
    support: SupportLike | None,
) -> Pathway:
    worker = sc.q.worker
    p = sc.programmes.records[prog] if prog >= 0 else None
    o = sc.orders.records[order] if order >= 0 else None
    pr = sc.reach(prog, True) if p is not None else None
    orr = sc.reach(order, False) if o is not None else None
    contrib = contributions(row, sc.w, kind)
    reasons = pathway_reasons(
        kind,
        worker,
        programme=p,
        order=o,
        programme_reach=pr,
        order_reach=orr,
        support=support,
        contributions=contrib,
        occupation_names=sc.ctx.occupation_names,
    )
    dist = max(pr.km if pr else 0.0, orr.km if orr else 0.0)
    ready_date = sc.ctx.today if p is None else p.end_date + dt.timedelta(days=1)
    return Pathway(
        kind=kind,
        programme_id=p.id if p else None,
        order_id=o.id if o else None,
        score=score,
        contributions=MappingProxyType(contrib),
        features=MappingProxyType({f: float(v) for f, v in zip(FEATURES, row, strict=True)}),
        reasons=reasons,
        explanation=join_reasons(reasons),
        distance_km=round(dist, 1),
        ready_date=ready_date,
        training_subsidy=int(support.training_subsidy) if support else 0,
        living_allowance=int(support.living_allowance) if support else 0,
        net_cost=int(support.net_cost) if support else 0,
        payee=support.payee if support else None,
        policy_reasons=tuple(support.reasons) if support else (),
    )
