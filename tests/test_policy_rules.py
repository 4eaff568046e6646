"""Eligibility rules, each tested from the notice's wording (晋人社办发〔2024〕2号, clauses 九 and 十).

Amounts come from the shipped example files (太原 1401, 吕梁 1411), never from constants in code.
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
from matcher.policy import (
    CityPolicy,
    EnterpriseDirectRule,
    ScopeRule,
    decide_claim,
    decide_no_duplicate,
    estimate_support,
)
from matcher.types import PastClaim
from tests.subsidy_factories import BRICKLAYER, CARER, PHILOSOPHER, programme_record, worker_record

TAIYUAN = load_city_policy("1401").at(dt.date(2024, 5, 6))
LVLIANG = load_city_policy("1411").at(dt.date(2024, 5, 6))
LIVING_GROUPS = (
    "脱贫劳动力",
    "防返贫监测对象",
    "就业困难人员",
    "零就业家庭成员",
    "未升学应届初高中毕业生(农村)",
    "未升学应届初高中毕业生(城市低保)",
)


def _level_amount(policy: CityPolicy, code: str, level: int) -> int:
    occ = policy.occupation(code)
    assert occ is not None
    amount = occ.amounts.get(level)
    assert amount is not None
    return amount


# -- 职业培训补贴 (clause 九) -------------------------------------------------------------------


def test_migrant_worker_in_a_listed_occupation_gets_the_training_subsidy() -> None:
    """九: "农民工参加职业技能培训，符合条件的按规定给予职业培训补贴。" """
    est = estimate_support(worker_record(), programme_record(fee=3000), TAIYUAN)
    amount = _level_amount(TAIYUAN, BRICKLAYER, 5)
    assert est.training_subsidy == amount and est.payee == "worker"
    assert est.net_cost == 3000 - amount
    assert est.reasons[0].startswith(f"属于太原市补贴职业（工种），可享职业培训补贴{amount}元")
    assert est.rule_version == "1401/2024.1"


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

    Even where a city narrows the scope to listed groups, these workers stay in scope."""
    narrowed = dataclasses.replace(TAIYUAN, scope=ScopeRule(groups=frozenset({"脱贫劳动力"})))
    worker = worker_record(employer_kind=employer_kind, groups=groups)
    d = decide_claim(
        "training",
        worker,
        narrowed,
        occupation_code=BRICKLAYER,
        level=5,
        claim_year=2024,
        programme=programme_record(),
    )
    assert d.eligible
    assert d.steps[0].rule == "scope" and d.steps[0].reason == phrase
    outside = decide_claim(
        "training",
        worker_record(),
        narrowed,
        occupation_code=BRICKLAYER,
        level=5,
        claim_year=2024,
        programme=programme_record(),
    )
    assert not outside.eligible and outside.rule == "scope"


def test_worker_outside_the_city_age_range_is_refused() -> None:
    """九 "符合条件的按规定给予": the city's conditions include an age range (example 16–60)."""
    est = estimate_support(worker_record(birth_year=1960), programme_record(), TAIYUAN)
    assert est.training_subsidy == 0 and est.payee == "none"
    assert "16至60周岁" in est.reasons[0] and "64岁" in est.reasons[0]


# -- the city's list of occupations and amounts (clause 十) ------------------------------------


def test_occupation_outside_the_city_list_gets_nothing() -> None:
    """十: "各市人力资源社会保障部门可商财政部门动态调整职业培训补贴的职业（工种）范围"."""
    est = estimate_support(worker_record(), programme_record(occupation_code=PHILOSOPHER), TAIYUAN)
    assert est.training_subsidy == 0 and est.net_cost == 1500
    training = est.decisions[0]
    assert training.rule == "catalogue" and training.clause == "十"
    assert training.facts_dict()["occupation_code"] == PHILOSOPHER


def test_amount_depends_on_level_and_training_type() -> None:
    """十: "…调整职业培训补贴标准" — the standard differs by level and by training type (example:
    岗前培训 at 80%)."""
    high = estimate_support(worker_record(), programme_record(level=4, fee=5000), TAIYUAN)
    assert high.training_subsidy == _level_amount(TAIYUAN, BRICKLAYER, 4)
    pre = estimate_support(worker_record(), programme_record(training_type="岗前培训", fee=5000), TAIYUAN)
    assert pre.training_subsidy == _level_amount(TAIYUAN, BRICKLAYER, 5) * 80 // 100
    no_level = estimate_support(worker_record(), programme_record(level=1, fee=5000), TAIYUAN)
    assert no_level.training_subsidy == 0 and "高级技师不给予" in no_level.reasons[0]


def test_work_type_restriction_of_an_occupation() -> None:
    """十: the range is set by 职业（工种）: 婴幼儿发展引导员 is listed only for its 工种 育婴员."""
    ok = programme_record(occupation_code="4-10-01-01", work_type="育婴员")
    other = programme_record(occupation_code="4-10-01-01", work_type=None)
    assert estimate_support(worker_record(), ok, TAIYUAN).training_subsidy > 0
    assert estimate_support(worker_record(), other, TAIYUAN).training_subsidy == 0


def test_subsidy_never_exceeds_the_fee() -> None:
    est = estimate_support(worker_record(), programme_record(fee=800), TAIYUAN)
    assert est.training_subsidy == 800 and est.net_cost == 0
    assert "补贴不超过实际培训费800元" in est.reasons


# -- certification (clause 十) ------------------------------------------------------------------


def test_subsidy_after_certification_follows_the_city_rule() -> None:
    """十: "鼓励农民工培训后参加职业技能评价，对取得职业资格证书或职业技能等级证书的，按规定落实补贴政策。"

    太原 (example) pays on certification: nothing without a certificate. 吕梁 (example) pays on
    completion."""
    no_cert = programme_record(certificate=None)
    assert estimate_support(worker_record(), no_cert, TAIYUAN).training_subsidy == 0
    assert estimate_support(worker_record(), no_cert, LVLIANG).training_subsidy == _level_amount(
        LVLIANG, BRICKLAYER, 5
    )
    claim = dict(occupation_code=BRICKLAYER, level=5, claim_year=2024, programme=programme_record())
    certified = decide_claim("training", worker_record(), TAIYUAN, completed=True, certified=True, **claim)
    uncertified = decide_claim("training", worker_record(), TAIYUAN, completed=True, certified=False, **claim)
    unfinished = decide_claim("training", worker_record(), LVLIANG, completed=False, certified=None, **claim)
    assert certified.eligible and not uncertified.eligible and uncertified.rule == "payment_basis"
    assert not unfinished.eligible and unfinished.rule == "completion"

    half = dataclasses.replace(
        TAIYUAN, certification=dataclasses.replace(TAIYUAN.certification, uncertified_percent=50)
    )
    partial = decide_claim("training", worker_record(), half, completed=True, certified=False, **claim)
    assert partial.eligible and partial.amount == _level_amount(TAIYUAN, BRICKLAYER, 5) // 2


def test_evaluation_subsidy_needs_a_certificate() -> None:
    """十: "对取得职业资格证书或职业技能等级证书的，按规定落实补贴政策" (评价补贴)."""
    kw = dict(occupation_code=BRICKLAYER, level=4, claim_year=2024)
    assert decide_claim("certification", worker_record(), TAIYUAN, certified=True, **kw).amount == 200
    refused = decide_claim("certification", worker_record(), TAIYUAN, certified=False, **kw)
    assert not refused.eligible and "取得职业资格证书" in refused.reason


# -- no duplicate (clause 十) -------------------------------------------------------------------


def test_same_occupation_level_and_year_cannot_be_claimed_twice() -> None:
    """十: "同一年度同一职业（工种）的同一等级不可重复申领培训补贴（含参保职工技能提升补贴）。" """
    past = (PastClaim(BRICKLAYER, 5, 2024, "training"),)
    est = estimate_support(worker_record(past_claims=past), programme_record(), TAIYUAN)
    assert est.training_subsidy == 0 and est.net_cost == 1500
    assert est.decisions[0].rule == "no_duplicate"
    assert "同一年度同一职业（工种）的同一等级不可重复申领" in est.reasons[0]


def test_claims_on_31_december_and_1_january_both_pass() -> None:
    """十: "同一年度…" — the year is the calendar year: 31 Dec and 1 Jan are different years."""
    past = (PastClaim(BRICKLAYER, 5, 2024, "training"),)
    assert decide_no_duplicate(past, BRICKLAYER, 5, 2025, TAIYUAN).eligible
    assert not decide_no_duplicate(past, BRICKLAYER, 5, 2024, TAIYUAN).eligible
    next_year = programme_record(start=dt.date(2024, 12, 20), end=dt.date(2025, 1, 10))
    assert estimate_support(worker_record(past_claims=past), next_year, TAIYUAN).training_subsidy > 0


def test_same_occupation_at_a_different_level_passes() -> None:
    """十: "…的同一等级不可重复申领" — only the same level is barred."""
    past = (PastClaim(BRICKLAYER, 5, 2024, "training"),)
    est = estimate_support(worker_record(past_claims=past), programme_record(level=4, fee=5000), TAIYUAN)
    assert est.training_subsidy == _level_amount(TAIYUAN, BRICKLAYER, 4)


def test_skill_upgrade_subsidy_counts_toward_the_duplicate_rule() -> None:
    """十: "不可重复申领培训补贴（含参保职工技能提升补贴）" — a 技能提升补贴 blocks the training
    subsidy for the same occupation, level and year, and the other way round; living allowance does not."""
    upgrade = (PastClaim(BRICKLAYER, 5, 2024, "skill_upgrade"),)
    assert (
        estimate_support(worker_record(past_claims=upgrade), programme_record(), TAIYUAN).training_subsidy
        == 0
    )
    trained = (PastClaim(BRICKLAYER, 5, 2024, "training"),)
    d = decide_claim(
        "skill_upgrade",
        worker_record(past_claims=trained, employer_kind="企业"),
        TAIYUAN,
        occupation_code=BRICKLAYER,
        level=5,
        claim_year=2024,
        certified=True,
    )
    assert not d.eligible and d.rule == "no_duplicate"
    living = (PastClaim(BRICKLAYER, 5, 2024, "living"),)
    assert (
        estimate_support(worker_record(past_claims=living), programme_record(), TAIYUAN).training_subsidy > 0
    )


def test_skill_upgrade_subsidy_is_for_employed_workers_with_a_certificate() -> None:
    """十: "…（含参保职工技能提升补贴）" — the skill-upgrade subsidy is for insured employees."""
    kw = dict(occupation_code=BRICKLAYER, level=4, claim_year=2024, certified=True)
    employed = decide_claim("skill_upgrade", worker_record(employer_kind="企业"), TAIYUAN, **kw)
    assert employed.eligible and employed.amount == TAIYUAN.skill_upgrade.get(4)
    unemployed = decide_claim("skill_upgrade", worker_record(), TAIYUAN, **kw)
    assert not unemployed.eligible and "参保职工" in unemployed.reason


# -- living allowance (clause 九) ---------------------------------------------------------------


@pytest.mark.parametrize("group", LIVING_GROUPS)
def test_living_allowance_groups(group: str) -> None:
    """九: "脱贫（含防返贫监测对象）、就业困难、零就业家庭的农民工以及城乡未继续升学应届初高中毕业生中
    的农村学员和城市低保家庭学员，在培训期间可按规定给予生活费补贴。" """
    est = estimate_support(worker_record(groups=(group,)), programme_record(), TAIYUAN)
    days = 15  # 120 hours at 8 hours a day, within the 20 calendar days
    assert est.living_allowance == min(days * TAIYUAN.living.per_day, TAIYUAN.living.cap)
    assert any(group in r and "生活费补贴" in r for r in est.reasons)


def test_anti_poverty_monitoring_object_gets_the_living_allowance() -> None:
    """九: "脱贫（含防返贫监测对象）…在培训期间可按规定给予生活费补贴" — 防返贫监测对象 explicitly."""
    est = estimate_support(worker_record(groups=("防返贫监测对象",)), programme_record(), LVLIANG)
    assert est.living_allowance == 15 * LVLIANG.living.per_day
    assert est.decisions[1].eligible and est.decisions[1].facts_dict()["allowance_groups"] == [
        "防返贫监测对象"
    ]


def test_no_living_allowance_for_others_online_or_unsubsidised_training() -> None:
    """九: the allowance is for the listed groups, "在培训期间" (attended training), on subsidised
    training."""
    assert (
        estimate_support(worker_record(groups=("返乡农民工",)), programme_record(), TAIYUAN).living_allowance
        == 0
    )
    poor = worker_record(groups=("脱贫劳动力",))
    online = estimate_support(poor, programme_record(delivery="线上"), TAIYUAN)
    assert online.living_allowance == 0 and "线上培训不发放生活费补贴" in online.reasons
    unlisted = estimate_support(poor, programme_record(occupation_code=PHILOSOPHER), TAIYUAN)
    assert unlisted.living_allowance == 0


def test_living_allowance_is_capped() -> None:
    long = programme_record(end=dt.date(2024, 7, 30), hours=480)
    est = estimate_support(worker_record(groups=("就业困难人员",)), long, TAIYUAN)
    assert est.living_allowance == TAIYUAN.living.cap


# -- enterprise direct subsidy (clause 九) ------------------------------------------------------


def test_enterprise_trained_hire_subsidy_goes_to_the_enterprise() -> None:
    """九: "对于企业吸纳农民工就业，直接组织其培训且承担培训成本的，可按规定将培训补贴直补企业。" """
    est = estimate_support(worker_record(), programme_record(fee=3000), TAIYUAN, employer_trains=True)
    assert est.payee == "enterprise"
    assert est.training_subsidy == _level_amount(TAIYUAN, BRICKLAYER, 5)
    assert est.net_cost == 0
    assert "直补企业" in est.reasons[0]


def test_enterprise_direct_follows_the_city_rule() -> None:
    """九 "可按规定": a city may not pay 个体工商户 directly (太原 example), or not at all."""
    shop = estimate_support(
        worker_record(), programme_record(), TAIYUAN, employer_trains=True, employer_kind="个体工商户"
    )
    assert shop.payee == "none" and shop.training_subsidy == 0 and shop.net_cost == 0
    assert (
        estimate_support(
            worker_record(), programme_record(), LVLIANG, employer_trains=True, employer_kind="个体工商户"
        ).payee
        == "enterprise"
    )
    off = dataclasses.replace(TAIYUAN, enterprise_direct=EnterpriseDirectRule(enabled=False))
    assert estimate_support(worker_record(), programme_record(), off, employer_trains=True).payee == "none"


# -- properties of the engine ---------------------------------------------------------------


def test_policy_core_is_pure() -> None:
    """matcher/ stays numpy-and-stdlib: importing the policy and risk modules loads no database,
    web, faiss or torch module."""
    code = (
        "import sys, matcher.policy, matcher.risk, matcher.policy_claims; "
        "heavy = ('sqlalchemy', 'fastapi', 'faiss', 'torch', 'pydantic', 'click'); "
        "bad = [m for m in heavy if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


@settings(max_examples=60, deadline=None)
@given(
    fee=st.integers(0, 20_000),
    level=st.sampled_from([0, 5, 4, 3, 2, 1]),
    groups=st.sets(st.sampled_from(LIVING_GROUPS + ("返乡农民工",)), max_size=2),
    occupation=st.sampled_from([BRICKLAYER, CARER, PHILOSOPHER]),
    employer_trains=st.booleans(),
    days=st.integers(0, 120),
)
def test_estimate_invariants(
    fee: int, level: int, groups: set[str], occupation: str, employer_trains: bool, days: int
) -> None:
    """Net cost is the fee less the subsidy (never below 0); the subsidy never exceeds the fee;
    the allowance never exceeds the cap; the same input gives the same output."""
    programme = programme_record(
        fee=fee,
        level=level,
        occupation_code=occupation,
        end=dt.date(2024, 5, 6) + dt.timedelta(days=days),
        hours=8 * (days + 1),
    )
    worker = worker_record(groups=tuple(sorted(groups)))
    est = estimate_support(worker, programme, TAIYUAN, employer_trains=employer_trains)
    assert est == estimate_support(worker, programme, TAIYUAN, employer_trains=employer_trains)
    assert 0 <= est.training_subsidy <= fee
    assert 0 <= est.living_allowance <= TAIYUAN.living.cap
    assert est.net_cost == (0 if employer_trains else max(0, fee - est.training_subsidy))
    assert est.payee in ("worker", "enterprise", "none")
    assert (est.payee == "none") == (est.training_subsidy == 0)
    assert all(isinstance(r, str) and r for r in est.reasons)
