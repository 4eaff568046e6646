"""Living allowance, evaluation and skill-upgrade subsidies, and the per-claim dispatcher.

Pure functions over frozen records, like :mod:`matcher.policy_rules`, whose training-subsidy
decision the living allowance builds on.
"""

from __future__ import annotations

import math
from dataclasses import replace

from matcher.policy_model import CityPolicy, Decision, Fact, LivingAllowanceRule, sorted_groups
from matcher.policy_rules import (
    composite_refusal,
    decide_no_duplicate,
    decide_scope,
    decide_training_subsidy,
    join_cn,
    level_name,
    make_decision,
)
from matcher.types import ProgrammeRecord, WorkerProfile

RULE_LIVING = "living_allowance"
RULE_SKILL_UPGRADE = "skill_upgrade"
RULE_EVALUATION = "evaluation_subsidy"


def training_days(programme: ProgrammeRecord, hours_per_day: int) -> int:
    """Training days of a programme: calendar days, but no more than hours ÷ hours per day."""
    calendar = (programme.end_date - programme.start_date).days + 1
    if programme.hours > 0 and hours_per_day > 0:
        return max(0, min(calendar, math.ceil(programme.hours / hours_per_day)))
    return max(0, calendar)


def living_allowance_amount(programme: ProgrammeRecord, rule: LivingAllowanceRule) -> int:
    """Living allowance over the whole programme for an entitled trainee: per training day, capped
    (before the delivery and group conditions of :func:`decide_living_allowance`)."""
    return min(training_days(programme, rule.hours_per_day) * rule.per_day, rule.cap)


def decide_living_allowance(
    worker: WorkerProfile, programme: ProgrammeRecord, policy: CityPolicy, training: Decision
) -> Decision:
    """Clause 九: "脱贫（含防返贫监测对象）、就业困难、零就业家庭的农民工以及城乡未继续升学应届
    初高中毕业生中的农村学员和城市低保家庭学员，在培训期间可按规定给予生活费补贴。"

    Paid per training day (capped) for attended delivery modes, only on subsidised training
    (``training`` is the worker's training-subsidy decision for the same programme).
    """
    rule = policy.living
    hit = sorted_groups(worker.groups & rule.groups)
    days = training_days(programme, rule.hours_per_day)
    facts: tuple[tuple[str, Fact], ...] = (
        ("groups", sorted_groups(worker.groups)),
        ("allowance_groups", hit),
        ("delivery", programme.delivery),
        ("training_days", days),
        ("per_day", rule.per_day),
        ("cap", rule.cap),
        ("training_subsidised", training.eligible),
    )
    if not hit:
        reason = (
            "生活费补贴面向脱贫人口（含防返贫监测对象）、就业困难人员、零就业家庭成员，以及未继续升学"
            "应届初高中毕业生中的农村学员和城市低保家庭学员"
        )
        return make_decision(RULE_LIVING, "九", policy, False, reason, facts)
    if programme.delivery not in rule.deliveries:
        reason = f"{programme.delivery}培训不发放生活费补贴"
        return make_decision(RULE_LIVING, "九", policy, False, reason, facts)
    if not training.eligible:
        reason = "本次培训不属于补贴性职业培训，不发放生活费补贴"
        return make_decision(RULE_LIVING, "九", policy, False, reason, facts)
    amount = living_allowance_amount(programme, rule)
    if amount <= 0:
        return make_decision(RULE_LIVING, "九", policy, False, f"{policy.city_name}未设生活费补贴标准", facts)
    reason = f"您属于{join_cn(hit)}，培训期间可享生活费补贴每天{rule.per_day}元，共{days}天，合计{amount}元"
    if days * rule.per_day > rule.cap:
        reason += f"（上限{rule.cap}元）"
    return make_decision(RULE_LIVING, "九", policy, True, reason, facts, amount=amount)


def _decide_certificate_paid(
    rule_id: str,
    what: str,
    amount: int | None,
    worker: WorkerProfile,
    policy: CityPolicy,
    *,
    occupation_code: str,
    level: int,
    claim_year: int,
    certified: bool | None,
    needs_employment: bool = False,
) -> Decision:
    """Shared shape of evaluation and skill-upgrade subsidies: scope, a certificate, an amount for
    the level, no duplicate. ``needs_employment``: 技能提升补贴 is for insured employees (参保职工);
    the registry fact available for that is a current employer."""
    steps: list[Decision] = []
    scope = decide_scope(worker, policy, claim_year)
    steps.append(scope)
    if not scope.eligible:
        return composite_refusal(scope, steps)
    occ = policy.occupation(occupation_code)
    label = occ.name if occ else occupation_code
    facts: tuple[tuple[str, Fact], ...] = (
        ("occupation_code", occupation_code),
        ("level", level),
        ("certified", certified),
        ("level_amount", amount),
        ("employer_kind", worker.employer_kind),
    )
    if needs_employment and worker.employer_kind is None:
        refused = make_decision(
            rule_id, "十", policy, False, f"{what}面向参保职工，您的登记信息中没有在职记录", facts
        )
        return composite_refusal(refused, [*steps, refused])
    if not certified:
        refused = make_decision(
            rule_id, "十", policy, False, f"取得职业资格证书或职业技能等级证书后方可申领{what}", facts
        )
        return composite_refusal(refused, [*steps, refused])
    if not amount:
        refused = make_decision(
            rule_id, "十", policy, False, f"{policy.city_name}未对{level_name(level)}设{what}", facts
        )
        return composite_refusal(refused, [*steps, refused])
    dup = decide_no_duplicate(worker.past_claims, occupation_code, level, claim_year, policy, label=label)
    steps.append(dup)
    if not dup.eligible:
        return composite_refusal(dup, steps)
    reason = f"取得{label}{level_name(level)}证书，可申领{what}{amount}元"
    granted = make_decision(rule_id, "十", policy, True, reason, facts, amount=amount)
    return replace(granted, steps=(*steps, granted))


def decide_claim(
    kind: str,
    worker: WorkerProfile,
    policy: CityPolicy,
    *,
    occupation_code: str,
    level: int,
    claim_year: int,
    programme: ProgrammeRecord | None = None,
    completed: bool | None = None,
    certified: bool | None = None,
    employer_trains: bool = False,
    employer_kind: str = "企业",
) -> Decision:
    """Decide one claim of ``kind`` (training, certification, skill_upgrade, living).

    ``training`` and ``living`` need the ``programme``; ``certification`` (评价补贴) and
    ``skill_upgrade`` (技能提升补贴) need ``certified``. For a ``living`` claim the caller leaves the
    claims of the same enrollment out of ``worker.past_claims``: the worker's own training claim
    for this programme is not a duplicate of it.
    """
    if kind in ("training", "living"):
        if programme is None:
            raise ValueError(f"a {kind} claim needs its programme")
        training = decide_training_subsidy(
            worker,
            programme,
            policy,
            claim_year=claim_year,
            completed=completed,
            # The living allowance is paid for the training days, not for the certificate.
            certified=certified if kind == "training" else None,
            employer_trains=employer_trains,
            employer_kind=employer_kind,
        )
        if kind == "training":
            return training
        return decide_living_allowance(worker, programme, policy, training)
    if kind == "certification":
        amount = policy.certification.evaluation_amounts.get(level)
        return _decide_certificate_paid(
            RULE_EVALUATION,
            "职业技能评价补贴",
            amount,
            worker,
            policy,
            occupation_code=occupation_code,
            level=level,
            claim_year=claim_year,
            certified=certified,
        )
    if kind == "skill_upgrade":
        amount = policy.skill_upgrade.get(level)
        return _decide_certificate_paid(
            RULE_SKILL_UPGRADE,
            "技能提升补贴",
            amount,
            worker,
            policy,
            occupation_code=occupation_code,
            level=level,
            claim_year=claim_year,
            certified=certified,
            needs_employment=True,
        )
    raise ValueError(f"unknown claim kind {kind!r}")
