"""What the institution and administrator pages read, in a fixed number of queries:

- an institution's own programmes with their enrollment, completion and certification counts,
  and one programme's enrollments (trainees' names masked as stored);
- an administrator's claim queues — filed (申请), in review (审核), approved and waiting for
  payment (通过) — with who did each earlier step, so that separation of duties is visible; and
  the recorded risk flags of the cities in the administrator's region.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.errors import NotFound
from api.services.directory import occupation_names
from data.db.models import (
    Enrollment,
    Institution,
    Order,
    Programme,
    Region,
    RiskFlagRecord,
    SubsidyClaim,
    Worker,
)
from matcher.types import SHORT_LEVEL_NAMES

__all__ = [
    "CLAIM_KINDS",
    "QUEUES",
    "ClaimRow",
    "EnrollmentRow",
    "FlagRow",
    "OrderRow",
    "ProgrammeSummary",
    "claim_queues",
    "employer_order",
    "employer_orders",
    "institution_programmes",
    "programme_names",
    "programme_enrollments",
    "risk_flags",
]

CLAIM_KINDS = {
    "training": "职业培训补贴",
    "certification": "评价补贴",
    "skill_upgrade": "技能提升补贴",
    "living": "生活费补贴",
}
#: enrollment states that hold no place: withdrawn (退出), a worker's request (待确认)
NOT_ENROLLED = ("退出", "待确认")
#: queue status → what the queue waits for
QUEUES = {"申请": "待审核", "审核": "待审批", "通过": "待发放"}


@dataclass(frozen=True, slots=True)
class ProgrammeSummary:
    id: str
    title: str
    start_date: dt.date
    end_date: dt.date
    seats: int
    seats_left: int
    enrolled: int
    completed: int
    certified: int
    #: "active" or "suspended" (暂停招生: neither listed nor recommended)
    status: str = "active"


@dataclass(frozen=True, slots=True)
class EnrollmentRow:
    id: int
    worker_id: str
    name: str | None
    status: str
    enrolled_on: dt.date
    completed_on: dt.date | None
    hours_attended: int | None
    certified: bool


@dataclass(frozen=True, slots=True)
class ClaimRow:
    id: int
    worker_id: str
    kind: str
    occupation: str
    level: str
    amount: int
    payee: str
    city: str
    claim_date: dt.date
    status: str
    submitted_by: str | None
    reviewed_by: str | None
    approved_by: str | None


@dataclass(frozen=True, slots=True)
class FlagRow:
    id: int
    kind: str
    subject: str
    city: str
    message: str
    evidence: dict[str, object]
    state: str
    state_by: str | None
    last_seen: dt.date


def institution_programmes(session: Session, institution_id: str) -> list[ProgrammeSummary]:
    """The institution's programmes by start date, with counts from its enrollment records
    (withdrawn ones and a worker's requests not yet confirmed are not counted as enrolled)."""
    programmes = list(
        session.scalars(
            select(Programme)
            .where(Programme.institution_id == institution_id)
            .order_by(Programme.start_date, Programme.id)
        )
    )
    enrolled: Counter[str] = Counter()
    completed: Counter[str] = Counter()
    certified: Counter[str] = Counter()
    ids = [p.id for p in programmes]
    if ids:
        rows = session.execute(
            select(
                Enrollment.programme_id, Enrollment.status, Enrollment.completed, Enrollment.certified
            ).where(Enrollment.programme_id.in_(ids))
        )
        for programme_id, status, done, cert in rows:
            if status not in NOT_ENROLLED:
                enrolled[programme_id] += 1
            completed[programme_id] += bool(done)
            certified[programme_id] += bool(cert)
    return [
        ProgrammeSummary(
            p.id,
            p.title,
            p.start_date,
            p.end_date,
            p.seats,
            p.seats_left,
            enrolled[p.id],
            completed[p.id],
            certified[p.id],
            p.status,
        )
        for p in programmes
    ]


def programme_enrollments(session: Session, institution_id: str, programme_id: str) -> list[EnrollmentRow]:
    """The enrollments of one of the institution's programmes; another's answers
    :class:`NotFound` as a missing one does."""
    programme = session.get(Programme, programme_id)
    if programme is None or programme.institution_id != institution_id:
        raise NotFound(f"未找到培训项目 {programme_id}")
    rows = session.execute(
        select(Enrollment, Worker.name_masked)
        .join(Worker, Worker.id == Enrollment.worker_id)
        .where(Enrollment.programme_id == programme_id)
        .order_by(Enrollment.id)
    )
    return [
        EnrollmentRow(
            e.id, e.worker_id, name, e.status, e.enrolled_on, e.completed_on, e.hours_attended, e.certified
        )
        for e, name in rows
    ]


def claim_queues(session: Session, region: str, limit: int = 100) -> dict[str, list[ClaimRow]]:
    """Status → the oldest ``limit`` claims of the cities in ``region`` waiting in that queue."""
    occupations: dict[str, str] = {}
    queues: dict[str, list[ClaimRow]] = {}
    for status in QUEUES:
        claims = list(
            session.scalars(
                select(SubsidyClaim)
                .where(SubsidyClaim.status == status, SubsidyClaim.city.startswith(region[:4]))
                .order_by(SubsidyClaim.claim_date, SubsidyClaim.id)
                .limit(limit)
            )
        )
        occupations.update(occupation_names(session, {c.occupation_code for c in claims} - set(occupations)))
        queues[status] = [
            ClaimRow(
                c.id,
                c.worker_id,
                CLAIM_KINDS.get(c.kind, c.kind),
                occupations.get(c.occupation_code, c.occupation_code),
                SHORT_LEVEL_NAMES.get(c.level, str(c.level)),
                c.amount,
                "企业（直补企业）" if c.payee == "enterprise" else "本人",
                c.city,
                c.claim_date,
                c.status,
                c.submitted_by,
                c.reviewed_by,
                c.approved_by,
            )
            for c in claims
        ]
    return queues


def risk_flags(session: Session, region: str, state: str | None = None, limit: int = 200) -> list[FlagRow]:
    """The recorded risk flags of the cities in ``region`` (newest sighting first)."""
    stmt = select(RiskFlagRecord).where(RiskFlagRecord.city.startswith(region[:4]))
    if state:
        stmt = stmt.where(RiskFlagRecord.state == state)
    rows = session.scalars(stmt.order_by(RiskFlagRecord.last_seen.desc(), RiskFlagRecord.id).limit(limit))
    return [
        FlagRow(
            f.id,
            f.kind,
            f.subject,
            f.city,
            f.message,
            dict(f.evidence or {}),
            f.state,
            f.state_by,
            f.last_seen,
        )
        for f in rows
    ]


@dataclass(frozen=True, slots=True)
class OrderRow:
    id: str
    occupation: str
    head_count: int
    place: str
    wage_min: int
    wage_max: int
    start_date: dt.date
    status: str
    flags: list[str]


def employer_orders(session: Session, employer_id: str) -> list[OrderRow]:
    """The employer's own orders, open ones first, by start date."""
    orders = list(
        session.scalars(
            select(Order)
            .where(Order.employer_id == employer_id)
            .order_by(Order.status.desc(), Order.start_date, Order.id)
        )
    )
    occupations = occupation_names(session, {o.occupation_code for o in orders})
    places = {
        r.adcode: (r.name if not r.city_name or r.city_name == r.name else f"{r.city_name}{r.name}")
        for r in session.scalars(select(Region).where(Region.adcode.in_({o.adcode for o in orders})))
    }
    return [
        OrderRow(
            o.id,
            occupations.get(o.occupation_code, o.occupation_code),
            o.head_count,
            places.get(o.adcode, o.adcode),
            o.wage_min,
            o.wage_max,
            o.start_date,
            o.status,
            list(o.flags or ()),
        )
        for o in orders
    ]


def employer_order(session: Session, employer_id: str, order_id: str) -> OrderRow:
    """One of the employer's orders; another employer's answers :class:`NotFound`."""
    for row in employer_orders(session, employer_id):
        if row.id == order_id:
            return row
    raise NotFound(f"未找到用工订单 {order_id}")


def programme_names(session: Session, ids: set[str]) -> dict[str, tuple[str, str]]:
    """Programme id → (title, institution name), for the courses a candidate's gap closes."""
    if not ids:
        return {}
    rows = session.execute(
        select(Programme.id, Programme.title, Institution.name)
        .join(Institution, Institution.id == Programme.institution_id)
        .where(Programme.id.in_(sorted(ids)))
    )
    return {pid: (title, name) for pid, title, name in rows}
