""" "Why not X?": for a worker and one programme or order, the filters it failed and the score it
would have had if it had passed (as a ``train``/``start_up`` pathway for a programme, as a ``job``
pathway for an order)."""

from __future__ import annotations

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
from matcher.pathways import MatchContext, WorkerQuery, known_occupations
from matcher.scoring import contributions
from matcher.tables import OrderTable, ProgrammeTable, is_startup_programme
from matcher.types import OrderRecord, ProgrammeRecord

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["WhyNot", "explain_exclusion"]

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

    @property
    def passed(self) -> bool:
        return not self.exclusions

    @property
    def text(self) -> str:
        """One Chinese line for the counselor."""
        if not self.exclusions and not self.notes:
            return f"该项目符合条件（得分{self.score_if_passed:.2f}）"
        parts = [e.text for e in (*self.exclusions, *self.notes)]
        return "；".join(parts) + f"。若符合条件，得分约为{self.score_if_passed:.2f}"


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
    )
