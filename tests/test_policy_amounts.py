"""The ranking's priced decisions (matcher.subsidy.amounts) equal the full estimate's, for every input.

The ranking scores pathways with :class:`~matcher.subsidy.PolicyAmounts` and explains them with
:func:`~matcher.subsidy.estimate_support`; if the two ever disagreed, a pathway's score and its
stated net cost would too. The priced decision is the same :class:`SubsidyDecision` without its
sentences, so every money field is compared (to the worker, to the employer, upfront, days …).
Checked over every version of every shipped city policy, variants of them (scope groups, no direct
payment, partial pay without a certificate, no fee cap, other day counts, institution advance) and
workers, programmes and orders drawn across the rules' boundaries.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os

from hypothesis import given, settings
from hypothesis import strategies as st

from data.policy_loader import available_cities, load_city_policy
from matcher.subsidy import (
    CertificationRule,
    CityPolicy,
    EnterpriseDirectRule,
    PolicyAmounts,
    ScopeRule,
    estimate_support,
    priced_support,
    programme_terms,
)
from matcher.types import GROUPS, TRAINING_TYPES, OrderRecord, PastClaim, Place
from tests.subsidy_factories import BRICKLAYER, EMPLOYER, PHILOSOPHER, programme_record, worker_record

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
        dataclasses.replace(
            policy,
            living=dataclasses.replace(policy.living, day_count="calendar", graduate_months=3),
            duplicate_by="occupation",
        ),
        dataclasses.replace(policy, living=dataclasses.replace(policy.living, day_count="hours")),
        dataclasses.replace(
            policy, certification=dataclasses.replace(policy.certification, fee_advance="institution")
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
        programme_id=draw(st.sampled_from(["P1", "P2"])),
        owner_employer=draw(st.sampled_from([None, EMPLOYER, "另一企业"])),
    )
    claims = draw(
        st.lists(
            st.builds(
                PastClaim,
                occupation_code=st.sampled_from([code, PHILOSOPHER]),
                level=st.sampled_from([level, 5]),
                year=st.sampled_from([end.year, end.year - 1]),
                kind=st.sampled_from(["training", "certification", "skill_upgrade", "living"]),
                work_type=st.sampled_from([None, "育婴员", "其他工种"]),
            ),
            max_size=3,
        )
    )
    worker = worker_record(
        groups=tuple(sorted(draw(st.sets(st.sampled_from(GROUPS), max_size=3)))),
        birth_year=start.year - draw(st.integers(10, 70)),
        employer_kind=draw(st.sampled_from([None, "企业", "个体工商户", "民办非企业单位", "机关事业单位"])),
        past_claims=tuple(claims),
        graduation_year=draw(st.sampled_from([None, start.year - 1, start.year, start.year - 3])),
    )
    order = None
    if draw(st.booleans()):
        order = OrderRecord(
            id="O1",
            employer_name=draw(st.sampled_from([EMPLOYER, "示例公司"])),
            employer_kind=draw(st.sampled_from(["企业", "个体工商户", "民办非企业单位"])),
            occupation_code=draw(st.sampled_from([code, PHILOSOPHER])),
            head_count=1,
            place=Place("140105", 37.7, 112.5),
            wage_min=4000,
            wage_max=6000,
            start_date=end + dt.timedelta(days=3),
            employer_trains=draw(st.booleans()),
            programme_id=draw(st.sampled_from([None, "P1", "P2"])),
        )
    return policy, programme, worker, order


#: 1500 in the suite; the mutation check (eval/results/mutation.md) sets fewer per mutant
PROPERTY_EXAMPLES = int(os.environ.get("SKILLBRIDGE_PROPERTY_EXAMPLES", "1500"))


@settings(max_examples=PROPERTY_EXAMPLES, deadline=None)
@given(cases())
def test_priced_decision_equals_the_full_estimate(case) -> None:  # type: ignore[no-untyped-def]
    policy, programme, worker, order = case
    want = estimate_support(worker, programme, policy, order).priced()
    assert priced_support(worker, programme_terms(programme, policy), order) == want
    amounts = PolicyAmounts(lambda _p: policy)
    assert amounts(worker, programme, order) == want
    assert amounts(worker, programme, order) is amounts(worker, programme, order)  # shared outcome


def test_without_a_policy_the_worker_pays_the_fee_unless_the_employer_trains() -> None:
    amounts = PolicyAmounts(lambda _p: None)
    worker = worker_record()
    alone = amounts(worker, programme_record(fee=1500), None)
    assert (alone.net_cost, alone.upfront, alone.living_allowance, alone.to_worker) == (1500, 1500, 0, 0)
    order = OrderRecord(
        "O1", "示例公司", "企业", BRICKLAYER, 1, Place("140105", 37.7, 112.5), 4000, 6000,
        dt.date(2025, 1, 1), employer_trains=True,
    )  # fmt: skip
    trained = amounts(worker, programme_record(fee=1500), order)
    assert (trained.net_cost, trained.employer_cost, trained.to_employer) == (0, 1500, 0)


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
