"""Pathway assembly: ranked job / train→job / train / start-up pathways for one worker, explained.

:func:`recommend` ranks with :func:`matcher.ranking.rank_pathways` (see there for the inputs and
how the ranking works) and turns each ranked pathway into a frozen :class:`Pathway` with its
feature values, contributions, the subsidy estimate, the facts its explanation states (dates,
distances, the wait before the job, the 0–100 match and the features behind it) and a Chinese
explanation. Output is a :class:`Recommendation` with at most ``k`` pathways, sorted by score
(ties: kind order, then key; a priority-group worker's best subsidised pathway may stand higher,
see :mod:`matcher.subsidised_first`), and notes on the list (:mod:`matcher.notes`).
"""

from __future__ import annotations

import datetime as dt
from types import MappingProxyType

from matcher.explain import join_reasons, pathway_reasons, top_features
from matcher.features import FEATURES
from matcher.notes import recommendation_notes
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
from matcher.subsidised_first import is_subsidised
from matcher.subsidy.model import SubsidyDecision
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
    pathways = tuple(
        _build(query, programmes, orders, ctx, ranking, r, n) for n, r in enumerate(ranking.pathways, 1)
    )
    notes = recommendation_notes(query, programmes, orders, ctx, ranking, k) if k > 0 else ()
    return Recommendation(ranking.worker_id, ranking.status, ranking.message, pathways, notes)


def _build(
    query: WorkerQuery,
    programmes: ProgrammeTable,
    orders: OrderTable,
    ctx: MatchContext,
    ranking: PathwayRanking,
    ranked: RankedPathway,
    rank: int,
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
    match = ctx.weights.match(ranked.score)
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
        today=ctx.today,
        match=match,
        promoted_from=ranked.promoted_from,
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
        rank=rank,
        match=match,
        top_features=top_features(contrib),
        programme_start=p.start_date if p else None,
        programme_end=p.end_date if p else None,
        job_start=o.start_date if o else None,
        wait_days=(o.start_date - p.end_date).days - 1 if p and o else None,
        programme_km=round(pr.km, 1) if pr else None,
        order_km=round(orr.km, 1) if orr else None,
        funded_by=None if support is None else "employer" if support.employer_pays else "worker",
        subsidised=bool(support and is_subsidised(support)),
        promoted_from=ranked.promoted_from,
        upfront=support.upfront if support else 0,
        refund=support.refund if support else 0,
        employer_cost=support.employer_cost if support else 0,
        paid_on=(support.paid_on or None) if support else None,
        living_days=support.living_days if support else 0,
        day_count=(support.day_count or None) if support else None,
        programme_hours=p.hours if p else None,
        hours_per_day=_hours_per_day(support),
    )


def _hours_per_day(support: SubsidyDecision | None) -> int | None:
    """The city's hours per allowance day the decision counted with (None without an allowance)."""
    if support is None or support.living_allowance <= 0:
        return None
    hpd = support.fact("hours_per_day")
    return hpd if isinstance(hpd, int) else None
