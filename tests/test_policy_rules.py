"""The recommender's subsidy estimate, each rule tested from the notice's wording (晋人社办发〔2024〕2号,
clauses 九 and 十).

Golden amounts are literals worked out by hand from the shipped example files:

- 太原 1401/2024.1: 初级工 1200, 中级工 1600, 高级工 2000 元; 岗前培训 at 80%; paid on certification;
  living allowance 50 元 a day, cap 1500, counted as training days (the lesser of calendar days and
  hours ÷ 8); 直补企业 for 企业 only.
- 吕梁 1411/2024.1: 初级工 1000 元; paid on completion; living allowance 40 元 a day (hours ÷ 8),
  cap 1200, 线下 only; 直补企业 for 企业 and 个体工商户.

The factory course: 砌筑工 初级, 2024-05-06 to 2024-05-25 (20 calendar days), 120 hours (15 days of
8 hours), fee 1500 元 unless stated.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data.policy_loader import load_city_policy
from matcher.subsidy import (
    CertificationRule,
    EnterpriseDirectRule,
    ScopeRule,
    SubsidyDecision,
    estimate_support,
)
from matcher.types import PastClaim
from tests.subsidy_factories import (
    BRICKLAYER,
    CARER,
    EMPLOYER,
    NANNY,
    PHILOSOPHER,
    order_record,
    programme_record,
    worker_record,
)

TAIYUAN = load_city_policy("1401").at(dt.date(2024, 5, 6))
LVLIANG = load_city_policy("1411").at(dt.date(2024, 5, 6))
GROUPS = ("脱贫劳动力", "防返贫监测对象", "就业困难人员", "零就业家庭成员")
GRADUATES = ("未升学应届初高中毕业生(农村)", "未升学应届初高中毕业生(城市低保)")


def money(d: SubsidyDecision) -> tuple[int, int, int, int]:
    """(to the worker, to the employer, worker's net cost, what the worker pays before the course)."""
    return d.to_worker, d.to_employer, d.net_cost, d.upfront


# -- 职业培训补贴 (clause 九) -------------------------------------------------------------------


def test_migrant_worker_in_a_listed_occupation_gets_the_training_subsidy() -> None:
    """九: "农民工参加职业技能培训，符合条件的按规定给予职业培训补贴。"

    太原 pays 1200 元 for 砌筑工 初级 after certification: the worker pays the 3000 元 fee first and
    gets 1200 back once certified."""
    d = estimate_support(worker_record(), programme_record(fee=3000), TAIYUAN)
    assert money(d) == (1200, 0, 1800, 3000)
    assert (d.training_subsidy, d.refund, d.payee, d.paid_on) == (1200, 1200, "worker", "certification")
    assert d.condition == "取得证书后发放"
    assert d.reasons[0] == "属于太原市补贴职业（工种），可享职业培训补贴1200元（取得证书后发放）"
    assert d.rule_version == "1401/2024.1" and len(d.policy_hash) == 64


@pytest.mark.parametrize(
    ("employer_kind", "groups", "phrase"),
    [
        ("个体工商户", (), "您在个体工商户就业，按规定纳入职业培训补贴范围"),
        ("民办非企业单位", (), "您在民办非企业单位就业，按规定纳入职业培训补贴范围"),
        (None, ("灵活就业人员",), "您是灵活就业农民工，按规定纳入职业培训补贴范围"),
    ],
)
def test_flexible_workers_and_hires_of_small_employers_are_in_scope(
    employer_kind: str | None, groups: tuple[str, ...], phrase: str
) -> None:
    """九: "个体工商户用工、民办非企业单位用工以及灵活就业农民工，可按规定纳入职业培训补贴范围。"

    Even where a city (with a stated override) narrows the scope to listed groups, these stay in."""
    narrowed = dataclasses.replace(
        TAIYUAN, scope=ScopeRule(groups=frozenset({"脱贫劳动力"}), override="示例")
    )
    inside = estimate_support(
        worker_record(employer_kind=employer_kind, groups=groups), programme_record(), narrowed
    )
    assert money(inside) == (1200, 0, 300, 1500)
    assert inside.steps[0].rule == "scope" and inside.steps[0].reason == phrase
    outside = estimate_support(worker_record(), programme_record(), narrowed)
    assert money(outside) == (0, 0, 1500, 1500) and outside.rule == "scope"


def test_worker_outside_the_city_age_range_is_refused() -> None:
    """九 "符合条件的按规定给予": 太原's conditions include 16–60 years at the start of training."""
    d = estimate_support(worker_record(birth_year=1960), programme_record(), TAIYUAN)
    assert money(d) == (0, 0, 1500, 1500) and d.payee == "none"
    assert d.reasons[0] == "太原市职业培训补贴对象年龄为16至60周岁，您参加培训时64岁，不在补贴范围内"


# -- the city's list of occupations and amounts (clause 十) ------------------------------------


def test_occupation_outside_the_city_list_gets_nothing() -> None:
    """十: "各市人力资源社会保障部门可商财政部门动态调整职业培训补贴的职业（工种）范围"."""
    d = estimate_support(worker_record(), programme_record(occupation_code=PHILOSOPHER), TAIYUAN)
    assert money(d) == (0, 0, 1500, 1500)
    assert (d.rule, d.clause) == ("catalogue", "十")


@pytest.mark.parametrize(
    ("level", "training_type", "paid"),
    [(4, "就业技能培训", 1600), (3, "就业技能培训", 2000), (5, "岗前培训", 960), (1, "就业技能培训", 0)],
)
def test_amount_depends_on_level_and_training_type(level: int, training_type: str, paid: int) -> None:
    """十: "…调整职业培训补贴标准" — 太原 pays by level; 岗前培训 at 80% (1200 × 80% = 960); no
    amount for 高级技师."""
    d = estimate_support(
        worker_record(), programme_record(level=level, training_type=training_type, fee=5000), TAIYUAN
    )
    assert money(d) == (paid, 0, 5000 - paid, 5000)


def test_work_type_restriction_of_an_occupation() -> None:
    """十: the range is set by 职业（工种）: 婴幼儿发展引导员 is listed only for its 工种 育婴员."""
    ok = estimate_support(
        worker_record(), programme_record(occupation_code=NANNY, work_type="育婴员"), TAIYUAN
    )
    other = estimate_support(worker_record(), programme_record(occupation_code=NANNY), TAIYUAN)
    assert money(ok) == (1200, 0, 300, 1500)
    assert money(other) == (0, 0, 1500, 1500)


def test_subsidy_never_exceeds_the_fee() -> None:
    d = estimate_support(worker_record(), programme_record(fee=800), TAIYUAN)
    assert money(d) == (800, 0, 0, 800) and "补贴不超过实际培训费800元" in d.reasons


def test_subsidy_after_certification_follows_the_city_rule() -> None:
    """十: "鼓励农民工培训后参加职业技能评价，对取得职业资格证书或职业技能等级证书的，按规定落实补贴政策。"

    太原 pays on certification: a course without a certificate gets nothing; 吕梁 pays on completion
    (1000 元); a 太原 variant paying 50% without a certificate pays 600 元."""
    no_cert = programme_record(certificate=None)
    assert money(estimate_support(worker_record(), no_cert, TAIYUAN)) == (0, 0, 1500, 1500)
    lvliang = estimate_support(worker_record(), no_cert, LVLIANG)
    assert money(lvliang) == (1000, 0, 500, 1500) and lvliang.paid_on == "completion"
    assert lvliang.condition == "结业后发放"
    half = dataclasses.replace(TAIYUAN, certification=CertificationRule(uncertified_percent=50))
    assert money(estimate_support(worker_record(), no_cert, half)) == (600, 0, 900, 1500)


# -- no duplicate (clause 十) -------------------------------------------------------------------


def test_same_occupation_level_and_year_cannot_be_claimed_twice() -> None:
    """十: "同一年度同一职业（工种）的同一等级不可重复申领培训补贴（含参保职工技能提升补贴）。" """
    past = (PastClaim(BRICKLAYER, 5, 2024, "training"),)
    d = estimate_support(worker_record(past_claims=past), programme_record(), TAIYUAN)
    assert money(d) == (0, 0, 1500, 1500) and d.rule == "no_duplicate"
    assert "同一年度同一职业（工种）的同一等级不可重复申领" in d.reasons[0]


def test_the_year_is_the_year_the_course_ends() -> None:
    """十: "同一年度" — the year of the subsidised event: a course ending on 2025-01-10 counts for
    2025, whatever day it is claimed."""
    past = (PastClaim(BRICKLAYER, 5, 2024, "training"),)
    winter = programme_record(start=dt.date(2024, 12, 20), end=dt.date(2025, 1, 10))
    assert money(estimate_support(worker_record(past_claims=past), winter, TAIYUAN)) == (1200, 0, 300, 1500)


def test_different_level_and_evaluation_subsidy_do_not_block() -> None:
    """十: only "同一等级" is barred, and the bracket "（含参保职工技能提升补贴）" names only the
    skill-upgrade subsidy: an evaluation subsidy (评价补贴) of the same year does not block."""
    past = (PastClaim(BRICKLAYER, 5, 2024, "training"), PastClaim(BRICKLAYER, 4, 2024, "certification"))
    d = estimate_support(worker_record(past_claims=past), programme_record(level=4, fee=5000), TAIYUAN)
    assert money(d) == (1600, 0, 3400, 5000)


def test_skill_upgrade_subsidy_counts_toward_the_duplicate_rule() -> None:
    """十: "不可重复申领培训补贴（含参保职工技能提升补贴）"; living allowance does not count."""
    upgrade = (PastClaim(BRICKLAYER, 5, 2024, "skill_upgrade"),)
    assert money(estimate_support(worker_record(past_claims=upgrade), programme_record(), TAIYUAN))[0] == 0
    living = (PastClaim(BRICKLAYER, 5, 2024, "living"),)
    assert money(estimate_support(worker_record(past_claims=living), programme_record(), TAIYUAN))[0] == 1200


@pytest.mark.parametrize(
    ("duplicate_by", "past_work_type", "paid"),
    [
        ("work_type", "瓦屋面工", 1200),  # another 工种 of 砌筑工: a different 职业（工种）
        ("work_type", None, 0),  # a past claim that named no 工种 counts as the same
        ("work_type", "建筑瓦工", 0),
        ("occupation", "瓦屋面工", 0),  # read by occupation code, every 工种 is one
    ],
)
def test_what_occupation_work_type_means_is_a_city_setting(
    duplicate_by: str, past_work_type: str | None, paid: int
) -> None:
    """十: "同一职业（工种）" — by 工种 (the notice's wording, the default) or by occupation code."""
    policy = dataclasses.replace(TAIYUAN, duplicate_by=duplicate_by)
    past = (PastClaim(BRICKLAYER, 5, 2024, "training", past_work_type),)
    course = programme_record(work_type="建筑瓦工")
    d = estimate_support(worker_record(past_claims=past), course, policy)
    assert money(d) == (paid, 0, 1500 - paid, 1500)


# -- living allowance (clause 九) ---------------------------------------------------------------


@pytest.mark.parametrize("group", GROUPS)
def test_living_allowance_groups(group: str) -> None:
    """九: "脱贫（含防返贫监测对象）、就业困难、零就业家庭的农民工 … 在培训期间可按规定给予生活费补贴。"

    太原: 15 training days (120 hours ÷ 8, within 20 calendar days) × 50 元 = 750 元."""
    d = estimate_support(worker_record(groups=(group,)), programme_record(), TAIYUAN)
    assert money(d) == (1200 + 750, 0, 300, 1500)
    assert (d.living_allowance, d.living_days, d.day_count) == (750, 15, "training_days")
    assert d.day_basis == "按实际培训天数：日历20天、课程120学时÷每天8学时=15天，取15天"
    assert any(group in r and "生活费补贴" in r for r in d.reasons)


@pytest.mark.parametrize("group", GRADUATES)
def test_fresh_graduates_count_for_their_own_cohort_only(group: str) -> None:
    """九: "城乡未继续升学应届初高中毕业生中的农村学员和城市低保家庭学员" — 应届 means one cohort:
    太原 counts a graduate for 12 months from 1 June of the graduation year. A 2023 graduate
    starting on 2024-05-06 gets 750 元; a 2022 graduate, one without a recorded year (the
    1985-born "应届" of the audit) or a 2024 graduate still at school get none."""
    course = programme_record()
    assert (
        estimate_support(
            worker_record(groups=(group,), graduation_year=2023), course, TAIYUAN
        ).living_allowance
        == 750
    )
    for year, born in ((2022, 2006), (None, 1985), (2024, 2008)):
        d = estimate_support(
            worker_record(groups=(group,), graduation_year=year, birth_year=born), course, TAIYUAN
        )
        assert money(d) == (1200, 0, 300, 1500) and d.living_allowance == 0


def test_no_living_allowance_for_others_online_or_unsubsidised_training() -> None:
    """九: the allowance is for the listed groups, "在培训期间" (attended), on subsidised training."""
    returnee = estimate_support(worker_record(groups=("返乡农民工",)), programme_record(), TAIYUAN)
    assert returnee.living_allowance == 0
    poor = worker_record(groups=("脱贫劳动力",))
    online = estimate_support(poor, programme_record(delivery="线上"), TAIYUAN)
    assert money(online) == (1200, 0, 300, 1500) and "线上培训不发放生活费补贴" in online.reasons
    unlisted = estimate_support(poor, programme_record(occupation_code=PHILOSOPHER), TAIYUAN)
    assert money(unlisted) == (0, 0, 1500, 1500)
    assert "本次培训不属于补贴性职业培训，不发放生活费补贴" in unlisted.reasons


@pytest.mark.parametrize(
    ("day_count", "hours", "days", "allowance"),
    [
        ("calendar", 120, 20, 1000),  # every day from 5-06 to 5-25
        ("training_days", 120, 15, 750),  # min(20, 120 ÷ 8)
        ("hours", 100, 12, 600),  # 100 ÷ 8 = 12 whole days
        ("training_days", 480, 20, 1000),  # 60 days of hours, but only 20 calendar days
    ],
)
def test_day_count_follows_the_city_rule(day_count: str, hours: int, days: int, allowance: int) -> None:
    """九 "在培训期间可按规定给予": the city says how the days of training are counted."""
    policy = dataclasses.replace(TAIYUAN, living=dataclasses.replace(TAIYUAN.living, day_count=day_count))
    d = estimate_support(worker_record(groups=("脱贫劳动力",)), programme_record(hours=hours), policy)
    assert (d.living_days, d.living_allowance, d.to_worker) == (days, allowance, 1200 + allowance)


def test_living_allowance_is_capped() -> None:
    """太原 caps the allowance at 1500 元 a course: 60 days × 50 = 3000 → 1500."""
    long = programme_record(end=dt.date(2024, 7, 30), hours=480)
    d = estimate_support(worker_record(groups=("就业困难人员",)), long, TAIYUAN)
    assert (d.living_allowance, d.living_days) == (1500, 60)


# -- enterprise direct subsidy (clause 九) ------------------------------------------------------


def test_enterprise_that_trains_its_hire_in_its_own_course_is_paid_directly() -> None:
    """九: "对于企业吸纳农民工就业，直接组织其培训且承担培训成本的，可按规定将培训补贴直补企业。"

    The order's course (linked to the order) for its own occupation: 1200 元 to the enterprise, the
    worker pays nothing, the enterprise bears 3000 − 1200 = 1800 元."""
    d = estimate_support(worker_record(), programme_record(fee=3000), TAIYUAN, order_record())
    assert money(d) == (0, 1200, 0, 0)
    assert (d.payee, d.payee_name, d.employer_cost) == ("enterprise", EMPLOYER, 1800)
    assert d.condition == f"须由{EMPLOYER}录用并承担培训费用，取得证书后发放"
    assert "直补企业" in d.reasons[0] and "订单关联的培训项目" in d.reasons[0]


def test_enterprise_training_centre_counts_as_organised_by_the_enterprise() -> None:
    """九 "直接组织其培训": a course at the enterprise's own training centre, not linked to the order."""
    own = programme_record(fee=3000, programme_id="P7", owner_employer=EMPLOYER)
    assert money(estimate_support(worker_record(), own, TAIYUAN, order_record())) == (0, 1200, 0, 0)


@pytest.mark.parametrize(
    "order",
    [
        order_record(occupation_code=CARER),  # the order is for 养老护理员, the course is 砌筑工
        order_record(programme_id="P9"),  # the order links another course, at another institution
    ],
)
def test_a_course_the_enterprise_does_not_organise_is_paid_to_the_worker(order) -> None:  # type: ignore[no-untyped-def]
    """九: only an enterprise that "直接组织其培训且承担培训成本" is paid directly; otherwise the
    worker pays the course and the subsidy is the worker's."""
    d = estimate_support(worker_record(), programme_record(fee=3000), TAIYUAN, order)
    assert money(d) == (1200, 0, 1800, 3000) and d.payee == "worker"
    assert "补贴按个人申领" in d.reasons[0]


def test_enterprise_direct_follows_the_city_rule() -> None:
    """九 "可按规定": 太原 does not pay a 个体工商户 directly (it bears the whole fee, the worker pays
    nothing); 吕梁 does (1000 元); a city may switch direct payment off."""
    shop = order_record(kind="个体工商户")
    taiyuan = estimate_support(worker_record(), programme_record(), TAIYUAN, shop)
    assert money(taiyuan) == (0, 0, 0, 0) and taiyuan.employer_cost == 1500 and taiyuan.payee == "none"
    lvliang = estimate_support(worker_record(), programme_record(), LVLIANG, shop)
    assert money(lvliang) == (0, 1000, 0, 0) and lvliang.employer_cost == 500
    off = dataclasses.replace(TAIYUAN, enterprise_direct=EnterpriseDirectRule(enabled=False))
    assert money(estimate_support(worker_record(), programme_record(), off, order_record())) == (0, 0, 0, 0)


def test_fee_advanced_by_the_institution() -> None:
    """A city where the institution advances the fee (机构垫付): the worker pays only 1500 − 1200 =
    300 元 before the course, nothing comes back, and the subsidy goes to the institution."""
    policy = dataclasses.replace(
        TAIYUAN, certification=dataclasses.replace(TAIYUAN.certification, fee_advance="institution")
    )
    d = estimate_support(worker_record(), programme_record(), policy)
    assert money(d) == (0, 0, 300, 300) and (d.payee, d.payee_name, d.refund) == (
        "institution",
        "示例学校",
        0,
    )


# -- properties of the engine ---------------------------------------------------------------


def test_subsidy_core_is_pure() -> None:
    """matcher/ stays numpy-and-stdlib: importing the subsidy package loads no database, web, faiss
    or torch module."""
    code = (
        "import sys, matcher.subsidy, matcher.subsidy.risk, matcher.subsidy.places; "
        "heavy = ('sqlalchemy', 'fastapi', 'faiss', 'torch', 'pydantic', 'click', 'numpy', 'polars'); "
        "print(','.join(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_public_surface_of_the_subsidy_package() -> None:
    import matcher.subsidy as subsidy

    assert subsidy.__all__ == sorted(subsidy.__all__)
    assert all(hasattr(subsidy, name) for name in subsidy.__all__)


@settings(max_examples=80, deadline=None)
@given(
    fee=st.integers(0, 20_000),
    level=st.sampled_from([0, 5, 4, 3, 2, 1]),
    groups=st.sets(st.sampled_from(GROUPS + ("返乡农民工",)), max_size=2),
    occupation=st.sampled_from([BRICKLAYER, CARER, PHILOSOPHER]),
    trains=st.booleans(),
    days=st.integers(0, 120),
)
def test_estimate_invariants(
    fee: int, level: int, groups: set[str], occupation: str, trains: bool, days: int
) -> None:
    """The worker's net cost is the fee less what the worker receives for the course (never below
    0); what the employer bears plus the worker's cost plus the subsidy is the fee; the subsidy
    never exceeds the fee nor the allowance its cap; the same input gives the same output."""
    programme = programme_record(
        fee=fee,
        level=level,
        occupation_code=occupation,
        end=dt.date(2024, 5, 6) + dt.timedelta(days=days),
        hours=8 * (days + 1),
    )
    worker = worker_record(groups=tuple(sorted(groups)))
    order = order_record(employer_trains=trains, occupation_code=occupation)
    d = estimate_support(worker, programme, TAIYUAN, order)
    assert d == estimate_support(worker, programme, TAIYUAN, order)
    assert 0 <= d.training_subsidy <= fee and 0 <= d.living_allowance <= 1500
    assert d.net_cost + d.employer_cost + d.training_subsidy == fee
    assert d.upfront >= d.net_cost >= 0 and d.refund == d.upfront - d.net_cost
    assert (d.payee == "none") == (d.training_subsidy == 0)
    assert all(isinstance(r, str) and r for r in d.reasons)
