"""Reverse matching for employers: ranked candidate workers for one order.

A candidate is either a *direct* fit (can take the order now) or *trainable*: a catalogue
programme closes the gap and ends before the order starts, within the worker's reach; the
candidate then carries that programme and the day they would be ready. Only workers who consented
to share their profile are considered. The core never sees clear personal data: callers hand in
already-masked display fields (:class:`MaskedWorker`) and get them back on each candidate.

Scores use the same features and weights as the worker-side pathways (a direct fit scores as a
``job`` pathway, a trainable worker as a ``train_then_job`` pathway), so both directions agree.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from matcher.explain import day_text, programme_phrase
from matcher.features import (
    FEATURES,
    allowance_value,
    distance_value,
    gap_value,
    net_cost_value,
    occupation_value,
    priority_value,
    semantic_value,
    timing_value,
    wage_value,
)
from matcher.filters import order_failures_for_workers, qualifies_now
from matcher.pathways import MatchContext, WorkerQuery, known_occupations
from matcher.profile import is_profile_usable
from matcher.row_filters import gap_closing_programmes, programme_passes
from matcher.scoring import contributions
from matcher.tables import ProgrammeTable
from matcher.types import SHORT_LEVEL_NAMES, OrderRecord, WorkerProfile

__all__ = ["MaskedWorker", "OrderCandidates", "WorkerCandidate", "rank_candidates"]

_F = {name: i for i, name in enumerate(FEATURES)}


@dataclass(frozen=True, slots=True)
class MaskedWorker:
    """Display fields the caller has already masked (e.g. "张*", "138****5678")."""

    worker_id: str
    name_masked: str | None = None
    phone_masked: str | None = None
    age: int | None = None
    education: str | None = None
    area: str | None = None


@dataclass(frozen=True, slots=True)
class WorkerCandidate:
    worker_id: str
    #: "direct" (can start now) or "trainable" (after ``programme_id``)
    kind: str
    score: float
    programme_id: str | None
    ready_date: dt.date
    distance_km: float
    contributions: Mapping[str, float]
    explanation: str
    masked: MaskedWorker | None = None


@dataclass(frozen=True, slots=True)
class OrderCandidates:
    """``status``: "ok", "order_started" or "no_match"."""

    order_id: str
    status: str
    message: str
    candidates: tuple[WorkerCandidate, ...] = ()


def rank_candidates(
    order: OrderRecord,
    workers: Sequence[WorkerQuery],
    programmes: ProgrammeTable,
    ctx: MatchContext,
    *,
    similarity: np.ndarray | None = None,
    order_embedding: np.ndarray | None = None,
    masked: Mapping[str, MaskedWorker] | None = None,
    k: int = 50,
) -> OrderCandidates:
    """Top-``k`` candidate workers for ``order`` among ``workers`` (retrieved outside the core).

    ``similarity``: (n,) cosine similarity of each worker to the order, or computed from
    ``order_embedding`` (d,) and the workers' embeddings; 0 when neither is given.
    Sorted by score, then direct before trainable, then worker id.
    """
    w = ctx.weights
    if order.start_date < ctx.today:
        return OrderCandidates(order.id, "order_started", "订单已开工，不再推荐候选人")
    pool = [q for q in workers if q.worker.consent_share and is_profile_usable(q.worker)]
    idx = [i for i, q in enumerate(workers) if q.worker.consent_share and is_profile_usable(q.worker)]
    if not pool:
        return OrderCandidates(order.id, "no_match", "暂无同意共享信息且符合条件的求职者")
    if similarity is not None:
        sims = np.asarray(similarity, dtype=np.float64)[idx]
    elif order_embedding is not None:
        q_emb = np.asarray(order_embedding, dtype=np.float32)
        sims = np.asarray(
            [float(q.embedding @ q_emb) if q.embedding is not None else 0.0 for q in pool], dtype=np.float64
        )
    else:
        sims = np.zeros(len(pool))
    bits, dist, home = order_failures_for_workers([q.worker for q in pool], order, ctx.today)
    gap_rows = gap_closing_programmes(programmes, order)
    today = ctx.today.toordinal()
    start = order.start_date.toordinal()
    prio = float(priority_value(order.priority, w.priority_cap))
    masked = masked or {}

    wvec = w.vector
    allowance_bound = w.allowance
    # (bound, kind, worker id, pool index, feature row, programme row or -1); direct fits are
    # exact, trainable ones are priced (subsidy engine) lazily, best bound first
    drafts: list[tuple[float, str, str, int, np.ndarray, int, float]] = []
    for i, q in enumerate(pool):
        if bits[i]:
            continue
        worker = q.worker
        f = np.zeros(len(FEATURES))
        f[_F["semantic"]] = semantic_value(sims[i])
        f[_F["occupation"]] = occupation_value(order.occupation_code, known_occupations(q))
        f[_F["wage"]] = wage_value(order.wage_min, order.wage_max, worker.expected_wage)
        f[_F["priority"]] = prio
        if qualifies_now(worker, order, frozenset(q.skill_occupations)):
            f[_F["distance"]] = distance_value(dist[i], w.distance_scale_km)
            f[_F["timing"]] = timing_value(start - today, w.timing_scale_days)
            score = float(f @ wvec + w.bonus("job"))
            drafts.append((score, "direct", worker.id, i, f, -1, float(dist[i])))
            continue
        if len(gap_rows) == 0:
            continue
        ok, pd, _ = programme_passes(worker, programmes, gap_rows, ctx.today)
        if not ok.any():
            continue
        rows = gap_rows[ok]
        if programmes.embeddings is not None and q.embedding is not None:
            p_sim = programmes.embeddings[rows] @ np.asarray(q.embedding, dtype=np.float32)
            sem = semantic_value((p_sim + sims[i]) / 2.0)
        else:
            sem = semantic_value(np.full(len(rows), sims[i]))
        base = np.tile(f, (len(rows), 1))
        base[:, _F["semantic"]] = sem
        base[:, _F["distance"]] = distance_value(np.maximum(pd, dist[i]), w.distance_scale_km)
        base[:, _F["timing"]] = timing_value(programmes.start[rows] - today, w.timing_scale_days)
        base[:, _F["institution"]] = programmes.outcome[rows]
        base[:, _F["gap"]] = gap_value(start - programmes.end[rows] - 1, w.gap_free_days, w.gap_full_days)
        # choose the programme on everything but the subsidy, then price that one programme
        pre = base @ wvec + w.bonus("train_then_job")
        tied = np.flatnonzero(pre == pre.max())
        best = int(min(tied.tolist(), key=lambda j: programmes.records[int(rows[j])].id))
        bound = float(pre[best]) + (allowance_bound if ctx.allowance_possible(worker) else 0.0)
        drafts.append(
            (bound, "trainable", worker.id, i, base[best], int(rows[best]), float(max(pd[best], dist[i])))
        )

    drafts.sort(key=lambda d: (-d[0], d[1] != "direct", d[2]))
    out: list[WorkerCandidate] = []
    scores: list[float] = []  # ascending negated exact scores, for the k-th threshold
    for bound, kind, _wid, i, row, r, km in drafts:
        if len(scores) >= k and bound < -scores[k - 1]:
            break
        q = pool[i]
        if kind == "direct":
            score = bound
            cand = WorkerCandidate(
                q.worker.id,
                "direct",
                score,
                None,
                ctx.today,
                round(km, 1),
                MappingProxyType(contributions(row, w, "job")),
                _direct_text(q, order, _where(q.worker, order, float(dist[i]), float(home[i]))),
                masked.get(q.worker.id),
            )
        else:
            p = programmes.records[r]
            fn = ctx.support_amounts if ctx.support_amounts is not None else ctx.support
            support = fn(q.worker, p, order)
            net_cost, allowance = support.net_cost, support.living_allowance
            row = row.copy()
            row[_F["net_cost"]] = net_cost_value(net_cost, w.cost_scale_yuan)
            row[_F["allowance"]] = allowance_value(allowance, w.allowance_scale_yuan)
            score = float(row @ wvec + w.bonus("train_then_job"))
            ready = p.end_date + dt.timedelta(days=1)
            text = (
                f"{programme_phrase(p, ctx.today)}，{day_text(ready, ctx.today)}起可上岗；"
                f"{_where(q.worker, order, float(dist[i]), float(home[i]))}"
            )
            cand = WorkerCandidate(
                q.worker.id,
                "trainable",
                score,
                p.id,
                ready,
                round(km, 1),
                MappingProxyType(contributions(row, w, "train_then_job")),
                text,
                masked.get(q.worker.id),
            )
        out.append(cand)
        bisect.insort(scores, -score)
    out.sort(key=lambda c: (-c.score, c.kind != "direct", c.worker_id))
    if not out:
        return OrderCandidates(order.id, "no_match", "暂无符合条件的求职者")
    return OrderCandidates(order.id, "ok", "", tuple(out[:k]))


def _km(km: float) -> str:
    return "不到1公里" if km < 1 else f"{km:.0f}公里"


def _where(worker: WorkerProfile, order: OrderRecord, reach_km: float, home_km: float) -> str:
    """Where the worker is from the workplace: from home, or — when the worker wants to work in a
    city and that city is nearer — from the city, saying whether the workplace is in it."""
    city = worker.desired_city
    if abs(reach_km - home_km) < 1e-6 or city is None:
        return f"家距工作地{_km(home_km)}"
    name = city.name or "意向城市"
    if order.place.adcode[:4] == city.adcode[:4]:
        return f"工作地在其意向求职的{name}，距{name}中心{_km(reach_km)}（距家{_km(home_km)}）"
    return f"工作地距其意向求职的{name}{_km(reach_km)}（距家{_km(home_km)}）"


def _direct_text(q: WorkerQuery, order: OrderRecord, where: str) -> str:
    held = [c.level for c in q.worker.certificates if c.occupation_code == order.occupation_code]
    if held:
        top = min(held, key=lambda lv: (lv == 0, lv))
        what = f"已持有该职业{SHORT_LEVEL_NAMES.get(top, '')}证书"
    else:
        what = "技能与该岗位对口"
    return f"{what}，可直接上岗；{where}"
