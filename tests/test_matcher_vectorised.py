"""The array fast paths of the ranking agree with the record rules and numpy references they replace.

Each helper here exists for speed only (a million workers per batch run); every one is checked
against the slower, obviously right formulation on random inputs, and the ranking as a whole is
checked to be the same with and without the cheap subsidy amounts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher.features import occupation_values
from matcher.filters import closes_gap, order_failures, programme_failures, qualifies_now
from matcher.pathways import Candidates, WorkerQuery, recommend
from matcher.ranking import most_similar, rank_pathways, unique_rows
from matcher.row_filters import gap_closing_programmes, order_passes, programme_passes, qualifies_now_rows
from matcher.scoring import RankingWeights
from matcher.selection import bound_order
from matcher.tables import OrderTable, ProgrammeTable, occupation_code_values
from tests.matcher_factories import TODAY
from tests.test_matcher_properties import CTX, codes, support, worlds

SLOW = [HealthCheck.too_slow]


def _tables(world):  # type: ignore[no-untyped-def]
    _w, _skills, progs, ords, pe, oe, _we, _k = world
    return ProgrammeTable.from_records(progs, pe), OrderTable.from_records(ords, oe)


@settings(max_examples=120, deadline=None, suppress_health_check=SLOW)
@given(worlds())
def test_pass_masks_equal_the_failure_bits(world):  # type: ignore[no-untyped-def]
    w, _skills, progs, ords, *_ = world
    pt, ot = _tables(world)
    for table, passes, failures, n in (
        (pt, programme_passes, programme_failures, len(progs)),
        (ot, order_passes, order_failures, len(ords)),
    ):
        rows = np.arange(n)
        bits, dist, home = failures(w, table, rows, TODAY)  # type: ignore[operator]
        ok, d, h = passes(w, table, rows, TODAY)  # type: ignore[operator]
        assert ok.tolist() == (bits == 0).tolist()
        assert d.tolist() == dist[bits == 0].tolist() and h.tolist() == home[bits == 0].tolist()


@settings(max_examples=120, deadline=None, suppress_health_check=SLOW)
@given(worlds())
def test_qualifies_now_rows_equals_the_record_rule(world):  # type: ignore[no-untyped-def]
    w, skills, _progs, ords, *_ = world
    _pt, ot = _tables(world)
    got = qualifies_now_rows(w, ot, np.arange(len(ords)), skills).tolist()
    assert got == [qualifies_now(w, o, skills) for o in ords]


@settings(max_examples=80, deadline=None, suppress_health_check=SLOW)
@given(worlds())
def test_gap_closing_programmes_are_the_closing_rows_and_cached(world):  # type: ignore[no-untyped-def]
    _w, _skills, progs, ords, *_ = world
    pt, _ot = _tables(world)
    for o in ords:
        rows = gap_closing_programmes(pt, o)
        assert rows.tolist() == [
            i for i, p in enumerate(progs) if closes_gap(p, o) and p.end_date < o.start_date
        ]
        assert gap_closing_programmes(pt, o) is rows  # computed once per order record
        assert not rows.flags.writeable


@settings(max_examples=200, deadline=None)
@given(
    st.lists(codes, min_size=1, max_size=8),
    st.lists(codes | st.sampled_from(["6-29", "6", "6-29-01"]), max_size=4),
)
def test_occupation_code_values_equal_the_set_rule(items, known):  # type: ignore[no-untyped-def]
    from tests.matcher_factories import programme

    table = ProgrammeTable.from_records([programme(f"P{i}", occupation_code=c) for i, c in enumerate(items)])
    got = occupation_code_values(table, frozenset(known)).tolist()
    assert got == occupation_values(table.occupation_codes, known).tolist()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 50), max_size=60))
def test_unique_rows_is_np_unique(rows):  # type: ignore[no-untyped-def]
    got = unique_rows(np.asarray(rows, dtype=np.int64))
    assert got.dtype == np.int64 and got.tolist() == np.unique(np.asarray(rows, dtype=np.int64)).tolist()


# few distinct values, so ties are common
values = st.lists(st.sampled_from([-0.5, 0.0, 0.1, 0.3, 0.3000001, 0.9]), max_size=40)


@settings(max_examples=300, deadline=None)
@given(values, st.integers(0, 8))
def test_most_similar_is_the_head_of_a_stable_sort(sim, top):  # type: ignore[no-untyped-def]
    a = np.asarray(sim, dtype=np.float64)
    rank = np.empty(len(a), dtype=np.int64)
    rank[np.argsort(-a, kind="stable")] = np.arange(len(a))
    assert most_similar(a, top).tolist() == (rank < top).tolist()


@settings(max_examples=300, deadline=None)
@given(values, st.integers(1, 12), st.integers(2, 4))
def test_bound_order_is_a_stable_sort_in_blocks(bound, first, growth):  # type: ignore[no-untyped-def]
    a = np.asarray(bound, dtype=np.float64)
    blocks = list(bound_order(a, first, growth))
    assert all(len(b) for b in blocks)
    if blocks:
        assert len(blocks[0]) >= min(first, len(a))
    got = np.concatenate(blocks).tolist() if blocks else []
    assert got == np.argsort(-a, kind="stable").tolist()


@settings(max_examples=100, deadline=None, suppress_health_check=SLOW)
@given(worlds())
def test_cheap_amounts_rank_exactly_as_the_full_estimate(world):  # type: ignore[no-untyped-def]
    """A context with ``support_amounts`` gives the same pathways (scores, reasons and all) as one
    that prices with the full estimate; :func:`rank_pathways` is :func:`recommend` without text."""
    w, skills, progs, ords, pe, oe, we, k = world
    pt, ot = _tables(world)
    q = WorkerQuery(w, we, skills)
    cands = Candidates(np.arange(len(progs)), np.arange(len(ords)))

    def amounts(worker, programme, order):  # type: ignore[no-untyped-def]
        est = support(worker, programme, order)
        return est.priced()

    full = recommend(q, cands, pt, ot, CTX, k)
    cheap = dataclasses.replace(CTX, support_amounts=amounts)
    assert recommend(q, cands, pt, ot, cheap, k) == full
    ranking = rank_pathways(q, cands, pt, ot, cheap, k)
    assert (ranking.status, ranking.message) == (full.status, full.message)
    assert [
        (
            r.kind,
            pt.ids[r.programme_row] if r.programme_row >= 0 else None,
            ot.ids[r.order_row] if r.order_row >= 0 else None,
            r.score,
        )
        for r in ranking.pathways
    ] == [(p.kind, p.programme_id, p.order_id, p.score) for p in full.pathways]


def test_weight_vector_is_built_once_and_read_only() -> None:
    w = RankingWeights()
    assert w.vector is w.vector
    assert w.vector.tolist() == [1.0, 1.0, 0.8, 0.3, 0.5, 0.6, 0.3, 0.4, 0.2, 0.3]
    with pytest.raises(ValueError):
        w.vector[0] = 2.0
    assert dataclasses.replace(w, semantic=2.0).vector[0] == 2.0
    assert "_vector" not in RankingWeights.field_names()


# --- literal cases the hypothesis worlds rarely draw (mutation survivors of matcher/row_filters) ---


def test_row_rules_at_their_edges_equal_the_record_rules() -> None:
    from tests.matcher_factories import OCC_TILER, cert, order, programme, worker

    start_year = (TODAY + dt.timedelta(days=60)).year
    ords = [
        order("O1", requires_certificate=True, required_level=4),  # a 中级 certificate meets it
        order("O2", requires_certificate=True, required_level=1),  # only level 1 meets it
        order("O3", requires_certificate=True, required_level=3),
        order("O4", occupation_code=OCC_TILER, requires_certificate=True),
        order("O5", min_age=start_year - 1985),  # the worker is exactly the youngest allowed
        order("O6", min_age=start_year - 1984),  # one year too young
    ]
    ot = OrderTable.from_records(ords)
    # the second certificate (another occupation) must not undo the first one
    w = worker(certificates=(cert(level=4), cert(OCC_TILER, level=5)))
    rows = np.arange(len(ords))
    got = qualifies_now_rows(w, ot, rows, frozenset()).tolist()
    assert got == [qualifies_now(w, o, frozenset()) for o in ords] == [True, False, False, True, True, True]
    bits, _dist, _home = order_failures(w, ot, rows, TODAY)
    ok, _d, _h = order_passes(w, ot, rows, TODAY)
    assert ok.tolist() == (bits == 0).tolist()
    assert ok.tolist()[4:] == [True, False]

    progs = [programme("P1", min_age=TODAY.year - 1985), programme("P2", min_age=TODAY.year - 1984)]
    pt = ProgrammeTable.from_records(progs)
    fresh = worker()  # no certificate yet, so the course is not one already passed
    pbits, _d2, _h2 = programme_failures(fresh, pt, np.arange(2), TODAY)
    pok, _d3, _h3 = programme_passes(fresh, pt, np.arange(2), TODAY)
    assert pok.tolist() == (pbits == 0).tolist() == [True, False]


def test_an_order_linked_to_a_programme_outside_the_table_closes_gaps_as_any_order() -> None:
    from tests.matcher_factories import order, programme

    progs = [programme("P1", end_date=TODAY + dt.timedelta(days=40))]
    pt = ProgrammeTable.from_records(progs)
    linked_elsewhere = order("O1", programme_id="P9")
    assert gap_closing_programmes(pt, linked_elsewhere).tolist() == [
        i
        for i, p in enumerate(progs)
        if closes_gap(p, linked_elsewhere) and p.end_date < linked_elsewhere.start_date
    ]


def test_certificate_levels_zero_and_one_in_the_row_rule() -> None:
    """Level 0 (专项职业能力) asked: any certificate of the occupation meets it; a level-1 (高级技师)
    certificate meets every level below it."""
    from tests.matcher_factories import cert, order, worker

    ords = [
        order("O1", requires_certificate=True, required_level=0),
        order("O2", requires_certificate=True, required_level=3),
    ]
    ot = OrderTable.from_records(ords)
    for w in (worker(certificates=(cert(level=4),)), worker(certificates=(cert(level=1),))):
        got = qualifies_now_rows(w, ot, np.arange(2), frozenset()).tolist()
        assert got == [qualifies_now(w, o, frozenset()) for o in ords]
    top = worker(certificates=(cert(level=1),))
    assert qualifies_now_rows(top, ot, np.arange(2), frozenset()).tolist() == [True, True]
    assert qualifies_now_rows(
        worker(certificates=(cert(level=4),)), ot, np.arange(1), frozenset()
    ).tolist() == [True]
