"""What a worker can expect from the city for one course: the recommender's subsidy estimate.

    book = load_city_policy("1401")                 # data.policy_loader
    policy = book.at(programme.start_date)
    d = estimate_support(worker, programme, policy, order)
    d.net_cost, d.living_allowance, d.upfront, d.refund, d.paid_on, d.reasons

Prospective: the course has not happened, so completion and a certificate are assumed where the
course leads to one, and the employer's hire and payment are conditions (``condition``). Claims,
decided on what did happen, are in :mod:`matcher.subsidy.claims`. Deterministic; pure.
"""

from __future__ import annotations

from matcher.subsidy.living import decide_days, decide_groups, profile_groups
from matcher.subsidy.model import Step, SubsidyDecision
from matcher.subsidy.policy import CityPolicy
from matcher.subsidy.rules import (
    REFUSED,
    RULE_TRAINING,
    TO_ENTERPRISE,
    decide_catalogue,
    decide_no_duplicate,
    decide_payment_basis,
    decide_scope,
    employer_route,
    fee_capped,
    organised_by_employer,
)
from matcher.types import OrderRecord, PastClaim, ProgrammeRecord, WorkerProfile

__all__ = ["estimate_support", "paid_on_event", "run_training_rules", "worker_payee"]


def run_training_rules(
    worker: WorkerProfile,
    programme: ProgrammeRecord,
    policy: CityPolicy,
    *,
    past_claims: tuple[PastClaim, ...],
    event_year: int,
    certified: bool | None,
) -> tuple[list[Step], Step | None, int]:
    """Scope, catalogue, no duplicate in ``event_year``, payment basis and fee cap, in order:
    (steps taken, the step that refused or None, yuan allowed)."""
    steps: list[Step] = []
    for step in (
        decide_scope(worker, policy, programme.start_date.year),
        decide_catalogue(programme, policy),
    ):
        steps.append(step)
        if not step.eligible:
            return steps, step, 0
    amount = steps[-1].amount
    occ = policy.occupation(programme.occupation_code)
    dup = decide_no_duplicate(
        past_claims,
        policy,
        occupation_code=programme.occupation_code,
        work_type=programme.work_type,
        level=programme.level,
        year=event_year,
        label=occ.name if occ else "",
    )
    steps.append(dup)
    if not dup.eligible:
        return steps, dup, 0
    basis = decide_payment_basis(
        amount, policy, certified=certified, awards_certificate=programme.certificate is not None
    )
    steps.append(basis)
    if not basis.eligible:
        return steps, basis, 0
    amount = basis.amount
    cap = fee_capped(amount, programme, policy)
    if cap is not None:
        steps.append(cap)
        amount = cap.amount
    return steps, None, amount


def worker_payee(policy: CityPolicy) -> str:
    """Who receives a training subsidy for a worker who pays for the course: the worker, or the
    institution that advanced the fee (``certification.fee_advance``)."""
    return "institution" if policy.certification.fee_advance == "institution" else "worker"


def paid_on_event(policy: CityPolicy, programme: ProgrammeRecord) -> str:
    """When a training subsidy for ``programme`` is paid: ``"certification"`` where the city pays
    on a certificate and the course leads to one, else ``"completion"`` (a course without a
    certificate is paid, if at all, on completion: the uncertified share)."""
    if policy.certification.pay_on == "certification" and programme.certificate:
        return "certification"
    return "completion"


_PAID_ON_PHRASES = {"certification": "取得证书后发放", "completion": "结业后发放"}


def estimate_support(
    worker: WorkerProfile, programme: ProgrammeRecord, policy: CityPolicy, order: OrderRecord | None = None
) -> SubsidyDecision:
    """Training subsidy, living allowance and what the course costs whom, for ``worker``.

    ``policy`` is the version in force on the programme's start date; ``order`` the employer order
    the course leads to, if any (直补企业 when its employer trains the hire in its own course at
    its own cost). The no-duplicate year is the year the course ends, against the worker's
    ``past_claims``.
    """
    steps, refused, amount = run_training_rules(
        worker,
        programme,
        policy,
        past_claims=worker.past_claims,
        event_year=programme.end_date.year,
        certified=None,
    )
    route, route_reason, route_facts = employer_route(policy, programme, order)
    employer_case = bool(
        order is not None and order.employer_trains and organised_by_employer(order, programme)
    )
    if refused is None and route_reason:
        steps.append(Step("enterprise_direct", "九", route != REFUSED, route_reason, route_facts))
    eligible = refused is None and route != REFUSED
    fee = max(programme.fee, 0)
    city = policy.city_name
    paid_on = paid_on_event(policy, programme) if eligible and amount > 0 else ""
    condition = _PAID_ON_PHRASES.get(paid_on, "")
    subsidy, payee_name = (amount if eligible else 0), None
    if employer_case:
        assert order is not None
        payee = "enterprise" if eligible and route == TO_ENTERPRISE and subsidy > 0 else "none"
        payee_name = order.employer_name if payee == "enterprise" else None
        upfront = net_cost = 0
        employer_cost = fee - subsidy if payee == "enterprise" else fee
        if payee == "enterprise":
            condition = f"须由{order.employer_name}录用并承担培训费用，{condition}"
            headline = f"{route_reason}，补贴{subsidy}元，您无需承担培训费用"
        else:
            headline = refused.reason if refused is not None else route_reason
    else:
        payee = worker_payee(policy) if subsidy > 0 else "none"
        if payee == "institution":
            payee_name = programme.institution.name
        net_cost = max(0, fee - subsidy)
        upfront = net_cost if payee == "institution" else fee
        employer_cost = 0
        if refused is not None:
            headline = refused.reason
        elif subsidy == 0 and programme.employer_funded:
            headline = "培训费由用人单位承担，个人不交费，属于补贴性职业培训"
        elif subsidy == 0:
            headline = "本课程免费参加（培训费0元），属于补贴性职业培训"
        else:
            headline = f"属于{city}补贴职业（工种），可享职业培训补贴{subsidy}元"
            if condition == "取得证书后发放":
                headline += "（取得证书后发放）"
            if route_reason:
                headline += f"；{route_reason}"
    reasons = [headline]
    for step in steps:
        if eligible and step.rule in ("payment_basis", "fee_cap") and step.reason not in reasons:
            if step.rule == "payment_basis" and (step.amount == 0 or "取得证书后发放）" in headline):
                continue
            if step.rule == "payment_basis" and step.reason.startswith("培训结业后"):
                continue
            if step.rule == "fee_cap" and fee == 0:
                continue  # the headline says the course is free; "不超过实际培训费0元" says nothing
            reasons.append(step.reason)

    groups_step, _fact = decide_groups(profile_groups(worker), programme, policy, sources=None)
    living, days, basis = 0, 0, ""
    if groups_step.eligible:
        days_step, _covered, days, basis = decide_days(programme, policy)
        steps += [groups_step, days_step]
        if programme.delivery not in policy.living.deliveries:
            reasons.append(days_step.reason)  # "线上培训不发放生活费补贴", whatever else holds
            days = 0
        elif not eligible:
            reasons.append("本次培训不属于补贴性职业培训，不发放生活费补贴")
            days = 0
        elif days_step.eligible:
            living = days_step.amount
            reasons.append(f"{groups_step.reason}，{days_step.reason}；{basis}")
        else:
            reasons.append(days_step.reason)
            days = 0
    elif worker.groups & policy.living.groups:
        steps.append(groups_step)
        reasons.append(groups_step.reason)
    return SubsidyDecision(
        training_subsidy=subsidy,
        living_allowance=living,
        net_cost=net_cost,
        payee=payee,
        reasons=tuple(reasons),
        kind="estimate",
        eligible=eligible,
        payee_name=payee_name,
        fee=fee,
        upfront=upfront,
        employer_cost=employer_cost,
        employer_pays=employer_case or programme.employer_funded,
        paid_on=paid_on,
        condition=condition,
        living_days=days,
        day_count=policy.living.day_count if living else "",
        day_basis=basis if living else "",
        rule=refused.rule
        if refused is not None
        else (RULE_TRAINING if route != REFUSED else "enterprise_direct"),
        clause=refused.clause if refused is not None else "九",
        rule_version=policy.rule_version,
        policy_hash=policy.content_hash,
        reason=headline,
        facts=(("programme_id", programme.id), ("fee", fee)),
        steps=tuple(steps),
    )
