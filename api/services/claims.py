"""The subsidy claims workflow for signed-in callers (issue 12), on top of
:class:`api.services.subsidy.SubsidyService`.

A counselor files (申请) a claim for a worker of their region, naming one record (an enrollment, or
a certificate); the money is decided on the records. An admin of the claim's city reviews (审核)
and approves or rejects (通过/驳回); another admin pays (发放). The actor is always the signed-in
caller's username, so the service's separation of duties holds between people: the submitter
cannot review, the submitter and the reviewers cannot pay. Refusals answer with the service's
Chinese reason: 403 for a duty conflict, 409 for a claim the records or the uniqueness rules
refuse or a state that changed meanwhile; out-of-scope claims and workers are 404.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.errors import Conflict, Forbidden, Invalid, NotFound
from api.services.claim_facts import ClaimInputError
from api.services.claim_outcomes import ClaimOutcome, duty_conflict, split_payment
from api.services.record_access import Actor, visible_worker
from api.services.subsidy import SubsidyService
from data.db.models import SubsidyClaim, Worker
from data.db.session import transaction
from matcher.subsidy import KIND_NAMES

__all__ = ["STEPS", "ClaimView", "advance", "file_claim", "get_claim", "list_claims"]

#: HTTP step → the claim state it moves to
STEPS: dict[str, str] = {"review": "审核", "approve": "通过", "reject": "驳回", "pay": "发放"}


@dataclass(frozen=True, slots=True)
class ClaimView:
    """A stored claim, and the message of the step that produced this view."""

    id: int
    worker_id: str
    kind: str
    kind_name: str
    status: str
    amount: int
    to_worker: int
    to_employer: int
    payee: str
    payee_name: str | None
    enrollment_id: int | None
    certificate_id: int | None
    programme_id: str | None
    occupation_code: str
    level: int
    event_date: dt.date
    claim_date: dt.date
    city: str
    rule_version: str | None
    submitted_by: str | None
    reviewed_by: str | None
    approved_by: str | None
    paid_by: str | None
    message: str = ""


def _view(c: SubsidyClaim, message: str = "") -> ClaimView:
    to_worker, to_employer = split_payment(c)
    return ClaimView(
        c.id,
        c.worker_id,
        c.kind,
        KIND_NAMES.get(c.kind, c.kind),
        c.status,
        c.amount,
        to_worker,
        to_employer,
        c.payee,
        c.payee_name,
        c.enrollment_id,
        c.certificate_id,
        c.programme_id,
        c.occupation_code,
        c.level,
        c.event_date,
        c.claim_date,
        c.city,
        c.rule_version,
        c.submitted_by,
        c.reviewed_by,
        c.approved_by,
        c.paid_by,
        message,
    )


_UNIQUE_RULES = ("no_duplicate", "once_per_enrollment", "once_per_certificate", "once_per_day")


def _refusal(outcome: ClaimOutcome) -> Conflict:
    return Conflict(f"补贴申领未受理：{outcome.message}")


def file_claim(
    service: SubsidyService,
    actor: Actor,
    *,
    worker_id: str,
    kind: str,
    enrollment_id: int | None = None,
    certificate_id: int | None = None,
) -> ClaimView:
    """A counselor files a claim of ``kind`` for a worker of their region (申请). Refused claims
    store nothing (the refusal is audited) and raise :class:`Conflict` with the reason."""
    if actor.role != "counselor":
        raise Forbidden("只有就业服务站经办人可以提交补贴申领")
    with transaction(service.engine) as s:
        visible_worker(s, actor, worker_id)
    try:
        outcome = service.submit(
            worker_id=worker_id,
            kind=kind,
            actor=actor.username,
            enrollment_id=enrollment_id,
            certificate_id=certificate_id,
        )
    except ClaimInputError as exc:
        raise Invalid(str(exc)) from None
    if not outcome.accepted or outcome.claim_id is None:
        raise _refusal(outcome)
    return get_claim(service, actor, outcome.claim_id, message=outcome.message)


def _claim_in_scope(s: Session, actor: Actor, claim_id: int) -> SubsidyClaim:
    claim = s.get(SubsidyClaim, claim_id)
    if claim is not None:
        if actor.role == "admin" and actor.covers(claim.city):
            return claim
        if actor.role == "counselor":
            worker = s.get(Worker, claim.worker_id)
            if worker is not None and actor.covers(worker.home_adcode):
                return claim
    raise NotFound(f"未找到补贴申领 {claim_id}")


def get_claim(service: SubsidyService, actor: Actor, claim_id: int, *, message: str = "") -> ClaimView:
    """One claim: an admin of its city, or a counselor of its worker's region."""
    with transaction(service.engine) as s:
        return _view(_claim_in_scope(s, actor, claim_id), message)


def advance(service: SubsidyService, actor: Actor, claim_id: int, step: str, *, note: str = "") -> ClaimView:
    """An admin of the claim's city moves it one ``step`` (:data:`STEPS`). Separation of duties
    is the service's, between usernames: a conflict raises :class:`Forbidden`; a refused change
    (wrong state, already paid, records no longer holding) :class:`Conflict`."""
    if actor.role != "admin":
        raise Forbidden("只有人社部门管理员可以审核或发放补贴")
    to_status = STEPS[step]
    with transaction(service.engine) as s:
        before = _claim_in_scope(s, actor, claim_id)
        duty = duty_conflict(before, to_status, actor.username)
    outcome = service.advance(claim_id, to_status, actor=actor.username, note=note)
    if not outcome.accepted:
        if duty:
            raise Forbidden(outcome.message)
        raise Conflict(outcome.message)
    return get_claim(service, actor, claim_id, message=outcome.message)


def list_claims(
    service: SubsidyService,
    actor: Actor,
    *,
    status: str | None = None,
    worker_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[ClaimView]]:
    """Claims the caller may see (an admin: its city's; a counselor: its region's workers'),
    newest first; imported history is left out."""
    with transaction(service.engine) as s:
        stmt = select(SubsidyClaim).where(~SubsidyClaim.history)
        if actor.role == "admin":
            stmt = stmt.where(SubsidyClaim.city.startswith(actor.region))
        elif actor.role == "counselor":
            stmt = stmt.join(Worker, Worker.id == SubsidyClaim.worker_id).where(
                Worker.home_adcode.startswith(actor.region)
            )
        else:
            raise Forbidden("无权查看补贴申领")
        if status:
            stmt = stmt.where(SubsidyClaim.status == status)
        if worker_id:
            stmt = stmt.where(SubsidyClaim.worker_id == worker_id)
        total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = s.scalars(stmt.order_by(SubsidyClaim.id.desc()).limit(limit).offset(offset))
        return total, [_view(c) for c in rows]
