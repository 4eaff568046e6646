"""The answers of the claims workflow and its fixed rules: state changes, separation of duties,
which uniqueness rule the database enforced. Used by :mod:`api.services.subsidy`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from api.services.claim_facts import ClaimInputError
from data.db.models import SubsidyClaim
from matcher.subsidy import SubsidyDecision

#: Allowed state changes of a claim.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "申请": ("审核", "驳回"),
    "审核": ("通过", "驳回"),
    "通过": ("发放",),
    "驳回": (),
    "发放": (),
}
DUPLICATE_MESSAGE = "同一年度同一职业（工种）的同一等级不可重复申领培训补贴（含参保职工技能提升补贴）"


@dataclass(frozen=True, slots=True)
class ClaimOutcome:
    """The answer to a submission or a state change. ``message`` is plain Chinese; ``to_worker``
    and ``to_employer`` are the yuan the claim pays each (0 when refused)."""

    accepted: bool
    message: str
    claim_id: int | None = None
    status: str | None = None
    amount: int = 0
    payee: str = "none"
    rule: str | None = None
    rule_version: str | None = None
    decision: SubsidyDecision | None = None
    to_worker: int = 0
    to_employer: int = 0


def check_actor(actor: str) -> str:
    if not isinstance(actor, str) or not actor.strip():
        raise ClaimInputError("须注明经办人（actor）")
    return actor.strip()


def duty_conflict(claim: SubsidyClaim, to_status: str, actor: str) -> str | None:
    """Separation of duties (clause 十三 "规范职权行为"): a Chinese message, or None."""
    if to_status in ("审核", "通过", "驳回") and actor == claim.submitted_by:
        return "职责分离：提交补贴申领的经办人不能审核本人提交的申领"
    if to_status == "发放" and actor in (claim.submitted_by, claim.reviewed_by, claim.approved_by):
        return "职责分离：提交或审核该补贴申领的经办人不能办理发放"
    return None


def fact_id(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def split_payment(claim: SubsidyClaim) -> tuple[int, int]:
    """(to worker, to employer) of a stored claim."""
    if claim.payee == "enterprise":
        return 0, claim.amount
    return (claim.amount, 0) if claim.payee == "worker" else (0, 0)


def accepted(message: str, claim: SubsidyClaim, d: SubsidyDecision) -> ClaimOutcome:
    return ClaimOutcome(
        True,
        message,
        claim.id,
        claim.status,
        d.amount,
        d.payee,
        d.rule,
        d.rule_version,
        d,
        d.to_worker,
        d.to_employer,
    )


def refused(decision: SubsidyDecision) -> ClaimOutcome:
    return ClaimOutcome(
        False, decision.reason, rule=decision.rule, rule_version=decision.rule_version, decision=decision
    )


def violated_index(exc: IntegrityError) -> str | None:
    """Which uniqueness rule the database enforced: "year", "enrollment", "certificate", "days",
    or None (another error). PostgreSQL names the index; SQLite lists its columns."""
    text = str(exc.orig)
    if "uq_claim_once_per_year" in text or "subsidy_claims.event_year" in text:
        return "year"
    if "uq_claim_once_per_enrollment" in text or "subsidy_claims.enrollment_id, subsidy_claims.kind" in text:
        return "enrollment"
    if (
        "uq_claim_once_per_certificate" in text
        or "subsidy_claims.certificate_id, subsidy_claims.kind" in text
    ):
        return "certificate"
    if "living_allowance_days_pkey" in text or "living_allowance_days.worker_id" in text:
        return "days"
    return None
