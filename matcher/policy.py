"""Subsidy policy of 晋人社办发〔2024〕2号 clauses 八–十三: what a worker gets for a programme.

This is the interface the recommender calls::

    book = load_city_policy("1401")                # data.policy_loader
    policy = book.at(programme.start_date)
    est = estimate_support(worker, programme, policy, employer_trains=order.employer_trains)
    est.net_cost, est.living_allowance, est.reasons

The rules themselves live in :mod:`matcher.policy_rules` and the policy records in
:mod:`matcher.policy_model`; both are re-exported here. Pure: standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass

from matcher.policy_claims import decide_claim, decide_living_allowance, training_days
from matcher.policy_model import (
    CLAIM_KINDS,
    LEVEL_BY_NAME,
    TRAINING_CLAIM_KINDS,
    CertificationRule,
    CityPolicy,
    CityPolicyBook,
    Decision,
    EnterpriseDirectRule,
    LevelAmounts,
    LivingAllowanceRule,
    OccupationRule,
    PolicyNotInForce,
    RiskThresholds,
    ScopeRule,
    city_code_of,
)
from matcher.policy_rules import (
    decide_catalogue,
    decide_enterprise_direct,
    decide_no_duplicate,
    decide_payment_basis,
    decide_scope,
    decide_training_subsidy,
)
from matcher.types import ProgrammeRecord, WorkerProfile

__all__ = [
    "CLAIM_KINDS",
    "CertificationRule",
    "CityPolicy",
    "CityPolicyBook",
    "Decision",
    "EnterpriseDirectRule",
    "LEVEL_BY_NAME",
    "LevelAmounts",
    "LivingAllowanceRule",
    "OccupationRule",
    "PolicyNotInForce",
    "RiskThresholds",
    "ScopeRule",
    "SupportEstimate",
    "TRAINING_CLAIM_KINDS",
    "city_code_of",
    "decide_catalogue",
    "decide_claim",
    "decide_enterprise_direct",
    "decide_living_allowance",
    "decide_no_duplicate",
    "decide_payment_basis",
    "decide_scope",
    "decide_training_subsidy",
    "estimate_support",
    "training_days",
]


@dataclass(frozen=True, slots=True)
class SupportEstimate:
    """What the worker can expect from the city for one programme.

    ``training_subsidy``: yuan paid toward this programme for this worker (to the worker, or to the
    enterprise when ``payee == "enterprise"``); ``living_allowance``: yuan over the programme;
    ``net_cost``: what the worker still pays (fee minus subsidy paid to/for the worker, never
    below 0; 0 when the employer trains at its own cost); ``payee``: "worker", "enterprise" or
    "none"; ``reasons``: sentences a counselor can read out; ``rule_version``: the policy version
    that decided; ``decisions``: the structured training and living-allowance decisions.
    """

    training_subsidy: int
    living_allowance: int
    net_cost: int
    payee: str
    reasons: tuple[str, ...]
    rule_version: str
    decisions: tuple[Decision, ...] = ()


def estimate_support(
    worker: WorkerProfile,
    programme: ProgrammeRecord,
    policy: CityPolicy,
    *,
    employer_trains: bool = False,
    employer_kind: str = "企业",
) -> SupportEstimate:
    """Training subsidy, living allowance and net cost of ``programme`` for ``worker``.

    ``policy`` is the version in force on the programme's start date (``book.at(start_date)``).
    The subsidy is assumed to be claimed in the year the programme ends, against the worker's
    ``past_claims``. ``employer_trains`` is True when an employer hires the worker and trains them
    at its own cost (直补企业); ``employer_kind`` is that employer's kind. Deterministic.
    """
    training = decide_training_subsidy(
        worker,
        programme,
        policy,
        claim_year=programme.end_date.year,
        employer_trains=employer_trains,
        employer_kind=employer_kind,
    )
    living = decide_living_allowance(worker, programme, policy, training)
    reasons: list[str] = [training.reason]
    for step in training.steps:
        # Conditions the worker must know about: paid only with a certificate, partial pay, a cap.
        if step.rule in ("payment_basis", "fee_cap") and training.eligible and step.reason not in reasons:
            if step.rule == "payment_basis" and step.amount == 0:
                continue
            if step.rule == "payment_basis" and "取得证书后发放）" in training.reason:
                continue
            reasons.append(step.reason)
    if living.eligible or living.facts_dict().get("allowance_groups"):
        reasons.append(living.reason)

    subsidy = training.amount if training.eligible else 0
    # An employer that trains its hire bears the cost; otherwise the worker pays the rest of the fee.
    net_cost = 0 if employer_trains else max(0, programme.fee - subsidy)
    payee = training.payee if subsidy > 0 else "none"
    return SupportEstimate(
        training_subsidy=subsidy,
        living_allowance=living.amount if living.eligible else 0,
        net_cost=net_cost,
        payee=payee,
        reasons=tuple(reasons),
        rule_version=policy.rule_version,
        decisions=(training, living),
    )
