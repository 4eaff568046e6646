"""应培尽培 in the list (clause 二 of 晋人社办发〔2024〕2号: priority groups are trained first).

A worker in one of the city's priority groups (:attr:`~matcher.scoring.RankingWeights.priority_groups`:
脱贫劳动力 with 防返贫监测对象, 就业困难人员, 零就业家庭成员 by default) who has a *subsidised*
pathway at all sees one among the first ``subsidised_within`` pathways. When the score order
leaves every subsidised pathway lower, the best-scoring one moves up to that last place; it keeps
its own score, and its explanation says why it stands there and which rank its score alone gives
it. Deterministic: the same ranking always promotes the same pathway.

A pathway is subsidised for the worker when the worker receives money for it: a training subsidy
paid to the worker, or a living allowance (:func:`is_subsidised`). Training an employer pays for
and claims itself is free to the worker but is not the worker's subsidy.
"""

from __future__ import annotations

import dataclasses

from matcher.query import MatchContext, WorkerQuery
from matcher.scoring import RankingWeights
from matcher.selection import Drafts, RankedPathway, select_top
from matcher.support import SupportLike
from matcher.tables import OrderTable, ProgrammeTable
from matcher.types import WorkerProfile

__all__ = ["NONE", "PROMOTED", "SHOWN", "in_priority_group", "is_subsidised", "subsidised_first"]

#: a subsidised pathway was already among the first places
SHOWN = "shown"
#: one was moved up
PROMOTED = "promoted"
#: the worker is in a priority group and has no subsidised pathway
NONE = "none"


def is_subsidised(est: SupportLike) -> bool:
    """The worker receives money for this pathway: a training subsidy paid to them, or a living
    allowance."""
    return (est.training_subsidy > 0 and est.payee == "worker") or est.living_allowance > 0


def in_priority_group(worker: WorkerProfile, weights: RankingWeights) -> bool:
    return weights.subsidised_within > 0 and bool(worker.groups & weights.priority_groups)


def _priced(
    p: RankedPathway, query: WorkerQuery, programmes: ProgrammeTable, orders: OrderTable, ctx: MatchContext
) -> RankedPathway:
    """``p`` with its full subsidy estimate attached (built here when the ranking had none)."""
    if p.programme_row < 0 or p.support is not None:
        return p
    order = orders.records[p.order_row] if p.order_row >= 0 else None
    est = ctx.support(query.worker, programmes.records[p.programme_row], order)
    return dataclasses.replace(p, support=est)


def _subsidised(p: RankedPathway) -> bool:
    return p.support is not None and is_subsidised(p.support)


def subsidised_first(
    query: WorkerQuery,
    programmes: ProgrammeTable,
    orders: OrderTable,
    ctx: MatchContext,
    drafts: Drafts,
    chosen: list[RankedPathway],
    k: int,
) -> tuple[list[RankedPathway], str]:
    """Apply the rule to the top-``k`` ``chosen`` (score order) of ``drafts``.

    Returns the pathways to show (``chosen`` itself, or with one subsidised pathway moved up to
    place ``min(subsidised_within, k)``, every pathway of a programme priced) and the outcome:
    "" (the rule does not apply to this worker), :data:`SHOWN`, :data:`PROMOTED` or :data:`NONE`.
    """
    w = ctx.weights
    if k <= 0 or not in_priority_group(query.worker, w):
        return chosen, ""
    m = min(w.subsidised_within, k)
    priced = [_priced(p, query, programmes, orders, ctx) for p in chosen]
    if any(_subsidised(p) for p in priced[:m]):
        return priced, SHOWN
    # every pathway in score order: its head is ``chosen`` (the selection is exact), so only
    # the rest needs pricing; fewer than k chosen means there is no rest
    full = select_top(query, programmes, orders, ctx, drafts, len(drafts)) if len(chosen) >= k else []
    candidates = priced[m:] + [_priced(p, query, programmes, orders, ctx) for p in full[len(priced) :]]
    for rank, p in enumerate(candidates, m + 1):
        if _subsidised(p):
            promoted = dataclasses.replace(p, promoted_from=rank)
            rest = [
                q
                for q in priced
                if (q.kind, q.programme_row, q.order_row) != (p.kind, p.programme_row, p.order_row)
            ]
            return (rest[: m - 1] + [promoted] + rest[m - 1 :])[:k], PROMOTED
    return priced, NONE
