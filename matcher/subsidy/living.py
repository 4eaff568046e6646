"""Living allowance during training (clause 九): who, for how many days, never twice for a day.

Clause 九: "脱贫（含防返贫监测对象）、就业困难、零就业家庭的农民工以及城乡未继续升学应届初高中毕业生
中的农村学员和城市低保家庭学员，在培训期间可按规定给予生活费补贴。"

- Groups are facts (:class:`GroupFact`) valid on the course's start day; a claim accepts only the
  sources the city lists (registry lists, 大数据比对), an estimate any registered group.
- The 应届 groups count for one cohort: from 1 June of the graduation year for the city's number
  of months.
- Days are counted by the city's rule (:data:`DAY_COUNTS`); a claim covers the calendar days of its
  course, and days another live claim already covers are not paid again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from matcher.subsidy.model import Facts, Step
from matcher.subsidy.policy import (
    DAY_COUNTS,
    GRADUATE_GROUPS,
    MANDATED_LIVING_GROUPS,
    CityPolicy,
    LivingAllowanceRule,
)
from matcher.subsidy.records import GroupFact
from matcher.subsidy.rules import join_cn
from matcher.types import ProgrammeRecord, WorkerProfile

RULE_LIVING = "living_allowance"
RULE_GROUPS = "allowance_groups"
RULE_DAYS = "allowance_days"


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months (clamped to the month's last day)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for dd in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, dd)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def cohort_window(graduation_year: int, rule: LivingAllowanceRule) -> tuple[dt.date, dt.date]:
    """First and last day on which a 应届 graduate of ``graduation_year`` starts training as such."""
    first = dt.date(graduation_year, 6, 1)
    return first, add_months(first, rule.graduate_months) - dt.timedelta(days=1)


def calendar_days(start: dt.date, end: dt.date) -> tuple[dt.date, ...]:
    return tuple(start + dt.timedelta(days=i) for i in range((end - start).days + 1))


def count_days(
    programme: ProgrammeRecord, rule: LivingAllowanceRule, hours: int | None = None
) -> tuple[int, str]:
    """Days of allowance of ``programme`` by the city's rule, and how they were counted (Chinese).

    ``hours`` are the hours attended (a completion record) or, when None, the course's hours.
    """
    calendar = max(0, (programme.end_date - programme.start_date).days + 1)
    used_hours = programme.hours if hours is None else hours
    by_hours = used_hours // rule.hours_per_day if rule.hours_per_day > 0 else calendar
    which = "实际参训" if hours is not None else "课程"
    hours_text = f"{which}{used_hours}学时÷每天{rule.hours_per_day}学时={by_hours}天"
    if rule.day_count == "calendar":
        return calendar, f"{DAY_COUNTS['calendar']}{calendar}天"
    if rule.day_count == "hours":
        if by_hours > calendar:  # never more days than the course has (decide_days caps them)
            return calendar, f"{DAY_COUNTS['hours']}：{hours_text}，不超过日历{calendar}天"
        return max(0, by_hours), f"{DAY_COUNTS['hours']}：{hours_text}"
    days = max(0, min(calendar, by_hours))
    return days, f"按实际培训天数：日历{calendar}天、{hours_text}，取{days}天"


def group_text(group: str) -> str:
    """A group's name as a sentence says it: the identifiers' ASCII brackets ("…毕业生(农村)") in
    Chinese ones."""
    return group.replace("(", "（").replace(")", "）")


def qualifying_groups(
    facts: Iterable[GroupFact], rule: LivingAllowanceRule, start: dt.date, *, sources: frozenset[str] | None
) -> tuple[list[GroupFact], list[str]]:
    """Group facts that entitle a trainee starting on ``start``, and why the others do not
    (sentences). ``sources`` None accepts any source (an estimate)."""
    ok: list[GroupFact] = []
    why: list[str] = []
    for fact in sorted(
        facts,
        key=lambda f: (
            MANDATED_LIVING_GROUPS.index(f.group) if f.group in MANDATED_LIVING_GROUPS else 99,
            f.group,
            -f.version,
        ),
    ):
        if fact.group not in rule.groups:
            continue
        if sources is not None and fact.source not in sources:
            why.append(
                f"{group_text(fact.group)}身份来源为“{fact.source}”，须经{join_cn(sorted(sources))}确认"
            )
            continue
        if not fact.valid_on(start):
            why.append(f"{group_text(fact.group)}身份在开训日{start.isoformat()}不在有效期内")
            continue
        if fact.group in GRADUATE_GROUPS:
            if fact.graduation_year is None:
                why.append(f"{group_text(fact.group)}须登记毕业年份")
                continue
            first, last = cohort_window(fact.graduation_year, rule)
            if not first <= start <= last:
                why.append(
                    f"{fact.graduation_year}届毕业生的应届身份适用于{first.isoformat()}至{last.isoformat()}开训的培训"
                )
                continue
        ok.append(fact)
    return ok, why


def profile_groups(worker: WorkerProfile) -> tuple[GroupFact, ...]:
    """A profile's registered groups as facts (for estimates): the 应届 groups carry the
    profile's graduation year."""
    return tuple(
        GroupFact(g, "登记", graduation_year=worker.graduation_year if g in GRADUATE_GROUPS else None)
        for g in sorted(worker.groups)
    )


def decide_groups(
    facts: Iterable[GroupFact],
    programme: ProgrammeRecord,
    policy: CityPolicy,
    *,
    sources: frozenset[str] | None,
) -> tuple[Step, GroupFact | None]:
    """The group step of the allowance, and the fact it used (the first qualifying one)."""
    rule = policy.living
    ok, why = qualifying_groups(facts, rule, programme.start_date, sources=sources)
    used = ok[0] if ok else None
    step_facts: Facts = (
        ("allowance_groups", tuple(f.group for f in ok)),
        ("group_fact_id", used.id if used else None),
        ("group_fact_source", used.source if used else None),
        ("group_fact_version", used.version if used else None),
    )
    if used is None:
        reason = (
            "生活费补贴面向脱贫人口（含防返贫监测对象）、就业困难人员、零就业家庭成员，以及未继续升学"
            "应届初高中毕业生中的农村学员和城市低保家庭学员"
        )
        if why:
            reason += "；" + "；".join(why)
        return Step(RULE_GROUPS, "九", False, reason, step_facts), None
    who = join_cn(group_text(f.group) for f in ok)
    return Step(RULE_GROUPS, "九", True, f"您属于{who}", step_facts), used


def decide_days(
    programme: ProgrammeRecord,
    policy: CityPolicy,
    *,
    hours: int | None = None,
    paid_days: frozenset[dt.date] = frozenset(),
) -> tuple[Step, tuple[dt.date, ...], int, str]:
    """The delivery and day steps: (step, covered calendar days, days paid, how counted).

    Covered days are the course's calendar days not already covered by another claim; the days
    paid are the rule's count, never more than the covered days; the amount is capped.
    """
    rule = policy.living
    counted, basis = count_days(programme, rule, hours)
    span = calendar_days(programme.start_date, programme.end_date)
    covered = tuple(d for d in span if d not in paid_days)
    overlap = len(span) - len(covered)
    days = min(counted, len(covered))
    amount = min(days * rule.per_day, rule.cap)
    facts: Facts = (
        ("delivery", programme.delivery),
        ("day_count", rule.day_count),
        ("hours", programme.hours if hours is None else hours),
        ("hours_per_day", rule.hours_per_day),
        ("counted_days", counted),
        ("already_paid_days", overlap),
        ("living_days", days),
        ("per_day", rule.per_day),
        ("cap", rule.cap),
    )
    if programme.delivery not in rule.deliveries:
        return Step(RULE_DAYS, "九", False, f"{programme.delivery}培训不发放生活费补贴", facts), (), 0, basis
    if rule.per_day <= 0 or rule.cap <= 0:
        return Step(RULE_DAYS, "九", False, f"{policy.city_name}未设生活费补贴标准", facts), (), 0, basis
    if days <= 0:
        reason = (
            "培训期间的每一天均已发放过生活费补贴，同一天不重复发放"
            if overlap
            else "没有可发放生活费补贴的培训天数"
        )
        return Step(RULE_DAYS, "九", False, reason, facts), (), 0, basis
    reason = f"培训期间可享生活费补贴每天{rule.per_day}元，共{days}天，合计{amount}元"
    if days * rule.per_day > rule.cap:
        reason += f"（上限{rule.cap}元）"
    if overlap:
        reason += f"；其中{overlap}天已由另一期培训发放过，不重复发放"
    return Step(RULE_DAYS, "九", True, reason, facts, amount), covered, days, basis
