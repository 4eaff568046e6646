"""Pathway ranking: which job / train→job / train / start-up pathways a worker gets, and their scores.

Inputs are records and arrays only: the worker (with an optional (d,) float32 embedding and the
occupation codes recognised in the skills text), candidate programme and order rows produced by
retrieval outside the core, the columnar catalogue tables and a :class:`MatchContext` (today's
date, weights, the subsidy functions). :func:`rank_pathways` returns at most ``k``
:class:`RankedPathway` records — rows, score and feature values, sorted by score (ties: kind
order, then key; a priority-group worker's best subsidised pathway may be moved up, see
:mod:`matcher.subsidised_first`) — and no text: :func:`matcher.pathways.recommend` turns them into explained
:class:`~matcher.query.Pathway` records, a batch run writes them out as they are.

Filters (:mod:`matcher.row_filters`) and features run on whole candidate arrays; what depends on
an order or a programme only (the programmes that close an order's gap, a programme's subsidy
terms) is computed once and cached. The drafts of all kinds then go to
:func:`matcher.selection.select_top`, which prices (net cost, living allowance) only the drafts
that can still reach the top ``k``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matcher.features import (
    FEATURES,
    distance_value,
    gap_value,
    priority_value,
    semantic_value,
    timing_value,
    wage_value,
)
from matcher.filters import Reach
from matcher.profile import NEEDS_PROFILE_MESSAGE, is_profile_usable
from matcher.query import Candidates, MatchContext, WorkerQuery, known_occupations, similarities
from matcher.row_filters import gap_closing_programmes, order_passes, programme_passes, qualifies_now_rows
from matcher.selection import Drafts, RankedPathway, select_top
from matcher.subsidised_first import subsidised_first
from matcher.tables import OrderTable, ProgrammeTable, occupation_values_of

__all__ = [
    "NO_MATCH_MESSAGE",
    "PathwayRanking",
    "RankedPathway",
    "most_similar",
    "rank_pathways",
    "unique_rows",
    "wait_days",
]

NO_MATCH_MESSAGE = "暂未找到您能参加的培训或岗位，可放宽通勤距离或补充求职意向"
_F = {name: i for i, name in enumerate(FEATURES)}
_SEM, _OCC, _DIST, _TIME = _F["semantic"], _F["occupation"], _F["distance"], _F["timing"]
_WAGE, _INST, _PRIO, _GAP = _F["wage"], _F["institution"], _F["priority"], _F["gap"]
_EMPTY_ROWS = np.zeros(0, dtype=np.int64)


#: (rows (m,) int64 ascending, reach km (m,) float64, home km (m,) float64) of the rows that passed
_Reaches = tuple[np.ndarray, np.ndarray, np.ndarray]
_NO_REACH: _Reaches = (_EMPTY_ROWS, np.zeros(0), np.zeros(0))


@dataclass(frozen=True, slots=True)
class PathwayRanking:
    """``status``: "ok", "needs_profile" (no score: ask for skills and wishes) or "no_match".
    ``pathways`` are in score order, except one the 应培尽培 rule may have moved up."""

    worker_id: str
    status: str
    message: str
    pathways: tuple[RankedPathway, ...] = ()
    programme_reaches: _Reaches = _NO_REACH
    order_reaches: _Reaches = _NO_REACH
    #: every programme and order row the ranking looked at, before the filters ((m,) int64,
    #: ascending): what :mod:`matcher.notes` accounts for when the list is short
    examined: tuple[np.ndarray, np.ndarray] = (_EMPTY_ROWS, _EMPTY_ROWS)
    #: outcome of the 应培尽培 rule (:func:`matcher.subsidised_first.subsidised_first`): "" when it
    #: does not apply, "shown", "promoted" or "none"
    subsidised_first: str = ""

    def programme_reach(self, p: RankedPathway, online: bool) -> Reach | None:
        """How far the pathway's programme is (``online``: it is taught online), if it has one."""
        return _reach(self.programme_reaches, p.programme_row, online) if p.programme_row >= 0 else None

    def order_reach(self, p: RankedPathway) -> Reach | None:
        """How far the pathway's order is, if it has one."""
        return _reach(self.order_reaches, p.order_row, False) if p.order_row >= 0 else None


def _reach(reaches: _Reaches, row: int, online: bool) -> Reach:
    rows, dist, home = reaches
    j = int(np.searchsorted(rows, row))
    d, h = float(dist[j]), float(home[j])
    return Reach(d, h, abs(d - h) < 1e-9, online)


def wait_days(course_end: int | np.ndarray, job_start: int | np.ndarray) -> np.ndarray:
    """Idle days between the last day of a course and the first day of a job (date ordinals):
    0 when the job starts the day after the course ends. (m,) int64 for arrays."""
    return np.asarray(job_start, dtype=np.int64) - np.asarray(course_end, dtype=np.int64) - 1


def most_similar(sim: np.ndarray, top: int) -> np.ndarray:
    """(m,) bool: the ``top`` entries of ``sim`` that a stable sort by decreasing similarity puts
    first (ties: the earlier entry). Equal to ``rank < top`` for ``rank`` the position of each
    entry in ``np.argsort(-sim, kind="stable")``, but selects instead of sorting everything."""
    sim = np.asarray(sim, dtype=np.float64)
    out = np.zeros(len(sim), dtype=np.bool_)
    if top <= 0:
        return out
    if len(sim) <= top:
        out[:] = True
        return out
    # every entry at least as similar as the top-th largest, then the first ``top`` of those
    cut = np.partition(sim, len(sim) - top)[len(sim) - top]
    near = np.flatnonzero(sim >= cut)
    if len(near) > top:
        near = near[np.argsort(-sim[near], kind="stable")[:top]]
    out[near] = True
    return out


def unique_rows(rows: np.ndarray) -> np.ndarray:
    """Sorted distinct row numbers: ``np.unique`` for the small int arrays of one request, by a
    sort (``np.unique`` hashes first, several times slower at these sizes). (m,) → (u,) int64."""
    rows = np.sort(np.asarray(rows, dtype=np.int64))
    if len(rows) < 2:
        return rows
    keep = np.empty(len(rows), dtype=np.bool_)
    keep[0] = True
    np.not_equal(rows[1:], rows[:-1], out=keep[1:])
    return rows[keep]


def rank_pathways(
    query: WorkerQuery,
    candidates: Candidates,
    programmes: ProgrammeTable,
    orders: OrderTable,
    ctx: MatchContext,
    k: int = 10,
) -> PathwayRanking:
    """Top-``k`` pathways for one worker, without explanations (see the module docstring)."""
    worker = query.worker
    if k <= 0:
        return PathwayRanking(worker.id, "ok", "")
    if not is_profile_usable(worker):
        return PathwayRanking(worker.id, "needs_profile", NEEDS_PROFILE_MESSAGE)
    w = ctx.weights
    today = ctx.today.toordinal()
    known = known_occupations(query)
    drafts = Drafts()

    # --- orders: filter, split into "can take now" and "needs training first" --------------
    o_rows = unique_rows(candidates.order_rows)
    examined_orders = o_rows
    o_ok, o_dist, o_home = order_passes(worker, orders, o_rows, ctx.today)
    o_rows = o_rows[o_ok]
    o_sim = similarities(query, orders, o_rows, np.asarray(candidates.order_rows), candidates.order_sim)
    o_occ = occupation_values_of(orders, o_rows, known)
    o_wage = wage_value(orders.wage_min[o_rows], orders.wage_max[o_rows], worker.expected_wage)
    o_prio = priority_value(orders.priority[o_rows], w.priority_cap)
    ready = qualifies_now_rows(worker, orders, o_rows, query.skill_occupations)
    if ready.any():
        jr = ready
        job_f = np.zeros((int(jr.sum()), len(FEATURES)))
        job_f[:, _SEM] = semantic_value(o_sim[jr])
        job_f[:, _OCC] = o_occ[jr]
        job_f[:, _DIST] = distance_value(o_dist[jr], w.distance_scale_km)
        job_f[:, _TIME] = timing_value(orders.start[o_rows[jr]] - today, w.timing_scale_days)
        job_f[:, _WAGE] = o_wage[jr]
        job_f[:, _PRIO] = o_prio[jr]
        drafts.add("job", np.full(len(job_f), -1), o_rows[jr], job_f)

    # --- programmes: candidates, programmes of known occupations, programmes of gap orders ----
    # programmes that could close each gap order's gap (occupation, level, certificate, ends
    # before the order starts); the worker-side filters run once on the union below
    gap = np.flatnonzero(~ready).tolist()
    closing = [gap_closing_programmes(programmes, orders.records[r]) for r in o_rows[gap].tolist()]
    extra: list[np.ndarray] = [np.asarray(candidates.programme_rows, dtype=np.int64)]
    extra += [programmes.by_occupation.get(code, _EMPTY_ROWS) for code in sorted(known)]
    extra += closing
    all_rows = unique_rows(np.concatenate(extra))
    passed, p_dist, p_home = programme_passes(worker, programmes, all_rows, ctx.today)
    p_rows = all_rows[passed]
    p_sim = similarities(
        query, programmes, p_rows, np.asarray(candidates.programme_rows), candidates.programme_sim
    )

    # --- train → job: a passing programme that closes a passing gap order's gap in time ------
    sizes = [len(rows) for rows in closing]
    if sum(sizes):
        # position of each passing programme among the passing rows, -1 for the others; set
        # for ``all_rows`` only (every closing row is one of them)
        position = np.empty(len(programmes), dtype=np.int64)
        position[all_rows] = np.where(passed, np.cumsum(passed) - 1, -1)
        pi = position[np.concatenate(closing)]
        keep = pi >= 0
        pi = pi[keep]
        oi = np.repeat(np.asarray(gap, dtype=np.int64), sizes)[keep]
        if len(pi):
            pr, orow = p_rows[pi], o_rows[oi]
            f = np.zeros((len(pi), len(FEATURES)))
            f[:, _SEM] = semantic_value((p_sim[pi] + o_sim[oi]) / 2.0)
            f[:, _OCC] = o_occ[oi]
            f[:, _DIST] = distance_value(np.maximum(p_dist[pi], o_dist[oi]), w.distance_scale_km)
            f[:, _TIME] = timing_value(programmes.start[pr] - today, w.timing_scale_days)
            f[:, _WAGE] = o_wage[oi]
            f[:, _INST] = programmes.outcome[pr]
            f[:, _PRIO] = o_prio[oi]
            f[:, _GAP] = gap_value(
                wait_days(programmes.end[pr], orders.start[orow]), w.gap_free_days, w.gap_full_days
            )
            drafts.add("train_then_job", pr, orow, f)

    # --- train / start-up -------------------------------------------------------------------
    if len(p_rows):
        p_occ = occupation_values_of(programmes, p_rows, known)
        startup = programmes.startup[p_rows]
        is_chuangye = programmes.chuangye[p_rows]
        # occupation link, or among the few most similar programmes (rank, not a raw cosine
        # level: cosines of different encoders live on different scales)
        # (p_rows ascend, so ties in similarity go to the smaller row)
        top = most_similar(p_sim, w.train_semantic_top)
        relevant = (p_occ >= 0.6) | (top & (p_sim >= w.train_min_semantic))
        start_sel = startup & worker.entrepreneurship
        train_sel = relevant & ~is_chuangye & ~start_sel
        for kind, sel in (("train", train_sel), ("start_up", start_sel)):
            if not sel.any():
                continue
            rows = p_rows[sel]
            f = np.zeros((len(rows), len(FEATURES)))
            f[:, _SEM] = semantic_value(p_sim[sel])
            # for a start-up path the worker's stated intent is the occupation match
            f[:, _OCC] = 1.0 if kind == "start_up" else p_occ[sel]
            f[:, _DIST] = distance_value(p_dist[sel], w.distance_scale_km)
            f[:, _TIME] = timing_value(programmes.start[rows] - today, w.timing_scale_days)
            f[:, _INST] = programmes.outcome[rows]
            drafts.add(kind, rows, np.full(len(rows), -1), f)

    chosen = select_top(query, programmes, orders, ctx, drafts, k)
    chosen, first = subsidised_first(query, programmes, orders, ctx, drafts, chosen, k)
    examined = (all_rows, examined_orders)
    if not chosen:
        return PathwayRanking(
            worker.id, "no_match", NO_MATCH_MESSAGE, examined=examined, subsidised_first=first
        )
    return PathwayRanking(
        worker.id,
        "ok",
        "",
        tuple(chosen),
        (p_rows, p_dist, p_home),
        (o_rows, o_dist, o_home),
        examined,
        first,
    )
