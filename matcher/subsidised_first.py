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
from matcher.subsidy.model import SubsidyDecision as SupportLike
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


class _Check:
    """Whether pathways are subsidised for one worker, as cheaply as exactness allows: a living
    allowance (which ``support_amounts`` gives exactly, without a full estimate) is enough; else
    the full estimate decides, built once per programme and employer terms and kept on the
    pathway for its explanation."""

    __slots__ = ("query", "programmes", "orders", "ctx", "estimates")

    def __init__(self, query: WorkerQuery, programmes: ProgrammeTable, orders: OrderTable, ctx: MatchContext):
        self.query, self.programmes, self.orders, self.ctx = query, programmes, orders, ctx
        self.estimates: dict[tuple[int, bool, str], SupportLike] = {}

    def __call__(self, p: RankedPathway) -> tuple[bool, RankedPathway]:
        if p.programme_row < 0:
            return False, p
        if p.support is not None:
            return is_subsidised(p.support), p
        worker = self.query.worker
        programme = self.programmes.records[p.programme_row]
        order = self.orders.records[p.order_row] if p.order_row >= 0 else None
        amounts = self.ctx.support_amounts
        if amounts is not None and amounts(worker, programme, order).living_allowance > 0:
            return True, p
        key = (p.programme_row, bool(order and order.employer_trains), order.employer_kind if order else "")
        est = self.estimates.get(key)
        if est is None:
            est = self.estimates[key] = self.ctx.support(worker, programme, order)
        p = dataclasses.replace(p, support=est)
        return is_subsidised(est), p


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
    place ``min(subsidised_within, k)``; pathways it priced carry their estimate) and the
    outcome: "" (the rule does not apply to this worker), :data:`SHOWN`, :data:`PROMOTED` or
    :data:`NONE`.
    """
    w = ctx.weights
    if k <= 0 or not in_priority_group(query.worker, w):
        return chosen, ""
    m = min(w.subsidised_within, k)
    check = _Check(query, programmes, orders, ctx)
    out = list(chosen)
    for i in range(min(m, len(out))):
        found, out[i] = check(out[i])
        if found:
            return out, SHOWN
    # every pathway in score order: its head is ``chosen`` (the selection is exact), so only
    # the rest needs looking at; fewer than k chosen means there is no rest
    full = select_top(query, programmes, orders, ctx, drafts, len(drafts)) if len(chosen) >= k else []
    for rank, p in enumerate(out[m:] + full[len(out) :], m + 1):
        found, p = check(p)
        if found:
            promoted = dataclasses.replace(p, promoted_from=rank)
            same = (p.kind, p.programme_row, p.order_row)
            rest = [q for q in out if (q.kind, q.programme_row, q.order_row) != same]
            return (rest[: m - 1] + [promoted] + rest[m - 1 :])[:k], PROMOTED
    return out, NONE
