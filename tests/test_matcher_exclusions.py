"""Each exclusion's stable code and the exact Chinese sentence a counselor reads, written as
literals; the level rule as a table; reverse matching (one order, many workers) against the
per-worker filter for every place preference. Written for the mutants that survived the matcher's
mutation run (eval/results/mutation.md): a changed message, a dropped reason or a swapped
condition now fails here."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest

from matcher.filters import (
    AGE_ABOVE_MAX,
    AGE_BELOW_MIN,
    ALREADY_CERTIFIED,
    EDUCATION_TOO_LOW,
    ENROLLMENT_CLOSED,
    INSTITUTION_SUSPENDED,
    NO_SEATS,
    ORDER_STARTED,
    OUT_OF_REACH,
    Exclusion,
    already_certified,
    beyond_reach,
    closes_gap,
    decode_order,
    decode_programme,
    gap_closing_rows,
    level_satisfies,
    not_qualified,
    order_failures,
    order_failures_for_workers,
    pair_exclusions,
    programme_failures,
)
from matcher.tables import OrderTable, ProgrammeTable
from matcher.types import Place
from tests.matcher_factories import OCC_TILER, TODAY, cert, institution, km_north, order, programme, worker


@pytest.mark.parametrize(
    ("held", "required", "ok"),
    [
        (4, None, True),  # no requirement
        (0, None, True),
        (5, 0, True),  # a 专项职业能力 requirement: any certificate in the occupation
        (0, 0, True),
        (1, 3, True),  # 一级 (the highest) meets 三级
        (3, 3, True),
        (4, 3, False),  # 四级 is below 三级
        (5, 4, False),
        (0, 3, False),  # a 专项职业能力 certificate meets no numbered level
        (2, 1, False),
    ],
)
def test_level_rule(held: int, required: int | None, ok: bool) -> None:
    assert level_satisfies(held, required) is ok


def test_programme_exclusions_in_order_with_their_sentences() -> None:
    p = programme(
        min_age=30,
        max_age=45,
        min_education="高中",
        start_date=dt.date(2025, 3, 11),
        institution=institution("I9"),
    )
    w = worker(birth_year=2000)
    every = (
        (AGE_BELOW_MIN | EDUCATION_TOO_LOW | NO_SEATS | ENROLLMENT_CLOSED | INSTITUTION_SUSPENDED)
        | OUT_OF_REACH
        | ALREADY_CERTIFIED
    )
    assert decode_programme(every, w, p, 41.6) == (
        Exclusion("age_below_min", "年龄未达要求（要求30岁以上，届时您25岁）"),
        Exclusion("education_too_low", "学历不满足要求（要求高中及以上）"),
        Exclusion("no_seats", "名额已满"),
        Exclusion("enrollment_closed", "已于2025年3月11日开班，报名已截止"),
        Exclusion("institution_suspended", "培训机构“晋I9职业培训学校”已被暂停"),
        Exclusion("out_of_reach", "距离您家约42公里，超出您可接受的30公里"),
        Exclusion("already_certified", "您已持有该职业同级或更高等级的证书"),
    )
    old = worker(birth_year=1970)
    assert decode_programme(AGE_ABOVE_MAX, old, p, 0.0) == (
        Exclusion("age_above_max", "年龄超过上限（要求45岁以下，届时您55岁）"),
    )
    assert decode_programme(0, w, p, 0.0) == ()


def test_no_upper_age_sentence_without_an_upper_limit() -> None:
    assert decode_programme(AGE_ABOVE_MAX, worker(birth_year=1950), programme(max_age=None), 0.0) == ()


def test_reach_sentence_names_the_desired_city_only_when_the_worker_has_one() -> None:
    city = Place("140105", 38.0, 112.6, "太原市")
    wants_city = worker(desired_place="city", desired_city=city, max_commute_km=20.0)
    says = decode_order(OUT_OF_REACH, wants_city, order(), 55.2)
    assert says == (Exclusion("out_of_reach", "距离您家或意向工作城市约55公里，超出您可接受的20公里"),)
    # "city" without a city named, and "local": only the home counts
    for w in (
        worker(desired_place="city", desired_city=None),
        worker(desired_place="local", desired_city=city),
    ):
        assert decode_order(OUT_OF_REACH, w, order(), 55.2)[0].text.startswith("距离您家约55公里")


def test_order_exclusions() -> None:
    o = order(start_date=dt.date(2025, 2, 20), min_age=18, max_age=50)
    assert decode_order(ORDER_STARTED | AGE_ABOVE_MAX, worker(birth_year=1970), o, 0.0) == (
        Exclusion("age_above_max", "年龄超过上限（要求50岁以下，届时您55岁）"),
        Exclusion("order_started", "订单已于2025年2月20日开工"),
    )


def test_not_qualified_says_what_is_missing() -> None:
    needs = "订单要求相应职业证书或等级，您暂未持有，需先培训"
    assert not_qualified(order(requires_certificate=True)) == Exclusion("not_qualified", needs)
    assert not_qualified(order(required_level=4)) == Exclusion("not_qualified", needs)
    assert not_qualified(order()) == Exclusion("not_qualified", "您的技能与订单职业暂不对应，需先培训")


def test_pair_exclusions() -> None:
    o = order(start_date=dt.date(2025, 4, 1))
    assert pair_exclusions(programme(end_date=dt.date(2025, 3, 20)), o) == ()
    assert pair_exclusions(programme(occupation_code=OCC_TILER, end_date=dt.date(2025, 4, 1)), o) == (
        Exclusion("not_closing_gap", "该培训与订单要求的职业或等级不对应"),
        Exclusion("ends_after_order_start", "培训2025年4月1日结业，晚于订单2025年4月1日开工"),
    )


def test_reverse_matching_equals_the_per_worker_filter_for_every_place_preference() -> None:
    o = order(place=km_north(40, name="太原市"), min_age=20, max_age=55)
    near_city = Place("140105", o.place.lat + 0.05, o.place.lon, "太原市")
    workers = [
        worker("W1"),  # local, 40 km: out of reach
        worker("W2", max_commute_km=50.0),  # local, within reach
        worker("W3", desired_place="city", desired_city=near_city),  # the city is near the order
        worker("W4", desired_place="city", desired_city=None),  # "city" with none named: home counts
        worker("W5", desired_place="anywhere", max_commute_km=5.0),
        worker("W6", birth_year=1960),  # too old
        worker("W7", birth_year=2010),  # too young
        worker("W8", desired_place="local", desired_city=near_city),  # a city named but not wanted
    ]
    table = OrderTable.from_records([o], np.zeros((1, 4), dtype=np.float32))
    bits, dist, home = order_failures_for_workers(workers, o, TODAY)
    assert bits.dtype == np.int64 and dist.dtype == np.float64 and bits.shape == (8,)
    assert [int(b) for b in bits] == [
        OUT_OF_REACH,
        0,
        0,
        OUT_OF_REACH,
        0,
        AGE_ABOVE_MAX | OUT_OF_REACH,
        AGE_BELOW_MIN | OUT_OF_REACH,
        OUT_OF_REACH,
    ]
    for i, w in enumerate(workers):
        b1, d1, h1 = order_failures(w, table, np.array([0]), TODAY)
        assert (int(bits[i]), round(float(dist[i]), 6), round(float(home[i]), 6)) == (
            int(b1[0]),
            round(float(d1[0]), 6),
            round(float(h1[0]), 6),
        ), w.id
    started = dataclasses.replace(o, start_date=TODAY - dt.timedelta(days=1))
    assert all(int(b) & ORDER_STARTED for b in order_failures_for_workers(workers, started, TODAY)[0])


def _table(*progs):  # type: ignore[no-untyped-def]
    return ProgrammeTable.from_records(list(progs), np.zeros((len(progs), 4), dtype=np.float32))


def test_limits_are_inclusive() -> None:
    """An age equal to a limit, and a distance equal to the worker's limit, pass."""
    start = TODAY + dt.timedelta(days=10)
    p = programme(min_age=40, max_age=40, start_date=start)
    at_40 = worker(birth_year=start.year - 40)
    bits, _, _ = programme_failures(at_40, _table(p), np.array([0]), TODAY)
    assert int(bits[0]) == 0
    o = order(min_age=40, max_age=40)
    ot = OrderTable.from_records([o], np.zeros((1, 4), dtype=np.float32))
    w = worker(birth_year=o.start_date.year - 40, max_commute_km=13.0)
    assert int(order_failures(w, ot, np.array([0]), TODAY)[0][0]) == 0
    assert not beyond_reach(w, np.array([13.0]))[0] and beyond_reach(w, np.array([13.01]))[0]
    assert decode_order(AGE_BELOW_MIN, worker(birth_year=2010), o, 0.0) == (
        Exclusion("age_below_min", "年龄未达要求（要求40岁以上，届时您15岁）"),
    )


def test_gap_closing_rows_by_level_certificate_and_occupation() -> None:
    progs = [
        programme("P1", level=4),
        programme("P2", level=5),
        programme("P3", level=0),  # 专项职业能力
        programme("P4", level=3, certificate=None),
        programme("P5", occupation_code=OCC_TILER, level=4),
    ]
    t = _table(*progs)
    rows = np.arange(len(progs))
    assert gap_closing_rows(t, rows, order(required_level=4)).tolist() == [True, False, False, True, False]
    assert gap_closing_rows(t, rows, order(required_level=0)).tolist() == [True, True, True, True, False]
    assert not gap_closing_rows(t, rows, order(required_level=1)).any()  # 一级: none of these courses
    assert gap_closing_rows(t, rows, order(requires_certificate=True)).tolist() == [
        True,
        True,
        True,
        False,
        False,
    ]
    # an order in an occupation no programme trains closes no gap, whatever the ids' numbering
    assert not gap_closing_rows(t, rows, order(occupation_code="4-01-02-02")).any()
    for p, row in zip(progs, gap_closing_rows(t, rows, order(required_level=4)), strict=True):
        assert bool(row) == closes_gap(p, order(required_level=4))


def test_already_certified_reads_every_certificate() -> None:
    progs = [programme("P1", level=4), programme("P2", level=3), programme("P3", level=0)]
    t = _table(*progs)
    rows = np.arange(3)
    # the first certificate is in an occupation with no programme; the second still counts
    w = worker(certificates=(cert("9-99-99-99", 4), cert(level=4)))
    assert already_certified(w, t, rows).tolist() == [True, False, False]
    # a 专项 certificate blocks only 专项 courses; with a numbered one both kinds of blocking add up
    assert already_certified(worker(certificates=(cert(level=0),)), t, rows).tolist() == [False, False, True]
    both = worker(certificates=(cert(level=0), cert(level=3)))
    assert already_certified(both, t, rows).tolist() == [True, True, True]
    other_order = worker(certificates=(cert(level=3), cert(level=0)))
    assert already_certified(other_order, t, rows).tolist() == [True, True, True]
    assert already_certified(worker(certificates=(cert(level=1),)), t, rows).tolist() == [True, True, False]
