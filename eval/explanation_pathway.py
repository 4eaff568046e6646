"""The checks of one pathway, for :mod:`eval.explanation_check`: each sentence of its explanation
held against its structured fields (kind, dates, the wait before the job, distances, amounts,
payee, rank and match) and those fields against the world's files (:mod:`eval.explanation_world`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from eval.explanation_lint import Issue, lint_text
from eval.explanation_money import check_money
from eval.explanation_world import WorldFacts, parse_day
from matcher.subsidy.policy import DAY_COUNTS

__all__ = ["KIND_NAMES", "LABELS", "check_pathway"]

KIND_NAMES = {
    "job": "直接就业",
    "train_then_job": "先培训后就业",
    "train": "技能培训",
    "start_up": "创业培训",
}
LABELS = {
    "semantic": "技能描述相近", "occupation": "职业对口", "distance": "离得近", "timing": "开始得早",
    "wage": "工资", "net_cost": "个人费用", "allowance": "生活费补贴", "institution": "机构质量",
    "priority": "订单优先", "gap": "结业后等待开工", "kind_bonus": "路径类型",
}  # fmt: skip

_DATE = re.compile(r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})日")
_LEG = re.compile(r"^(培训点|工作地)?离(您家|您想去的(\S+?))(不到1公里|(\d+)公里)$")
_YUAN = re.compile(r"(\d+)元")
_WAGE = re.compile(r"(?<!期望的)月薪(\d+)(?:–(\d+))?元")
_MATCH = re.compile(r"^匹配度(\d+)分（满分100）(?:，主要因为(.+))?$")
_PROMOTED = re.compile(r"^按应培尽培要求，优先列出这条有补贴的培训（单看匹配度排第(\d+)位）$")


def _dates(text: str, today: dt.date) -> list[dt.date]:
    """Dates in ``text``: a date without a year is in ``today``'s year, unless it ends a range
    "A–B" whose start states (or shares) a year, whose year it then shares."""
    out: list[dt.date] = []
    prev_end, prev_year = -1, None
    for m in _DATE.finditer(text):
        if m.group(1):
            year: int | None = int(m.group(1))
        elif prev_year is not None and text[prev_end : m.start()] == "–":
            year = prev_year
        else:
            year = None
        try:
            out.append(dt.date(year or today.year, int(m.group(2)), int(m.group(3))))
        except ValueError:
            out.append(dt.date(1, 1, 1))  # no such day: never an expected date
        prev_end, prev_year = m.end(), year
    return out


def _km_ok(said: str, km: float) -> bool:
    return km < 1.05 if said == "不到1公里" else abs(int(said[:-2]) - km) <= 0.55


class _Pathway:
    """One pathway dict and the world rows it names."""

    def __init__(self, p: dict, facts: WorldFacts, worker: dict) -> None:
        self.p = p
        self.prog = facts.programmes.get(p["programme_id"]) if p["programme_id"] else None
        self.order = facts.orders.get(p["order_id"]) if p["order_id"] else None
        self.worker = worker
        self.reasons: list[str] = list(p["reasons"])


def check_pathway(p: dict, worker: dict, facts: WorldFacts, today: dt.date, wid: str = "") -> list[Issue]:
    """Every check of one pathway dict (see the module docstring)."""
    out: list[Issue] = []
    rank = int(p.get("rank") or 0)

    def bad(code: str, detail: str) -> None:
        out.append(Issue(wid, rank, code, detail))

    x = _Pathway(p, facts, worker)
    kind, text, reasons = p["kind"], p["explanation"], x.reasons
    prog, order = x.prog, x.order
    # -- kind -------------------------------------------------------------------------------
    need = {
        "job": (False, True),
        "train_then_job": (True, True),
        "train": (True, False),
        "start_up": (True, False),
    }
    if kind not in need:
        bad("kind", f"unknown kind {kind!r}")
        return out
    if (p["programme_id"] is not None, p["order_id"] is not None) != need[kind]:
        bad("kind", f"{kind} with programme {p['programme_id']} and order {p['order_id']}")
    if (p["programme_id"] and prog is None) or (p["order_id"] and order is None):
        bad("kind", f"unknown or closed item {p['programme_id']} / {p['order_id']}")
        return out
    if p.get("kind_name") != KIND_NAMES[kind]:
        bad("kind", f"kind_name {p.get('kind_name')!r} for {kind}")
    marker = {
        "job": "可直接上岗：",
        "train_then_job": "结业后可对接",
        "train": "参加",
        "start_up": "创业方向：参加",
    }[kind]
    if not any(r.startswith(marker) for r in reasons):
        bad("kind", f"{kind} without a sentence starting {marker!r}")
    if "；".join(reasons) != text:
        bad("kind", "explanation is not its reasons joined")
    # -- dates ------------------------------------------------------------------------------
    ps, pe, js = (parse_day(p.get(k)) for k in ("programme_start", "programme_end", "job_start"))
    if prog is not None and (ps, pe) != (prog["start_date"], prog["end_date"]):
        bad("date", f"programme dates {ps}–{pe}, world {prog['start_date']}–{prog['end_date']}")
    if order is not None and js != order["start_date"]:
        bad("date", f"job start {js}, world {order['start_date']}")
    expected = {d for d in (ps, pe, js) if d is not None}
    said = set(_dates(text, today))
    if said != expected:
        bad("date", f"text dates {sorted(said)} ≠ {sorted(expected)}")
    ready = parse_day(p.get("ready_date"))
    if pe is not None and ready != pe + dt.timedelta(days=1):
        bad("date", f"ready_date {ready} is not the day after {pe}")
    # -- the wait between course and job ------------------------------------------------------
    waits = [r for r in reasons if r.startswith("结业后要等") or r == "结业后第二天就能开工"]
    if kind == "train_then_job":
        wait = (js - pe).days - 1 if js and pe else None
        if p.get("wait_days") != wait:
            bad("wait", f"wait_days {p.get('wait_days')} ≠ {wait}")
        want = "结业后第二天就能开工" if wait == 0 else f"结业后要等{wait}天才开工"
        if waits != [want]:
            bad("wait", f"wait sentence {waits} ≠ {want!r}")
    elif waits or p.get("wait_days") is not None:
        bad("wait", f"{kind} states a wait {waits} / {p.get('wait_days')}")
    out += _distances(x, facts, bad)
    _money(x, text, facts, bad)
    _rank_sentences(p, reasons, bad)
    for code, found in lint_text(text):
        bad(code, found)
    for t in p.get("policy_reasons", ()):  # the subsidy engine's sentences: counted apart
        for code, found in lint_text(t):
            bad(f"policy_{code}", found)
    return out


def _distances(x: _Pathway, facts: WorldFacts, bad: Callable[[str, str], None]) -> list[Issue]:
    p, prog, order, worker = x.p, x.prog, x.order, x.worker
    legs = {}
    online = prog is not None and prog["delivery"] == "线上"
    if prog is not None:
        legs["培训点"] = (0.0, 0.0, None) if online else facts.reach(worker, prog["lat"], prog["lon"])
        if abs((p.get("programme_km") or 0.0) - legs["培训点"][0]) > 0.06:
            bad("distance", f"programme_km {p.get('programme_km')} ≠ {legs['培训点'][0]:.2f}")
    if order is not None:
        legs["工作地"] = facts.reach(worker, order["lat"], order["lon"])
        if abs((p.get("order_km") or 0.0) - legs["工作地"][0]) > 0.06:
            bad("distance", f"order_km {p.get('order_km')} ≠ {legs['工作地'][0]:.2f}")
    top = max((v[0] for v in legs.values()), default=0.0)
    if abs(p["distance_km"] - top) > 0.06:
        bad("distance", f"distance_km {p['distance_km']} ≠ {top:.2f}")
    if online != ("线上培训，在家就能学" in x.reasons):
        bad("distance", "online sentence does not match delivery")
    stated = 0
    for r in x.reasons:
        m = _LEG.match(r)
        if not m:
            continue
        stated += 1
        leg = m.group(1) or ("工作地" if p["kind"] == "job" else "")
        if leg not in legs or (leg == "培训点" and online):
            bad("distance", f"{r!r}: no such leg")
            continue
        reach, home, city = legs[leg]
        if m.group(2) == "您家":
            if not _km_ok(m.group(4), home) or (city is not None and city < home - 1e-6):
                bad("distance", f"{r!r}: home {home:.1f} km, desired city {city}")
        else:
            name = facts.regions.get(worker["desired_city"] or "")
            if city is None or name is None or m.group(3) != name.name or not _km_ok(m.group(4), city):
                bad("distance", f"{r!r}: desired city {worker['desired_city']} at {city}")
            elif city > home + 1e-6:
                bad("distance", f"{r!r}: home is nearer ({home:.1f} km)")
    if stated != x.p["explanation"].count("公里"):
        bad("distance", "a distance outside the distance sentences")
    return []


def _money(x: _Pathway, text: str, facts: WorldFacts, bad: Callable[[str, str], None]) -> None:
    p, prog, order, worker = x.p, x.prog, x.order, x.worker
    ts, la, nc, payee = p["training_subsidy"], p["living_allowance"], p["net_cost"], p["payee"]
    allowed: set[int] = set()
    if order is not None:
        allowed |= {order["wage_min"], order["wage_max"]}
        for m in _WAGE.finditer(text):
            lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
            if (lo, hi) != (order["wage_min"], order["wage_max"]):
                bad("money", f"wage {m.group(0)}, world {order['wage_min']}–{order['wage_max']}")
    if worker.get("expected_wage"):
        allowed.add(worker["expected_wage"])
    for r in x.reasons:
        above = re.fullmatch(r"高于您期望的月薪(\d+)元", r)
        if above and (order is None or int(above.group(1)) != worker.get("expected_wage")
                      or (order["wage_min"] + order["wage_max"]) / 2 <= int(above.group(1))):  # fmt: skip
            bad("money", f"{r!r}: expected {worker.get('expected_wage')}")
    money = (ts, la, nc, p.get("upfront"), p.get("refund"), p.get("employer_cost"), p.get("living_days"))
    if prog is None:
        unset = (payee, p.get("funded_by"), p.get("paid_on"), p.get("day_count"), p.get("programme_hours"))
        if any(money) or any(v is not None for v in unset):
            bad("money", f"job with subsidy fields {money} / {unset}")
    else:
        allowed |= check_money(p, prog, order, worker, facts.policy(prog), bad)
        for reason in p.get("policy_reasons", ()):
            days = re.search(r"共(\d+)天", reason)
            span = (prog["end_date"] - prog["start_date"]).days + 1
            basis = any(words[:6] in reason for words in DAY_COUNTS.values())
            if days and int(days.group(1)) != span and not basis:
                bad("allowance_days_unexplained", f"{days.group(0)} for a {span}-day course: {reason}")
        rates = [
            int(w4.group(1)) for r in x.reasons if (w4 := re.fullmatch(r"该机构学员半年就业率(\d+)%", r))
        ]
        if rates and rates != [round(prog["inst_employment"] * 100)]:
            bad("money", f"employment rate {rates}, world {prog['inst_employment']}")
    for amount in _YUAN.finditer(text):
        if int(amount.group(1)) not in allowed:
            bad("money", f"{amount.group(0)} is none of the pathway's amounts")


def _rank_sentences(p: dict, reasons: list[str], bad: Callable[[str, str], None]) -> None:
    matches = [w5 for r in reasons if (w5 := _MATCH.match(r))]
    if len(matches) != 1:
        bad("rank", f"{len(matches)} match sentences")
    else:
        said = matches[0]
        if int(said.group(1)) != p.get("match"):
            bad("rank", f"text match {said.group(1)} ≠ {p.get('match')}")
        named = said.group(2).split("、") if said.group(2) else []
        if named != [LABELS.get(f, f) for f in p.get("top_features", [])]:
            bad("rank", f"named features {named} ≠ {p.get('top_features')}")
    contrib = {k: v for k, v in p["contributions"].items() if k != "kind_bonus" and v > 0}
    top = [k for k, _ in sorted(contrib.items(), key=lambda kv: -kv[1])[:3]]
    if [round(contrib[k], 4) for k in top] != [round(contrib[k], 4) for k in p.get("top_features", [])]:
        bad("rank", f"top_features {p.get('top_features')} are not the largest contributions {top}")
    if "得分" in p["explanation"]:
        bad("rank", "a bare score (得分) in the explanation")
    promoted = [int(w6.group(1)) for r in reasons if (w6 := _PROMOTED.match(r))]
    if promoted != ([p["promoted_from"]] if p.get("promoted_from") else []):
        bad("rank", f"promotion sentence {promoted} for promoted_from {p.get('promoted_from')}")
    if p.get("promoted_from") and (not p.get("subsidised") or p["promoted_from"] <= p["rank"]):
        bad("rank", f"promoted from {p['promoted_from']} to {p['rank']}, subsidised {p.get('subsidised')}")
