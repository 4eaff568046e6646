"""The explanation consistency checker (eval.explanation_check) on a small sample world: every
explanation agrees with its numbers, each inconsistency issue 16 found is caught when planted,
and five hand-picked workers' full Chinese output is pinned in a golden file.

The world: 300 workers, seed 7, the fake hash encoder, reference date and request date
2026-12-01 (SQLite; the loader and the recommender service are tested on both databases
elsewhere). Set ``SKILLBRIDGE_UPDATE_GOLDEN=1`` to rewrite the golden file after a deliberate
change of wording, and review the diff line by line.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import os
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from api.services.recommend.views import recommendation_dict, recommendation_text, why_not_dict
from eval.explanation_check import check_recommendation, check_recommendations, check_why_not
from eval.explanation_lint import order_issues, programme_issues
from eval.explanation_world import WorldFacts, load_world_facts
from eval.recommender_eval import World, build_world
from matcher.whynot import WhyNot, explain_exclusion

TODAY = dt.date(2026, 12, 1)
GOLDEN = Path(__file__).parent / "golden" / "explanations.md"
#: hand-picked from the world (see the golden file's headings)
GOLDEN_WORKERS = {
    "W0000019": "脱贫劳动力等重点群体，培训补贴取得证书后发放",
    "W0000017": "用人单位吸纳并出资培训（补贴直补企业）",
    "W0000009": "线上培训",
    "W0000103": "先培训后就业，结业与开工之间有较长等待",
    "W0000001": "没有路径",
}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    home = tmp_path_factory.mktemp("explain") / "world-300-7"
    return build_world(home, 300, 7, "hash", TODAY)


@pytest.fixture(scope="module")
def facts(world: World) -> WorldFacts:
    return load_world_facts(world.sample_dir)


@pytest.fixture(scope="module")
def recs(world: World, facts: WorldFacts) -> dict[str, dict]:
    return {
        wid: recommendation_dict(world.recommender.recommend_worker(wid, top=10, today=TODAY))
        for wid in sorted(facts.workers)
    }


def test_every_explanation_of_the_sample_world_agrees_with_its_numbers(recs, facts) -> None:
    report = check_recommendations(recs.__getitem__, sorted(recs), facts, TODAY)
    assert report.workers == 300 and report.pathways > 1000
    assert set(report.statuses) == {"ok", "no_match", "needs_profile"}
    assert report.inconsistencies == 0, report.issues[:10]
    # nothing is counted apart any more: the money checks are live, the engine's sentences lint clean
    assert report.counts(pending=True) == {}


def test_the_golden_workers_are_the_cases_they_stand_for(recs, facts) -> None:
    """Each golden worker really is its case (the world's files, not the explanation, say so)."""

    def paths(wid: str) -> list[dict]:
        return recs[wid]["pathways"]

    w19 = paths("W0000019")
    assert "脱贫劳动力" in facts.workers["W0000019"]["groups"]
    cert = [p for p in w19[:5] if p["payee"] == "worker" and p["paid_on"] == "certification"]
    assert [p["rank"] for p in cert] == [3] and cert[0]["upfront"] == 1050 and cert[0]["living_days"] == 14
    hire = paths("W0000017")[0]
    order = facts.orders[hire["order_id"]]
    assert (hire["kind"], hire["payee"], hire["funded_by"], hire["upfront"]) == (
        "train_then_job", "enterprise", "employer", 0,
    )  # fmt: skip
    assert order["employer_trains"] and order["programme_id"] == hire["programme_id"]
    online = paths("W0000009")[0]
    assert facts.programmes[online["programme_id"]]["delivery"] == "线上" and online["programme_km"] == 0
    gap = paths("W0000103")[0]
    assert (gap["kind"], gap["wait_days"]) == ("train_then_job", 86)
    assert (recs["W0000001"]["status"], paths("W0000001")) == ("no_match", [])


def test_the_world_reaches_every_payee(recs) -> None:
    """Enterprise-paid training (直补企业) and employer-funded courses are reached, not only the
    worker's own: counts of (payee, who pays for the course) over the 300 workers' pathways."""
    reached = Counter((p["payee"], p["funded_by"]) for r in recs.values() for p in r["pathways"])
    # as in tests/test_api_recommend.py, one pathway sits on a near-tie that differs between CPUs
    # (732/419 on some machines, 731/420 on others): that split is pinned to within 2
    worker_paid = reached.pop(("worker", "worker"))
    self_paid_none = reached.pop(("none", "worker"))
    assert abs(worker_paid - 419) <= 2 and worker_paid + self_paid_none == 1151, (worker_paid, self_paid_none)
    assert reached == {("enterprise", "employer"): 86, (None, None): 127, ("none", "employer"): 43}


# --- each inconsistency of the issue, planted --------------------------------------------------------
def _codes(rec: dict, facts: WorldFacts) -> set[str]:
    issues, _ = check_recommendation(rec, facts.workers[rec["worker_id"]], facts, TODAY, 10)
    return {i.code for i in issues}


def _first(recs: dict[str, dict], test: Callable[[dict], bool]) -> tuple[dict, int]:
    for wid in sorted(recs):
        for n, p in enumerate(recs[wid]["pathways"]):
            if test(p):
                return copy.deepcopy(recs[wid]), n
    raise AssertionError("no such pathway in the world")


def _say(p: dict, old: str, new: str) -> None:
    """Change the wording of one pathway, in its reasons and its explanation alike."""
    assert old in p["explanation"], (old, p["explanation"])
    p["reasons"] = [r.replace(old, new) for r in p["reasons"]]
    p["explanation"] = p["explanation"].replace(old, new)


def _one(recs: dict[str, dict], test: Callable[[dict], bool]) -> tuple[dict, dict]:
    rec, n = _first(recs, test)
    return rec, rec["pathways"][n]


def test_planted_money_inconsistencies_are_caught(recs, facts) -> None:
    # an amount that is not the field's
    rec, p = _one(recs, lambda p: p["training_subsidy"] > 0 and p["payee"] == "worker")
    ts = p["training_subsidy"]
    _say(p, f"可领培训补贴{ts}元", f"可领培训补贴{ts + 100}元")
    assert _codes(rec, facts) == {"money"}
    rec, p = _one(recs, lambda p: p["upfront"] > 0 and p["payee"] == "worker")
    _say(p, f"个人需先交培训费{p['upfront']}元", f"个人需先交培训费{p['upfront'] - 50}元")
    assert _codes(rec, facts) == {"money"}
    # "个人不用出钱" for a course the worker pays first and is refunded after certification
    rec, p = _one(recs, lambda p: p["payee"] == "worker" and p["paid_on"] == "certification")
    _say(p, f"个人需先交培训费{p['upfront']}元", "个人不用出钱")
    assert "money_advance_called_free" in _codes(rec, facts)
    # refund timing: 取得证书后 said 结业后, and the field against the city's rule
    rec, p = _one(recs, lambda p: p["payee"] == "worker" and p["paid_on"] == "certification")
    _say(p, "取得证书后可领培训补贴", "结业后可领培训补贴")
    assert _codes(rec, facts) == {"refund_timing"}
    rec, p = _one(recs, lambda p: p["payee"] == "worker" and p["paid_on"] == "certification")
    p["paid_on"] = "completion"
    assert "refund_timing" in _codes(rec, facts)
    # an apprenticeship that charges the worker 2,500 元
    rec, p = _one(recs, lambda p: p["net_cost"] > 0)
    pid = p["programme_id"]
    apprentice = {**facts.programmes[pid], "training_type": "企业新型学徒制"}
    planted = dataclasses.replace(facts, programmes={**facts.programmes, pid: apprentice})
    assert "money" in _codes(rec, planted)
    assert {i.code for i in programme_issues(planted, [pid])} == {"funding"}
    # "每天60元，共17天" for a 40-day course, the days not explained
    rec, p = _one(recs, lambda p: p["living_days"] > 0 and p["day_count"] == "training_days")
    said = next(r for r in p["reasons"] if r.startswith("符合") and "生活费补贴" in r)
    _say(p, said, said[: said.index("（")])
    assert _codes(rec, facts) == {"allowance_days_unexplained"}
    rec, p = _one(recs, lambda p: p["programme_id"] is not None)
    p["policy_reasons"] = [*p["policy_reasons"], "培训期间可享生活费补贴每天60元，共17天，合计1020元"]
    span = (
        facts.programmes[p["programme_id"]]["end_date"] - facts.programmes[p["programme_id"]]["start_date"]
    ).days
    assert span + 1 != 17 and "allowance_days_unexplained" in _codes(rec, facts)
    # a day count that is not the field's, a field that is not the rule's, a basis of another rule
    rec, p = _one(recs, lambda p: p["living_days"] > 0)
    days = p["living_days"]
    _say(p, f"，共{days}天", f"，共{days + 1}天")
    assert _codes(rec, facts) == {"allowance_days"}
    rec, p = _one(recs, lambda p: p["living_days"] > 0)
    p["living_days"] += 1
    assert "allowance_days" in _codes(rec, facts)
    rec, p = _one(recs, lambda p: p["day_count"] == "training_days")
    p["day_count"] = "calendar"
    assert "allowance_days" in _codes(rec, facts)
    rec, p = _one(recs, lambda p: p["day_count"] == "training_days")
    p["hours_per_day"] = 6
    assert "allowance_days" in _codes(rec, facts)
    # the employer pays, the field says the worker does
    rec, p = _one(recs, lambda p: p["funded_by"] == "employer")
    p["funded_by"] = "worker"
    assert "payee" in _codes(rec, facts)
    # the subsidy paid to the enterprise, the text silent about it or naming another payee
    rec, p = _one(recs, lambda p: p["payee"] == "enterprise")
    direct = next(r for r in p["reasons"] if "直补" in r)
    p["reasons"].remove(direct)
    p["explanation"] = "；".join(p["reasons"])
    assert _codes(rec, facts) == {"payee"}
    rec, p = _one(recs, lambda p: p["payee"] == "enterprise")
    employer = facts.orders[p["order_id"]]["employer_name"]
    _say(p, f"培训费由{employer}承担", "培训费由用人单位承担")
    assert _codes(rec, facts) == {"payee"}
    rec, p = _one(recs, lambda p: p["payee"] == "enterprise")
    p["payee"] = "worker"
    assert "payee" in _codes(rec, facts)


def test_planted_calendar_inconsistencies_are_caught(recs, facts) -> None:
    # a 2027 date printed without its year
    rec, n = _first(recs, lambda p: (p["programme_start"] or "").startswith("2027"))
    p = rec["pathways"][n]
    start = dt.date.fromisoformat(p["programme_start"])
    _say(p, f"{start.year}年{start.month}月{start.day}日", f"{start.month}月{start.day}日")
    assert "date" in _codes(rec, facts)
    # a train→job pathway that does not say how long the worker waits
    rec, n = _first(recs, lambda p: (p["wait_days"] or 0) > 60)
    p = rec["pathways"][n]
    p["reasons"].remove(f"结业后要等{p['wait_days']}天才开工")
    p["explanation"] = "；".join(p["reasons"])
    assert "wait" in _codes(rec, facts)
    # "2026年第1期" on a course starting in 2027
    pid = next(i for i, q in facts.programmes.items() if q["start_date"].year == 2027)
    titled = {**facts.programmes[pid], "title": "2026年第1期" + facts.programmes[pid]["title"]}
    planted = dataclasses.replace(facts, programmes={**facts.programmes, pid: titled})
    planted.__dict__.pop("intake_places", None)
    assert "title_intake" in {i.code for i in programme_issues(planted, [pid])}


def test_planted_rank_and_list_inconsistencies_are_caught(recs, facts) -> None:
    rec, n = _first(recs, lambda p: True)
    p = rec["pathways"][n]
    _say(p, f"匹配度{p['match']}分", "得分 2.81")
    assert "rank" in _codes(rec, facts)
    rec, n = _first(recs, lambda p: True)
    p = rec["pathways"][n]
    _say(p, f"匹配度{p['match']}分", f"匹配度{p['match'] + 7}分")
    assert "rank" in _codes(rec, facts)
    # top=10 silently returning fewer
    short = next(copy.deepcopy(r) for _, r in sorted(recs.items()) if 0 < len(r["pathways"]) < 10)
    short["notes"] = []
    assert "notes" in _codes(short, facts)


def test_planted_place_and_word_inconsistencies_are_caught(recs, facts) -> None:
    # a distance that is not the distance ("距工作地0公里" for a workplace 77 km away)
    rec, n = _first(recs, lambda p: p["order_km"] is not None and p["order_km"] > 5 and p["kind"] == "job")
    p = rec["pathways"][n]
    said = next(r for r in p["reasons"] if r.startswith("离") and r.endswith("公里"))
    _say(
        p,
        said,
        said[: said.rindex("离") + 1] + "您家0公里" if "您家" in said else said.replace(said[-5:], "0公里"),
    )
    assert "distance" in _codes(rec, facts)
    # 山西晋源职业技术学院 (a 太原 district's name) in 运城市平陆县
    pid = next(i for i, q in facts.programmes.items() if q["inst_county"].startswith("1408"))
    moved = {**facts.programmes[pid], "inst_name": "山西晋源职业技术学院"}
    planted = dataclasses.replace(facts, programmes={**facts.programmes, pid: moved})
    assert "institution_place" in {i.code for i in programme_issues(planted, [pid])}
    # a 晋中 employer whose name starts with its city's short name holds "中阳" (吕梁's 中阳县) only
    # across the two words: not another city's name
    oid = next(i for i, o in facts.orders.items() if o["county"].startswith("1407"))
    named = {**facts.orders[oid], "employer_name": "晋中阳光建设集团有限公司"}
    planted = dataclasses.replace(facts, orders={**facts.orders, oid: named})
    assert order_issues(planted, [oid]) == []
    moved = {**named, "county": "141129"}  # the same name in 吕梁市中阳县 says 晋中
    planted = dataclasses.replace(facts, orders={**facts.orders, oid: moved})
    assert {i.code for i in order_issues(planted, [oid])} == {"employer_place"}
    # "…培训班”培训" and an English field name
    rec, n = _first(recs, lambda p: "培训班”（" in p["explanation"])
    p = rec["pathways"][n]
    _say(p, "培训班”（", "培训班”培训（")
    _say(p, p["reasons"][0], p["reasons"][0] + "payee")
    assert {"stutter", "english_token"} <= _codes(rec, facts)


def _below_the_cut(world: World, recs: dict[str, dict]) -> tuple[str, str]:
    """A worker with a full list and a programme of theirs that only pathways below it hold."""
    for wid, r in sorted(recs.items()):
        if len(r["pathways"]) < 10:
            continue
        full = world.recommender.recommend_worker(wid, top=1000, today=TODAY).pathways
        shown = {p.programme_id for p in full[:10]}
        below = [p.programme_id for p in full[10:] if p.programme_id and p.programme_id not in shown]
        if below:
            return wid, below[0]
    raise AssertionError("no programme below the cut in the world")


def test_why_not_answers_are_checked(world, facts, recs) -> None:
    rec = world.recommender
    wid, pid = _below_the_cut(world, recs)
    # the service ranks the item among the request's own candidates, tables and context
    why = rec.why_not(wid, pid, today=TODAY, shown=10)
    with Session(rec.engine) as session:
        worker = rec.load_worker(session, rec.snapshot, wid)
    q = rec.worker_query(worker)
    ctx = rec.context(worker.home.adcode, TODAY)
    item = rec.programmes.records[rec.programmes.row_of[pid]]
    assert why.standing is not None and why.standing.rank > 10 and why.standing.rival is not None
    d = why_not_dict(why)
    assert check_why_not(d, wid) == []
    assert d["lost_to"] in d["text"] and f"第{d['rank']}位" in d["text"]
    # the old answer, which explains nothing, is caught
    old: WhyNot = dataclasses.replace(explain_exclusion(q, item, ctx), match=why.match)
    bare = {**why_not_dict(old), "text": "该项目符合条件（得分1.28）"}
    assert {i.code for i in check_why_not(bare, wid)} == {"why_not"}


# --- golden --------------------------------------------------------------------------------------------
def _golden_text(world: World) -> str:
    out = [
        "# Golden explanations (tests/test_explanation_check.py)",
        "",
        "Sample world: 300 workers, seed 7, fake hash encoder, request date 2026-12-01. Each pathway's",
        "money lines come from its subsidy decision; 第N条补贴说明 are the subsidy engine's own reasons.",
        "",
    ]
    for wid, why in GOLDEN_WORKERS.items():
        rec = world.recommender.recommend_worker(wid, top=10, today=TODAY)
        out += [f"## {wid}：{why}", "", "```", recommendation_text(rec)]
        for p in rec.pathways:
            for reason in p.policy_reasons:
                out.append(f"    第{p.rank}条补贴说明：{reason}")
        out += ["```", ""]
    return "\n".join(out)


def test_golden_explanations(world: World) -> None:
    text = _golden_text(world)
    if os.environ.get("SKILLBRIDGE_UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")
