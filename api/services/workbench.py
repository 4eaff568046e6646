"""What the counselor workbench and the worker page read: workers found by what a counselor
knows of them, and a worker's recommended pathways with the course and the job beside each
(title, institution, address, dates; employer, pay), all read from the recommender's snapshot
and the stored rows — no ranking here."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from api.errors import NotFound
from api.schemas.recommend import PathwayOut, RecommendationOut, WhyNotOut
from api.services.recommend import Recommender
from api.services.recommend.views import recommendation_out, why_not_out
from data.db.models import Institution, Region, Worker
from matcher.types import SHORT_LEVEL_NAMES

__all__ = [
    "CourseBrief",
    "JobBrief",
    "PathwayCard",
    "WorkerHit",
    "find_workers",
    "pathway_cards",
    "scoped_worker",
    "why_not",
]

_TAIL = re.compile(r"^\d{4}$")
_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


@dataclass(frozen=True, slots=True)
class WorkerHit:
    id: str
    name: str | None
    id_number: str
    phone: str | None
    home: str
    address: str | None
    groups: list[str]


@dataclass(frozen=True, slots=True)
class CourseBrief:
    id: str
    title: str
    institution: str
    address: str
    place: str
    occupation: str
    level: str
    training_type: str
    start_date: dt.date
    end_date: dt.date
    hours: int
    fee: int
    seats_left: int


@dataclass(frozen=True, slots=True)
class JobBrief:
    id: str
    employer: str
    occupation: str
    place: str
    wage_min: int
    wage_max: int
    start_date: dt.date
    head_count: int


@dataclass(frozen=True, slots=True)
class PathwayCard:
    pathway: PathwayOut
    course: CourseBrief | None
    job: JobBrief | None


def _region_names(session: Session, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    out = {}
    for r in session.scalars(select(Region).where(Region.adcode.in_(codes))):
        out[r.adcode] = r.name if not r.city_name or r.city_name == r.name else f"{r.city_name}{r.name}"
    return out


def find_workers(session: Session, region: str, text: str, limit: int = 30) -> tuple[int, list[WorkerHit]]:
    """Workers living in ``region`` (an adcode prefix) matched by ``text``: a worker id, the last
    four digits of the phone or of the 身份证号, a surname (the first character of the name) or
    words of the home address (a village). Empty ``text``: the region's workers by id."""
    text = text.strip()
    stmt = select(Worker).where(Worker.home_adcode.startswith(region))
    if text:
        if _TAIL.match(text):
            cond = or_(Worker.phone_masked.endswith(text), Worker.id_number_masked.endswith(text))
        else:
            conds = [Worker.home_address.contains(text, autoescape=True)]
            if _ID.match(text):
                conds.append(Worker.id == text)
            if len(text) == 1:
                conds.append(Worker.name_masked.startswith(text, autoescape=True))
            cond = or_(*conds)
        stmt = stmt.where(cond)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    workers = list(session.scalars(stmt.order_by(Worker.id).limit(limit)))
    names = _region_names(session, {w.home_adcode for w in workers})
    hits = [
        WorkerHit(
            w.id,
            w.name_masked,
            w.id_number_masked,
            w.phone_masked,
            names.get(w.home_adcode, w.home_adcode),
            w.home_address,
            list(w.groups or ()),
        )
        for w in workers
    ]
    return total, hits


def scoped_worker(session: Session, region: str, worker_id: str) -> Worker:
    """The worker ``worker_id`` when their home lies in ``region``; otherwise :class:`NotFound`
    (out of scope reads as absent, so its existence does not leak)."""
    worker = session.get(Worker, worker_id)
    if worker is None or not worker.home_adcode.startswith(region):
        raise NotFound(f"未找到劳动者 {worker_id}")
    return worker


def pathway_cards(
    recommender: Recommender, session: Session, worker_id: str, *, top: int, today: dt.date
) -> tuple[RecommendationOut, list[PathwayCard]]:
    """The worker's recommendation (the JSON API's model) and one card per pathway."""
    rec = recommendation_out(recommender.recommend_worker(worker_id, top=top, today=today))
    snap = recommender.snapshot
    programmes, orders = snap.programmes, snap.orders
    wanted = {
        programmes.records[programmes.row_of[p.programme_id]].institution.id
        for p in rec.pathways
        if p.programme_id in programmes.row_of
    }
    addresses = (
        dict(
            session.execute(
                select(Institution.id, Institution.address).where(Institution.id.in_(wanted))
            ).all()
        )
        if wanted
        else {}
    )
    cards = []
    for p in rec.pathways:
        course = job = None
        if p.programme_id is not None and p.programme_id in programmes.row_of:
            r = programmes.records[programmes.row_of[p.programme_id]]
            course = CourseBrief(
                r.id,
                r.title,
                r.institution.name,
                addresses.get(r.institution.id) or r.place.name,
                r.place.name,
                snap.occupation_names.get(r.occupation_code, r.occupation_code),
                SHORT_LEVEL_NAMES.get(r.level, str(r.level)),
                r.training_type,
                r.start_date,
                r.end_date,
                r.hours,
                r.fee,
                r.seats_left,
            )
        if p.order_id is not None and p.order_id in orders.row_of:
            o = orders.records[orders.row_of[p.order_id]]
            job = JobBrief(
                o.id,
                o.employer_name,
                snap.occupation_names.get(o.occupation_code, o.occupation_code),
                o.place.name,
                o.wage_min,
                o.wage_max,
                o.start_date,
                o.head_count,
            )
        cards.append(PathwayCard(p, course, job))
    return rec, cards


def why_not(recommender: Recommender, worker_id: str, item_id: str, *, today: dt.date) -> WhyNotOut:
    """Why a programme or order is not among the worker's pathways (the JSON API's answer)."""
    return why_not_out(recommender.why_not(worker_id, item_id, today=today))
