"""The ranking's subsidy amounts (matcher.policy_amounts) equal the full estimate's, for every input.

The ranking scores pathways with :class:`~matcher.policy_amounts.PolicyAmounts` and explains them
with :func:`~matcher.policy.estimate_support`; if the two ever disagreed, a pathway's score and its
stated net cost would too. Checked over every version of every shipped city policy, variants of
them (scope groups, no direct payment, partial pay without a certificate, no fee cap) and workers,
programmes and orders drawn across the rules' boundaries.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from data.policy_loader import available_cities, load_city_policy
from matcher.policy import (
    CertificationRule,
    CityPolicy,
    EnterpriseDirectRule,
    ScopeRule,
    estimate_support,
)
from matcher.policy_amounts import PolicyAmounts, programme_terms, support_amounts
from matcher.types import GROUPS, TRAINING_TYPES, OrderRecord, PastClaim, Place
from tests.subsidy_factories import BRICKLAYER, PHILOSOPHER, programme_record, worker_record

SHIPPED: tuple[CityPolicy, ...] = tuple(
    version for city in available_cities() for version in load_city_policy(city).versions
)


def _variants(policy: CityPolicy) -> list[CityPolicy]:
    return [
        policy,
        dataclasses.replace(
            policy, scope=dataclasses.replace(policy.scope, groups=frozenset({"脱贫劳动力", "返乡农民工"}))
        ),
        dataclasses.replace(policy, enterprise_direct=EnterpriseDirectRule(enabled=False)),
        dataclasses.replace(
            policy,
            certification=CertificationRule(pay_on="certification", uncertified_percent=50),
            cap_at_fee=False,
        ),
        dataclasses.replace(
            policy, scope=ScopeRule(min_age=18, max_age=45, employer_kinds=frozenset({"企业"}))
        ),
    ]


POLICIES = tuple(v for p in SHIPPED for v in _variants(p))


@st.composite
def cases(draw):  # type: ignore[no-untyped-def]
    policy = draw(st.sampled_from(POLICIES))
    codes = [o.code for o in policy.occupations] + [PHILOSOPHER, BRICKLAYER]
    code = draw(st.sampled_from(codes))
    level = draw(st.sampled_from([0, 1, 2, 3, 4, 5]))
    start = dt.date(2024, 6, 1) + dt.timedelta(days=draw(st.integers(0, 900)))
    end = start + dt.timedelta(days=draw(st.integers(0, 400)))
    programme = programme_record(
        occupation_code=code,
        level=level,
        fee=draw(st.sampled_from([0, 1, 500, 800, 1500, 2800, 20_000])),
        delivery=draw(st.sampled_from(["线下", "线上", "混合"])),
        training_type=draw(st.sampled_from([*TRAINING_TYPES, "其他培训"])),
        certificate=draw(st.sampled_from([None, "职业技能等级证书"])),
        start=start,
        end=end,
        hours=draw(st.integers(0, 800)),
        work_type=draw(st.sampled_from([None, "育婴员", "其他工种"])),
    )
    claims = draw(
        st.lists(
            st.builds(
                PastClaim,
                occupation_code=st.sampled_from([code, PHILOSOPHER]),
                level=st.sampled_from([level, 5]),
                year=st.sampled_from([end.year, end.year - 1]),
                kind=st.sampled_from(["training", "certification", "skill_upgrade", "living"]),
            ),
            max_size=3,
        )
    )
    worker = worker_record(
        groups=tuple(sorted(draw(st.sets(st.sampled_from(GROUPS), max_size=3)))),
        birth_year=start.year - draw(st.integers(10, 70)),
        employer_kind=draw(st.sampled_from([None, "企业", "个体工商户", "民办非企业单位", "机关事业单位"])),
        past_claims=tuple(claims),
    )
    order = None
    if draw(st.booleans()):
        order = OrderRecord(
            id="O1",
            employer_name="示例公司",
            employer_kind=draw(st.sampled_from(["企业", "个体工商户", "民办非企业单位"])),
            occupation_code=code,
            head_count=1,
            place=Place("140105", 37.7, 112.5),
            wage_min=4000,
            wage_max=6000,
            start_date=end + dt.timedelta(days=3),
            employer_trains=draw(st.booleans()),
        )
    return policy, programme, worker, order


@settings(max_examples=1500, deadline=None)
@given(cases())
def test_amounts_equal_the_full_estimate(case) -> None:  # type: ignore[no-untyped-def]
    policy, programme, worker, order = case
    trains = bool(order is not None and order.employer_trains)
    kind = order.employer_kind if order is not None else "企业"
    est = estimate_support(worker, programme, policy, employer_trains=trains, employer_kind=kind)
    want = (est.net_cost, est.living_allowance)
    terms = programme_terms(programme, policy)
    assert support_amounts(worker, terms, employer_trains=trains, employer_kind=kind) == want
    assert PolicyAmounts(lambda _p: policy)(worker, programme, order) == want


def test_without_a_policy_the_worker_pays_the_fee_unless_the_employer_trains() -> None:
    amounts = PolicyAmounts(lambda _p: None)
    worker = worker_record()
    assert amounts(worker, programme_record(fee=1500), None) == (1500, 0)
    order = OrderRecord(
        "O1", "示例公司", "企业", BRICKLAYER, 1, Place("140105", 37.7, 112.5), 4000, 6000,
        dt.date(2025, 1, 1), employer_trains=True,
    )  # fmt: skip
    assert amounts(worker, programme_record(fee=1500), order) == (0, 0)


def test_terms_are_cached_per_programme_and_bounded() -> None:
    asked: list[str] = []

    def policy_of(p):  # type: ignore[no-untyped-def]
        asked.append(p.id)
        return SHIPPED[0]

    amounts = PolicyAmounts(policy_of, maxsize=2)
    worker = worker_record()
    programmes = [dataclasses.replace(programme_record(), id=f"P{i}") for i in range(3)]
    for p in programmes + programmes[2:]:
        amounts(worker, p)
    assert asked == ["P0", "P1", "P2"]  # the second look-up of P2 is cached
    assert len(amounts) <= 2
