"""What a counselor reads must be true (issue 16): dates with their year, the wait between course
and job, a readable match with the features behind it, why a list is short, 应培尽培 in the top
five, and why-not answers that explain the rank — on small hand-built worlds, with expected
values worked out by hand from the shipped weights (data/ranking/default.toml)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest

from eval.explanation_lint import lint_text
from matcher.candidates import rank_candidates
from matcher.explain import day_text, programme_phrase, span_text
from matcher.pathways import Candidates, MatchContext, WorkerQuery, recommend
from matcher.scoring import RankingWeights
from matcher.subsidy import SubsidyDecision as Support
from matcher.tables import OrderTable, ProgrammeTable
from matcher.types import Place
from matcher.whynot import explain_item
from tests.matcher_factories import (
    HOME,
    OCC_MASON,
    OCC_WELDER,
    TODAY,
    cert,
    km_north,
    order,
    programme,
    worker,
)

NAMES = {OCC_MASON: "砌筑工", OCC_WELDER: "电焊工"}
CTX = MatchContext(today=TODAY, occupation_names=NAMES)


def run(w, progs, ords, *, skills=(OCC_MASON,), k=10, ctx=CTX, p_sim=None, o_sim=None):
    pt, ot = ProgrammeTable.from_records(progs), OrderTable.from_records(ords)
    cands = Candidates(
        np.arange(len(progs)),
        np.arange(len(ords)),
        np.full(len(progs), 0.6) if p_sim is None else np.asarray(p_sim, dtype=np.float64),
        np.full(len(ords), 0.6) if o_sim is None else np.asarray(o_sim, dtype=np.float64),
    )
    q = WorkerQuery(w, None, frozenset(skills))
    return recommend(q, cands, pt, ot, ctx, k), (q, cands, pt, ot)


def clean(rec) -> None:
    """No stutter, English token or ASCII punctuation in anything the recommendation says."""
    for text in (rec.message, *rec.notes, *(p.explanation for p in rec.pathways)):
        assert lint_text(text) == [], text


# --- dates ---------------------------------------------------------------------------------------
def test_dates_carry_their_year_outside_the_current_year():
    assert day_text(dt.date(2025, 3, 11), TODAY) == "3月11日"
    assert day_text(dt.date(2026, 1, 5), TODAY) == "2026年1月5日"
    assert span_text(dt.date(2025, 12, 20), dt.date(2026, 2, 3), TODAY) == "12月20日–2026年2月3日"
    assert span_text(dt.date(2026, 1, 17), dt.date(2026, 2, 27), TODAY) == "2026年1月17日–2月27日"
    assert span_text(dt.date(2025, 3, 11), dt.date(2025, 4, 10), TODAY) == "3月11日–4月10日"


def test_a_course_next_year_is_dated_with_its_year():
    p = programme(start_date=dt.date(2026, 1, 17), end_date=dt.date(2026, 2, 27))
    rec, _ = run(worker(), [p], [])
    assert "（中级工，2026年1月17日–2月27日）" in rec.pathways[0].explanation
    assert (rec.pathways[0].programme_start, rec.pathways[0].programme_end) == (p.start_date, p.end_date)


def test_course_titles_never_stutter():
    named = programme(title="电工（五级）就业技能培训班")
    assert (
        programme_phrase(named, TODAY)
        == "参加晋I1职业培训学校“电工（五级）就业技能培训班”（中级工，3月11日–4月10日）"
    )
    bare = programme(title="农机驾驶")
    assert programme_phrase(bare, TODAY).startswith("参加晋I1职业培训学校“农机驾驶”培训（")


# --- the wait between course and job ---------------------------------------------------------------
def test_train_then_job_states_the_wait_and_a_long_wait_costs():
    # the course ends 2025-04-10 (TODAY + 40); O1 starts 2025-04-30: 19 idle days in between
    near = order("O1", requires_certificate=True, required_level=4)
    late = order("O2", requires_certificate=True, required_level=4, start_date=dt.date(2025, 8, 19))
    rec, _ = run(worker(), [programme()], [near, late])
    ttj = {p.order_id: p for p in rec.pathways if p.kind == "train_then_job"}
    assert ttj["O1"].wait_days == 19 and "结业后要等19天才开工" in ttj["O1"].reasons
    # 19 days: 5 past the 14 free days of the 106 to the full penalty at 120
    assert ttj["O1"].features["gap"] == pytest.approx(-5 / 106)
    assert ttj["O1"].contributions["gap"] == pytest.approx(-0.3 * 5 / 106)
    # 2025-08-19 is 130 days after the course: the full penalty, and a lower place
    assert ttj["O2"].wait_days == 130 and ttj["O2"].features["gap"] == -1.0
    assert ttj["O1"].rank < ttj["O2"].rank
    assert ttj["O1"].job_start == dt.date(2025, 4, 30) and "4月30日开工" in ttj["O1"].explanation
    clean(rec)


def test_a_job_the_day_after_the_course_needs_no_wait():
    o = order(requires_certificate=True, required_level=4, start_date=dt.date(2025, 4, 11))
    rec, _ = run(worker(), [programme()], [o])
    (p,) = [p for p in rec.pathways if p.kind == "train_then_job"]
    assert p.wait_days == 0 and "结业后第二天就能开工" in p.reasons and p.features["gap"] == 0.0


# --- a readable match --------------------------------------------------------------------------
def test_match_is_the_score_as_a_share_of_the_best_possible():
    w = RankingWeights()
    # train→job can score on every rewarding feature: 1+1+0.8+0.3+0.5+0.3+0.4+0.2 and bonus 0.2
    assert w.best_score == pytest.approx(4.7)
    assert (w.match(2.35), w.match(-1.0), w.match(9.0)) == (50, 0, 100)


def test_a_job_reads_its_match_and_the_three_features_behind_it():
    rec, _ = run(worker(), [], [order()])
    (p,) = rec.pathways
    # semantic 0.6, occupation 1, distance 0.8/(1+12/10), timing 0.3·e^-2, wage 0.5·0.4, bonus 0.3
    assert p.score == pytest.approx(0.6 + 1 + 0.8 / 2.2 + 0.3 * np.exp(-2) + 0.2 + 0.3, abs=1e-3)
    assert (p.rank, p.match) == (1, 53)
    assert p.top_features == ("occupation", "semantic", "distance")
    assert p.reasons[-1] == "匹配度53分（满分100），主要因为职业对口、技能描述相近、离得近"
    assert "得分" not in p.explanation
    clean(rec)


# --- who pays ------------------------------------------------------------------------------------
def test_an_employer_funded_course_says_who_pays():
    apprentice = programme("PA", training_type="企业新型学徒制", fee=0, employer_funded=True, level=5)
    plain = programme("PB", level=5)
    rec, _ = run(worker(), [apprentice, plain], [])
    got = {p.programme_id: p for p in rec.pathways}
    assert got["PA"].funded_by == "employer" and got["PA"].net_cost == 0
    assert "培训费由用人单位承担，个人不用出钱" in got["PA"].reasons
    assert got["PB"].funded_by == "worker" and "个人需自付培训费1500元，没有培训补贴" in got["PB"].reasons
    assert not any("不用出钱" in r for r in got["PB"].reasons)


def _money_lines(rec, pid: str) -> list[str]:
    p = next(p for p in rec.pathways if p.programme_id == pid)
    return [r for r in p.reasons if "元" in r and "月薪" not in r or "出钱" in r]


def test_a_subsidy_paid_after_certification_is_never_called_free():
    """1,200 元 course, 1,200 元 subsidy 取得证书后发放: the worker pays first and is told when it
    comes back — never "个人不用出钱" (issue 16)."""
    decision = Support(1200, 0, 0, "worker", fee=1200, upfront=1200, paid_on="certification")
    ctx = dataclasses.replace(CTX, support=lambda w, p, o: decision)
    rec, _ = run(worker(), [programme("P1", fee=1200)], [], ctx=ctx)
    assert _money_lines(rec, "P1") == [
        "个人需先交培训费1200元",
        "取得证书后可领培训补贴1200元",
        "补贴到账后个人实际承担0元",
    ]
    p = rec.pathways[0]
    assert (p.upfront, p.refund, p.net_cost, p.paid_on) == (1200, 1200, 0, "certification")
    on_completion = dataclasses.replace(decision, training_subsidy=1000, net_cost=200, paid_on="completion")
    ctx = dataclasses.replace(CTX, support=lambda w, p, o: on_completion)
    rec, _ = run(worker(), [programme("P1", fee=1200)], [], ctx=ctx)
    assert _money_lines(rec, "P1") == [
        "个人需先交培训费1200元",
        "结业后可领培训补贴1000元",
        "补贴到账后个人实际承担200元",
    ]
    assert rec.pathways[0].refund == 1000


def test_an_employer_that_trains_its_hire_is_named_and_paid_directly():
    """直补企业: the employer pays the course, the worker pays 0 and the sentence says who pays."""
    course = programme("P1", fee=1500)
    job = order("O1", requires_certificate=True, required_level=4, employer_trains=True, programme_id="P1")
    decision = Support(
        1500, 0, 0, "enterprise", payee_name="太原建工集团", fee=1500, employer_pays=True,
        paid_on="completion",
    )  # fmt: skip
    ctx = dataclasses.replace(CTX, support=lambda w, p, o: decision if o is not None else Support(0, 0, 1500))
    rec, _ = run(worker(), [course], [job], ctx=ctx)
    p = next(p for p in rec.pathways if p.kind == "train_then_job")
    assert p.funded_by == "employer" and (p.upfront, p.net_cost, p.payee) == (0, 0, "enterprise")
    assert "培训费由太原建工集团承担，个人不用出钱" in p.reasons
    assert "职业培训补贴1500元结业后直补太原建工集团（须由该单位录用您）" in p.reasons


def test_an_allowance_says_its_days_and_how_they_were_counted():
    """ "每天60元，共17天" for a 40-day course is 136 hours ÷ 8: the sentence says so."""
    basis = "按实际培训天数：日历40天、课程136学时÷每天8学时=17天，取17天"
    decision = Support(
        0, 1020, 0, "none", fee=0, living_days=17, day_count="training_days", day_basis=basis,
        facts=(("hours_per_day", 8),),
    )  # fmt: skip
    ctx = dataclasses.replace(CTX, support=lambda w, p, o: decision)
    course = programme("P1", fee=0, hours=136, end_date=TODAY + dt.timedelta(days=49))  # 40 days
    rec, _ = run(worker(groups=frozenset({"脱贫劳动力"})), [course], [], ctx=ctx)
    p = rec.pathways[0]
    assert f"符合脱贫劳动力生活费补贴1020元，共17天（{basis}）" in p.reasons
    assert (p.living_days, p.day_count, p.programme_hours, p.hours_per_day) == (17, "training_days", 136, 8)


def test_an_institution_that_advances_the_subsidy_leaves_the_difference():
    decision = Support(1000, 0, 200, "institution", fee=1200, upfront=200, paid_on="completion")
    ctx = dataclasses.replace(CTX, support=lambda w, p, o: decision)
    rec, _ = run(worker(), [programme("P1", fee=1200)], [], ctx=ctx)
    assert _money_lines(rec, "P1") == ["培训补贴1000元由培训机构垫付，结业后由机构申领", "个人只需交200元"]


# --- a short list says why ------------------------------------------------------------------------
def test_a_short_list_says_what_kept_the_rest_out():
    progs = [
        programme("P1"),
        programme("P2", place=km_north(80)),
        programme("P3", seats_left=0),
        programme("P4", occupation_code=OCC_WELDER, title="电焊工培训班"),
    ]
    rec, _ = run(worker(), progs, [order(place=km_north(90))], p_sim=[0.6, 0.6, 0.6, 0.1])
    assert [p.programme_id for p in rec.pathways] == ["P1"]
    assert rec.notes == (
        "只找到1条路径（您要10条）。培训项目查看了4个：1个超出您可接受的30公里，1个名额已满，"
        "1个与您的技能和求职意向不对口，1个已列入路径；用工订单查看了1个：1个超出您可接受的30公里；"
        "目录中砌筑工的培训项目共3个、用工订单共1个",
    )
    clean(rec)


def test_a_full_list_has_no_note():
    rec, _ = run(worker(), [programme("P1"), programme("P2")], [], k=2)
    assert len(rec.pathways) == 2 and rec.notes == ()


# --- 应培尽培 ----------------------------------------------------------------------------------------
def _subsidy(w, p, o):
    return Support(800, 0, max(p.fee - 800, 0), "worker") if p.id.startswith("S") else Support(0, 0, p.fee)


def _jobs_and_one_subsidised_course():
    jobs = [order(f"O{i}", place=km_north(i)) for i in range(1, 7)]
    course = programme("S1", level=3, place=km_north(25))
    return jobs, course


def test_a_priority_worker_sees_a_subsidised_pathway_in_the_top_five():
    jobs, course = _jobs_and_one_subsidised_course()
    ctx = dataclasses.replace(CTX, support=_subsidy)
    holder = dict(certificates=(cert(level=4),))
    plain, _ = run(worker(**holder), [course], jobs, ctx=ctx)
    assert [p.programme_id for p in plain.pathways].index("S1") == 6  # seventh by score alone
    poor, _ = run(worker(groups=frozenset({"脱贫劳动力"}), **holder), [course], jobs, ctx=ctx)
    ids = [p.programme_id or p.order_id for p in poor.pathways]
    assert ids == ["O1", "O2", "O3", "O4", "S1", "O5", "O6"]
    s1 = poor.pathways[4]
    assert (s1.rank, s1.promoted_from, s1.subsidised) == (5, 7, True)
    assert "按应培尽培要求，优先列出这条有补贴的培训（单看匹配度排第7位）" in s1.reasons
    assert "可领培训补贴800元" in s1.reasons
    # the others keep their score order; the rule off (within = 0) leaves the score order
    off = dataclasses.replace(ctx, weights=dataclasses.replace(RankingWeights(), subsidised_within=0))
    same, _ = run(worker(groups=frozenset({"脱贫劳动力"}), **holder), [course], jobs, ctx=off)
    assert [p.key for p in same.pathways] == [p.key for p in plain.pathways]
    clean(poor)


def test_a_priority_worker_without_a_subsidised_pathway_is_told_why():
    ctx = dataclasses.replace(CTX, support=_subsidy)
    poor = worker(groups=frozenset({"就业困难人员"}), certificates=(cert(level=4),))
    progs = [
        programme("S1", level=3, seats_left=0),
        programme("S2", level=3, min_education="高中/中专/技校"),
        programme("S3", occupation_code=OCC_WELDER, title="电焊工培训班"),
        programme("P4", level=3),
    ]
    rec, _ = run(poor, progs, [], ctx=ctx, p_sim=[0.6, 0.6, 0.1, 0.6])
    assert [p.programme_id for p in rec.pathways] == ["P4"] and not rec.pathways[0].subsidised
    assert rec.notes[-1] == (
        "按应培尽培要求查找了可领补贴的培训，但没有能列入的：1个可领补贴的培训名额已满或已开班；"
        "1个可领补贴的培训您暂不符合报名条件（1个因学历）；"
        "1个可领补贴的培训（电焊工）与您的技能和求职意向不对口，可与劳动者商量是否愿意学"
    )
    far, _ = run(poor, [programme("S1", level=3, place=km_north(80))], [], ctx=ctx)
    assert (
        far.notes[-1]
        == "按应培尽培要求查找了可领补贴的培训，但没有能列入的：您可接受的30公里范围内暂无培训项目"
    )

    def refused(w, p, o):
        return Support(0, 0, p.fee, "none", ("砌筑工不在本市职业培训补贴职业（工种）目录内",))

    unpaid, _ = run(poor, [programme("P1", level=3)], [], ctx=dataclasses.replace(CTX, support=refused))
    assert unpaid.notes[-1] == (
        "按应培尽培要求查找了可领补贴的培训，但没有能列入的：您可到达的1个培训项目都不能为您发放补贴，"
        "例如最近的一个：砌筑工不在本市职业培训补贴职业（工种）目录内"
    )
    clean(rec)


def test_a_worker_outside_the_priority_groups_gets_no_subsidy_note():
    rec, _ = run(worker(), [programme()], [], ctx=dataclasses.replace(CTX, support=_subsidy))
    assert not any(n.startswith("按应培尽培要求") for n in rec.notes)


# --- why not ---------------------------------------------------------------------------------------
def test_why_not_a_passing_course_names_its_rank_the_rival_and_the_gap():
    progs = [
        programme("P1", place=km_north(2)),
        programme("P2", place=km_north(5)),
        programme("P3", place=km_north(25)),
    ]
    rec, (q, cands, pt, ot) = run(worker(), progs, [], k=2)
    assert [p.programme_id for p in rec.pathways] == ["P1", "P2"]
    why = explain_item(q, progs[2], cands, pt, ot, CTX, shown=2, similarity=0.6)
    s = why.standing
    assert (s.rank, s.listed, s.rival_label) == (3, True, "技能培训 P2")
    # 5 km against 25 km: 0.8 × (1/1.5 − 1/3.5) = 0.3048 of the 4.7 best score, 6 points
    assert [f for f, _ in s.gaps] == ["distance"] and s.gaps[0][1] == pytest.approx(
        100 * 0.8 * (1 / 1.5 - 1 / 3.5) / 4.7
    )
    assert why.text == (
        f"该项目符合条件，但排在第3位（技能培训，匹配度{s.match}分）；推荐列表只列前2条，"
        f"第2条是技能培训 P2（匹配度{rec.pathways[1].match}分），差距主要在：离得近少6分"
    )
    first = explain_item(q, progs[0], cands, pt, ot, CTX, shown=2, similarity=0.6)
    assert first.text == f"该项目符合条件，已在推荐列表第1位（技能培训，匹配度{rec.pathways[0].match}分）"
    assert first.match == rec.pathways[0].match


def test_why_not_a_course_that_forms_no_pathway_says_why_and_where_it_would_stand():
    progs = [programme("P1"), programme("P4", occupation_code=OCC_WELDER, title="电焊工培训班")]
    rec, (q, cands, pt, ot) = run(worker(), progs, [], p_sim=[0.6, 0.1])
    assert [p.programme_id for p in rec.pathways] == ["P1"]
    why = explain_item(q, progs[1], cands, pt, ot, CTX, similarity=0.1)
    assert not why.standing.listed and why.standing.rank == 2
    assert why.text.startswith("该项目符合条件，但它与您的技能和求职意向不够对口")
    assert why.text.endswith(f"所以未列入；若列入，匹配度{why.match}分，可排第2位")
    far = explain_item(q, programme("P9", place=km_north(80)), cands, pt, ot, CTX, similarity=0.6)
    assert far.standing is None and "超出您可接受的30公里" in far.text


# --- reverse matching: where the workplace is --------------------------------------------------------
def test_candidate_text_says_where_the_workplace_is_from_the_city_the_worker_wants():
    city = Place("140100", HOME.lat + 60 / 111.195, HOME.lon, "太原市")
    w = worker(desired_place="city", desired_city=city, certificates=(cert(level=4),))
    inside = order(place=Place("140181", HOME.lat + 65 / 111.195, HOME.lon, "太原市古交市"))
    outside = dataclasses.replace(
        inside, place=dataclasses.replace(inside.place, adcode="140702", name="晋中市榆次区")
    )
    empty = ProgrammeTable.from_records([])
    for o, text in (
        (
            inside,
            "已持有该职业中级工证书，可直接上岗；工作地在其意向求职的太原市，距太原市中心5公里（距家65公里）",
        ),
        (outside, "已持有该职业中级工证书，可直接上岗；工作地距其意向求职的太原市5公里（距家65公里）"),
    ):
        (c,) = rank_candidates(o, [WorkerQuery(w, None, frozenset())], empty, CTX).candidates
        assert c.explanation == text and lint_text(c.explanation) == []
