"""Unit tests: geometry and every exclusion reason of the hard filters."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest

from matcher.filters import (
    closes_gap,
    decode_order,
    decode_programme,
    level_satisfies,
    order_failures,
    order_failures_for_workers,
    pair_exclusions,
    programme_failures,
    qualifies_now,
)
from matcher.geo import haversine_km, place_distance_km
from matcher.tables import OrderTable, ProgrammeTable
from matcher.types import Place
from tests.matcher_factories import (
    HOME,
    OCC_MASON,
    OCC_TILER,
    TODAY,
    cert,
    institution,
    km_north,
    order,
    programme,
    worker,
)


def p_codes(w, p):
    table = ProgrammeTable.from_records([p])
    bits, dist, _ = programme_failures(w, table, np.zeros(1, np.int64), TODAY)
    return [e.code for e in decode_programme(int(bits[0]), w, p, float(dist[0]))], bits[0]


def o_codes(w, o):
    table = OrderTable.from_records([o])
    bits, dist, _ = order_failures(w, table, np.zeros(1, np.int64), TODAY)
    return [e.code for e in decode_order(int(bits[0]), w, o, float(dist[0]))], bits[0]


def test_haversine_known_distance_and_broadcast():
    d = haversine_km(39.9042, 116.4074, 31.2304, 121.4737)  # Beijing – Shanghai
    assert 1060 < float(d) < 1075
    many = haversine_km(
        HOME.lat, HOME.lon, np.array([HOME.lat, HOME.lat + 1]), np.array([HOME.lon, HOME.lon])
    )
    assert many.shape == (2,)
    assert many[0] == pytest.approx(0.0)
    assert many[1] == pytest.approx(111.2, abs=0.5)
    assert place_distance_km(HOME, km_north(12)) == pytest.approx(12.0, abs=0.05)


def test_passing_programme_has_no_reasons():
    assert p_codes(worker(), programme()) == ([], 0)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (dict(min_age=45), "age_below_min"),
        (dict(max_age=35), "age_above_max"),
        (dict(min_education="高中/中专/技校"), "education_too_low"),
        (dict(seats_left=0), "no_seats"),
        (dict(start_date=TODAY - dt.timedelta(days=1)), "enrollment_closed"),
        (dict(institution=institution(status="suspended")), "institution_suspended"),
        (dict(place=km_north(80)), "out_of_reach"),
    ],
)
def test_each_programme_exclusion_reason(change, code):
    codes, _ = p_codes(worker(), programme(**change))
    assert codes == [code]
    reasons = decode_programme(
        *[int(b) for b in [p_codes(worker(), programme(**change))[1]]], worker(), programme(**change), 80.0
    )
    assert all(r.text for r in reasons)


def test_programme_starting_today_is_still_open():
    assert p_codes(worker(), programme(start_date=TODAY))[0] == []


def test_already_certified_same_or_higher_level():
    w = worker(certificates=(cert(OCC_MASON, 3),))
    assert p_codes(w, programme(level=4))[0] == ["already_certified"]
    assert p_codes(w, programme(level=3))[0] == ["already_certified"]
    assert p_codes(w, programme(level=2))[0] == []  # a level-up stays open


def test_online_programme_ignores_distance():
    far = programme(place=km_north(500), delivery="线上")
    assert p_codes(worker(), far)[0] == []
    mixed = programme(place=km_north(500), delivery="混合")
    assert p_codes(worker(), mixed)[0] == ["out_of_reach"]


def test_reach_from_desired_city():
    city = Place("140100", HOME.lat + 3, HOME.lon, "大同市")
    w = worker(desired_place="city", desired_city=city)
    near_city = programme(place=Place("140200", city.lat + 0.1, city.lon))
    assert p_codes(w, near_city)[0] == []
    assert o_codes(w, order(place=Place("140200", city.lat + 0.1, city.lon)))[0] == []
    assert p_codes(worker(), near_city)[0] == ["out_of_reach"]


def test_anywhere_has_no_distance_limit():
    w = worker(desired_place="anywhere")
    assert o_codes(w, order(place=km_north(900)))[0] == []


def test_order_reasons():
    assert o_codes(worker(), order()) == ([], 0)
    assert o_codes(worker(), order(start_date=TODAY - dt.timedelta(days=1)))[0] == ["order_started"]
    assert o_codes(worker(), order(min_age=45))[0] == ["age_below_min"]
    assert o_codes(worker(), order(max_age=30))[0] == ["age_above_max"]
    assert o_codes(worker(), order(place=km_north(31)))[0] == ["out_of_reach"]


def test_unlawful_requirements_never_exclude():
    flagged = order(flags=("性别限制", "民族限制"), description="限男性，汉族")
    for gender in ("男", "女"):
        assert o_codes(worker(gender=gender), flagged) == ([], 0)


def test_vectorised_worker_side_matches_row_filter():
    ws = [
        worker("A"),
        worker("B", birth_year=1960),
        worker("C", max_commute_km=5),
        worker("D", desired_place="anywhere", max_commute_km=1),
        worker("E", desired_place="city", desired_city=km_north(12), max_commute_km=2),
    ]
    o = order(max_age=55)
    bits, dist, _ = order_failures_for_workers(ws, o, TODAY)
    for i, w in enumerate(ws):
        b, d, _ = order_failures(w, OrderTable.from_records([o]), np.zeros(1, np.int64), TODAY)
        assert bits[i] == b[0]
        assert dist[i] == pytest.approx(d[0])


def test_level_satisfies():
    assert level_satisfies(4, None)
    assert level_satisfies(3, 4)
    assert not level_satisfies(5, 4)
    assert not level_satisfies(0, 4)
    assert level_satisfies(0, 0)


def test_qualifies_now():
    needs_cert = order(requires_certificate=True, required_level=4)
    assert not qualifies_now(worker(), needs_cert, frozenset({OCC_MASON}))
    assert qualifies_now(worker(certificates=(cert(level=3),)), needs_cert, frozenset())
    assert not qualifies_now(worker(certificates=(cert(level=5),)), needs_cert, frozenset())
    plain = order()
    assert qualifies_now(worker(), plain, frozenset({OCC_MASON}))
    assert not qualifies_now(worker(), plain, frozenset({OCC_TILER}))


def test_pair_rules():
    o = order(requires_certificate=True, required_level=4)
    assert closes_gap(programme(level=4), o)
    assert not closes_gap(programme(level=5), o)
    assert not closes_gap(programme(occupation_code=OCC_TILER), o)
    assert not closes_gap(programme(certificate=None), o)
    assert closes_gap(programme("PX", occupation_code=OCC_TILER), dataclasses.replace(o, programme_id="PX"))
    late = programme(end_date=o.start_date)
    assert [e.code for e in pair_exclusions(late, o)] == ["ends_after_order_start"]
    assert pair_exclusions(programme(), o) == ()
