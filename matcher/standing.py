"""Where a programme or order that passes every filter stands in a worker's full ranking: the place
its pathway takes, the pathway at the cut it lost to, and the features that decided it — the
answer to "why is X not in my list?" when no filter excludes X.

The full ranking is :func:`matcher.ranking.rank_pathways` with no limit on ``k``: every pathway
the worker has, in the order the list shows them (its head is the list itself).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from matcher.features import FEATURE_LABELS
from matcher.ranking import PathwayRanking, RankedPathway
from matcher.scoring import KINDS, RankingWeights, contributions
from matcher.tables import OrderTable, ProgrammeTable

__all__ = ["KIND_LABELS", "Standing", "standing_of"]

#: pathway kinds as a counselor says them
KIND_LABELS: Mapping[str, str] = MappingProxyType(
    {"job": "直接就业", "train_then_job": "先培训后就业", "train": "技能培训", "start_up": "创业培训"}
)


@dataclass(frozen=True, slots=True)
class Standing:
    """``rank``: the 1-based place of the item's best pathway in the full ranking (``listed``), or
    the place its score alone would give it (not ``listed``: it forms no pathway, see
    ``why_unlisted``). ``shown``: how many places the worker's list has. ``rival``: the pathway
    at place ``shown`` (the last one the worker sees), which the item lost to — None when the
    item is within the list or the list is not full. ``rival_label``: that pathway as
    "先培训后就业 P000228→O000124". ``gaps``: (feature, match points the rival scores higher),
    largest first, at most three, features where the rival is ahead only."""

    rank: int
    shown: int
    listed: bool
    pathway_kind: str
    score: float
    match: int
    contributions: Mapping[str, float]
    rival: RankedPathway | None = None
    rival_label: str = ""
    rival_match: int = 0
    gaps: tuple[tuple[str, float], ...] = ()
    why_unlisted: str = ""

    @property
    def text(self) -> str:
        """One Chinese line for the counselor (after "该项目符合条件")."""
        kind = KIND_LABELS[self.pathway_kind]
        if self.listed and self.rank <= self.shown:
            return f"已在推荐列表第{self.rank}位（{kind}，匹配度{self.match}分）"
        head = (
            f"但排在第{self.rank}位（{kind}，匹配度{self.match}分）"
            if self.listed
            else f"但{self.why_unlisted}，所以未列入；若列入，匹配度{self.match}分，可排第{self.rank}位"
        )
        if self.rival is None:
            return head
        gaps = "、".join(f"{FEATURE_LABELS[f]}少{p:.0f}分" for f, p in self.gaps if round(p) >= 1)
        lost = (
            f"推荐列表只列前{self.shown}条，"
            f"第{self.shown}条是{self.rival_label}（匹配度{self.rival_match}分）"
        )
        return f"{head}；{lost}" + (f"，差距主要在：{gaps}" if gaps else "")


def _label(p: RankedPathway, programmes: ProgrammeTable, orders: OrderTable) -> str:
    ids = [programmes.records[p.programme_row].id] if p.programme_row >= 0 else []
    ids += [orders.records[p.order_row].id] if p.order_row >= 0 else []
    return f"{KIND_LABELS[p.kind]} {'→'.join(ids)}"


def _gaps(
    rival: Mapping[str, float], item: Mapping[str, float], weights: RankingWeights
) -> tuple[tuple[str, float], ...]:
    diffs = [(weights.points(rival[f] - item.get(f, 0.0)), i, f) for i, f in enumerate(rival)]
    ahead = sorted(((d, i, f) for d, i, f in diffs if d > 0), key=lambda t: (-t[0], t[1]))
    return tuple((f, d) for d, _, f in ahead[:3])


def standing_of(
    item_id: str,
    is_programme: bool,
    full: PathwayRanking,
    programmes: ProgrammeTable,
    orders: OrderTable,
    weights: RankingWeights,
    shown: int,
    *,
    unlisted: tuple[str, float, Mapping[str, float], str] | None = None,
) -> Standing:
    """The standing of ``item_id`` (a programme when ``is_programme``, else an order) in ``full``,
    the worker's full ranking, for a list of ``shown`` places.

    ``unlisted``: (kind, score, contributions, why) of the item scored on its own, used when no
    pathway of ``full`` holds the item; its place is then 1 + the number of pathways scoring
    higher (ties: kind order)."""
    ranked = list(full.pathways)
    table = programmes if is_programme else orders
    row = table.row_of.get(item_id, -1)
    place = next(
        (
            n
            for n, p in enumerate(ranked, 1)
            if row >= 0 and (p.programme_row if is_programme else p.order_row) == row
        ),
        0,
    )
    if place:
        mine = ranked[place - 1]
        kind, score = mine.kind, mine.score
        contrib: Mapping[str, float] = contributions(mine.features, weights, kind)
        why = ""
    else:
        if unlisted is None:
            raise ValueError(f"{item_id} forms no pathway of this ranking and no own score was given")
        kind, score, contrib, why = unlisted
        place = 1 + sum(1 for p in ranked if (-p.score, KINDS.index(p.kind)) < (-score, KINDS.index(kind)))
    rival = ranked[shown - 1] if place > shown and len(ranked) >= shown else None
    base = Standing(
        rank=place,
        shown=shown,
        listed=not why,
        pathway_kind=kind,
        score=score,
        match=weights.match(score),
        contributions=MappingProxyType(dict(contrib)),
        why_unlisted=why,
    )
    if rival is None:
        return base
    rival_c = contributions(rival.features, weights, rival.kind)
    return dataclasses.replace(
        base,
        rival=rival,
        rival_label=_label(rival, programmes, orders),
        rival_match=weights.match(rival.score),
        gaps=_gaps(rival_c, contrib, weights),
    )
