"""Pathway assembly: ranked job / train→job / train / start-up pathways for one worker, explained.

:func:`recommend` ranks with :func:`matcher.ranking.rank_pathways` (see there for the inputs and
how the ranking works) and turns each ranked pathway into a frozen :class:`Pathway` with its
feature values, contributions, the subsidy estimate and a Chinese explanation. Output is a
:class:`Recommendation` with at most ``k`` pathways, sorted by score (ties: kind order, then key).
"""

from __future__ import annotations

import datetime as dt
from types import MappingProxyType

from matcher.explain import join_reasons, pathway_reasons
from matcher.features import FEATURES
from matcher.query import (
    Candidates,
    MatchContext,
    Pathway,
    Recommendation,
    WorkerQuery,
    known_occupations,
)
from matcher.ranking import NO_MATCH_MESSAGE, PathwayRanking, RankedPathway, rank_pathways
from matcher.scoring import contributions
from matcher.tables import OrderTable, ProgrammeTable

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


def recommend(
    query: WorkerQuery,
    candidates: Candidates,
    programmes: ProgrammeTable,
    orders: OrderTable,
    ctx: MatchContext,
    k: int = 10,
) -> Recommendation:
    """Top-``k`` pathways for one worker, each with its reasons (see the module docstring)."""
    ranking = rank_pathways(query, candidates, programmes, orders, ctx, k)
    pathways = tuple(_build(query, programmes, orders, ctx, ranking, r) for r in ranking.pathways)
    return Recommendation(ranking.worker_id, ranking.status, ranking.message, pathways)


def _build(
    query: WorkerQuery,
    programmes: ProgrammeTable,
    orders: OrderTable,
    ctx: MatchContext,
    ranking: PathwayRanking,
    ranked: RankedPathway,
) -> Pathway:
    worker = query.worker
    kind, row = ranked.kind, ranked.features
    p = programmes.records[ranked.programme_row] if ranked.programme_row >= 0 else None
    o = orders.records[ranked.order_row] if ranked.order_row >= 0 else None
    support = ranked.support
    if p is not None and support is None:
        # the full estimate (with its reasons), for the pathways shown only; the ranking priced
        # the others with ``support_amounts``, which gives the same net cost and allowance
        support = ctx.support(worker, p, o)
    pr = ranking.programme_reach(ranked, bool(programmes.online[ranked.programme_row])) if p else None
    orr = ranking.order_reach(ranked)
    contrib = contributions(row, ctx.weights, kind)
    reasons = pathway_reasons(
        kind,
        worker,
        programme=p,
        order=o,
        programme_reach=pr,
        order_reach=orr,
        support=support,
        contributions=contrib,
        occupation_names=ctx.occupation_names,
    )
    dist = max(pr.km if pr else 0.0, orr.km if orr else 0.0)
    ready_date = ctx.today if p is None else p.end_date + dt.timedelta(days=1)
    return Pathway(
        kind=kind,
        programme_id=p.id if p else None,
        order_id=o.id if o else None,
        score=ranked.score,
        contributions=MappingProxyType(contrib),
        features=MappingProxyType(dict(zip(FEATURES, row.tolist(), strict=True))),
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
