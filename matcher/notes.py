"""Notes on a worker's list as a whole, for the counselor: why it holds fewer pathways than asked,
and — for a worker in a 应培尽培 priority group without a subsidised pathway — why there is none.

Both are built only for an explained recommendation (never in a batch run) from the same filters
the ranking used (:mod:`matcher.filters` decodes what :mod:`matcher.row_filters` only tests), so
every count in a note is a count of rows the ranking looked at.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from matcher.filters import (
    AGE_ABOVE_MAX,
    AGE_BELOW_MIN,
    ALREADY_CERTIFIED,
    EDUCATION_TOO_LOW,
    ENROLLMENT_CLOSED,
    INSTITUTION_SUSPENDED,
    NO_SEATS,
    ORDER_STARTED,
    OUT_OF_REACH,
    order_failures,
    programme_failures,
)
from matcher.query import MatchContext, WorkerQuery, known_occupations
from matcher.ranking import PathwayRanking
from matcher.subsidised_first import NONE, is_subsidised
from matcher.tables import OrderTable, ProgrammeTable
from matcher.types import WorkerProfile

__all__ = ["no_subsidy_note", "recommendation_notes", "shortfall_note"]

#: failure bits in the order an item is counted under (its first failing reason), with the words
_REASONS: tuple[tuple[int, str], ...] = (
    (OUT_OF_REACH, "reach"),
    (ENROLLMENT_CLOSED | ORDER_STARTED, "started"),
    (NO_SEATS, "seats"),
    (AGE_BELOW_MIN | AGE_ABOVE_MAX | EDUCATION_TOO_LOW, "entry"),
    (ALREADY_CERTIFIED, "certified"),
    (INSTITUTION_SUSPENDED, "suspended"),
)
_ENTRY = AGE_BELOW_MIN | AGE_ABOVE_MAX | EDUCATION_TOO_LOW | ALREADY_CERTIFIED


def _reach_words(worker: WorkerProfile) -> str:
    if worker.desired_place == "city" and worker.desired_city is not None:
        return f"离您家和您想去的城市都超过{worker.max_commute_km:.0f}公里"
    return f"超出您可接受的{worker.max_commute_km:.0f}公里"


def _first_reason(bits: np.ndarray) -> np.ndarray:
    """(m,) index into :data:`_REASONS` of each row's first failing reason, -1 for passing rows."""
    out = np.full(len(bits), -1, dtype=np.int64)
    for i in range(len(_REASONS) - 1, -1, -1):
        out[(bits & _REASONS[i][0]) != 0] = i
    return out


def _names(codes: Sequence[str], names: Mapping[str, str], limit: int = 3) -> str:
    shown = [names.get(c, c) for c in codes[:limit]]
    return "、".join(shown) + ("等" if len(codes) > limit else "")


def _kind_counts(bits: np.ndarray, rows: np.ndarray, used: set[int]) -> dict[str, int]:
    """How many rows fail first on each reason of :data:`_REASONS`, how many pass and form a
    pathway ("used") and how many pass without one ("idle")."""
    counts = dict.fromkeys([w for _, w in _REASONS] + ["used", "idle"], 0)
    for row, first in zip(rows.tolist(), _first_reason(bits).tolist(), strict=True):
        if first >= 0:
            counts[_REASONS[first][1]] += 1
        else:
            counts["used" if row in used else "idle"] += 1
    return counts


def _filter_parts(counts: dict[str, int], worker: WorkerProfile, started: str) -> list[tuple[int, str]]:
    return [
        (counts["reach"], _reach_words(worker)),
        (counts["started"], started),
        (counts["seats"], "名额已满"),
        (counts["entry"], "年龄或学历不符合要求"),
        (counts["certified"], "您已持有同级或更高等级的证书"),
        (counts["suspended"], "所属培训机构已被暂停"),
    ]


def _clause(what: str, total: int, parts: list[tuple[int, str]]) -> str:
    listed = "，".join(f"{c}个{words}" for c, words in parts if c)
    return f"{what}查看了{total}个" + (f"：{listed}" if listed else "")


def shortfall_note(
    query: WorkerQuery,
    programmes: ProgrammeTable,
    orders: OrderTable,
    ctx: MatchContext,
    ranking: PathwayRanking,
    k: int,
) -> str:
    """Why the list holds fewer than ``k`` pathways: for the programmes and for the orders the
    ranking looked at, what kept each one out (counted once, under its first failing filter, the
    rest as "in a pathway" or "passes but forms none, and why"), then how much of the catalogue
    is in the worker's occupations. "" when the list is full.

    With fewer than ``k`` pathways every pathway the worker has is shown, so a passing programme
    outside the list is one the ranking found unrelated (or a 创业培训 for a worker without
    start-up intent), and a passing order outside it one the worker cannot take yet with no
    course that closes its gap in time."""
    n = len(ranking.pathways)
    if n >= k or ranking.status not in ("ok", "no_match"):
        return ""
    worker = query.worker
    p_rows, o_rows = ranking.examined
    used_p = {p.programme_row for p in ranking.pathways if p.programme_row >= 0}
    used_o = {p.order_row for p in ranking.pathways if p.order_row >= 0}
    p_bits, _, _ = programme_failures(worker, programmes, p_rows, ctx.today)
    o_bits, _, _ = order_failures(worker, orders, o_rows, ctx.today)
    pc = _kind_counts(p_bits, p_rows, used_p)
    oc = _kind_counts(o_bits, o_rows, used_o)
    idle_p = [r for r, b in zip(p_rows.tolist(), p_bits.tolist(), strict=True) if b == 0 and r not in used_p]
    chuangye = sum(1 for r in idle_p if programmes.chuangye[r])
    p_parts = _filter_parts(pc, worker, "已开班") + [
        (pc["idle"] - chuangye, "与您的技能和求职意向不对口"),
        (chuangye, "是创业培训（您没有表示有创业意向）"),
        (pc["used"], "已列入路径"),
    ]
    o_parts = _filter_parts(oc, worker, "已开工") + [
        (oc["idle"], "要求的证书或技能需先培训，但没有能在开工前结业的对应培训"),
        (oc["used"], "已列入路径"),
    ]
    head = f"只找到{n}条路径（您要{k}条）" if n else "没有找到路径"
    text = f"{head}。{_clause('培训项目', len(p_rows), p_parts)}；{_clause('用工订单', len(o_rows), o_parts)}"
    known = sorted(known_occupations(query))
    if known:
        in_p = sum(len(programmes.by_occupation.get(c, ())) for c in known)
        in_o = sum(len(orders.by_occupation.get(c, ())) for c in known)
        what = _names(known, ctx.occupation_names)
        if in_p + in_o == 0:
            text += f"；目录中暂无{what}的培训项目和用工订单"
        else:
            text += f"；目录中{what}的培训项目共{in_p}个、用工订单共{in_o}个"
    return text


def no_subsidy_note(query: WorkerQuery, programmes: ProgrammeTable, ctx: MatchContext) -> str:
    """For a priority-group worker with no subsidised pathway (应培尽培, clause 二): why none,
    from every programme of the catalogue — none within reach, subsidised ones full or already
    started, ones whose entry rules the worker does not meet, ones unrelated to the worker, or
    no programme within reach the subsidy rules pay for this worker (with the nearest one's
    reason)."""
    worker = query.worker
    rows = np.arange(len(programmes), dtype=np.int64)
    bits, dist, _ = programme_failures(worker, programmes, rows, ctx.today)
    head = "按应培尽培要求查找了可领补贴的培训，但没有能列入的"
    near = np.flatnonzero((bits & (OUT_OF_REACH | INSTITUTION_SUSPENDED)) == 0)
    if len(near) == 0:
        if len(programmes) == 0:
            return f"{head}：目录中暂无培训项目"
        km = f"{worker.max_commute_km:.0f}公里"
        if worker.desired_place == "city" and worker.desired_city is not None:
            return f"{head}：您家和您想去的城市{km}范围内都暂无培训项目"
        return f"{head}：您可接受的{km}范围内暂无培训项目"
    near = near[np.lexsort((rows[near], dist[near]))]  # nearest first, then by row
    subsidised: list[int] = []
    first_reason = ""
    for r in near.tolist():
        est = ctx.support(worker, programmes.records[r], None)
        if is_subsidised(est):
            subsidised.append(r)
        elif not first_reason and est.reasons:
            first_reason = est.reasons[0]
    if not subsidised:
        tail = f"，例如最近的一个：{first_reason}" if first_reason else ""
        return f"{head}：您可到达的{len(near)}个培训项目都不能为您发放补贴{tail}"
    parts = []
    full = [r for r in subsidised if bits[r] & (NO_SEATS | ENROLLMENT_CLOSED)]
    entry = [r for r in subsidised if r not in full and bits[r] & _ENTRY]
    open_ = [r for r in subsidised if bits[r] == 0]
    if full:
        parts.append(f"{len(full)}个可领补贴的培训名额已满或已开班")
    if entry:
        why = [
            (sum(1 for r in entry if bits[r] & (AGE_BELOW_MIN | AGE_ABOVE_MAX)), "年龄"),
            (sum(1 for r in entry if bits[r] & EDUCATION_TOO_LOW), "学历"),
            (sum(1 for r in entry if bits[r] & ALREADY_CERTIFIED), "已持有同级或更高等级证书"),
        ]
        said = "、".join(f"{c}个因{w}" for c, w in why if c)
        parts.append(f"{len(entry)}个可领补贴的培训您暂不符合报名条件（{said}）")
    if open_:
        codes = sorted({programmes.records[r].occupation_code for r in open_})
        parts.append(
            f"{len(open_)}个可领补贴的培训（{_names(codes, ctx.occupation_names)}）"
            "与您的技能和求职意向不对口，可与劳动者商量是否愿意学"
        )
    return f"{head}：" + "；".join(parts)


def recommendation_notes(
    query: WorkerQuery,
    programmes: ProgrammeTable,
    orders: OrderTable,
    ctx: MatchContext,
    ranking: PathwayRanking,
    k: int,
) -> tuple[str, ...]:
    """The notes of one explained recommendation, in reading order (empty when there is nothing
    to say)."""
    out = [shortfall_note(query, programmes, orders, ctx, ranking, k)]
    if ranking.subsidised_first == NONE:
        out.append(no_subsidy_note(query, programmes, ctx))
    return tuple(t for t in out if t)
