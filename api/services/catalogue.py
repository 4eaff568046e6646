"""Queries behind the public catalogue pages (培训项目目录, 机构目录, 用工订单) and worker views."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, selectinload

from api.errors import NotFound
from api.services.institution_outcomes import institution_outcomes
from api.services.records import institution_info
from data.db.models import Employer, Institution, Order, Programme, Region, Worker

__all__ = [
    "InstitutionView",
    "NotFound",
    "ProgrammeQuery",
    "get_worker",
    "list_institutions",
    "list_orders",
    "list_programmes",
    "list_regions",
    "employer_adcode",
    "order_keys",
    "programme_owner",
    "worker_home",
]


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True, slots=True)
class ProgrammeQuery:
    city: str | None = None  # 4-digit city or 6-digit county prefix of the adcode
    occupation_code: str | None = None
    training_type: str | None = None
    open_on: dt.date | None = None  # only programmes not started by then with seats left
    limit: int = 50
    offset: int = 0
    level: int | None = None
    #: words of the title or description (each must appear)
    text: str | None = None
    #: start date window (inclusive)
    start_from: dt.date | None = None
    start_to: dt.date | None = None


def list_programmes(session: Session, q: ProgrammeQuery) -> tuple[int, list[Programme]]:
    stmt = (
        select(Programme)
        .join(Institution)
        .where(Institution.status == "active", Programme.status == "active")
    )
    if q.city:
        stmt = stmt.where(Programme.adcode.startswith(q.city))
    if q.occupation_code:
        stmt = stmt.where(Programme.occupation_code == q.occupation_code)
    if q.training_type:
        stmt = stmt.where(Programme.training_type == q.training_type)
    if q.open_on:
        stmt = stmt.where(Programme.start_date >= q.open_on, Programme.seats_left > 0)
    if q.level is not None:
        stmt = stmt.where(Programme.level == q.level)
    for word in (q.text or "").split():
        pattern = f"%{_escape_like(word)}%"
        stmt = stmt.where(
            Programme.title.like(pattern, escape="\\") | Programme.description.like(pattern, escape="\\")
        )
    if q.start_from:
        stmt = stmt.where(Programme.start_date >= q.start_from)
    if q.start_to:
        stmt = stmt.where(Programme.start_date <= q.start_to)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Programme.start_date, Programme.id).limit(q.limit).offset(q.offset))
    return total, list(rows)


@dataclass(frozen=True, slots=True)
class InstitutionView:
    """An institution of the public catalogue, its rates computed from the records where there
    are any (:mod:`api.services.institution_outcomes`), else as typed in."""

    id: str
    name: str
    kind: str
    adcode: str
    status: str
    completion_rate: float | None
    certification_rate: float | None
    employment_rate_6m: float | None


def list_institutions(
    session: Session, city: str | None, limit: int, offset: int, today: dt.date | None = None
) -> tuple[int, list[InstitutionView]]:
    stmt = select(Institution)
    if city:
        stmt = stmt.where(Institution.adcode.startswith(city))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = list(session.scalars(stmt.order_by(Institution.id).limit(limit).offset(offset)))
    outcomes = institution_outcomes(session, today or dt.date.today(), [i.id for i in rows])
    views = []
    for i in rows:
        info = institution_info(i, outcomes=outcomes.get(i.id))
        views.append(
            InstitutionView(
                i.id,
                i.name,
                i.kind,
                i.adcode,
                i.status,
                info.completion_rate,
                info.certification_rate,
                info.employment_rate_6m,
            )
        )
    return total, views


def list_orders(session: Session, city: str | None, limit: int, offset: int) -> tuple[int, list[Order]]:
    stmt = select(Order).where(Order.status == "open")
    if city:
        stmt = stmt.where(Order.adcode.startswith(city))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    return total, list(session.scalars(stmt.order_by(Order.start_date, Order.id).limit(limit).offset(offset)))


def list_workers(session: Session, city: str | None, limit: int, offset: int) -> tuple[int, list[Worker]]:
    stmt = select(Worker).options(selectinload(Worker.certificates))
    if city:
        stmt = stmt.where(Worker.home_adcode.startswith(city))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    return total, list(session.scalars(stmt.order_by(Worker.id).limit(limit).offset(offset)))


def get_worker(session: Session, worker_id: str) -> Worker:
    worker = session.scalar(
        select(Worker).where(Worker.id == worker_id).options(selectinload(Worker.certificates))
    )
    if worker is None:
        raise NotFound(f"未找到劳动者 {worker_id}")
    return worker


# built once (Core, cache key memoised): the scope check of every per-worker request runs it
_WORKER_HOME = select(Worker.__table__.c.home_adcode).where(Worker.__table__.c.id == bindparam("id"))


def worker_home(session: Session, worker_id: str) -> str | None:
    """The worker's home adcode (what scope is decided on); None for an unknown worker."""
    home: str | None = session.connection().execute(_WORKER_HOME, {"id": worker_id}).scalar()
    return home


def order_keys(session: Session, order_id: str) -> tuple[str | None, str] | None:
    """(employer id, adcode) of an order (what scope is decided on); None for an unknown order."""
    row = session.execute(select(Order.employer_id, Order.adcode).where(Order.id == order_id)).one_or_none()
    return (row[0], row[1]) if row is not None else None


def programme_owner(session: Session, programme_id: str) -> str | None:
    """The institution a programme belongs to; None for an unknown programme."""
    return session.scalar(select(Programme.institution_id).where(Programme.id == programme_id))


def employer_adcode(session: Session, employer_id: str) -> tuple[str | None] | None:
    """(adcode,) of an employer; None for an unknown one."""
    row = session.execute(select(Employer.adcode).where(Employer.id == employer_id)).one_or_none()
    return (row[0],) if row is not None else None


def list_regions(session: Session) -> list[Region]:
    return list(session.scalars(select(Region).order_by(Region.adcode)))
