"""The subsidy engine of 晋人社办发〔2024〕2号 clauses 八–十三: one house, one answer.

- :mod:`~matcher.subsidy.policy` — a city's policy as data (versions by date, content hashes);
- :mod:`~matcher.subsidy.model` — :class:`SubsidyDecision`, the one answer that pricing,
  explanations and claims read, made of :class:`Step` s;
- :mod:`~matcher.subsidy.rules` and :mod:`~matcher.subsidy.living` — the rules of clauses 九 and 十;
- :mod:`~matcher.subsidy.estimate` — the prospective estimate (the recommender's);
- :mod:`~matcher.subsidy.claims` — claims decided on registry records (:mod:`~matcher.subsidy.records`);
- :mod:`~matcher.subsidy.amounts` — the same money without sentences, for ranking at scale;
- :mod:`~matcher.subsidy.support` — the interface the ranking takes;
- :mod:`~matcher.subsidy.risk` and :mod:`~matcher.subsidy.places` — clause 十三's risk flags.

Pure: standard library only (imports point down to :mod:`matcher.types`).
"""

from __future__ import annotations

from matcher.subsidy.amounts import PolicyAmounts, priced_support, programme_terms
from matcher.subsidy.claims import KIND_NAMES, certifying_certificate, decide_claim
from matcher.subsidy.estimate import estimate_support
from matcher.subsidy.model import Step, SubsidyDecision
from matcher.subsidy.policy import (
    CLAIM_KINDS,
    DAY_COUNTS,
    DUPLICATE_BY,
    LEVEL_BY_NAME,
    MANDATED_EMPLOYER_KINDS,
    MANDATED_LIVING_GROUPS,
    YEARLY_KINDS,
    CertificationRule,
    CityPolicy,
    CityPolicyBook,
    EnterpriseDirectRule,
    LevelAmounts,
    LivingAllowanceRule,
    OccupationRule,
    PolicyNotInForce,
    RiskThresholds,
    ScopeRule,
    SkillUpgradeRule,
    city_code_of,
)
from matcher.subsidy.records import (
    CertificateFact,
    ClaimRecords,
    EnrollmentFacts,
    GroupFact,
    HireFact,
    InsuranceFact,
)
from matcher.subsidy.support import (
    LIVING_ALLOWANCE_GROUPS,
    PolicySupportMemo,
    SupportAmountsFn,
    SupportFn,
    no_support,
    unpriced,
)

__all__ = [
    "CLAIM_KINDS",
    "CertificateFact",
    "CertificationRule",
    "CityPolicy",
    "CityPolicyBook",
    "ClaimRecords",
    "DAY_COUNTS",
    "DUPLICATE_BY",
    "EnrollmentFacts",
    "EnterpriseDirectRule",
    "GroupFact",
    "HireFact",
    "InsuranceFact",
    "KIND_NAMES",
    "LEVEL_BY_NAME",
    "LIVING_ALLOWANCE_GROUPS",
    "LevelAmounts",
    "LivingAllowanceRule",
    "MANDATED_EMPLOYER_KINDS",
    "MANDATED_LIVING_GROUPS",
    "OccupationRule",
    "PolicyAmounts",
    "PolicyNotInForce",
    "PolicySupportMemo",
    "RiskThresholds",
    "ScopeRule",
    "SkillUpgradeRule",
    "Step",
    "SubsidyDecision",
    "SupportAmountsFn",
    "SupportFn",
    "YEARLY_KINDS",
    "certifying_certificate",
    "city_code_of",
    "decide_claim",
    "estimate_support",
    "no_support",
    "priced_support",
    "programme_terms",
    "unpriced",
]
