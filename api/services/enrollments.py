"""Enrollments: a worker joins a programme from one of their pathways (issue 12).

States of an :class:`Enrollment` (``status``):

- ``待确认`` — the worker asked ("我想报名"); no seat is taken until a counselor confirms;
- ``报名`` — a counselor enrolled the worker (or confirmed the request): one seat taken;
- ``在训`` — the institution confirmed the trainee;
- ``结业`` — the institution recorded completion (:mod:`api.services.outcomes`);
- ``退出`` — withdrawn (by the institution or the counselor): the seat is given back.

Seats are taken by one conditional ``UPDATE … SET seats_left = seats_left - 1 WHERE seats_left > 0``
inside the enrollment's transaction: however many counselors enroll at once, a programme never
gives more seats than it has (the row lock on PostgreSQL, the write lock on SQLite). One worker is
enrolled at most once in one programme (``uq_enrollment``); a withdrawn enrollment can be taken up
again. Every change writes an audit event with the caller as actor.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.errors import Conflict, Forbidden, Invalid, NotFound
from api.services.record_access import (
    Actor,
    audit,
    enrollment_for_institution,
    enrollments_visible_to,
    programme_for_institution,
    visible_enrollment,
    visible_worker,
)
from data.db.models import Enrollment, Institution, Order, Programme
from data.db.session import transaction

__all__ = [
    "REQUESTED",
    "SEAT_HOLDING",
    "EnrollmentView",
    "confirm",
    "confirm_in",
    "enroll",
    "list_for_programme",
    "list_for_worker",
    "list_visible",
    "place_in",
    "request",
    "withdraw",
]

REQUESTED = "待确认"
ENROLLED = "报名"
IN_TRAINING = "在训"
COMPLETED = "结业"
WITHDRAWN = "退出"
#: states that hold a seat of the programme
SEAT_HOLDING = (ENROLLED, IN_TRAINING, COMPLETED)


@dataclass(frozen=True, slots=True)
class EnrollmentView:
    """One enrollment as the API and the CLI show it."""

    id: int
    worker_id: str
    programme_id: str
    programme_title: str
    institution_id: str
    order_id: str | None
    status: str
    enrolled_on: dt.date
    completed: bool
    completed_on: dt.date | None
    hours_attended: int | None
    certified: bool
    fee_payer: str | None
    seats_left: int


def view(s: Session, e: Enrollment) -> EnrollmentView:
    programme = s.get(Programme, e.programme_id)
    assert programme is not None  # foreign key
    return EnrollmentView(
        e.id,
        e.worker_id,
        e.programme_id,
        programme.title,
        programme.institution_id,
        e.employer_order_id,
        e.status,
        e.enrolled_on,
        bool(e.completed),
        e.completed_on,
        e.hours_attended,
        bool(e.certified),
        e.fee_payer,
        programme.seats_left,
    )


def _open_programme(s: Session, programme_id: str, today: dt.date) -> Programme:
    """A programme a worker can still join on ``today`` (the catalogue is public: unknown → 404)."""
    programme = s.get(Programme, programme_id)
    if programme is None:
        raise NotFound(f"未找到培训项目 {programme_id}")
    institution = s.get(Institution, programme.institution_id)
    if institution is None or institution.status != "active":
        raise Conflict(f"培训机构已暂停招生，不能报名培训项目 {programme_id}")
    if programme.status != "active":
        raise Conflict(f"培训项目 {programme_id} 已暂停招生，不能报名")
    if programme.end_date < today:
        raise Conflict(f"培训项目 {programme_id} 已于 {programme.end_date.isoformat()} 结束，不能报名")
    return programme


def _linked_order(s: Session, order_id: str | None) -> str | None:
    if order_id is None:
        return None
    order = s.get(Order, order_id)
    if order is None:
        raise Invalid(f"未找到用工订单 {order_id}")
    if order.status != "open":
        raise Conflict(f"用工订单 {order_id} 已关闭")
    return order.id


def _take_seat(s: Session, programme: Programme) -> None:
    """Take one seat, or refuse: the check and the decrement are one statement."""
    taken = s.execute(  # type: ignore[attr-defined]  # an UPDATE's CursorResult
        update(Programme)
        .where(Programme.id == programme.id, Programme.seats_left > 0)
        .values(seats_left=Programme.seats_left - 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        raise Conflict(f"培训项目 {programme.id} 名额已满")
    s.refresh(programme)


def _give_back_seat(s: Session, programme_id: str) -> None:
    s.execute(
        update(Programme)
        .where(Programme.id == programme_id, Programme.seats_left < Programme.seats)
        .values(seats_left=Programme.seats_left + 1)
        .execution_options(synchronize_session=False)
    )
    programme = s.get(Programme, programme_id)
    if programme is not None:
        s.refresh(programme)


def _existing(s: Session, worker_id: str, programme_id: str) -> Enrollment | None:
    return s.scalars(
        select(Enrollment)
        .where(Enrollment.worker_id == worker_id, Enrollment.programme_id == programme_id)
        .with_for_update()
    ).first()


def _already(programme_id: str) -> Conflict:
    return Conflict(f"该劳动者已报名培训项目 {programme_id}，不能重复报名")


def place_in(
    s: Session,
    actor: Actor,
    worker_id: str,
    programme: Programme,
    *,
    enrolled_on: dt.date,
    order_id: str | None = None,
) -> Enrollment:
    """Enroll ``worker_id`` in ``programme`` inside the caller's transaction, taking one seat (the
    caller has checked who may and that the programme takes the worker): a pending request of the
    worker is confirmed, a withdrawn enrollment taken up again; any other enrollment of the
    worker in the programme raises :class:`Conflict`. Audited."""
    row = _existing(s, worker_id, programme.id)
    if row is not None and row.status not in (REQUESTED, WITHDRAWN):
        raise _already(programme.id)
    _take_seat(s, programme)
    action = "enrollment.enrolled"
    if row is None:
        row = Enrollment(worker_id=worker_id, programme_id=programme.id, enrolled_on=enrolled_on)
        s.add(row)
    elif row.status == REQUESTED:
        action = "enrollment.request_confirmed"
    row.status = ENROLLED
    row.enrolled_on = enrolled_on
    row.employer_order_id = order_id or row.employer_order_id
    row.fee_payer = "employer" if programme.employer_funded else "worker"
    s.flush()  # uq_enrollment answers here
    audit(
        s,
        actor,
        action,
        "enrollment",
        row.id,
        {"worker_id": worker_id, "programme_id": programme.id, "order_id": row.employer_order_id},
    )
    return row


def enroll(
    engine: Engine,
    actor: Actor,
    *,
    worker_id: str,
    programme_id: str,
    order_id: str | None = None,
    today: dt.date | None = None,
) -> EnrollmentView:
    """A counselor enrolls a worker of their region in ``programme_id`` (from a pathway: the
    programme, and the order it leads to if any), taking one seat. A pending request of the worker
    for that programme is confirmed; a withdrawn enrollment is taken up again.

    Raises :class:`NotFound` (worker out of scope, unknown programme), :class:`Conflict` (no seat
    left, already enrolled, programme ended or its institution suspended), :class:`Invalid`
    (unknown order)."""
    if actor.role != "counselor":
        raise Forbidden("只有就业服务站经办人可以为劳动者报名")
    today = today or dt.date.today()
    try:
        with transaction(engine) as s:
            worker = visible_worker(s, actor, worker_id)
            if not worker.active:
                raise Conflict(f"劳动者 {worker_id} 已停用，不能报名")
            programme = _open_programme(s, programme_id, today)
            order = _linked_order(s, order_id)
            row = place_in(s, actor, worker_id, programme, order_id=order, enrolled_on=today)
            return view(s, row)
    except IntegrityError:
        # the same worker enrolled into the same programme by someone else at the same moment
        raise _already(programme_id) from None


def request(
    engine: Engine,
    actor: Actor,
    *,
    programme_id: str,
    order_id: str | None = None,
    today: dt.date | None = None,
) -> EnrollmentView:
    """A worker's own "我想报名": a pending enrollment (no seat yet) that a counselor confirms
    with :func:`enroll`."""
    if actor.role != "worker" or actor.worker_id is None:
        raise Forbidden("只有劳动者本人可以提交报名申请")
    today = today or dt.date.today()
    try:
        with transaction(engine) as s:
            worker = visible_worker(s, actor, actor.worker_id)
            programme = _open_programme(s, programme_id, today)
            order = _linked_order(s, order_id)
            row = _existing(s, worker.id, programme_id)
            if row is not None and row.status != WITHDRAWN:
                raise Conflict(f"您已申请或报名培训项目 {programme_id}")
            if programme.seats_left <= 0:
                raise Conflict(f"培训项目 {programme_id} 名额已满")
            if row is None:
                row = Enrollment(worker_id=worker.id, programme_id=programme_id, enrolled_on=today)
                s.add(row)
            row.status = REQUESTED
            row.enrolled_on = today
            row.employer_order_id = order
            s.flush()
            audit(
                s,
                actor,
                "enrollment.requested",
                "enrollment",
                row.id,
                {"worker_id": worker.id, "programme_id": programme_id, "order_id": order},
            )
            return view(s, row)
    except IntegrityError:
        raise Conflict(f"您已申请或报名培训项目 {programme_id}") from None


def confirm(engine: Engine, actor: Actor, enrollment_id: int) -> EnrollmentView:
    """The institution confirms an enrollment into its own programme: 报名 → 在训."""
    with transaction(engine) as s:
        return view(s, confirm_in(s, actor, enrollment_id))


def confirm_in(s: Session, actor: Actor, enrollment_id: int) -> Enrollment:
    """:func:`confirm` inside the caller's transaction."""
    row, _ = enrollment_for_institution(s, actor, enrollment_id, lock=True)
    if row.status != ENROLLED:
        raise Conflict(f"报名记录 {enrollment_id} 的状态为“{row.status}”，只有“{ENROLLED}”可以确认")
    row.status = IN_TRAINING
    audit(
        s,
        actor,
        "enrollment.confirmed",
        "enrollment",
        row.id,
        {"worker_id": row.worker_id, "programme_id": row.programme_id},
    )
    return row


def withdraw(engine: Engine, actor: Actor, enrollment_id: int, *, reason: str) -> EnrollmentView:
    """Withdraw an enrollment (the institution, for its programme; or a counselor covering the
    worker, who also declines a pending request), giving back its seat. ``reason`` is required.
    A completed enrollment cannot be withdrawn (a claim may rest on it)."""
    if not reason.strip():
        raise Invalid("退出报名须注明原因")
    with transaction(engine) as s:
        if actor.role == "institution":
            row, _ = enrollment_for_institution(s, actor, enrollment_id, lock=True)
        elif actor.role == "counselor":
            row = visible_enrollment(s, actor, enrollment_id, lock=True)
        else:
            raise Forbidden("只有培训机构或就业服务站经办人可以办理退出")
        if row.status in (COMPLETED, WITHDRAWN):
            raise Conflict(f"报名记录 {enrollment_id} 的状态为“{row.status}”，不能退出")
        before = row.status
        row.status = WITHDRAWN
        if before in SEAT_HOLDING:
            _give_back_seat(s, row.programme_id)
        audit(
            s,
            actor,
            "enrollment.withdrawn",
            "enrollment",
            row.id,
            {
                "worker_id": row.worker_id,
                "programme_id": row.programme_id,
                "from": before,
                "reason": reason.strip()[:200],
            },
        )
        return view(s, row)


def list_for_worker(engine: Engine, actor: Actor, worker_id: str) -> list[EnrollmentView]:
    """The enrollments of one worker the caller may see, newest first."""
    with transaction(engine) as s:
        visible_worker(s, actor, worker_id)
        rows = s.scalars(
            select(Enrollment).where(Enrollment.worker_id == worker_id).order_by(Enrollment.id.desc())
        )
        return [view(s, e) for e in rows]


def list_for_programme(engine: Engine, actor: Actor, programme_id: str) -> list[EnrollmentView]:
    """The enrollments into one of the calling institution's programmes, oldest first."""
    with transaction(engine) as s:
        programme_for_institution(s, actor, programme_id)
        rows = s.scalars(
            select(Enrollment).where(Enrollment.programme_id == programme_id).order_by(Enrollment.id)
        )
        return [view(s, e) for e in rows]


def list_visible(engine: Engine, actor: Actor, *, limit: int | None = None) -> list[EnrollmentView]:
    """Every enrollment the caller may see, oldest first (who sees which:
    :func:`api.services.record_access.enrollments_visible_to`)."""
    with transaction(engine) as s:
        rows = s.scalars(enrollments_visible_to(actor).order_by(Enrollment.id).limit(limit))
        return [view(s, e) for e in rows]
