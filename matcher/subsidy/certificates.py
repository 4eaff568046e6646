"""评价补贴 and 技能提升补贴: claims paid for a certificate with its provenance.

Each is paid once per certificate, within the city's window after its issue, for an occupation
(工种) in the city's list; 技能提升补贴 also needs the registry's 参保 facts and shares clause 十's
once-per-year rule with the training subsidy ("（含参保职工技能提升补贴）"), its year being the
certificate's. Pure.
"""

from __future__ import annotations

import datetime as dt

from matcher.subsidy.model import Facts, Step, SubsidyDecision
from matcher.subsidy.policy import KIND_NAMES, CityPolicy
from matcher.subsidy.records import ClaimRecords
from matcher.subsidy.rules import decide_no_duplicate, decide_scope, level_name, refusal

__all__ = ["decide_certificate_claim"]

RULE_CERTIFICATE = "certificate"
RULE_CLAIM_WINDOW = "claim_window"
RULE_INSURANCE = "insurance"
RULE_EVALUATION = "evaluation_subsidy"
RULE_SKILL_UPGRADE = "skill_upgrade"


def _certificate_steps(kind: str, records: ClaimRecords, policy: CityPolicy, on: dt.date) -> list[Step]:
    """Provenance, the claim window, scope and the city's list, for a certificate-paid kind."""
    cert = records.certificate
    if cert is None:
        raise ValueError(f"a {kind} claim needs its certificate")
    what = KIND_NAMES[kind]
    facts: Facts = (
        ("certificate_id", cert.id),
        ("certificate_number", cert.number),
        ("issuing_body", cert.issuing_body),
        ("occupation_code", cert.occupation_code),
        ("work_type", cert.work_type),
        ("level", cert.level),
        ("issued_on", cert.issued_on.isoformat() if cert.issued_on else None),
        ("certificate_source", cert.source),
        ("claim_date", on.isoformat()),
    )
    if not cert.has_provenance or cert.issued_on is None:
        reason = "该证书没有登记证书编号、发证（评价）机构和发证日期，不能据以申领补贴"
        return [Step(RULE_CERTIFICATE, "十", False, reason, facts)]
    steps = [Step(RULE_CERTIFICATE, "十", True, f"证书编号{cert.number}，{cert.issuing_body}颁发", facts)]
    last = cert.issued_on + dt.timedelta(days=policy.certification.claim_days)
    if not cert.issued_on <= on <= last:
        reason = (
            f"申领日期{on.isoformat()}早于发证日期{cert.issued_on.isoformat()}"
            if on < cert.issued_on
            else f"{what}须在发证后{policy.certification.claim_days}天内（{last.isoformat()}前）申领"
        )
        return [*steps, Step(RULE_CLAIM_WINDOW, "十", False, reason, (("last_day", last.isoformat()),))]
    steps.append(Step(RULE_CLAIM_WINDOW, "十", True, f"在发证后{policy.certification.claim_days}天内申领"))
    steps.append(decide_scope(records.worker, policy, cert.issued_on.year))
    if not steps[-1].eligible:
        return steps
    occ = policy.occupation(cert.occupation_code)
    if occ is None or (occ.work_types and cert.work_type not in occ.work_types):
        label = occ.name if occ else cert.occupation_code
        shown = f"{label}（{cert.work_type}）" if cert.work_type else label
        reason = f"{shown}不在{policy.city_name}补贴职业（工种）目录内"
        steps.append(Step("catalogue", "十", False, reason, (("occupation_code", cert.occupation_code),)))
        return steps
    if kind in records.claimed_on_certificate:
        reason = f"该证书已申领过{what}，每张证书只能申领一次"
        steps.append(Step("once_per_certificate", "十", False, reason, (("certificate_id", cert.id),)))
    return steps


def decide_certificate_claim(
    kind: str, records: ClaimRecords, policy: CityPolicy, on: dt.date
) -> SubsidyDecision:
    """Decide a certificate-paid claim (``certification`` or ``skill_upgrade``) filed on ``on``."""
    steps = _certificate_steps(kind, records, policy, on)
    cert = records.certificate
    assert cert is not None
    event = cert.issued_on
    if not steps[-1].eligible:
        return refusal(kind, policy, steps[-1], steps, event_date=event)
    assert event is not None
    occ = policy.occupation(cert.occupation_code)
    label = f"{occ.name if occ else cert.occupation_code}{level_name(cert.level)}"
    what = KIND_NAMES[kind]
    if kind == "skill_upgrade":
        rule = policy.skill_upgrade
        amount = rule.amounts.get(cert.level)
        fact = records.insurance
        facts: Facts = (
            ("insurance_fact_id", fact.id if fact else None),
            ("insured_status", fact.status if fact else None),
            ("insured_months", fact.months if fact else None),
            ("min_insured_months", rule.min_insured_months),
        )
        if fact is None or fact.status != "参保" or fact.months < rule.min_insured_months:
            now = (
                "没有参保记录"
                if fact is None
                else f"{fact.as_of.isoformat()}参保状态为{fact.status}、累计{fact.months}个月"
            )
            need = f"{policy.city_name}要求参保满{rule.min_insured_months}个月"
            reason = f"技能提升补贴面向参保职工（{need}），您{now}"
            steps.append(Step(RULE_INSURANCE, "十", False, reason, facts))
            return refusal(kind, policy, steps[-1], steps, event_date=event)
        steps.append(Step(RULE_INSURANCE, "十", True, f"参保{fact.months}个月", facts))
        dup = decide_no_duplicate(
            records.past_claims,
            policy,
            occupation_code=cert.occupation_code,
            work_type=cert.work_type,
            level=cert.level,
            year=event.year,
            label=occ.name if occ else "",
        )
        steps.append(dup)
        if not dup.eligible:
            return refusal(kind, policy, dup, steps, event_date=event)
        rule_id = RULE_SKILL_UPGRADE
    else:
        amount = policy.certification.evaluation_amounts.get(cert.level)
        rule_id = RULE_EVALUATION
    if not amount:
        refused = Step(rule_id, "十", False, f"{policy.city_name}未对{level_name(cert.level)}设{what}")
        return refusal(kind, policy, refused, [*steps, refused], event_date=event)
    reason = f"取得{label}证书（{cert.issued_on}），可申领{what}{amount}元"
    granted = Step(rule_id, "十", True, reason, (("level_amount", amount),), amount)
    return SubsidyDecision(
        evaluation_subsidy=amount if kind == "certification" else 0,
        skill_upgrade_subsidy=amount if kind == "skill_upgrade" else 0,
        payee="worker",
        reasons=(reason,),
        kind=kind,
        eligible=True,
        paid_on="certification",
        event_date=event,
        rule=rule_id,
        clause="十",
        rule_version=policy.rule_version,
        policy_hash=policy.content_hash,
        reason=reason,
        facts=(
            ("certificate_id", cert.id),
            ("insurance_fact_id", records.insurance.id if records.insurance else None),
        ),
        steps=(*steps, granted),
    )
