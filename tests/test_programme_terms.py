"""A programme's worker-independent subsidy terms (matcher.subsidy.amounts.programme_terms), with
literal amounts from 太原's policy file: 砌筑工 level 5 pays 1,200 on certification (nothing
without a certificate), capped at the fee; the living allowance is 50 a day up to 1,500, for
线下 and 混合 courses, counted in training days (hours ÷ 8, at most the calendar days).

Written for the surviving mutants of programme_terms (eval/results/mutation.md): the ranking
prices pathways with these terms, and the only other check of them was the property test."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from data.policy_loader import load_city_policy
from matcher.subsidy import (
    CertificationRule,
    EnterpriseDirectRule,
    PolicyAmounts,
    priced_support,
    programme_terms,
)
from matcher.subsidy.model import Step
from matcher.subsidy.policy import LevelAmounts, OccupationRule
from matcher.subsidy.rules import (
    decide_catalogue,
    decide_no_duplicate,
    decide_payment_basis,
    decide_scope,
    employer_route,
    join_cn,
    level_name,
    scope_failure,
)
from matcher.types import PastClaim
from tests.subsidy_factories import (
    BRICKLAYER,
    EMPLOYER,
    NANNY,
    PHILOSOPHER,
    order_record,
    programme_record,
    worker_record,
)

TAIYUAN = load_city_policy("1401").at(dt.date(2024, 5, 6))


def _living(**changes: int) -> object:
    return dataclasses.replace(TAIYUAN, living=dataclasses.replace(TAIYUAN.living, **changes))


@pytest.mark.parametrize(
    ("hours", "living", "days"),
    [
        (120, 750, 15),  # 120 h ÷ 8 = 15 days of the course's 20 calendar days, × 50
        (200, 1000, 20),  # 25 days by the hours, but the course has 20 calendar days
        (8, 50, 1),  # one day
        (7, 0, 0),  # under a day: no allowance and no days
    ],
)
def test_the_allowance_is_fifty_a_training_day(hours: int, living: int, days: int) -> None:
    terms = programme_terms(programme_record(hours=hours), TAIYUAN)
    assert (terms.subsidy, terms.living, terms.living_days) == (1200, living, days)


def test_the_allowance_stops_at_the_citys_cap() -> None:
    terms = programme_terms(programme_record(hours=120), _living(cap=1))  # type: ignore[arg-type]
    assert (terms.living, terms.living_days) == (1, 15)
    terms = programme_terms(programme_record(hours=120), _living(cap=700))  # type: ignore[arg-type]
    assert (terms.living, terms.living_days) == (700, 15)


def test_one_yuan_a_day_is_still_an_allowance() -> None:
    terms = programme_terms(programme_record(hours=120), _living(per_day=1))  # type: ignore[arg-type]
    assert (terms.living, terms.living_days) == (15, 15)


@pytest.mark.parametrize("changes", [{"per_day": 0}, {"cap": 0}])
def test_a_city_without_an_allowance_counts_no_days(changes: dict[str, int]) -> None:
    terms = programme_terms(programme_record(hours=120), _living(**changes))  # type: ignore[arg-type]
    assert (terms.living, terms.living_days) == (0, 0)


def test_an_online_course_has_no_allowance_but_keeps_its_subsidy() -> None:
    terms = programme_terms(programme_record(delivery="线上"), TAIYUAN)
    assert (terms.subsidy, terms.living, terms.living_days) == (1200, 0, 0)


@pytest.mark.parametrize(("fee", "subsidy"), [(100, 100), (1200, 1200), (1201, 1200), (1500, 1200)])
def test_the_subsidy_is_capped_at_the_fee(fee: int, subsidy: int) -> None:
    assert programme_terms(programme_record(fee=fee), TAIYUAN).subsidy == subsidy


def test_a_course_without_a_certificate_is_paid_only_where_the_city_pays_part() -> None:
    assert programme_terms(programme_record(certificate=None), TAIYUAN).subsidy is None
    half = dataclasses.replace(
        TAIYUAN, certification=CertificationRule(pay_on="certification", uncertified_percent=50)
    )
    assert programme_terms(programme_record(certificate=None), half).subsidy == 600
    assert programme_terms(programme_record(), half).subsidy == 1200


# -- priced_support: the worker's and the order's part, on the same terms -------------------------

COURSE = programme_record(hours=120)  # P1: fee 1,500, subsidy 1,200, allowance 750 over 15 days


def _priced(worker: object = None, order: object = None, policy: object = TAIYUAN, **course: object):  # type: ignore[no-untyped-def]
    programme = programme_record(hours=120, **course) if course else COURSE  # type: ignore[arg-type]
    terms = programme_terms(programme, policy)  # type: ignore[arg-type]
    return priced_support(worker or worker_record(), terms, order)  # type: ignore[arg-type]


def _money(d) -> tuple[object, ...]:  # type: ignore[no-untyped-def]
    return (d.training_subsidy, d.payee, d.payee_name, d.upfront, d.net_cost, d.employer_cost, d.eligible)


def test_a_worker_who_pays_gets_the_subsidy_back() -> None:
    d = _priced()
    assert _money(d) == (1200, "worker", None, 1500, 300, 0, True)
    assert (d.living_allowance, d.living_days, d.day_count, d.paid_on) == (0, 0, "", "certification")


def test_an_employer_that_trains_its_hire_is_paid_directly() -> None:
    d = _priced(order=order_record())
    assert _money(d) == (1200, "enterprise", EMPLOYER, 0, 0, 300, True)
    assert d.employer_pays is True


def test_a_sole_proprietor_in_taiyuan_trains_at_its_own_cost() -> None:
    d = _priced(order=order_record(kind="个体工商户"))
    assert _money(d) == (0, "none", None, 0, 0, 1500, False)


def test_without_direct_payment_the_employer_bears_the_fee() -> None:
    policy = dataclasses.replace(TAIYUAN, enterprise_direct=EnterpriseDirectRule(enabled=False))
    d = _priced(order=order_record(), policy=policy)
    assert _money(d) == (0, "none", None, 0, 0, 1500, False)


def test_an_order_that_does_not_train_in_this_course_leaves_the_worker_case() -> None:
    for order in (order_record(programme_id="P9"), order_record(employer_trains=False)):
        assert _money(_priced(order=order)) == (1200, "worker", None, 1500, 300, 0, True)


def test_a_one_yuan_course_is_still_paid() -> None:
    one = _priced(fee=1)
    assert _money(one) == (1, "worker", None, 1, 0, 0, True)
    assert (one.paid_on, one.kind) == ("certification", "estimate")
    assert _money(_priced(order=order_record(), fee=1)) == (1, "enterprise", EMPLOYER, 0, 0, 0, True)


def test_the_allowance_goes_to_a_priority_group_only() -> None:
    poor = _priced(worker_record(groups=("脱贫劳动力",)))
    assert (poor.living_allowance, poor.living_days, poor.day_count) == (750, 15, "training_days")
    assert _priced(worker_record(groups=("返乡农民工",))).living_allowance == 0


def test_a_one_yuan_allowance_is_still_paid() -> None:
    policy = dataclasses.replace(TAIYUAN, living=dataclasses.replace(TAIYUAN.living, cap=1))
    d = _priced(worker_record(groups=("脱贫劳动力",)), policy=policy)
    assert (d.living_allowance, d.living_days) == (1, 15)


GRADUATE = "未升学应届初高中毕业生(农村)"


@pytest.mark.parametrize(
    ("year", "start", "allowance"),
    [
        (2024, dt.date(2024, 6, 1), 750),  # the window's first day (1 June of the graduation year)
        (2024, dt.date(2024, 5, 31), 0),  # the day before
        (2023, dt.date(2024, 5, 31), 750),  # the window's last day (12 months on)
        (2023, dt.date(2024, 6, 1), 0),  # the day after
        (None, dt.date(2024, 6, 1), 0),  # no recorded graduation year
    ],
)
def test_a_graduate_has_an_allowance_within_the_cohort_window(
    year: int | None, start: dt.date, allowance: int
) -> None:
    worker = worker_record(groups=(GRADUATE,), graduation_year=year)
    d = _priced(worker, start=start, end=start + dt.timedelta(days=19))
    assert d.living_allowance == allowance


def test_outcomes_shared_on_one_programme_stay_apart() -> None:
    terms = programme_terms(COURSE, TAIYUAN)
    poor = priced_support(worker_record(groups=("脱贫劳动力",)), terms)
    plain = priced_support(worker_record(), terms)
    hired = priced_support(worker_record(), terms, order_record())
    other = priced_support(worker_record(), terms, order_record(employer_name="另一家建筑公司"))
    assert (poor.living_allowance, plain.living_allowance) == (750, 0)
    assert (hired.payee_name, other.payee_name) == (EMPLOYER, "另一家建筑公司")
    assert priced_support(worker_record(), terms) is plain


def test_a_claim_of_another_work_type_in_the_same_year_does_not_count() -> None:
    """太原 reads the no-duplicate rule by 工种: a 2024 claim for 打胶工 leaves 建筑瓦工 payable."""
    claim = PastClaim(BRICKLAYER, 5, 2024, "training", "打胶工")
    d = _priced(worker_record(past_claims=(claim,)), work_type="建筑瓦工")
    assert (d.training_subsidy, d.eligible) == (1200, True)
    same = PastClaim(BRICKLAYER, 5, 2024, "training", "建筑瓦工")
    assert _priced(worker_record(past_claims=(same,)), work_type="建筑瓦工").training_subsidy == 0


# -- decide_payment_basis: clause 十's certificate condition, as a step ----------------------------

BASIS_FACTS = ("pay_on", "certified", "awards_certificate", "uncertified_percent")


def _basis(amount: int, pay_on: str, percent: int, *, certified: bool | None, awards: bool) -> Step:
    policy = dataclasses.replace(
        TAIYUAN, certification=CertificationRule(pay_on=pay_on, uncertified_percent=percent)
    )
    return decide_payment_basis(amount, policy, certified=certified, awards_certificate=awards)


def test_paid_on_completion_the_certificate_does_not_matter() -> None:
    step = _basis(1200, "completion", 0, certified=False, awards=False)
    facts = tuple(zip(BASIS_FACTS, ("completion", False, False, 0), strict=True))
    assert step == Step("payment_basis", "十", True, "培训结业后即可申领职业培训补贴", facts, 1200)


@pytest.mark.parametrize(("certified", "awards"), [(None, True), (True, False), (True, True)])
def test_paid_on_certification_a_certificate_gets_the_full_amount(
    certified: bool | None, awards: bool
) -> None:
    step = _basis(1200, "certification", 0, certified=certified, awards=awards)
    reason = "取得职业资格证书或职业技能等级证书后发放职业培训补贴"
    facts = tuple(zip(BASIS_FACTS, ("certification", certified, awards, 0), strict=True))
    assert step == Step("payment_basis", "十", True, reason, facts, 1200)


@pytest.mark.parametrize(
    ("certified", "why"), [(None, "本课程不颁发证书"), (False, "未取得职业资格证书或职业技能等级证书")]
)
def test_without_a_certificate_nothing_is_paid_where_the_city_pays_no_part(
    certified: bool | None, why: str
) -> None:
    step = _basis(1200, "certification", 0, certified=certified, awards=certified is False)
    reason = f"太原市职业培训补贴在取得证书后发放，{why}，不能享受"
    assert (step.rule, step.clause, step.eligible, step.reason, step.amount) == (
        "payment_basis",
        "十",
        False,
        reason,
        0,
    )
    assert [name for name, _ in step.facts] == list(BASIS_FACTS)


@pytest.mark.parametrize(
    ("amount", "percent", "paid"),
    [(1200, 50, 600), (149, 1, 1), (150, 1, 2), (1201, 50, 601)],  # half-up to the yuan
)
def test_without_a_certificate_a_part_is_paid_rounded_half_up(amount: int, percent: int, paid: int) -> None:
    step = _basis(amount, "certification", percent, certified=False, awards=True)
    reason = f"未取得职业资格证书或职业技能等级证书，按规定发放补贴标准的{percent}%，即{paid}元"
    facts = tuple(zip(BASIS_FACTS, ("certification", False, True, percent), strict=True))
    assert step == Step("payment_basis", "十", True, reason, facts, paid)


def test_a_part_that_rounds_to_nothing_is_a_refusal() -> None:
    step = _basis(49, "certification", 1, certified=False, awards=True)
    assert (step.eligible, step.amount) == (False, 0)


def test_priority_groups_are_named_with_the_chinese_enumeration_comma() -> None:
    assert join_cn(["脱贫劳动力", "防返贫监测对象"]) == "脱贫劳动力、防返贫监测对象"
    assert join_cn(["脱贫劳动力"]) == "脱贫劳动力"


# -- PolicyAmounts: the ranking's function, caching the terms ---------------------------------------


def test_the_rankings_amounts_cache_each_programmes_terms_and_see_the_order() -> None:
    amounts = PolicyAmounts(lambda p: TAIYUAN)
    terms = amounts.terms(COURSE)
    assert terms is not None and amounts.terms(COURSE) is terms
    assert terms.subsidy == 1200
    hired = amounts(worker_record(), COURSE, order_record())
    assert (hired.payee, hired.payee_name, hired.employer_cost) == ("enterprise", EMPLOYER, 300)
    assert amounts(worker_record(), COURSE).payee == "worker"


# -- decide_catalogue and decide_scope: every branch's step, literally ------------------------------

CATALOGUE_FACTS = ("occupation_code", "work_type", "level", "training_type", "level_amount", "type_percent")


def _facts(names: tuple[str, ...], *values: object) -> tuple[tuple[str, object], ...]:
    return tuple(zip(names, values, strict=True))


def test_a_listed_course_is_paid_its_level_amount() -> None:
    step = decide_catalogue(programme_record(level=4), TAIYUAN)
    reason = "砌筑工中级工属于太原市补贴职业（工种），就业技能培训补贴标准1600元"
    facts = _facts(CATALOGUE_FACTS, BRICKLAYER, None, 4, "就业技能培训", 1600, 100)
    assert step == Step("catalogue", "十", True, reason, facts, 1600)


@pytest.mark.parametrize(
    ("course", "reason", "facts"),
    [
        (
            {"occupation_code": PHILOSOPHER},
            "培训班（2-01-01-00）不在太原市职业培训补贴职业（工种）目录内",
            (PHILOSOPHER, None, 5, "就业技能培训", None, 100),
        ),
        (
            {"occupation_code": PHILOSOPHER, "work_type": "哲学研究"},
            "哲学研究（2-01-01-00）不在太原市职业培训补贴职业（工种）目录内",
            (PHILOSOPHER, "哲学研究", 5, "就业技能培训", None, 100),
        ),
        (
            {"occupation_code": NANNY},
            "太原市只补贴婴幼儿发展引导员的育婴员工种，本课程为未注明工种",
            (NANNY, None, 5, "就业技能培训", 1200, 100),
        ),
        (
            {"occupation_code": NANNY, "work_type": "保育员"},
            "太原市只补贴婴幼儿发展引导员的育婴员工种，本课程为保育员",
            (NANNY, "保育员", 5, "就业技能培训", 1200, 100),
        ),
        (
            {"level": 1},
            "太原市对砌筑工高级技师不给予职业培训补贴",
            (BRICKLAYER, None, 1, "就业技能培训", None, 100),
        ),
        (
            {"training_type": "专项能力培训"},
            "专项能力培训不在太原市职业培训补贴的培训类型内",
            (BRICKLAYER, None, 5, "专项能力培训", 1200, None),
        ),
    ],
)
def test_a_course_outside_the_citys_list_is_refused_with_its_reason(
    course: dict[str, object], reason: str, facts: tuple[object, ...]
) -> None:
    step = decide_catalogue(programme_record(**course), TAIYUAN)  # type: ignore[arg-type]
    assert step == Step("catalogue", "十", False, reason, _facts(CATALOGUE_FACTS, *facts))


def test_the_nanny_course_of_the_listed_work_type_is_paid() -> None:
    step = decide_catalogue(programme_record(occupation_code=NANNY, work_type="育婴员"), TAIYUAN)
    assert (step.eligible, step.amount) == (True, 1200)


SCOPE_FACTS = ("age", "min_age", "max_age", "employer_kind", "scope_groups")
IN_SCOPE = "您属于农民工职业培训补贴对象"


@pytest.mark.parametrize(
    ("worker", "year", "eligible", "reason", "age"),
    [
        (worker_record(), 2024, True, IN_SCOPE, 39),
        (worker_record(birth_year=1964), 2024, True, IN_SCOPE, 60),  # the oldest age in scope
        (
            worker_record(birth_year=1963),
            2024,
            False,
            "太原市职业培训补贴对象年龄为16至60周岁，您参加培训时61岁，不在补贴范围内",
            61,
        ),
        (worker_record(birth_year=2008), 2024, True, IN_SCOPE, 16),  # the youngest
        (
            worker_record(birth_year=2009),
            2024,
            False,
            "太原市职业培训补贴对象年龄为16至60周岁，您参加培训时15岁，不在补贴范围内",
            15,
        ),
        (
            worker_record(employer_kind="民办非企业单位"),
            2024,
            True,
            "您在民办非企业单位就业，按规定纳入职业培训补贴范围",
            39,
        ),
        (
            worker_record(groups=("灵活就业人员",)),
            2024,
            True,
            "您是灵活就业农民工，按规定纳入职业培训补贴范围",
            39,
        ),
    ],
)
def test_the_scope_step_says_why_the_worker_is_in_or_out(
    worker: object, year: int, eligible: bool, reason: str, age: int
) -> None:
    step = decide_scope(worker, TAIYUAN, year)  # type: ignore[arg-type]
    kind = worker.employer_kind  # type: ignore[attr-defined]
    assert step == Step("scope", "九", eligible, reason, _facts(SCOPE_FACTS, age, 16, 60, kind, ()))


def test_an_employer_kind_outside_the_scope_is_named() -> None:
    scope = dataclasses.replace(TAIYUAN.scope, employer_kinds=frozenset({"企业"}))
    policy = dataclasses.replace(TAIYUAN, scope=scope)
    worker = worker_record(employer_kind="个体工商户")
    assert scope_failure(worker, scope, 39) == "employer_kind"
    step = decide_scope(worker, policy, 2024)
    reason = "您目前在个体工商户就业，不属于太原市职业培训补贴范围"
    assert step == Step("scope", "九", False, reason, _facts(SCOPE_FACTS, 39, 16, 60, "个体工商户", ()))


def test_a_city_that_lists_groups_names_them_in_order() -> None:
    scope = dataclasses.replace(TAIYUAN.scope, groups=frozenset({"脱贫劳动力", "返乡农民工"}))
    policy = dataclasses.replace(TAIYUAN, scope=scope)
    step = decide_scope(worker_record(), policy, 2024)
    assert scope_failure(worker_record(), scope, 39) == "groups"
    assert (step.rule, step.clause, step.eligible) == ("scope", "九", False)
    assert step.reason == "太原市职业培训补贴面向脱贫劳动力、返乡农民工，您的登记信息中没有这些身份"
    assert dict(step.facts)["scope_groups"] == ("脱贫劳动力", "返乡农民工")
    assert decide_scope(worker_record(groups=("返乡农民工",)), policy, 2024).eligible is True


def test_a_worker_without_a_same_year_claim_passes_the_duplicate_step() -> None:
    step = decide_no_duplicate((), TAIYUAN, occupation_code=BRICKLAYER, work_type=None, level=5, year=2024)
    facts = (
        ("duplicate_key", BRICKLAYER),
        ("duplicate_by", "work_type"),
        ("event_year", 2024),
        ("same_year_claims", 0),
        ("same_year_claim_kinds", ()),
    )
    assert step == Step("no_duplicate", "十", True, "您2024年尚未享受过6-29-01-01初级工的培训补贴", facts)


def test_the_employer_route_records_the_orders_occupation() -> None:
    _, _, facts = employer_route(TAIYUAN, COURSE, order_record())
    assert facts == (
        ("employer_trains", True),
        ("fee_payer", None),
        ("order_id", "O1"),
        ("employer_kind", "企业"),
        ("order_occupation", BRICKLAYER),
        ("organised_by_employer", "订单关联的培训项目"),
    )


def test_a_level_outside_the_table_is_named_by_its_number() -> None:
    assert (level_name(6), level_name(5), level_name(0)) == ("6级", "初级工", "专项职业能力")


@pytest.mark.parametrize(("base", "percent", "amount"), [(1249, 1, 12), (1250, 1, 13), (1200, 80, 960)])
def test_the_catalogue_amount_is_rounded_half_up(base: int, percent: int, amount: int) -> None:
    """Level amount × training-type percent, to whole yuan half up: 12.49 → 12, 12.50 → 13."""
    rule = OccupationRule(BRICKLAYER, "砌筑工", LevelAmounts(((5, base),)))
    policy = dataclasses.replace(TAIYUAN, occupations=(rule,), training_types=(("就业技能培训", percent),))
    step = decide_catalogue(programme_record(), policy)
    assert (step.eligible, step.amount) == (True, amount)
