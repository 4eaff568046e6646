"""Outcomes of training as their owners record them (issue 12): an institution's completion and
certification of its own trainees, and an employer's hire on its own order.

These are the records a subsidy claim is read from (:mod:`api.services.claim_facts`) and from
which institutions' completion, certification and 6-month employment rates are computed
(:mod:`api.services.institution_outcomes`). Every write is one transaction with its audit event;
bad input stores nothing. Recording an outcome touches the institution's ``updated_at``, so that
the recommender's next catalogue snapshot reads the new rates.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.errors import Conflict, FieldError, Invalid, NotFound
from api.services.enrollments import COMPLETED, IN_TRAINING, EnrollmentView, view
from api.services.record_access import Actor, audit, enrollment_for_institution, order_for_employer
from data.db.models import Certificate, Enrollment, Hire, Institution, Occupation, Programme, Worker
from data.db.session import transaction
from matcher.subsidy.rules import level_name

__all__ = [
    "CERTIFICATE_NUMBER",
    "CertificateView",
    "HireView",
    "certify_in",
    "check_certificate",
    "check_completion",
    "complete_in",
    "record_certificate",
    "record_completion",
    "record_hire",
]

#: 证书编号: letters, digits and hyphens (as the registry's import accepts them)
CERTIFICATE_NUMBER = r"^[A-Za-z0-9-]{6,64}$"


@dataclass(frozen=True, slots=True)
class CertificateView:
    id: int
    worker_id: str
    enrollment_id: int | None
    number: str
    issuing_body: str
    occupation_code: str
    work_type: str | None
    level: int
    level_name: str
    issued_on: dt.date


@dataclass(frozen=True, slots=True)
class HireView:
    id: int
    worker_id: str
    order_id: str | None
    employer_name: str
    employer_kind: str
    start_date: dt.date
    end_date: dt.date | None
    monthly_wage: int | None


def _invalid(field: str, message: str) -> Invalid:
    return Invalid(message, [FieldError(loc=["body", field], type="value_error", msg=message)])


def touch_institutions(s: Session, institution_ids: set[str]) -> None:
    """Mark institutions changed, so that the catalogue snapshot re-reads their rates."""
    if institution_ids:
        s.execute(
            update(Institution)
            .where(Institution.id.in_(sorted(institution_ids)))
            .values(updated_at=dt.datetime.now(dt.UTC).replace(tzinfo=None))
            .execution_options(synchronize_session=False)
        )


def check_completion(
    programme: Programme, *, completed_on: dt.date, hours_attended: int, today: dt.date
) -> None:
    """Refuse (:class:`Invalid`, by field) a completion the programme's dates and hours rule out."""
    if completed_on < programme.start_date:
        raise _invalid(
            "completed_on",
            f"结业日期 {completed_on.isoformat()} 早于开班日期 {programme.start_date.isoformat()}",
        )
    if completed_on > today:
        raise _invalid("completed_on", f"结业日期 {completed_on.isoformat()} 晚于今天 {today.isoformat()}")
    if not 0 <= hours_attended <= programme.hours:
        raise _invalid("hours_attended", f"出勤学时应在 0 至 {programme.hours}（课程总学时）之间")


def record_completion(
    engine: Engine,
    actor: Actor,
    enrollment_id: int,
    *,
    completed_on: dt.date,
    hours_attended: int,
    today: dt.date | None = None,
) -> EnrollmentView:
    """The institution records that its trainee finished (结业) on ``completed_on`` having attended
    ``hours_attended`` hours: 在训 → 结业."""
    with transaction(engine) as s:
        row = complete_in(
            s,
            actor,
            enrollment_id,
            completed_on=completed_on,
            hours_attended=hours_attended,
            today=today or dt.date.today(),
        )
        return view(s, row)


def complete_in(
    s: Session,
    actor: Actor,
    enrollment_id: int,
    *,
    completed_on: dt.date,
    hours_attended: int,
    today: dt.date,
) -> Enrollment:
    """:func:`record_completion` inside the caller's transaction."""
    row, programme = enrollment_for_institution(s, actor, enrollment_id, lock=True)
    if row.status != IN_TRAINING:
        status = f"报名记录 {enrollment_id} 的状态为“{row.status}”"
        raise Conflict(f"{status}，须先确认报名（“{IN_TRAINING}”）才能登记结业")
    check_completion(programme, completed_on=completed_on, hours_attended=hours_attended, today=today)
    row.status = COMPLETED
    row.completed = True
    row.completed_on = completed_on
    row.hours_attended = hours_attended
    audit(
        s,
        actor,
        "enrollment.completed",
        "enrollment",
        row.id,
        {
            "worker_id": row.worker_id,
            "programme_id": programme.id,
            "completed_on": completed_on.isoformat(),
            "hours_attended": hours_attended,
            "hours": programme.hours,
        },
    )
    touch_institutions(s, {programme.institution_id})
    return row


def _certificate_view(c: Certificate) -> CertificateView:
    assert c.number is not None and c.issuing_body is not None and c.issued_on is not None
    return CertificateView(
        c.id,
        c.worker_id,
        c.enrollment_id,
        c.number,
        c.issuing_body,
        c.occupation_code,
        c.work_type,
        c.level,
        level_name(c.level),
        c.issued_on,
    )


def check_certificate(
    s: Session,
    programme: Programme,
    *,
    occupation_code: str,
    level: int,
    number: str,
    issued_on: dt.date,
    work_type: str | None,
    today: dt.date,
) -> None:
    occupation = s.get(Occupation, occupation_code)
    if occupation is None:
        raise _invalid("occupation_code", f"未知的职业编码 {occupation_code}")
    if occupation_code != programme.occupation_code:
        raise _invalid(
            "occupation_code",
            f"证书职业 {occupation.name} 与培训项目的职业（{programme.occupation_code}）不同",
        )
    if level != programme.level:
        raise _invalid(
            "level", f"证书等级 {level_name(level)} 与培训项目的等级 {level_name(programme.level)} 不同"
        )
    if work_type is not None:
        kinds = {w.strip() for w in (occupation.work_types or "").split("|") if w.strip()}
        if work_type not in kinds:
            raise _invalid("work_type", f"“{work_type}”不是{occupation.name}的工种")
    if not re.match(CERTIFICATE_NUMBER, number):
        raise _invalid("number", "证书编号应为6至64位字母、数字或连字符")
    if issued_on < programme.start_date:
        raise _invalid(
            "issued_on", f"发证日期 {issued_on.isoformat()} 早于开班日期 {programme.start_date.isoformat()}"
        )
    if issued_on > today:
        raise _invalid("issued_on", f"发证日期 {issued_on.isoformat()} 晚于今天 {today.isoformat()}")
    if s.scalar(select(Certificate.id).where(Certificate.number == number)) is not None:
        raise Conflict(f"证书编号 {number} 已登记")


def record_certificate(
    engine: Engine,
    actor: Actor,
    enrollment_id: int,
    *,
    occupation_code: str,
    level: int,
    number: str,
    issued_on: dt.date,
    work_type: str | None = None,
    issuing_body: str | None = None,
    today: dt.date | None = None,
) -> CertificateView:
    """The institution records the certificate its trainee earned on the course: a
    :class:`Certificate` with provenance (``source`` "registry"; pays 评价补贴 once, makes the course
    "certified"). The trainee must have completed; occupation and level are the programme's; the
    number is unique; ``issuing_body`` defaults to the institution's name."""
    try:
        with transaction(engine) as s:
            cert = certify_in(
                s,
                actor,
                enrollment_id,
                occupation_code=occupation_code,
                level=level,
                number=number,
                issued_on=issued_on,
                work_type=work_type,
                issuing_body=issuing_body,
                today=today or dt.date.today(),
            )
            return _certificate_view(cert)
    except IntegrityError:
        raise Conflict(f"证书编号 {number} 已登记") from None


def certify_in(
    s: Session,
    actor: Actor,
    enrollment_id: int,
    *,
    occupation_code: str,
    level: int,
    number: str,
    issued_on: dt.date,
    work_type: str | None,
    issuing_body: str | None,
    today: dt.date,
) -> Certificate:
    """:func:`record_certificate` inside the caller's transaction."""
    row, programme = enrollment_for_institution(s, actor, enrollment_id, lock=True)
    if row.status != COMPLETED:
        raise Conflict(f"报名记录 {enrollment_id} 尚未登记结业，不能登记证书")
    if s.scalar(select(Certificate.id).where(Certificate.enrollment_id == row.id)) is not None:
        raise Conflict(f"报名记录 {enrollment_id} 已登记证书")
    check_certificate(
        s,
        programme,
        occupation_code=occupation_code,
        level=level,
        number=number,
        issued_on=issued_on,
        work_type=work_type,
        today=today,
    )
    institution = s.get(Institution, programme.institution_id)
    assert institution is not None  # foreign key
    cert = Certificate(
        worker_id=row.worker_id,
        occupation_code=occupation_code,
        level=level,
        year=issued_on.year,
        number=number,
        issuing_body=(issuing_body or "").strip() or institution.name,
        work_type=work_type,
        issued_on=issued_on,
        enrollment_id=row.id,
        source="registry",
    )
    s.add(cert)
    row.certified = True
    s.flush()  # uq_certificate_number answers here
    audit(
        s,
        actor,
        "certificate.recorded",
        "certificate",
        cert.id,
        {
            "worker_id": row.worker_id,
            "enrollment_id": row.id,
            "occupation_code": occupation_code,
            "level": level,
            "number": number,
            "issued_on": issued_on.isoformat(),
        },
    )
    touch_institutions(s, {programme.institution_id})
    return cert


def _trained_at(s: Session, worker_id: str) -> set[str]:
    """The institutions where the worker completed a course (their employment rates change)."""
    stmt = (
        select(Programme.institution_id)
        .join(Enrollment, Enrollment.programme_id == Programme.id)
        .where(Enrollment.worker_id == worker_id, Enrollment.status == COMPLETED)
    )
    return set(s.scalars(stmt))


def record_hire(
    engine: Engine,
    actor: Actor,
    order_id: str,
    *,
    worker_id: str,
    start_date: dt.date,
    monthly_wage: int,
    end_date: dt.date | None = None,
    today: dt.date | None = None,
) -> HireView:
    """The employer records that it hired ``worker_id`` on its own order from ``start_date`` at
    ``monthly_wage`` 元: a :class:`Hire` (直补企业 needs one; employment rates count it). The same
    worker hired by the same employer from the same day is recorded once."""
    today = today or dt.date.today()
    with transaction(engine) as s:
        order = order_for_employer(s, actor, order_id)
        if s.get(Worker, worker_id) is None:
            raise NotFound(f"未找到劳动者 {worker_id}")
        if start_date > today:
            raise _invalid("start_date", f"入职日期 {start_date.isoformat()} 晚于今天 {today.isoformat()}")
        if end_date is not None and end_date < start_date:
            raise _invalid(
                "end_date", f"离职日期 {end_date.isoformat()} 早于入职日期 {start_date.isoformat()}"
            )
        if not 0 < monthly_wage <= 100_000:
            raise _invalid("monthly_wage", "月工资应在 1 至 100000 元之间")
        same = s.scalar(
            select(Hire.id).where(
                Hire.worker_id == worker_id,
                Hire.employer_name == order.employer_name,
                Hire.start_date == start_date,
            )
        )
        if same is not None:
            raise Conflict(f"已登记{start_date.isoformat()}录用该劳动者")
        hire = Hire(
            worker_id=worker_id,
            order_id=order.id,
            employer_name=order.employer_name,
            employer_kind=order.employer_kind,
            start_date=start_date,
            end_date=end_date,
            monthly_wage=monthly_wage,
            source="registry",
        )
        s.add(hire)
        s.flush()
        audit(
            s,
            actor,
            "hire.recorded",
            "hire",
            hire.id,
            {
                "worker_id": worker_id,
                "order_id": order.id,
                "start_date": start_date.isoformat(),
                "monthly_wage": monthly_wage,
            },
        )
        touch_institutions(s, _trained_at(s, worker_id))
        return HireView(
            hire.id,
            worker_id,
            order.id,
            hire.employer_name,
            hire.employer_kind,
            start_date,
            end_date,
            monthly_wage,
        )
