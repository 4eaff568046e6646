"""Who may touch which record, and the audit line every write leaves (the records side of issue 12).

Services take the signed-in caller as ``actor`` (:class:`api.services.auth.Caller`) and look
records up through these functions, which answer :class:`NotFound` for
a record outside the caller's scope exactly as for one that does not exist, so that its existence
does not leak:

- a counselor or admin sees the workers whose home is in their region;
- a worker sees only their own record;
- an institution sees its own programmes and the enrollments into them;
- an employer sees its own orders.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, false, select
from sqlalchemy.orm import Session

from api.errors import NotFound
from api.services.auth import Caller
from data.db.models import AuditEvent, Enrollment, Order, Programme, Worker

__all__ = [
    "Actor",
    "audit",
    "enrollment_for_institution",
    "enrollments_visible_to",
    "order_for_employer",
    "programme_for_institution",
    "visible_enrollment",
    "visible_worker",
]


#: the signed-in caller: role, region and what it acts for (:class:`api.services.auth.Caller`)
Actor = Caller


def visible_worker(s: Session, actor: Actor, worker_id: str, *, lock: bool = False) -> Worker:
    """The worker ``worker_id`` as ``actor`` may see it: counselors and admins within their
    region, a worker their own record. Anyone else, or out of scope: :class:`NotFound`."""
    worker = s.get(Worker, worker_id, with_for_update=lock)
    if worker is not None:
        if actor.role in ("counselor", "admin") and actor.covers(worker.home_adcode):
            return worker
        if actor.role == "worker" and actor.worker_id == worker.id:
            return worker
    raise NotFound(f"未找到劳动者 {worker_id}")


def programme_for_institution(s: Session, actor: Actor, programme_id: str) -> Programme:
    """A programme of the calling institution (others: :class:`NotFound`)."""
    programme = s.get(Programme, programme_id)
    if programme is None or actor.role != "institution" or programme.institution_id != actor.institution_id:
        raise NotFound(f"未找到培训项目 {programme_id}")
    return programme


def visible_enrollment(s: Session, actor: Actor, enrollment_id: int, *, lock: bool = False) -> Enrollment:
    """An enrollment as ``actor`` may see it: its institution, the worker, or a counselor or admin
    covering the worker. Others: :class:`NotFound`."""
    enrollment = s.get(Enrollment, enrollment_id, with_for_update=lock)
    if enrollment is not None:
        if actor.role == "institution":
            programme = s.get(Programme, enrollment.programme_id)
            if programme is not None and programme.institution_id == actor.institution_id:
                return enrollment
        elif actor.role in ("counselor", "admin", "worker"):
            try:
                visible_worker(s, actor, enrollment.worker_id)
            except NotFound:
                pass
            else:
                return enrollment
    raise NotFound(f"未找到报名记录 {enrollment_id}")


def enrollments_visible_to(actor: Actor) -> Select[Enrollment]:
    """The enrollments ``actor`` may see, as a query (the lists' and exports' form of
    :func:`visible_enrollment`): an institution's into its programmes, a counselor's or admin's of
    the workers of their region, a worker's own; nothing for anyone else."""
    stmt = select(Enrollment)
    if actor.role == "institution":
        return stmt.join(Programme, Programme.id == Enrollment.programme_id).where(
            Programme.institution_id == actor.institution_id
        )
    if actor.role in ("counselor", "admin"):
        return stmt.join(Worker, Worker.id == Enrollment.worker_id).where(
            Worker.home_adcode.startswith(actor.region)
        )
    if actor.role == "worker":
        return stmt.where(Enrollment.worker_id == actor.worker_id)
    return stmt.where(false())


def enrollment_for_institution(
    s: Session, actor: Actor, enrollment_id: int, *, lock: bool = False
) -> tuple[Enrollment, Programme]:
    """An enrollment into one of the calling institution's programmes, with that programme."""
    enrollment = s.get(Enrollment, enrollment_id, with_for_update=lock)
    programme = s.get(Programme, enrollment.programme_id) if enrollment is not None else None
    if (
        enrollment is None
        or programme is None
        or actor.role != "institution"
        or programme.institution_id != actor.institution_id
    ):
        raise NotFound(f"未找到报名记录 {enrollment_id}")
    return enrollment, programme


def order_for_employer(s: Session, actor: Actor, order_id: str) -> Order:
    """An order of the calling employer (others: :class:`NotFound`)."""
    order = s.get(Order, order_id)
    if order is None or actor.role != "employer" or order_employer_id(order) != actor.employer_id:
        raise NotFound(f"未找到用工订单 {order_id}")
    return order


def order_employer_id(order: Order) -> str | None:
    """The employer an order belongs to."""
    return order.employer_id


def audit(
    s: Session, actor: Actor, action: str, entity: str, entity_id: object, payload: dict[str, Any]
) -> None:
    """Append one :class:`AuditEvent` with the caller as actor (no names or ID numbers in
    ``payload``; ids and facts only)."""
    s.add(
        AuditEvent(
            actor=actor.username,
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            payload={**payload, "role": actor.role},
        )
    )
