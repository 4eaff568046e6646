""" "Why not X?": for a worker and one programme or order, the filters it failed and the score it
would have had if it had passed (as a ``train``/``start_up`` pathway for a programme, as a ``job``
pathway for an order) — and, for an item that passes every filter, where it stands in the
worker's full ranking (:func:`explain_item`, :mod:`matcher.standing`): the place it takes, the
pathway at the cut it lost to and the features that decided it, or why it forms no pathway."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np

from matcher.features import (
    FEATURES,
    allowance_value,
    distance_value,
    net_cost_value,
    occupation_value,
    priority_value,
    semantic_value,
    timing_value,
    wage_value,
)
from matcher.filters import (
    Exclusion,
    decode_order,
    decode_programme,
    not_qualified,
    order_failures,
    programme_failures,
    qualifies_now,
)
from matcher.pathways import Candidates, MatchContext, WorkerQuery, known_occupations
from matcher.ranking import rank_pathways
from matcher.scoring import contributions
from matcher.standing import Standing, standing_of
from matcher.tables import OrderTable, ProgrammeTable, is_startup_programme
from matcher.types import OrderRecord, ProgrammeRecord

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["FULL_RANKING", "WhyNot", "explain_exclusion", "explain_item"]

#: ``k`` of a full ranking: more pathways than any worker has
FULL_RANKING = 1_000_000

_F = {name: i for i, name in enumerate(FEATURES)}


@dataclass(frozen=True, slots=True)
class WhyNot:
    item_id: str
    #: "programme" or "order"
    item_kind: str
    #: hard-filter failures (empty: the item passes every filter)
    exclusions: tuple[Exclusion, ...]
    #: the pathway kind it was scored as, and its score had it passed the filters
    pathway_kind: str
    score_if_passed: float
    contributions: Mapping[str, float]
    #: notes that are not exclusions, e.g. "needs training first" for an order
    notes: tuple[Exclusion, ...] = ()
    #: ``score_if_passed`` as a 0–100 match
    match: int = 0
    #: where a passing item stands in the full ranking (:func:`explain_item`), else None
    standing: Standing | None = None

    @property
    def passed(self) -> bool:
        return not self.exclusions

    @property
    def text(self) -> str:
        """One Chinese line for the counselor."""
        if self.standing is not None:
            notes = "".join(f"{n.text}；" for n in self.notes)
            return f"{notes}该项目符合条件，{self.standing.text}"
        if not self.exclusions and not self.notes:
            return f"该项目符合条件（匹配度{self.match}分）"
        parts = [e.text for e in (*self.exclusions, *self.notes)]
        return "；".join(parts) + f"。若符合条件，匹配度约为{self.match}分"


def _sim(query: WorkerQuery, embedding: np.ndarray | None, similarity: float | None) -> float:
    if similarity is not None:
        return float(similarity)
    if embedding is not None and query.embedding is not None:
        return float(np.asarray(embedding, np.float32) @ np.asarray(query.embedding, np.float32))
    return 0.0


def explain_exclusion(
    query: WorkerQuery,
    item: ProgrammeRecord | OrderRecord,
    ctx: MatchContext,
    *,
    embedding: np.ndarray | None = None,
    similarity: float | None = None,
) -> WhyNot:
    """Failed filters of ``item`` for this worker and its hypothetical score.

    ``embedding``: the item's (d,) float32 vector, or pass ``similarity`` (cosine) directly.
    """
    w = ctx.weights
    worker = query.worker
    today = ctx.today.toordinal()
    f = np.zeros(len(FEATURES))
    f[_F["semantic"]] = semantic_value(_sim(query, embedding, similarity))
    known = known_occupations(query)
    if isinstance(item, ProgrammeRecord):
        table = ProgrammeTable.from_records([item])
        bits, dist, _home = programme_failures(worker, table, np.zeros(1, np.int64), ctx.today)
        exclusions = decode_programme(int(bits[0]), worker, item, float(dist[0]))
        start_up = worker.entrepreneurship and is_startup_programme(item)
        kind = "start_up" if start_up else "train"
        f[_F["occupation"]] = 1.0 if start_up else occupation_value(item.occupation_code, known)
        f[_F["distance"]] = distance_value(dist[0], w.distance_scale_km)
        f[_F["timing"]] = timing_value(item.start_date.toordinal() - today, w.timing_scale_days)
        f[_F["institution"]] = table.outcome[0]
        support = ctx.support(worker, item, None)
        f[_F["net_cost"]] = net_cost_value(support.net_cost, w.cost_scale_yuan)
        f[_F["allowance"]] = allowance_value(support.living_allowance, w.allowance_scale_yuan)
        notes: tuple[Exclusion, ...] = ()
        item_kind = "programme"
    else:
        otable = OrderTable.from_records([item])
        bits, dist, _home = order_failures(worker, otable, np.zeros(1, np.int64), ctx.today)
        exclusions = decode_order(int(bits[0]), worker, item, float(dist[0]))
        kind = "job"
        f[_F["occupation"]] = occupation_value(item.occupation_code, known)
        f[_F["distance"]] = distance_value(dist[0], w.distance_scale_km)
        f[_F["timing"]] = timing_value(item.start_date.toordinal() - today, w.timing_scale_days)
        f[_F["wage"]] = wage_value(item.wage_min, item.wage_max, worker.expected_wage)
        f[_F["priority"]] = priority_value(item.priority, w.priority_cap)
        ready = qualifies_now(worker, item, frozenset(query.skill_occupations))
        notes = () if ready else (not_qualified(item),)
        item_kind = "order"
    score = float(f @ w.vector + w.bonus(kind))
    return WhyNot(
        item_id=item.id,
        item_kind=item_kind,
        exclusions=exclusions,
        pathway_kind=kind,
        score_if_passed=score,
        contributions=MappingProxyType(contributions(f, w, kind)),
        notes=notes,
        match=w.match(score),
    )


def _why_unlisted(why: WhyNot, query: WorkerQuery, item: ProgrammeRecord | OrderRecord) -> str:
    """Why a passing item forms no pathway of the worker's, in the ranking's own terms."""
    if isinstance(item, ProgrammeRecord):
        if item.training_type == "创业培训" and not query.worker.entrepreneurship:
            return "这是创业培训，您没有表示有创业意向"
        return (
            "它与您的技能和求职意向不够对口"
            "（不是您想从事、持证或会做的职业，也不在与您的描述最相近的几个培训之列）"
        )
    if why.notes:
        return "您暂时不能直接上岗，您能参加的培训里也没有能在开工前结业、补上差距的"
    return "它不在为您检索出的订单之列（与您的技能描述不够相近）"


def explain_item(
    query: WorkerQuery,
    item: ProgrammeRecord | OrderRecord,
    candidates: Candidates,
    programmes: ProgrammeTable,
    orders: OrderTable,
    ctx: MatchContext,
    *,
    shown: int = 10,
    embedding: np.ndarray | None = None,
    similarity: float | None = None,
) -> WhyNot:
    """:func:`explain_exclusion`, and for an item that passes every filter its standing in the
    worker's full ranking (the same candidates, tables and context the list of ``shown``
    pathways was ranked with): the place its pathway takes and, below the cut, the pathway at
    place ``shown`` it lost to with the features that decided it; or why it forms no pathway."""
    why = explain_exclusion(query, item, ctx, embedding=embedding, similarity=similarity)
    if not why.passed:
        return why
    full = rank_pathways(query, candidates, programmes, orders, ctx, FULL_RANKING)
    if full.status == "needs_profile":
        return why
    own = (why.pathway_kind, why.score_if_passed, why.contributions, _why_unlisted(why, query, item))
    standing = standing_of(
        item.id,
        isinstance(item, ProgrammeRecord),
        full,
        programmes,
        orders,
        ctx.weights,
        max(shown, 1),
        unlisted=own,
    )
    return dataclasses.replace(
        why,
        pathway_kind=standing.pathway_kind,
        score_if_passed=standing.score,
        contributions=standing.contributions,
        match=standing.match,
        standing=standing,
    )
