"""The money checks of one pathway, for :mod:`eval.explanation_pathway`: the sentences that say what
the course costs whom, held against the pathway's money fields (``training_subsidy``, ``upfront``,
``refund``, ``net_cost``, ``employer_cost``, ``payee``, ``funded_by``, ``paid_on``,
``living_allowance``, ``living_days``, ``day_count``, ``programme_hours``, ``hours_per_day``), and
those fields against the world's files (the course's fee, hours, certificate and funding, the
order's employer) and the city's policy file (when it pays, how it counts allowance days).

Codes: ``money`` (an amount that is not the field's, or a field that is not the world's),
``money_advance_called_free`` ("不用出钱"/"免费" where the worker pays before the course),
``refund_timing`` (when the subsidy comes back), ``allowance_days`` and
``allowance_days_unexplained`` (the allowance's day count and how it was counted), ``payee``
(who pays and who receives, in the fields and the words).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from eval.explanation_lint import EMPLOYER_FUNDED_TYPES
from matcher.subsidy.policy import DAY_COUNTS, CityPolicy

__all__ = ["FREE_WORDS", "check_money", "employer_trains_in"]

#: words that tell the worker the course costs nothing
FREE_WORDS = ("不用出钱", "免费", "不用交", "不花钱", "无需缴费", "无需承担")
_WHEN = {"取得证书后": "certification", "结业后": "completion"}

_ADVANCE = re.compile(r"^个人需先交培训费(\d+)元$")
_GRANT = re.compile(r"^(取得证书后|结业后)可领培训补贴(\d+)元$")
_NET = re.compile(r"^补贴到账后个人实际承担(\d+)元$")
_SELF = re.compile(r"^个人需自付培训费(\d+)元，没有培训补贴$")
_ONLY = re.compile(r"^个人只需交(\d+)元$")
_BY_INSTITUTION = re.compile(r"^培训补贴(\d+)元由培训机构垫付，(取得证书后|结业后)由机构申领$")
_EMPLOYER = re.compile(r"^培训费由(.+?)承担，个人不用出钱$")
_DIRECT = re.compile(r"^职业培训补贴(\d+)元(取得证书后|结业后)直补(.+?)（须由该单位录用您）$")
_LIVING = re.compile(r"^符合(\S*?)生活费补贴(\d+)元，共(\d+)天(?:（(.+)）)?$")
_NUMBER = re.compile(r"\d+")


def employer_trains_in(prog: dict, order: dict | None) -> bool:
    """The world says an employer pays for this course: an employer-funded programme, or the
    order's employer trains its hire in this very course (the order links it, same occupation)."""
    if prog.get("employer_funded"):
        return True
    return bool(
        order is not None
        and order["employer_trains"]
        and order.get("programme_id") == prog["id"]
        and order["occupation_code"] == prog["occupation_code"]
    )


def _expected_days(day_count: str, calendar: int, by_hours: int) -> int:
    if day_count == "calendar":
        return calendar
    if day_count == "hours":
        return min(by_hours, calendar)
    return min(calendar, by_hours)


def check_money(
    p: dict,
    prog: dict,
    order: dict | None,
    worker: dict,
    policy: CityPolicy | None,
    bad: Callable[[str, str], None],
) -> set[int]:
    """Every money check of a pathway with a course; returns the yuan amounts its text may state."""
    reasons: list[str] = list(p["reasons"])
    ts, la, nc, payee = p["training_subsidy"], p["living_allowance"], p["net_cost"], p["payee"]
    upfront, refund, employer_cost = p.get("upfront", 0), p.get("refund", 0), p.get("employer_cost", 0)
    paid_on = p.get("paid_on")
    fee = max(int(prog["fee"] or 0), 0)
    employer = employer_trains_in(prog, order)
    # -- the fields, against the world -------------------------------------------------------
    if p.get("funded_by") != ("employer" if employer else "worker"):
        bad("payee", f"funded_by {p.get('funded_by')}, world employer pays: {employer}")
    if prog["training_type"] in EMPLOYER_FUNDED_TYPES and (nc > 0 or upfront > 0):
        bad("money", f"{prog['training_type']} charges the worker {upfront}/{nc} 元")
    if refund != max(0, upfront - nc) or min(upfront, nc, refund, ts, la) < 0:
        bad("money", f"refund {refund} of upfront {upfront} and net cost {nc}")
    if employer:
        if upfront or nc:
            bad("money", f"the employer pays, the worker is charged {upfront}/{nc} 元")
        want_cost = fee - ts if payee == "enterprise" else fee
        if employer_cost != want_cost:
            bad("money", f"employer_cost {employer_cost}, fee {fee}, subsidy {ts} to {payee}")
    else:
        if employer_cost:
            bad("money", f"employer_cost {employer_cost} on a course the worker pays for")
        if payee == "enterprise":
            bad("payee", "subsidy paid to an enterprise that does not pay for the course")
        want_up = max(0, fee - ts) if payee == "institution" else fee
        if upfront != want_up or nc != max(0, fee - ts):
            bad("money", f"upfront {upfront} and net cost {nc} for fee {fee}, subsidy {ts} to {payee}")
    if ts > 0 and payee not in ("worker", "enterprise", "institution"):
        bad("payee", f"subsidy {ts} with payee {payee}")
    if ts == 0 and payee not in ("none", None):
        bad("payee", f"no subsidy, payee {payee}")
    if p.get("subsidised") != ((ts > 0 and payee == "worker") or la > 0):
        bad("money", f"subsidised flag {p.get('subsidised')} for {ts}/{payee}/{la}")
    if ts > 0:
        want_on = (
            "certification"
            if policy is not None and policy.certification.pay_on == "certification" and prog["certificate"]
            else "completion"
        )
        if paid_on != want_on:
            bad("refund_timing", f"paid_on {paid_on}, the city pays on {want_on}")
    elif paid_on is not None:
        bad("refund_timing", f"paid_on {paid_on} without a subsidy")
    # -- the words, against the fields ---------------------------------------------------------
    money = [r for r in reasons if "元" in r and "月薪" not in r or any(w in r for w in FREE_WORDS)]
    for r in money:
        if any(w in r for w in FREE_WORDS) and upfront > 0:
            bad("money_advance_called_free", f"{r!r}: the worker pays {upfront} 元 before the course")
    _cost_sentences(reasons, p, prog, employer, order, bad)
    _living(reasons, p, prog, worker, policy, bad)
    return {ts, la, nc, upfront, refund}


def _cost_sentences(
    reasons: list[str],
    p: dict,
    prog: dict,
    employer: bool,
    order: dict | None,
    bad: Callable[[str, str], None],
) -> None:
    ts, nc, payee = p["training_subsidy"], p["net_cost"], p["payee"]
    upfront, paid_on = p["upfront"], p["paid_on"]
    said: dict[str, re.Match[str]] = {}
    for name, pattern in (
        ("advance", _ADVANCE), ("grant", _GRANT), ("net", _NET), ("self", _SELF), ("only", _ONLY),
        ("institution", _BY_INSTITUTION), ("employer", _EMPLOYER), ("direct", _DIRECT),
    ):  # fmt: skip
        found = [m for r in reasons if (m := pattern.match(r))]
        if len(found) > 1:
            bad("money", f"{len(found)} sentences of kind {name}")
        if found:
            said[name] = found[0]
    free = [r for r in reasons if r == "免费培训，个人不用出钱"]
    cost_kinds = [k for k in ("advance", "self", "only", "employer") if k in said] + ["free"] * len(free)
    if len(cost_kinds) != 1:
        bad("money", f"what the worker pays is said {len(cost_kinds)} times: {cost_kinds}")
    if "employer" in said:
        if not employer:
            bad("payee", f"{said['employer'].group(0)!r}: the world's employer does not pay")
        name = said["employer"].group(1)
        linked = order is not None and employer_trains_in({**prog, "employer_funded": False}, order)
        want = order["employer_name"] if linked and order is not None else "用人单位"
        if name != want:
            bad("payee", f"{name} pays for the course, the world says {want}")
    elif employer:
        bad("payee", "the employer pays and the text does not say so")
    if payee == "enterprise" and ts > 0:
        m = said.get("direct")
        if m is None:
            bad("payee", f"subsidy {ts} paid to the enterprise, not said")
        else:
            if int(m.group(1)) != ts:
                bad("money", f"direct subsidy {m.group(1)}, field {ts}")
            if _WHEN[m.group(2)] != paid_on:
                bad("refund_timing", f"{m.group(2)} for paid_on {paid_on}")
            if order is not None and m.group(3) != order["employer_name"]:
                bad("payee", f"subsidy paid to {m.group(3)}, order employer {order['employer_name']}")
    elif "direct" in said:
        bad("payee", f"direct payment said, payee {payee}")
    if payee == "worker" and ts > 0:
        for k in ("advance", "grant", "net"):
            if k not in said:
                bad("money", f"the worker's subsidy {ts}: no {k} sentence")
        if "advance" in said and int(said["advance"].group(1)) != upfront:
            bad("money", f"advance {said['advance'].group(1)}, upfront {upfront}")
        if "grant" in said:
            if int(said["grant"].group(2)) != ts:
                bad("money", f"subsidy {said['grant'].group(2)}, field {ts}")
            if _WHEN[said["grant"].group(1)] != paid_on:
                bad("refund_timing", f"{said['grant'].group(1)} for paid_on {paid_on}")
        if "net" in said and int(said["net"].group(1)) != nc:
            bad("money", f"net cost {said['net'].group(1)}, field {nc}")
    else:
        for k in ("advance", "grant", "net"):
            if k in said:
                bad("payee", f"{said[k].group(0)!r} with payee {payee}, subsidy {ts}")
    if "self" in said and (int(said["self"].group(1)) != upfront or upfront != nc or ts > 0):
        bad("money", f"{said['self'].group(0)!r}: upfront {upfront}, net {nc}, subsidy {ts}")
    if free and (upfront or nc or ts):
        bad("money", f"a free course with upfront {upfront}, net {nc}, subsidy {ts}")
    if ("only" in said or "institution" in said) != (payee == "institution" and ts > 0):
        bad("payee", f"institution advance said {('only' in said)}, payee {payee}")


def _living(
    reasons: list[str],
    p: dict,
    prog: dict,
    worker: dict,
    policy: CityPolicy | None,
    bad: Callable[[str, str], None],
) -> None:
    la, days, day_count = p["living_allowance"], p.get("living_days", 0), p.get("day_count")
    hours, hpd = p.get("programme_hours"), p.get("hours_per_day")
    if hours != prog["hours"]:
        bad("allowance_days", f"programme_hours {hours}, world {prog['hours']}")
    found = [m for r in reasons if (m := _LIVING.match(r))]
    if la <= 0:
        if found or days or day_count is not None or hpd is not None:
            bad("money", f"no allowance, text {len(found)} / days {days} / {day_count} / {hpd}")
        return
    if len(found) != 1:
        bad("money", f"living allowance {la}, {len(found)} sentences")
        return
    m = found[0]
    group, amount, said_days, basis = m.group(1), int(m.group(2)), int(m.group(3)), m.group(4)
    if amount != la:
        bad("money", f"living allowance {amount}, field {la}")
    if group and group.replace("（", "(").replace("）", ")") not in (worker.get("groups") or ""):
        bad("money", f"allowance group {group} not the worker's")
    if said_days != days:
        bad("allowance_days", f"共{said_days}天, living_days {days}")
    if policy is not None:
        rule = policy.living
        if (day_count, hpd) != (rule.day_count, rule.hours_per_day):
            bad("allowance_days", f"day_count {day_count}/{hpd}, city {rule.day_count}/{rule.hours_per_day}")
        if la != min(days * rule.per_day, rule.cap):
            bad("money", f"allowance {la} for {days} days at {rule.per_day} capped {rule.cap}")
    calendar = (prog["end_date"] - prog["start_date"]).days + 1
    by_hours = prog["hours"] // hpd if hpd else calendar
    if day_count not in DAY_COUNTS:
        bad("allowance_days", f"day_count {day_count}")
        return
    if days != _expected_days(day_count, calendar, by_hours):
        bad("allowance_days", f"{days} days by {day_count}: calendar {calendar}, {prog['hours']}h÷{hpd}")
    if basis is None or not basis.startswith(DAY_COUNTS[day_count][:6]):
        if days != calendar:
            bad("allowance_days_unexplained", f"共{days}天 for a {calendar}-day course, basis {basis!r}")
        else:
            bad("allowance_days", f"basis {basis!r} is not the {day_count} rule")
        return
    allowed = {calendar, prog["hours"], hpd, by_hours, days}
    for n in _NUMBER.findall(basis):
        if int(n) not in allowed:
            bad("allowance_days", f"{n} in {basis!r} is none of the course's numbers")
