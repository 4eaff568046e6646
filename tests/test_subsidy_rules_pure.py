"""Clause 九's 直补企业 on registry facts, without a database: which recorded hire covers the course,
what counts as the employer's own training, where the money goes for a claim, and what a refusal
carries. Written for mutants in matcher/subsidy/rules.py that only the database-backed claim tests
reached (eval/results/mutation.md); expected values are literals from the notice and the policy
files (太原 pays 企业 directly; 吕梁 also 个体工商户)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from data.policy_loader import load_city_policy
from matcher.subsidy.model import Step
from matcher.subsidy.records import EnrollmentFacts, HireFact
from matcher.subsidy.rules import (
    REFUSED,
    TO_ENTERPRISE,
    TO_WORKER,
    decide_no_duplicate,
    duplicate_key,
    employer_hire,
    employer_route,
    fee_capped,
    organised_by_employer,
    refusal,
)
from matcher.types import PastClaim
from tests.subsidy_factories import CARER, EMPLOYER, order_record, programme_record

TAIYUAN = load_city_policy("1401").at(dt.date(2024, 5, 6))
LVLIANG = load_city_policy("1411").at(dt.date(2024, 5, 6))
# the factory's course runs 2024-05-06 … 2024-05-25
COURSE = programme_record()


def hire(
    start: dt.date, end: dt.date | None = None, *, order_id: str | None = "O1", name: str = "别家公司"
) -> HireFact:
    return HireFact(
        id=7, employer_name=name, employer_kind="企业", start_date=start, end_date=end, order_id=order_id
    )


@pytest.mark.parametrize(
    ("start", "end", "covers"),
    [
        (dt.date(2024, 5, 25), None, True),  # starts on the course's last day
        (dt.date(2024, 5, 26), None, False),  # starts after the course
        (dt.date(2024, 1, 1), dt.date(2024, 5, 6), True),  # ends on the course's first day
        (dt.date(2024, 1, 1), dt.date(2024, 5, 5), False),  # ended before the course
        (dt.date(2024, 5, 10), dt.date(2024, 5, 12), True),  # inside the course
    ],
)
def test_a_hire_covers_the_course_when_the_dates_overlap(start, end, covers) -> None:  # type: ignore[no-untyped-def]
    h = hire(start, end)
    assert (employer_hire(order_record(), COURSE, [h]) is h) is covers


def test_the_hire_is_the_order_employers_by_order_or_by_name() -> None:
    by_name = hire(dt.date(2024, 5, 1), order_id=None, name=EMPLOYER)
    other = hire(dt.date(2024, 5, 1), order_id="O2")
    assert employer_hire(order_record(), COURSE, [by_name]) is by_name
    assert employer_hire(order_record(), COURSE, [other]) is None
    # the first covering hire is returned, not the last
    late = hire(dt.date(2024, 5, 2))
    assert employer_hire(order_record(), COURSE, [by_name, late]) is by_name
    assert employer_hire(order_record(), COURSE, []) is None


def test_what_counts_as_the_employers_own_training() -> None:
    assert organised_by_employer(order_record(), COURSE) == "订单关联的培训项目"
    own_centre = programme_record(programme_id="P7", owner_employer=EMPLOYER)
    assert organised_by_employer(order_record(), own_centre) == "企业自有培训机构"
    elsewhere = programme_record(programme_id="P7", owner_employer="另一企业")
    assert organised_by_employer(order_record(), elsewhere) is None
    assert organised_by_employer(order_record(), programme_record(programme_id="P7")) is None
    # another occupation: not the employer's training, even when linked
    assert organised_by_employer(order_record(occupation_code=CARER), COURSE) is None
    # an institution with no owner and an order of an employer with an empty name do not match
    nameless = order_record(programme_id=None, employer_name="")
    assert organised_by_employer(nameless, programme_record(owner_employer=None)) is None


def enrollment(fee_payer: str | None) -> EnrollmentFacts:
    return EnrollmentFacts(id=3, status="completed", completed=True, fee_payer=fee_payer)


COVERING = (hire(dt.date(2024, 5, 1)),)


@pytest.mark.parametrize(
    ("order", "payer", "hires", "route", "reason"),
    [
        (order_record(), "employer", COVERING, TO_ENTERPRISE,
         f"{EMPLOYER}吸纳您就业并直接组织培训、承担培训成本（订单关联的培训项目），职业培训补贴直补企业"),
        (order_record(), "worker", COVERING, TO_WORKER,
         f"培训费用由本人缴纳，补贴发给本人（{EMPLOYER}未承担培训成本）"),
        (order_record(), "employer", (), REFUSED, f"未查到{EMPLOYER}录用您的记录，不能直补企业"),
        (order_record(), None, COVERING, REFUSED, "报名记录未登记培训费用由谁承担，不能直补企业"),
        (order_record(kind="个体工商户"), "employer", COVERING, REFUSED,
         "用人单位承担培训成本，您无需缴费；按太原市规定，该培训补贴不直补个体工商户"),
        (None, "employer", (), REFUSED,
         "培训费用由用人单位承担，但未关联用人单位组织培训的订单，个人不能申领"),
        (None, "worker", (), TO_WORKER, ""),
        (order_record(employer_trains=False), None, (), TO_WORKER, ""),
        (order_record(occupation_code=CARER), "employer", COVERING, REFUSED,
         f"{EMPLOYER}订单的职业与本课程不同，不能直补企业；培训费用由企业承担，个人也不能申领"),
        (order_record(programme_id="P9"), "worker", COVERING, TO_WORKER,
         f"本课程不是{EMPLOYER}组织的培训（既非订单关联项目，也非企业自有培训机构），补贴按个人申领"),
    ],
)  # fmt: skip
def test_claim_route_on_recorded_payer_and_hire(order, payer, hires, route, reason) -> None:  # type: ignore[no-untyped-def]
    got, why, facts = employer_route(TAIYUAN, COURSE, order, enrollment=enrollment(payer), hires=hires)
    assert (got, why) == (route, reason)
    assert dict(facts)["fee_payer"] == payer


def test_claim_route_records_the_hire_it_found() -> None:
    _, _, facts = employer_route(
        TAIYUAN, COURSE, order_record(), enrollment=enrollment("employer"), hires=COVERING
    )
    got = dict(facts)
    assert (got["hire_id"], got["order_id"], got["employer_kind"], got["organised_by_employer"]) == (
        7, "O1", "企业", "订单关联的培训项目",
    )  # fmt: skip
    assert got["employer_trains"] is True


def test_lvliang_pays_a_sole_proprietor_directly_taiyuan_does_not() -> None:
    order = order_record(kind="个体工商户")
    assert employer_route(LVLIANG, COURSE, order)[0] == TO_ENTERPRISE
    assert employer_route(TAIYUAN, COURSE, order)[0] == REFUSED


def test_a_refusal_carries_the_refusing_step() -> None:
    first = Step("scope", "九", True, "您属于农民工职业培训补贴对象")
    step = Step(
        "catalogue", "十", False, "哲学研究人员（2-01-01-00）不在太原市职业培训补贴职业（工种）目录内"
    )
    d = refusal("training", TAIYUAN, step, [first, step], fee=800)
    assert (d.kind, d.eligible, d.rule, d.clause, d.fee) == ("training", False, "catalogue", "十", 800)
    assert d.reasons == (step.reason,) and d.reason == step.reason
    assert d.steps == (first, step)
    assert (d.rule_version, d.policy_hash) == (TAIYUAN.rule_version, TAIYUAN.content_hash)
    assert d.rule_version and d.policy_hash


def test_the_fee_cap_step_applies_only_above_the_fee() -> None:
    """十 (the city's cap_at_fee): 1200 元 on an 800 元 course is capped at 800; at exactly the fee,
    no cap step."""
    step = fee_capped(1200, programme_record(fee=800), TAIYUAN)
    assert step == Step(
        "fee_cap", "十", True, "补贴不超过实际培训费800元", (("fee", 800), ("uncapped_amount", 1200)), 800
    )
    assert fee_capped(800, programme_record(fee=800), TAIYUAN) is None
    assert fee_capped(799, programme_record(fee=800), TAIYUAN) is None
    assert fee_capped(1200, programme_record(fee=800), dataclasses.replace(TAIYUAN, cap_at_fee=False)) is None


def test_the_duplicate_key_follows_the_citys_reading() -> None:
    by_type = dataclasses.replace(TAIYUAN, duplicate_by="work_type")
    by_occupation = dataclasses.replace(TAIYUAN, duplicate_by="occupation")
    assert duplicate_key(by_type, "4-10-01-01", "育婴员") == "4-10-01-01/育婴员"
    assert duplicate_key(by_type, "4-10-01-01", None) == "4-10-01-01"
    assert duplicate_key(by_occupation, "4-10-01-01", "育婴员") == "4-10-01-01"


def test_the_duplicate_step_names_its_key_and_the_claims_it_found() -> None:
    by_type = dataclasses.replace(TAIYUAN, duplicate_by="work_type")
    claims = (PastClaim("4-10-01-01", 5, 2024, "training", "育婴员"),)
    step = decide_no_duplicate(
        claims, by_type, occupation_code="4-10-01-01", work_type="育婴员", level=5, year=2024
    )
    assert (step.rule, step.clause, step.eligible) == ("no_duplicate", "十", False)
    assert (
        step.reason
        == "您2024年已享受过4-10-01-01初级工的培训补贴，同一年度同一职业（工种）的同一等级不可重复申领"
    )
    assert step.facts == (
        ("duplicate_key", "4-10-01-01/育婴员"),
        ("duplicate_by", "work_type"),
        ("event_year", 2024),
        ("same_year_claims", 1),
        ("same_year_claim_kinds", ("training",)),
    )
    fresh = decide_no_duplicate(
        (), by_type, occupation_code="4-10-01-01", work_type="育婴员", level=5, year=2024, label="育婴员"
    )
    assert (fresh.eligible, fresh.reason) == (True, "您2024年尚未享受过育婴员初级工的培训补贴")
