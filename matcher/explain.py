"""Plain-Chinese explanations a counselor can read out, built from a pathway's facts and feature
contributions, e.g.
"离您家12公里；结业后可对接太原市XX建筑公司订单，月薪6000–8000元；符合脱贫劳动力生活费补贴".

No personal data goes into these texts: distances, places of programmes and orders, employer and
institution names, amounts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from matcher.filters import Reach
from matcher.subsidy.model import SubsidyDecision
from matcher.subsidy.support import LIVING_ALLOWANCE_GROUPS
from matcher.types import SHORT_LEVEL_NAMES, OrderRecord, ProgrammeRecord, WorkerProfile

__all__ = ["join_reasons", "pathway_reasons"]

#: contributions below this do not earn their own sentence (they still show in the numbers)
_MENTION = 0.05
#: an institution's employment rate is worth saying out loud from this level
_GOOD_EMPLOYMENT_RATE = 0.7


def _md(day: dt.date) -> str:
    return f"{day.month}月{day.day}日"


def _km(km: float) -> str:
    return "不到1公里" if km < 1 else f"{km:.0f}公里"


def _distance_phrase(worker: WorkerProfile, reach: Reach, what: str) -> str:
    if reach.online:
        return "线上培训，在家就能学"
    if reach.from_home or worker.desired_city is None:
        return f"{what}离您家{_km(reach.home_km)}"
    city = worker.desired_city.name or "您想去的城市"
    return f"{what}离{city}{_km(reach.km)}"


def _occupation_name(code: str, names: Mapping[str, str], fallback: str | None) -> str:
    return names.get(code) or fallback or code


def _wage(order: OrderRecord) -> str:
    if order.wage_min == order.wage_max:
        return f"月薪{order.wage_min}元"
    return f"月薪{order.wage_min}–{order.wage_max}元"


def _programme_phrase(p: ProgrammeRecord, prefix: str = "参加") -> str:
    level = SHORT_LEVEL_NAMES.get(p.level, "")
    level_part = f"{level}，" if level else ""
    return f"{prefix}{p.institution.name}“{p.title}”培训（{level_part}{_md(p.start_date)}–{_md(p.end_date)}）"


def _support_phrases(worker: WorkerProfile, support: SubsidyDecision, employer_trains: bool) -> list[str]:
    out: list[str] = []
    if employer_trains and support.payee == "enterprise":
        out.append("由用人单位出资培训，个人不用出钱")
    else:
        if support.training_subsidy > 0:
            out.append(f"可享培训补贴{support.training_subsidy}元")
        out.append("个人不用出钱" if support.net_cost <= 0 else f"个人需承担约{support.net_cost}元")
    if support.living_allowance > 0:
        group = next((g for g in LIVING_ALLOWANCE_GROUPS if g in worker.groups), None)
        who = f"{group}" if group else ""
        out.append(f"符合{who}生活费补贴（约{support.living_allowance}元）")
    return out


def pathway_reasons(
    kind: str,
    worker: WorkerProfile,
    *,
    programme: ProgrammeRecord | None,
    order: OrderRecord | None,
    programme_reach: Reach | None,
    order_reach: Reach | None,
    support: SubsidyDecision | None,
    contributions: Mapping[str, float],
    occupation_names: Mapping[str, str],
) -> tuple[str, ...]:
    """The sentences of one pathway's explanation, in reading order: where, what to do, what it
    pays, what it costs, and notes. Each sentence states a fact behind a feature contribution."""
    out: list[str] = []
    if kind == "job" and order is not None and order_reach is not None:
        out.append(_distance_phrase(worker, order_reach, ""))
        occ = _occupation_name(order.occupation_code, occupation_names, order.work_type)
        out.append(f"可直接上岗：{order.employer_name}招{occ}，{_wage(order)}，{_md(order.start_date)}开工")
    elif kind == "train_then_job" and programme is not None and order is not None:
        assert programme_reach is not None and order_reach is not None
        out.append(_distance_phrase(worker, programme_reach, "培训点"))
        out.append(_programme_phrase(programme))
        where = order.place.name or ""
        out.append(
            f"结业后可对接{where}{order.employer_name}订单，{_wage(order)}，{_md(order.start_date)}开工"
        )
        if not order_reach.from_home or order_reach.home_km >= 1:
            out.append(_distance_phrase(worker, order_reach, "工作地"))
    elif programme is not None and programme_reach is not None:
        out.append(_distance_phrase(worker, programme_reach, "培训点"))
        if kind == "start_up":
            out.append(_programme_phrase(programme, prefix="创业方向：参加"))
        else:
            out.append(_programme_phrase(programme))
            held = [c.level for c in worker.certificates if c.occupation_code == programme.occupation_code]
            occ = _occupation_name(programme.occupation_code, occupation_names, programme.work_type)
            if held and programme.level > 0:
                top = min(h for h in held if h > 0) if any(h > 0 for h in held) else None
                if top is not None:
                    out.append(f"可从{SHORT_LEVEL_NAMES[top]}提升到{SHORT_LEVEL_NAMES[programme.level]}")
            elif programme.occupation_code in worker.desired_occupations:
                out.append(f"对口您想从事的{occ}")
    if order is not None and contributions.get("wage", 0.0) >= _MENTION and worker.expected_wage:
        out.append(f"高于您期望的月薪{worker.expected_wage}元")
    if programme is not None and support is not None:
        out.extend(_support_phrases(worker, support, bool(order and order.employer_trains)))
    if programme is not None and contributions.get("institution", 0.0) > 0:
        rate = programme.institution.employment_rate_6m
        if rate is not None and rate >= _GOOD_EMPLOYMENT_RATE:
            out.append(f"该机构学员半年就业率{rate * 100:.0f}%")
    if programme is not None and programme.institution.confirmed_flags > 0:
        n = programme.institution.confirmed_flags
        out.append(f"该机构有{n}条经核实的补贴经办风险问题，机构评分已按规定下调")
    if order is not None and order.flags:
        out.append("订单中的性别、民族等限制不合法，已忽略，不影响您报名")
    return tuple(out)


def join_reasons(reasons: tuple[str, ...]) -> str:
    """One line to read out: sentences joined with "；"."""
    return "；".join(r for r in reasons if r)
