"""Storage rows → the core's frozen records (:mod:`matcher.types`) for the recommender.

Bulk loaders issue a fixed number of queries (no per-row lazy loads): programmes with their
institutions, open orders, workers with certificates and past claims, region names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any, TypeVar

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from api.services.institution_outcomes import InstitutionOutcomes, institution_outcomes
from data.db.models import (
    Certificate,
    GroupFact,
    ImportBatch,
    Institution,
    Occupation,
    Order,
    Programme,
    Region,
    RiskFlagRecord,
    SubsidyClaim,
    Worker,
)
from data.personal import name_for_view, phone_for_view
from matcher.candidates import MaskedWorker
from matcher.types import (
    HeldCertificate,
    InstitutionInfo,
    OrderRecord,
    PastClaim,
    Place,
    ProgrammeRecord,
    WorkerProfile,
)

__all__ = [
    "CatalogueVersion",
    "RegionNames",
    "WorkerRow",
    "catalogue_version",
    "load_occupation_names",
    "load_orders",
    "load_programmes",
    "load_region_names",
    "load_workers",
    "masked_view",
    "order_record",
    "programme_record",
    "worker_record",
]

_S = TypeVar("_S", bound=Select)  # type: ignore[type-arg]

#: adcode → (display name, lat, lon)
RegionNames = dict[str, tuple[str, float, float]]


def load_region_names(session: Session) -> RegionNames:
    out: RegionNames = {}
    for r in session.scalars(select(Region)):
        name = r.name if not r.city_name or r.city_name == r.name else f"{r.city_name}{r.name}"
        out[r.adcode] = (name, r.lat, r.lon)
    return out


def load_occupation_names(session: Session) -> dict[str, str]:
    return {code: name for code, name in session.execute(select(Occupation.code, Occupation.name))}


def _place(adcode: str, lat: float, lon: float, regions: RegionNames) -> Place:
    return Place(adcode, float(lat), float(lon), regions.get(adcode, ("", 0.0, 0.0))[0])


def institution_info(
    i: Institution, confirmed_flags: int = 0, outcomes: InstitutionOutcomes | None = None
) -> InstitutionInfo:
    """The core's view of an institution. Its rates are those computed from the records
    (``outcomes``, :mod:`api.services.institution_outcomes`) where there are records to compute
    them from, else the typed-in values of the catalogue import."""
    o = outcomes or InstitutionOutcomes()
    return InstitutionInfo(
        i.id,
        i.name,
        i.kind,
        i.status,
        _first(o.completion_rate, i.completion_rate),
        _first(o.certification_rate, i.certification_rate),
        _first(o.employment_rate_6m, i.employment_rate_6m),
        owner_employer=i.owner_employer,
        confirmed_flags=confirmed_flags,
    )


def _first(computed: float | None, typed: float | None) -> float | None:
    return computed if computed is not None else typed


def confirmed_flag_counts(session: Session) -> dict[str, int]:
    """Institution id → its clause 十三 risk flags an auditor confirmed (已核实 or 已查处)."""
    stmt = (
        select(RiskFlagRecord.institution_id, func.count())
        .where(RiskFlagRecord.institution_id.is_not(None), RiskFlagRecord.state.in_(("已核实", "已查处")))
        .group_by(RiskFlagRecord.institution_id)
    )
    return {inst: n for inst, n in session.execute(stmt) if inst is not None}


def programme_record(p: Programme, inst: InstitutionInfo, regions: RegionNames) -> ProgrammeRecord:
    return ProgrammeRecord(
        id=p.id,
        title=p.title,
        institution=inst,
        occupation_code=p.occupation_code,
        level=p.level,
        training_type=p.training_type,
        delivery=p.delivery,
        place=_place(p.adcode, p.lat, p.lon, regions),
        start_date=p.start_date,
        end_date=p.end_date,
        hours=p.hours,
        seats=p.seats,
        seats_left=p.seats_left,
        fee=p.fee,
        work_type=p.work_type,
        certificate=p.certificate,
        min_age=p.min_age,
        max_age=p.max_age,
        min_education=p.min_education,
        description=p.description or "",
        employer_funded=bool(p.employer_funded),
    )


def order_record(o: Order, regions: RegionNames) -> OrderRecord:
    return OrderRecord(
        id=o.id,
        employer_name=o.employer_name,
        employer_kind=o.employer_kind,
        occupation_code=o.occupation_code,
        head_count=o.head_count,
        place=_place(o.adcode, o.lat, o.lon, regions),
        wage_min=o.wage_min,
        wage_max=o.wage_max,
        start_date=o.start_date,
        work_type=o.work_type,
        required_level=o.required_level,
        requires_certificate=bool(o.requires_certificate),
        required_skills=o.required_skills or "",
        min_age=o.min_age,
        max_age=o.max_age,
        employer_trains=bool(o.employer_trains),
        programme_id=o.programme_id,
        description=o.description or "",
        flags=tuple(o.flags or ()),
        priority=o.priority or 0,
    )


def worker_record(
    w: Worker | WorkerRow,
    regions: RegionNames,
    claims: Sequence[PastClaim] = (),
    *,
    employer_kind: str | None = None,
    graduation_year: int | None = None,
) -> WorkerProfile:
    """The core record of a stored worker: the one mapping used by recommendations, subsidy
    decisions and risk checks (``employer_kind``: of the employer hiring the worker, for a claim)."""
    city = None
    if w.desired_city_adcode and w.desired_city_adcode in regions:
        name, lat, lon = regions[w.desired_city_adcode]
        city = Place(w.desired_city_adcode, lat, lon, name)
    return WorkerProfile(
        id=w.id,
        birth_year=w.birth_year,
        gender=w.gender,
        education=w.education,
        home=_place(w.home_adcode, w.home_lat, w.home_lon, regions),
        skills_text=w.skills_text or "",
        work_history=w.work_history or "",
        desired_occupations=tuple(w.desired_occupations or ()),
        desired_place=w.desired_place or "local",
        desired_city=city,
        max_commute_km=float(w.max_commute_km if w.max_commute_km is not None else 30.0),
        expected_wage=w.expected_wage,
        entrepreneurship=bool(w.entrepreneurship),
        groups=frozenset(w.groups or ()),
        certificates=tuple(HeldCertificate(c.occupation_code, c.level, c.year) for c in w.certificates),
        past_claims=tuple(claims),
        consent_share=bool(w.consent_share),
        employer_kind=employer_kind,
        graduation_year=graduation_year,
    )


def load_programmes(
    session: Session, regions: RegionNames, today: dt.date | None = None
) -> list[ProgrammeRecord]:
    """Every catalogue programme not suspended (filters decide what is open), ordered by id;
    institutions' rates computed from the records as of ``today`` (default: the calendar's)."""
    flags = confirmed_flag_counts(session)
    outcomes = institution_outcomes(session, today or dt.date.today())
    insts = {
        i.id: institution_info(i, flags.get(i.id, 0), outcomes.get(i.id))
        for i in session.scalars(select(Institution))
    }
    rows = session.scalars(select(Programme).where(Programme.status == "active").order_by(Programme.id))
    return [programme_record(p, insts[p.institution_id], regions) for p in rows]


def load_orders(session: Session, regions: RegionNames) -> list[OrderRecord]:
    """Open orders, ordered by id."""
    rows = session.scalars(select(Order).where(Order.status == "open").order_by(Order.id))
    return [order_record(o, regions) for o in rows]


@dataclass(frozen=True, slots=True)
class CatalogueVersion:
    """What :func:`catalogue_version` reads: aggregates of the catalogue tables, and the
    occupation count apart (a change there also invalidates the occupations read in profiles)."""

    catalogue: tuple[object, ...] = ()
    occupations: int = -1


def catalogue_version(session: Session) -> CatalogueVersion:
    """A cheap fingerprint of what :meth:`Recommender.build` reads besides workers.

    Row counts catch inserts and deletes, the newest ``updated_at`` catches edits, and the last
    catalogue import catches a batch that inserted and deleted as many rows. Workers are read per
    request, so their imports do not count. One round trip of aggregates, no row is loaded.
    """
    stmt = select(
        select(func.count()).select_from(Programme).scalar_subquery(),
        select(func.max(Programme.updated_at)).scalar_subquery(),
        select(func.count()).select_from(Order).scalar_subquery(),
        select(func.max(Order.updated_at)).scalar_subquery(),
        select(func.count()).select_from(Institution).scalar_subquery(),
        select(func.max(Institution.updated_at)).scalar_subquery(),
        select(func.count()).select_from(Region).scalar_subquery(),
        select(func.max(ImportBatch.id)).where(ImportBatch.kind != "workers").scalar_subquery(),
        select(func.max(RiskFlagRecord.state_at)).scalar_subquery(),
        select(func.count()).select_from(Occupation).scalar_subquery(),
    )
    *catalogue, occupations = session.execute(stmt).one()
    stamps = tuple(str(v) if isinstance(v, dt.datetime) else v for v in catalogue)
    return CatalogueVersion(stamps, occupations)


def _of(stmt: _S, column: Any, ids: Sequence[str] | None) -> _S:
    """``stmt`` for the workers in ``ids`` (``None``: every worker, no IN list of them all)."""
    return stmt if ids is None else stmt.where(column.in_(list(ids)))


def _claims(session: Session, ids: Sequence[str] | None) -> dict[str, list[PastClaim]]:
    """Worker id → its live past claims (not 驳回, counted as training), by claim id."""
    out: dict[str, list[PastClaim]] = {}
    if ids is not None and not ids:
        return out
    stmt = select(
        SubsidyClaim.worker_id,
        SubsidyClaim.occupation_code,
        SubsidyClaim.level,
        SubsidyClaim.event_year,
        SubsidyClaim.kind,
        SubsidyClaim.work_type,
    ).where(SubsidyClaim.status != "驳回", SubsidyClaim.counts_as_training)
    stmt = _of(stmt, SubsidyClaim.worker_id, ids).order_by(SubsidyClaim.id)
    for worker_id, code, level, year, kind, work_type in session.execute(stmt):
        out.setdefault(worker_id, []).append(PastClaim(code, level, year, kind, work_type))
    return out


def _certificates(session: Session, ids: Sequence[str] | None) -> dict[str, list[HeldCertificate]]:
    """Worker id → every certificate it holds (any source), by certificate id, as the ORM's
    ``Worker.certificates`` orders them."""
    out: dict[str, list[HeldCertificate]] = {}
    if ids is not None and not ids:
        return out
    stmt = select(Certificate.worker_id, Certificate.occupation_code, Certificate.level, Certificate.year)
    for worker_id, code, level, year in session.execute(
        _of(stmt, Certificate.worker_id, ids).order_by(Certificate.id)
    ):
        out.setdefault(worker_id, []).append(HeldCertificate(code, level, year))
    return out


def _graduation_years(session: Session, ids: Sequence[str] | None) -> dict[str, int]:
    """Worker id → the graduation year of the latest 应届 group fact that records one."""
    out: dict[str, int] = {}
    if ids is not None and not ids:
        return out
    stmt = select(GroupFact.worker_id, GroupFact.graduation_year).where(
        GroupFact.graduation_year.is_not(None)
    )
    for worker_id, year in session.execute(
        _of(stmt, GroupFact.worker_id, ids).order_by(GroupFact.worker_id, GroupFact.version)
    ):
        if year is not None:
            out[worker_id] = year
    return out


@dataclass(frozen=True, slots=True)
class WorkerRow:
    """The stored columns of a worker that recommendations, candidates and the profile encoder
    read (no hashes, no address), with the certificates it holds: what :func:`load_workers`
    reads as plain column rows, without building ORM objects."""

    certificates: tuple[HeldCertificate, ...]
    id: str
    name_masked: str | None
    phone_masked: str | None
    birth_year: int
    gender: str
    education: str
    home_adcode: str
    home_lat: float
    home_lon: float
    skills_text: str | None
    work_history: str | None
    desired_occupations: list[str] | None
    desired_place: str | None
    desired_city_adcode: str | None
    max_commute_km: float | None
    expected_wage: int | None
    entrepreneurship: bool | None
    groups: list[str] | None
    consent_share: bool | None
    updated_at: dt.datetime


_WORKER_COLUMNS = tuple(getattr(Worker, f.name) for f in fields(WorkerRow) if f.name != "certificates")


def load_workers(
    session: Session,
    regions: RegionNames,
    ids: Sequence[str] | None = None,
    *,
    with_claims: bool = True,
    consenting: bool = False,
) -> list[tuple[WorkerRow, WorkerProfile]]:
    """Active workers (all, or those in ``ids``; only those who consent to sharing when
    ``consenting``, as an order's candidates) as (row, record), ordered by id; a deactivated
    worker is never recommended nor a candidate. Four queries whatever the number of workers
    (workers, certificates, past claims, graduation years), each of plain columns."""
    stmt = select(*_WORKER_COLUMNS).where(Worker.active).order_by(Worker.id)
    if consenting:
        stmt = stmt.where(Worker.consent_share)
    if ids is not None:
        stmt = stmt.where(Worker.id.in_(list(ids)))
    found = list(session.execute(stmt))
    # all workers: each side table read whole (a dictionary lookup drops the inactive ones)
    worker_ids = None if ids is None and not consenting else [r.id for r in found]
    held = _certificates(session, worker_ids)
    claims = _claims(session, worker_ids) if with_claims else {}
    years = _graduation_years(session, worker_ids)
    rows = [WorkerRow(tuple(held.get(r.id, ())), *r) for r in found]
    return [
        (w, worker_record(w, regions, claims.get(w.id, ()), graduation_year=years.get(w.id))) for w in rows
    ]


# One worker's rows, as Core statements built once: the request path (:func:`load_worker`) pays
# neither statement construction nor ORM loading, and each statement's cache key is memoised.
_ONE_WORKER = select(*_WORKER_COLUMNS).where(Worker.id == bindparam("id"), Worker.active)
_ONE_CERTIFICATES = (
    select(Certificate.occupation_code, Certificate.level, Certificate.year)
    .where(Certificate.worker_id == bindparam("id"))
    .order_by(Certificate.id)
)
_ONE_CLAIMS = (
    select(
        SubsidyClaim.occupation_code,
        SubsidyClaim.level,
        SubsidyClaim.event_year,
        SubsidyClaim.kind,
        SubsidyClaim.work_type,
    )
    .where(
        SubsidyClaim.worker_id == bindparam("id"),
        SubsidyClaim.status != "驳回",
        SubsidyClaim.counts_as_training,
    )
    .order_by(SubsidyClaim.id)
)
_ONE_GRADUATION = (
    select(GroupFact.graduation_year)
    .where(GroupFact.worker_id == bindparam("id"), GroupFact.graduation_year.is_not(None))
    .order_by(GroupFact.version)
)


def load_worker(session: Session, regions: RegionNames, worker_id: str) -> WorkerProfile | None:
    """One active worker's record, exactly as :func:`load_workers` builds it (None when there is
    no such active worker): the per-request path of a worker's recommendations."""
    conn = session.connection()
    params = {"id": worker_id}
    found = conn.execute(_ONE_WORKER, params).first()
    if found is None:
        return None
    held = tuple(HeldCertificate(*c) for c in conn.execute(_ONE_CERTIFICATES, params))
    claims = [PastClaim(*c) for c in conn.execute(_ONE_CLAIMS, params)]
    years = [y for (y,) in conn.execute(_ONE_GRADUATION, params) if y is not None]
    row = WorkerRow(held, *found)
    return worker_record(row, regions, claims, graduation_year=years[-1] if years else None)


def masked_view(w: Worker | WorkerRow, regions: RegionNames, today: dt.date) -> MaskedWorker:
    """Display fields an employer may see: the name masked without its length, at most 3+2 digits
    of the phone, age, education, county (see :func:`data.personal.name_for_view`)."""
    return MaskedWorker(
        worker_id=w.id,
        name_masked=name_for_view(w.name_masked),
        phone_masked=phone_for_view(w.phone_masked),
        age=today.year - w.birth_year,
        education=w.education,
        area=regions.get(w.home_adcode, ("", 0.0, 0.0))[0] or None,
    )
