"""Property tests (hypothesis) for the ranking invariants on random small worlds."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher.candidates import rank_candidates
from matcher.features import occupation_value, occupation_values
from matcher.filters import closes_gap, gap_closing_rows, order_failures, programme_failures
from matcher.pathways import Candidates, MatchContext, WorkerQuery, recommend
from matcher.scoring import KINDS
from matcher.subsidy import SubsidyDecision as Support
from matcher.tables import OrderTable, ProgrammeTable
from tests.matcher_factories import TODAY, cert, institution, km_north, order, programme, worker

OCCS = ("6-29-01-01", "6-29-01-03", "6-18-02-04", "4-01-02-02")
days = st.integers(min_value=-20, max_value=120)
LEVELS = st.sampled_from([5, 4, 3, 0])
OCC = st.sampled_from(OCCS)


@st.composite
def programmes(draw, pid):
    start = draw(days)
    return programme(
        pid,
        occupation_code=draw(st.sampled_from(OCCS)),
        level=draw(st.sampled_from([5, 4, 3, 0])),
        training_type=draw(st.sampled_from(["就业技能培训", "创业培训", "岗位技能提升培训"])),
        delivery=draw(st.sampled_from(["线下", "线上", "混合"])),
        place=km_north(draw(st.floats(0, 80))),
        start_date=TODAY + dt.timedelta(days=start),
        end_date=TODAY + dt.timedelta(days=start + draw(st.integers(1, 60))),
        seats_left=draw(st.integers(0, 3)),
        fee=draw(st.sampled_from([0, 800, 3000])),
        min_age=draw(st.none() | st.integers(16, 40)),
        max_age=draw(st.none() | st.integers(40, 60)),
        min_education=draw(st.none() | st.sampled_from(["初中", "高中/中专/技校"])),
        institution=institution(
            draw(st.sampled_from(["I1", "I2"])), draw(st.sampled_from(["active", "suspended"]))
        ),
        certificate=draw(st.none() | st.just("证书")),
    )


@st.composite
def orders(draw, oid, prog_ids):
    return order(
        oid,
        occupation_code=draw(st.sampled_from(OCCS)),
        place=km_north(draw(st.floats(0, 80))),
        start_date=TODAY + dt.timedelta(days=draw(days)),
        requires_certificate=draw(st.booleans()),
        required_level=draw(st.none() | st.sampled_from([5, 4, 3])),
        min_age=draw(st.none() | st.integers(16, 40)),
        max_age=draw(st.none() | st.integers(40, 60)),
        priority=draw(st.integers(0, 3)),
        employer_trains=draw(st.booleans()),
        programme_id=draw(st.none() | st.sampled_from(prog_ids)) if prog_ids else None,
        flags=draw(st.sampled_from([(), ("性别限制",)])),
        wage_min=4000,
        wage_max=draw(st.sampled_from([4000, 9000])),
    )


@st.composite
def worlds(draw):
    n_p = draw(st.integers(0, 12))
    n_o = draw(st.integers(0, 10))
    progs = [draw(programmes(f"P{i:02d}")) for i in range(n_p)]
    ords = [draw(orders(f"O{i:02d}", [p.id for p in progs])) for i in range(n_o)]
    w = worker(
        birth_year=draw(st.integers(1960, 2008)),
        education=draw(st.sampled_from(["小学及以下", "初中", "高中/中专/技校"])),
        desired_occupations=tuple(draw(st.lists(st.sampled_from(OCCS), max_size=2, unique=True))),
        certificates=tuple(cert(c, lv) for c, lv in draw(st.lists(st.tuples(OCC, LEVELS), max_size=2))),
        max_commute_km=draw(st.sampled_from([5.0, 30.0, 60.0])),
        desired_place=draw(st.sampled_from(["local", "anywhere"])),
        entrepreneurship=draw(st.booleans()),
        groups=frozenset(draw(st.sets(st.sampled_from(["脱贫劳动力", "返乡农民工"])))),
    )  # fmt: skip
    skills = frozenset(draw(st.lists(st.sampled_from(OCCS), max_size=2)))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    dim = 8
    pe = rng.normal(size=(n_p, dim)).astype(np.float32)
    oe = rng.normal(size=(n_o, dim)).astype(np.float32)
    we = rng.normal(size=dim).astype(np.float32)
    for a in (pe, oe):
        a /= np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-9)
    we /= np.linalg.norm(we)
    k = draw(st.integers(1, 8))
    return w, skills, progs, ords, pe, oe, we, k


def support(w, p, order):
    allowance = 500 if "脱贫劳动力" in w.groups else 0
    trains = order is not None and order.employer_trains
    return Support(p.fee // 2, allowance, 0 if trains else p.fee - p.fee // 2)


CTX = MatchContext(today=TODAY, support=support)


def _run(world):
    w, skills, progs, ords, pe, oe, we, k = world
    pt = ProgrammeTable.from_records(progs, pe)
    ot = OrderTable.from_records(ords, oe)
    cands = Candidates(np.arange(len(progs)), np.arange(len(ords)))
    return recommend(WorkerQuery(w, we, skills), cands, pt, ot, CTX, k), pt, ot


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_ranking_invariants(world):
    w, skills, progs, ords, pe, oe, we, k = world
    rec, pt, ot = _run(world)
    paths = rec.pathways
    # at most k, unique, sorted by score then kind then key
    assert len(paths) <= k
    assert len({p.key for p in paths}) == len(paths)
    order_key = [(-p.score, KINDS.index(p.kind), p.key) for p in paths]
    assert order_key == sorted(order_key)
    p_bits, _, _ = programme_failures(w, pt, np.arange(len(progs)), TODAY)
    o_bits, _, _ = order_failures(w, ot, np.arange(len(ords)), TODAY)
    for p in paths:
        assert abs(p.score - sum(p.contributions.values())) < 1e-9
        # no filtered item is ever returned
        if p.programme_id is not None:
            assert p_bits[pt.row_of[p.programme_id]] == 0
        if p.order_id is not None:
            assert o_bits[ot.row_of[p.order_id]] == 0
        # every train→job pathway is feasible in time and place
        if p.kind == "train_then_job":
            prog, o = progs[pt.row_of[p.programme_id]], ords[ot.row_of[p.order_id]]
            assert prog.end_date < o.start_date
            assert closes_gap(prog, o)
            assert prog.start_date >= TODAY
            if w.desired_place != "anywhere":
                assert p.distance_km <= w.max_commute_km + 0.1
        if p.kind == "start_up":
            assert w.entrepreneurship
    # same input → same output
    again, _, _ = _run(world)
    assert again == rec


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds(), st.integers(0, 9))
def test_candidate_invariants(world, which):
    w, skills, progs, ords, pe, oe, we, k = world
    if not ords:
        return
    o = ords[which % len(ords)]
    pt = ProgrammeTable.from_records(progs, pe)
    pool = [WorkerQuery(w, we, skills), WorkerQuery(worker("W2", consent_share=False), we, skills)]
    res = rank_candidates(o, pool, pt, CTX, order_embedding=oe[which % len(ords)], k=k)
    assert len(res.candidates) <= k
    assert all(c.worker_id == w.id for c in res.candidates)  # consent respected
    for c in res.candidates:
        if c.kind == "trainable":
            prog = progs[pt.row_of[c.programme_id]]
            assert prog.end_date < o.start_date and closes_gap(prog, o)
    assert rank_candidates(o, pool, pt, CTX, order_embedding=oe[which % len(ords)], k=k) == res


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_lazy_subsidy_evaluation_is_exact(world):
    """Top-k equals the head of the fully evaluated ranking (the optimistic bound never prunes a
    pathway that belongs in the top k)."""
    w, skills, progs, ords, pe, oe, we, k = world
    rec, pt, ot = _run(world)
    full = recommend(
        WorkerQuery(w, we, skills),
        Candidates(np.arange(len(progs)), np.arange(len(ords))),
        pt,
        ot,
        CTX,
        k=10_000,
    )
    assert rec.pathways == full.pathways[:k]
    # a tighter bound from knowing who can get a living allowance changes nothing but speed
    tight = dataclasses.replace(CTX, allowance_possible=lambda w: "脱贫劳动力" in w.groups)
    cands = Candidates(np.arange(len(progs)), np.arange(len(ords)))
    assert recommend(WorkerQuery(w, we, skills), cands, pt, ot, tight, k).pathways == rec.pathways


codes = st.builds(
    lambda a, b, c, d: f"{a}-{b:02d}-{c:02d}-{d:02d}",
    st.integers(2, 6), st.integers(1, 3), st.integers(1, 3), st.integers(0, 3),
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(codes, max_size=6), st.lists(codes, min_size=1, max_size=4))
def test_vectorised_occupation_values_match_the_scalar_rule(items, known):
    assert occupation_values(items, known).tolist() == [occupation_value(c, known) for c in items]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_vectorised_gap_rule_matches_the_record_rule(world):
    _w, _skills, progs, ords, pe, _oe, _we, _k = world
    table = ProgrammeTable.from_records(progs, pe)
    rows = np.arange(len(progs))
    for o in ords:
        got = gap_closing_rows(table, rows, o).tolist()
        assert got == [closes_gap(p, o) and p.end_date < o.start_date for p in progs]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    worlds(),
    st.integers(0, 9),
    st.lists(st.tuples(st.integers(1960, 2005), st.sampled_from([5.0, 60.0])), min_size=1, max_size=8),
)
def test_lazy_candidate_pricing_is_exact(world, which, variants):
    w, skills, progs, ords, pe, oe, we, k = world
    if not ords:
        return
    o = ords[which % len(ords)]
    pt = ProgrammeTable.from_records(progs, pe)
    pool = [
        WorkerQuery(dataclasses.replace(w, id=f"W{j:02d}", birth_year=b, max_commute_km=km), we, skills)
        for j, (b, km) in enumerate(variants)
    ]
    emb = oe[which % len(ords)]
    head = rank_candidates(o, pool, pt, CTX, order_embedding=emb, k=k)
    full = rank_candidates(o, pool, pt, CTX, order_embedding=emb, k=1000)
    assert head.candidates == full.candidates[:k]
