"""Plain-Chinese explanations a counselor can read out, built from a pathway's facts and feature
contributions, e.g.
"离您家12公里；结业后可对接XX建筑公司（太原市小店区）订单，月薪6000–8000元；符合脱贫劳动力生活费补贴".

Every number in a sentence is one of the pathway's structured fields (distances, dates, the wait
between course and job, amounts, the match; for the money, :func:`money_phrases`: what the worker
pays before the course, the subsidy and when it is paid, the net cost, the allowance with its days,
the course's hours and the city's hours per day), so ``eval.explanation_check`` can hold each
sentence against them. Dates carry their year unless it is the year of the request (``today``); in a range
"2027年1月17日–2月27日" the second date shares the first one's year.

No personal data goes into these texts: distances, places of programmes and orders, employer and
institution names, amounts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from matcher.features import FEATURE_LABELS
from matcher.filters import Reach
from matcher.subsidy.model import SubsidyDecision
from matcher.subsidy.rules import organised_by_employer
from matcher.subsidy.support import LIVING_ALLOWANCE_GROUPS
from matcher.types import SHORT_LEVEL_NAMES, OrderRecord, ProgrammeRecord, WorkerProfile

__all__ = [
    "day_text",
    "join_reasons",
    "match_sentence",
    "money_phrases",
    "pathway_reasons",
    "programme_phrase",
    "span_text",
    "top_features",
    "wait_sentence",
]

#: contributions below this do not earn their own sentence (they still show in the numbers)
_MENTION = 0.05
#: an institution's employment rate is worth saying out loud from this level
_GOOD_EMPLOYMENT_RATE = 0.7
#: words that already say "this is a course": a title holding one is not followed by "培训"
_COURSE_WORDS = ("培训", "班", "课程", "学徒制")


def day_text(day: dt.date, today: dt.date) -> str:
    """ "1月17日" in the year of ``today``, else "2027年1月17日"."""
    if day.year == today.year:
        return f"{day.month}月{day.day}日"
    return f"{day.year}年{day.month}月{day.day}日"


def span_text(start: dt.date, end: dt.date, today: dt.date) -> str:
    """ "12月20日–2027年2月3日", "2027年1月17日–2月27日" (the end shares a stated start year)."""
    if end.year == start.year and start.year != today.year:
        return f"{day_text(start, today)}–{end.month}月{end.day}日"
    return f"{day_text(start, today)}–{day_text(end, today)}"


def _km(km: float) -> str:
    return "不到1公里" if km < 1 else f"{km:.0f}公里"


def _distance_phrase(worker: WorkerProfile, reach: Reach, what: str) -> str:
    if reach.online:
        return "线上培训，在家就能学"
    if reach.from_home or worker.desired_city is None:
        return f"{what}离您家{_km(reach.home_km)}"
    city = worker.desired_city.name or "您想去的城市"
    return f"{what}离您想去的{city}{_km(reach.km)}"


def _occupation_name(code: str, names: Mapping[str, str], fallback: str | None) -> str:
    return names.get(code) or fallback or code


def _wage(order: OrderRecord) -> str:
    if order.wage_min == order.wage_max:
        return f"月薪{order.wage_min}元"
    return f"月薪{order.wage_min}–{order.wage_max}元"


def programme_phrase(p: ProgrammeRecord, today: dt.date, prefix: str = "参加") -> str:
    """ "参加XX学校“电工（五级）就业技能培训班”（初级工，12月20日–2027年2月3日）"; the word
    "培训" follows the title only when the title does not already say it is a course."""
    level = SHORT_LEVEL_NAMES.get(p.level, "")
    level_part = f"{level}，" if level else ""
    noun = "" if any(w in p.title for w in _COURSE_WORDS) else "培训"
    return (
        f"{prefix}{p.institution.name}“{p.title}”{noun}"
        f"（{level_part}{span_text(p.start_date, p.end_date, today)}）"
    )


def wait_sentence(wait: int) -> str:
    """What the worker does between the last day of the course and the first day of the job."""
    if wait <= 0:
        return "结业后第二天就能开工"
    return f"结业后要等{wait}天才开工"


def _order_phrase(order: OrderRecord, today: dt.date) -> str:
    where = f"（{order.place.name}）" if order.place.name else ""
    return f"{order.employer_name}{where}订单，{_wage(order)}，{day_text(order.start_date, today)}开工"


def top_features(contributions: Mapping[str, float], n: int = 3) -> tuple[str, ...]:
    """The ``n`` features that added most to the score (positive contributions only, largest
    first; ties in feature order). The kind bonus is not a feature."""
    ranked = sorted(
        ((v, i, k) for i, (k, v) in enumerate(contributions.items()) if k != "kind_bonus" and v > 0),
        key=lambda t: (-t[0], t[1]),
    )
    return tuple(k for _, _, k in ranked[:n])


def match_sentence(match: int, features: tuple[str, ...]) -> str:
    """ "匹配度52分（满分100），主要因为职业对口、离得近、机构质量"."""
    why = f"，主要因为{'、'.join(FEATURE_LABELS[f] for f in features)}" if features else ""
    return f"匹配度{match}分（满分100）{why}"


#: when a training subsidy is paid (``SubsidyDecision.paid_on``), as the start of a sentence
PAID_ON_WORDS = {"certification": "取得证书后", "completion": "结业后"}


def _employer_name(support: SubsidyDecision, programme: ProgrammeRecord, order: OrderRecord | None) -> str:
    """Who pays for the course: the enterprise paid directly, the order's employer training its hire
    in this course, or — an employer-funded programme such as 企业新型学徒制 — "用人单位"."""
    if support.payee_name and support.payee == "enterprise":
        return support.payee_name
    if order is not None and order.employer_trains and organised_by_employer(order, programme):
        return order.employer_name
    return "用人单位"


def money_phrases(
    worker: WorkerProfile, support: SubsidyDecision, programme: ProgrammeRecord, order: OrderRecord | None
) -> list[str]:
    """What the course costs whom, read from the subsidy decision only: who pays for the course,
    what the worker pays before it (``upfront``), what comes back and when (``paid_on``), what the
    worker bears in the end (``net_cost``), and the living allowance with its days and how they
    were counted (``living_days``, ``day_basis``). "不用出钱" only when the worker advances nothing."""
    s = support
    out: list[str] = []
    when = PAID_ON_WORDS.get(s.paid_on, "")
    if s.employer_pays and s.upfront == 0 and s.net_cost == 0:
        who = _employer_name(s, programme, order)
        out.append(f"培训费由{who}承担，个人不用出钱")
        if s.payee == "enterprise" and s.training_subsidy > 0:
            out.append(f"职业培训补贴{s.training_subsidy}元{when}直补{who}（须由该单位录用您）")
    elif s.payee == "institution" and s.training_subsidy > 0:
        out.append(f"培训补贴{s.training_subsidy}元由培训机构垫付，{when}由机构申领")
        out.append("个人不用出钱" if s.upfront == 0 else f"个人只需交{s.upfront}元")
    elif s.payee == "worker" and s.training_subsidy > 0:
        if s.upfront > 0:
            out.append(f"个人需先交培训费{s.upfront}元")
        out.append(f"{when}可领培训补贴{s.training_subsidy}元")
        if s.upfront > 0:
            out.append(f"补贴到账后个人实际承担{s.net_cost}元")
        else:  # nothing paid before the course (a decision without ``upfront``: what it bears)
            out.append("个人不用出钱" if s.net_cost == 0 else f"个人需承担{s.net_cost}元")
    elif s.upfront == 0 and s.net_cost == 0:
        out.append("免费培训，个人不用出钱")
    else:
        out.append(f"个人需自付培训费{s.upfront}元，没有培训补贴")
    if s.living_allowance > 0:
        group = next((g for g in LIVING_ALLOWANCE_GROUPS if g in worker.groups), None)
        # group names are identifiers with ASCII brackets ("…毕业生(农村)"); say them in Chinese ones
        who = group.replace("(", "（").replace(")", "）") if group else ""
        days = f"，共{s.living_days}天" if s.living_days > 0 else ""
        basis = f"（{s.day_basis}）" if s.day_basis and days else ""
        out.append(f"符合{who}生活费补贴{s.living_allowance}元{days}{basis}")
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
    today: dt.date,
    match: int,
    promoted_from: int = 0,
) -> tuple[str, ...]:
    """The sentences of one pathway's explanation, in reading order: where, what to do, when,
    what it pays, what it costs, notes, and the match with the features that decided it. Each
    sentence states a fact behind a feature contribution or a structured field."""
    out: list[str] = []
    if kind == "job" and order is not None and order_reach is not None:
        out.append(_distance_phrase(worker, order_reach, ""))
        occ = _occupation_name(order.occupation_code, occupation_names, order.work_type)
        start = day_text(order.start_date, today)
        out.append(f"可直接上岗：{order.employer_name}招{occ}，{_wage(order)}，{start}开工")
    elif kind == "train_then_job" and programme is not None and order is not None:
        assert programme_reach is not None and order_reach is not None
        out.append(_distance_phrase(worker, programme_reach, "培训点"))
        out.append(programme_phrase(programme, today))
        out.append(f"结业后可对接{_order_phrase(order, today)}")
        out.append(wait_sentence((order.start_date - programme.end_date).days - 1))
        if not order_reach.from_home or order_reach.home_km >= 1:
            out.append(_distance_phrase(worker, order_reach, "工作地"))
    elif programme is not None and programme_reach is not None:
        out.append(_distance_phrase(worker, programme_reach, "培训点"))
        if kind == "start_up":
            out.append(programme_phrase(programme, today, prefix="创业方向：参加"))
        else:
            out.append(programme_phrase(programme, today))
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
        out.extend(money_phrases(worker, support, programme, order))
    if programme is not None and contributions.get("institution", 0.0) > 0:
        rate = programme.institution.employment_rate_6m
        if rate is not None and rate >= _GOOD_EMPLOYMENT_RATE:
            out.append(f"该机构学员半年就业率{rate * 100:.0f}%")
    if programme is not None and programme.institution.confirmed_flags > 0:
        n = programme.institution.confirmed_flags
        out.append(f"该机构有{n}条经核实的补贴经办风险问题，机构评分已按规定下调")
    if order is not None and order.flags:
        out.append("订单中的性别、民族等限制不合法，已忽略，不影响您报名")
    if promoted_from:
        out.append(f"按应培尽培要求，优先列出这条有补贴的培训（单看匹配度排第{promoted_from}位）")
    out.append(match_sentence(match, top_features(contributions)))
    return tuple(out)


def join_reasons(reasons: tuple[str, ...]) -> str:
    """One line to read out: sentences joined with "；"."""
    return "；".join(r for r in reasons if r)
