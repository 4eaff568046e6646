"""Claims decided on what happened: the enrollment, its completion, the certificate, the hire,
the insurance and group facts (:class:`ClaimRecords`), never on what the caller says.

- 职业培训补贴 (``training``) and 生活费补贴 (``living``) name an enrollment: they are claimed after
  the course ends, and the subsidised event is its completion.
- 职业技能评价补贴 (``certification``) and 技能提升补贴 (``skill_upgrade``) name a certificate with
  its provenance: each is paid once per certificate, within the city's window after its issue;
  the subsidised event is the certificate's issue.
- The no-duplicate year of clause 十 is the event's year; training and skill-upgrade subsidies
  share it, 评价补贴 does not (clause 十's bracket names only 技能提升补贴).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from matcher.subsidy.certificates import RULE_CERTIFICATE, decide_certificate_claim
from matcher.subsidy.estimate import run_training_rules, worker_payee
from matcher.subsidy.living import decide_days, decide_groups
from matcher.subsidy.model import Fact, Facts, Step, SubsidyDecision
from matcher.subsidy.policy import KIND_NAMES, CityPolicy
from matcher.subsidy.records import CertificateFact, ClaimRecords
from matcher.subsidy.rules import (
    REFUSED,
    RULE_COMPLETION,
    RULE_TRAINING,
    TO_ENTERPRISE,
    employer_route,
    join_cn,
    refusal,
)
from matcher.types import ProgrammeRecord

__all__ = ["KIND_NAMES", "certifying_certificate", "decide_claim"]


def certifying_certificate(
    programme: ProgrammeRecord, certificates: tuple[CertificateFact, ...], policy: CityPolicy, on: dt.date
) -> CertificateFact | None:
    """The certificate that makes ``programme`` "certified" (clause 十): same occupation, level and
    (when both name one) 工种, with provenance, issued on or after the course's start, at most the
    city's ``window_days`` after its end, and no later than ``on``."""
    last = programme.end_date + dt.timedelta(days=policy.certification.window_days)
    for cert in sorted(certificates, key=lambda c: (c.issued_on or dt.date.min, c.id)):
        if not cert.has_provenance or cert.issued_on is None:
            continue
        if cert.occupation_code != programme.occupation_code or cert.level != programme.level:
            continue
        if programme.work_type and cert.work_type and cert.work_type != programme.work_type:
            continue
        if programme.start_date <= cert.issued_on <= min(last, on):
            return cert
    return None


def _completion(records: ClaimRecords, on: dt.date, kind: str) -> Step:
    """The course has ended, the trainee completed it, and the claim comes after completion."""
    programme, enrollment = records.programme, records.enrollment
    assert programme is not None and enrollment is not None
    done_on = enrollment.completed_on or programme.end_date
    facts: Facts = (
        ("enrollment_id", enrollment.id),
        ("enrollment_status", enrollment.status),
        ("completed", enrollment.completed),
        ("completed_on", done_on.isoformat()),
        ("completed_on_recorded", enrollment.completed_on is not None),
        ("programme_end", programme.end_date.isoformat()),
        ("claim_date", on.isoformat()),
    )
    what = KIND_NAMES[kind]
    if on <= programme.end_date and not (enrollment.completed and on >= done_on):
        how = "按实际培训天数" if kind == "living" else ""
        reason = f"培训尚未结束（{programme.end_date.isoformat()}结束），结业后方可{how}申领{what}"
        return Step(RULE_COMPLETION, "十", False, reason, facts)
    if not enrollment.completed:
        reason = f"报名记录显示未结业（状态：{enrollment.status}），不能申领{what}"
        return Step(RULE_COMPLETION, "十", False, reason, facts)
    if on < done_on:
        reason = f"申领日期{on.isoformat()}早于结业日期{done_on.isoformat()}，不能申领"
        return Step(RULE_COMPLETION, "十", False, reason, facts)
    return Step(RULE_COMPLETION, "十", True, f"已于{done_on.isoformat()}结业", facts)


def _worker_at_start(records: ClaimRecords) -> ClaimRecords:
    """The worker as employed when the course started (scope: 个体工商户用工 …), from the hires."""
    programme = records.programme
    day = programme.start_date if programme is not None else None
    if day is None and records.certificate is not None:
        day = records.certificate.issued_on
    hire = next((h for h in records.hires if day is not None and h.active_on(day)), None)
    kind = hire.employer_kind if hire is not None else None
    return replace(records, worker=replace(records.worker, employer_kind=kind))


def _training(
    records: ClaimRecords, policy: CityPolicy, on: dt.date, *, kind: str
) -> tuple[SubsidyDecision, list[Step], int]:
    """The training subsidy's chain on the records (also the living allowance's first part)."""
    programme, enrollment = records.programme, records.enrollment
    if programme is None or enrollment is None:
        raise ValueError(f"a {kind} claim needs its enrollment and programme")
    steps = [_completion(records, on, kind)]
    if not steps[0].eligible:
        return refusal(kind, policy, steps[0], steps), steps, 0
    done_on = enrollment.completed_on or programme.end_date
    cert = certifying_certificate(programme, records.certificates, policy, on)
    steps.append(
        Step(
            RULE_CERTIFICATE,
            "十",
            True,
            f"已取得证书（编号{cert.number}）" if cert else "未查到本课程取得的证书",
            (
                ("certificate_id", cert.id if cert else None),
                ("window_days", policy.certification.window_days),
            ),
        )
    )
    rules, refused, amount = run_training_rules(
        records.worker,
        programme,
        policy,
        past_claims=records.past_claims,
        event_year=done_on.year,
        # the living allowance is paid for the training days, not for the certificate
        certified=(cert is not None) if kind == "training" else None,
    )
    steps += rules
    if refused is not None:
        return refusal(kind, policy, refused, steps, event_date=done_on), steps, 0
    return SubsidyDecision(kind=kind, eligible=True, event_date=done_on), steps, amount


def _decide_training(records: ClaimRecords, policy: CityPolicy, on: dt.date) -> SubsidyDecision:
    head, steps, amount = _training(records, policy, on, kind="training")
    if not head.eligible:
        return head
    programme, enrollment = records.programme, records.enrollment
    assert programme is not None and enrollment is not None
    route, route_reason, route_facts = employer_route(
        policy, programme, records.order, enrollment=enrollment, hires=records.hires
    )
    steps.append(
        Step("enterprise_direct", "九", route != REFUSED, route_reason or "补贴发给本人", route_facts)
    )
    if route == REFUSED:
        return refusal("training", policy, steps[-1], steps, event_date=head.event_date)
    fee = max(programme.fee, 0)
    payee_name: str | None
    if route == TO_ENTERPRISE:
        assert records.order is not None
        payee, payee_name = "enterprise", records.order.employer_name
        reason = f"{route_reason}，职业培训补贴{amount}元直补{payee_name}"
        upfront = net_cost = 0
        employer_cost = fee - amount
    else:
        payee = worker_payee(policy) if amount > 0 else "none"
        payee_name = programme.institution.name if payee == "institution" else None
        reason = f"属于{policy.city_name}补贴职业（工种），职业培训补贴{amount}元" + (
            f"；{route_reason}" if route_reason else ""
        )
        net_cost = max(0, fee - amount)
        upfront = net_cost if payee == "institution" else fee
        employer_cost = 0
    return SubsidyDecision(
        training_subsidy=amount,
        net_cost=net_cost,
        payee=payee,
        reasons=(reason,),
        kind="training",
        eligible=True,
        payee_name=payee_name,
        fee=fee,
        upfront=upfront,
        employer_cost=employer_cost,
        paid_on=policy.certification.pay_on,
        event_date=head.event_date,
        rule=RULE_TRAINING,
        clause="九",
        rule_version=policy.rule_version,
        policy_hash=policy.content_hash,
        reason=reason,
        facts=(
            ("programme_id", programme.id),
            ("enrollment_id", enrollment.id),
            ("hire_id", _fact(route_facts, "hire_id")),
        ),
        steps=tuple(steps),
    )


def _fact(facts: Facts, name: str) -> Fact:
    return next((v for k, v in facts if k == name), None)


def _decide_living(records: ClaimRecords, policy: CityPolicy, on: dt.date) -> SubsidyDecision:
    head, steps, _amount = _training(records, policy, on, kind="living")
    if not head.eligible:
        if steps[-1].rule != RULE_COMPLETION:
            refused = Step(
                "living_allowance",
                "九",
                False,
                f"本次培训不属于补贴性职业培训，不发放生活费补贴：{head.reason}",
            )
            return refusal("living", policy, refused, [*steps, refused], event_date=head.event_date)
        return head
    programme, enrollment = records.programme, records.enrollment
    assert programme is not None and enrollment is not None
    groups, used = decide_groups(records.groups, programme, policy, sources=policy.living.sources)
    steps.append(groups)
    if not groups.eligible:
        return refusal("living", policy, groups, steps, event_date=head.event_date)
    days_step, covered, days, basis = decide_days(
        programme, policy, hours=enrollment.hours_attended, paid_days=records.paid_days
    )
    steps.append(days_step)
    if not days_step.eligible:
        return refusal("living", policy, days_step, steps, event_date=head.event_date)
    reason = f"{groups.reason}，{days_step.reason}"
    return SubsidyDecision(
        living_allowance=days_step.amount,
        payee="worker",
        reasons=(reason,),
        kind="living",
        eligible=True,
        fee=max(programme.fee, 0),
        living_days=days,
        day_count=policy.living.day_count,
        day_basis=basis,
        event_date=head.event_date,
        covered_days=covered,
        rule="living_allowance",
        clause="九",
        rule_version=policy.rule_version,
        policy_hash=policy.content_hash,
        reason=reason,
        facts=(
            ("programme_id", programme.id),
            ("enrollment_id", enrollment.id),
            ("group_fact_id", used.id if used else None),
            ("covered_from", covered[0].isoformat()),
            ("covered_until", covered[-1].isoformat()),
        ),
        steps=tuple(steps),
    )


def decide_claim(kind: str, records: ClaimRecords, policy: CityPolicy, on: dt.date) -> SubsidyDecision:
    """Decide a claim of ``kind`` filed on ``on`` from ``records`` under ``policy`` (the version
    in force on the course's start, or on the certificate's issue).

    For a ``living`` claim the caller leaves the claims of the same enrollment out of
    ``records.past_claims``: the trainee's own training claim for this course is no duplicate of it.
    """
    records = _worker_at_start(records)
    if kind == "training":
        return _decide_training(records, policy, on)
    if kind == "living":
        return _decide_living(records, policy, on)
    if kind in ("certification", "skill_upgrade"):
        return decide_certificate_claim(kind, records, policy, on)
    raise ValueError(f"unknown claim kind {kind!r}; expected one of {join_cn(KIND_NAMES)}")
