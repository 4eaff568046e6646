"""Pathway assembly, explanations, "why not" and reverse matching on small hand-built worlds."""

from __future__ import annotations

import dataclasses
import datetime as dt
import subprocess
import sys

import numpy as np
import pytest

from matcher.candidates import MaskedWorker, rank_candidates
from matcher.pathways import Candidates, MatchContext, WorkerQuery, recommend
from matcher.subsidy import SubsidyDecision as Support
from matcher.tables import OrderTable, ProgrammeTable
from matcher.whynot import explain_exclusion
from tests.matcher_factories import (
    OCC_ECOM,
    OCC_MASON,
    OCC_TILER,
    OCC_WELDER,
    TODAY,
    cert,
    km_north,
    order,
    programme,
    worker,
)

CTX = MatchContext(today=TODAY)


def run(w, progs, ords, skills=(OCC_MASON,), k=10, ctx=CTX, sims=None):
    pt, ot = ProgrammeTable.from_records(progs), OrderTable.from_records(ords)
    cands = Candidates(
        np.arange(len(progs)),
        np.arange(len(ords)),
        np.full(len(progs), 0.6) if sims is None else sims[0],
        np.full(len(ords), 0.6) if sims is None else sims[1],
    )
    return recommend(WorkerQuery(w, None, frozenset(skills)), cands, pt, ot, ctx, k)


def kinds(rec):
    return [(p.kind, p.programme_id, p.order_id) for p in rec.pathways]


def test_empty_profile_asks_for_more_not_a_score():
    blank = worker(skills_text="  无 ", work_history="", desired_occupations=())
    rec = run(blank, [programme()], [order()], skills=())
    assert rec.status == "needs_profile"
    assert rec.message == "请补充技能和求职意向"
    assert rec.pathways == ()


def test_job_when_the_worker_qualifies_now():
    rec = run(worker(), [], [order()])
    assert kinds(rec) == [("job", None, "O1")]
    p = rec.pathways[0]
    assert p.explanation.startswith("离您家12公里；可直接上岗：太原建工集团")
    assert "月薪6000–8000元" in p.explanation
    assert p.score == pytest.approx(sum(p.contributions.values()))


def test_train_then_job_closes_a_certificate_gap():
    o = order(requires_certificate=True, required_level=4)
    ok = programme("P1")
    late = programme("P2", end_date=o.start_date)  # ends the day the order starts
    wrong = programme("P3", occupation_code=OCC_WELDER)
    rec = run(worker(), [ok, late, wrong], [o])
    ttj = [p for p in rec.pathways if p.kind == "train_then_job"]
    assert [(p.programme_id, p.order_id) for p in ttj] == [("P1", "O1")]
    assert "结业后可对接" in ttj[0].explanation
    assert ttj[0].ready_date == ok.end_date + dt.timedelta(days=1)


def test_train_for_desired_occupation_and_level_up():
    w = worker(desired_occupations=(OCC_TILER,), certificates=(cert(OCC_MASON, 4),))
    progs = [
        programme("P1", occupation_code=OCC_TILER, level=5, title="镶贴工培训"),
        programme("P2", level=3, title="砌筑工高级"),
        programme("P3", level=4),  # same level as held: excluded
    ]
    rec = run(w, progs, [], skills=())
    got = {p.programme_id: p for p in rec.pathways}
    assert set(got) == {"P1", "P2"}
    assert all(p.kind == "train" for p in rec.pathways)
    assert "可从中级工提升到高级工" in got["P2"].explanation
    assert "对口您想从事的" in got["P1"].explanation


def test_start_up_only_with_intent():
    ecom = programme("P9", occupation_code=OCC_ECOM, title="农村电商创业培训", training_type="创业培训")
    assert run(worker(), [ecom], [], sims=(np.array([0.9]), np.zeros(0))).pathways == ()
    rec = run(worker(entrepreneurship=True), [ecom], [], sims=(np.array([0.2]), np.zeros(0)))
    assert kinds(rec) == [("start_up", "P9", None)]


def test_subsidy_shapes_the_explanation():
    def support(w, p, order):
        return Support(
            training_subsidy=1200, living_allowance=600, net_cost=300, payee="worker", fee=1500, upfront=1500,
            paid_on="completion", living_days=15, day_basis="按培训起止日历天数31天",
        )  # fmt: skip

    w = worker(groups=frozenset({"脱贫劳动力"}))
    o = order(requires_certificate=True, required_level=4)
    rec = run(w, [programme()], [o], ctx=dataclasses.replace(CTX, support=support))
    p = rec.pathways[0]
    assert (p.training_subsidy, p.living_allowance, p.net_cost) == (1200, 600, 300)
    assert "个人需先交培训费1500元；结业后可领培训补贴1200元；补贴到账后个人实际承担300元" in p.explanation
    assert "符合脱贫劳动力生活费补贴600元，共15天（按培训起止日历天数31天）" in p.explanation
    assert (p.upfront, p.refund, p.paid_on, p.living_days) == (1500, 1200, "completion", 15)
    assert p.contributions["net_cost"] < 0 < p.contributions["allowance"]


def test_free_training_ranks_above_costly_twin():
    def support(w, p, order):
        return Support(0, 0, 0 if p.id == "PB" else 2000)

    progs = [programme("PA"), programme("PB")]
    rec = run(worker(desired_occupations=(OCC_MASON,)), progs, [], skills=(),
              ctx=dataclasses.replace(CTX, support=support))  # fmt: skip
    assert [p.programme_id for p in rec.pathways] == ["PB", "PA"]


def test_ties_broken_by_id():
    progs = [programme(pid) for pid in ("P3", "P1", "P2")]
    rec = run(worker(), progs, [], skills=())
    assert [p.programme_id for p in rec.pathways] == ["P1", "P2", "P3"]


def test_nearer_first():
    progs = [programme("PFAR", place=km_north(25)), programme("PNEAR", place=km_north(2))]
    rec = run(worker(), progs, [], skills=())
    assert [p.programme_id for p in rec.pathways] == ["PNEAR", "PFAR"]


def test_no_match_status():
    rec = run(worker(), [programme(place=km_north(100))], [order(place=km_north(100))])
    assert rec.status == "no_match"
    assert rec.pathways == ()


def test_flagged_order_is_served_with_a_note():
    rec = run(worker(gender="女"), [], [order(flags=("性别限制",))])
    assert kinds(rec) == [("job", None, "O1")]
    assert "不合法，已忽略" in rec.pathways[0].explanation


def test_why_not_lists_failures_and_score():
    q = WorkerQuery(worker(), None, frozenset({OCC_MASON}))
    far = programme(place=km_north(80), seats_left=0)
    why = explain_exclusion(q, far, CTX, similarity=0.6)
    assert [e.code for e in why.exclusions] == ["no_seats", "out_of_reach"]
    assert not why.passed
    assert "名额已满" in why.text and "若符合条件" in why.text
    needs = explain_exclusion(q, order(requires_certificate=True, required_level=3), CTX, similarity=0.6)
    assert needs.passed and [n.code for n in needs.notes] == ["not_qualified"]


def test_why_not_score_matches_the_ranked_score():
    q = WorkerQuery(worker(), None, frozenset({OCC_MASON}))
    o = order()
    rec = run(worker(), [], [o])
    why = explain_exclusion(q, o, CTX, similarity=0.6)
    assert why.passed
    assert why.score_if_passed == pytest.approx(rec.pathways[0].score)
    p = programme(level=5)
    rec = run(worker(), [p], [])
    assert explain_exclusion(q, p, CTX, similarity=0.6).score_if_passed == pytest.approx(
        rec.pathways[0].score
    )


def test_reverse_matching_direct_trainable_and_consent():
    o = order(requires_certificate=True, required_level=4)
    pt = ProgrammeTable.from_records([programme("P1"), programme("P2", end_date=o.start_date)])
    ws = [
        WorkerQuery(worker("W1", certificates=(cert(level=4),)), None, frozenset()),
        WorkerQuery(worker("W2"), None, frozenset({OCC_MASON})),
        WorkerQuery(worker("W3", consent_share=False, certificates=(cert(level=3),)), None, frozenset()),
        WorkerQuery(worker("W4", max_commute_km=5), None, frozenset()),
    ]
    masked = {"W1": MaskedWorker("W1", name_masked="张*", phone_masked="138****5678")}
    res = rank_candidates(o, ws, pt, CTX, similarity=np.full(4, 0.5), masked=masked)
    assert res.status == "ok"
    got = [(c.worker_id, c.kind, c.programme_id) for c in res.candidates]
    assert got == [("W1", "direct", None), ("W2", "trainable", "P1")]
    assert res.candidates[0].masked.name_masked == "张*"
    assert res.candidates[1].ready_date == programme("P1").end_date + dt.timedelta(days=1)
    for c in res.candidates:
        assert "W" not in c.explanation  # no ids or personal data in the text
    assert rank_candidates(o, ws, pt, CTX, k=1).candidates[0].worker_id == "W1"


def test_reverse_matching_refuses_started_orders():
    o = order(start_date=TODAY - dt.timedelta(days=1))
    res = rank_candidates(o, [WorkerQuery(worker())], ProgrammeTable.from_records([]), CTX)
    assert res.status == "order_started" and res.candidates == ()


def test_importing_matcher_loads_no_heavy_modules():
    code = (
        "import sys, matcher, matcher.pathways, matcher.candidates, matcher.whynot, matcher.explain;"
        "import pkgutil, importlib;"
        "[importlib.import_module('matcher.' + m.name) for m in pkgutil.iter_modules(matcher.__path__)];"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'fastapi','sqlalchemy','faiss','torch','polars','pydantic','starlette','transformers',"
        "'sentence_transformers','jieba','bm25s'});"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
