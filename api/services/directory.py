"""The public directory as people read it (培训项目目录, 机构目录, each city's subsidised occupations):
catalogue rows with the names of their institution, occupation and place, in a fixed number of
queries. The web pages read these; the JSON API reads :mod:`api.services.catalogue`, which does
the filtering for both."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.services.catalogue import ProgrammeQuery, list_programmes
from data.db.models import Institution, Occupation, Programme, Region
from data.policy_loader import PolicyNotFound, available_cities, load_city_policy
from matcher.types import SHORT_LEVEL_NAMES

__all__ = [
    "CityOption",
    "InstitutionRow",
    "ProgrammeRow",
    "SubsidisedOccupation",
    "institution_rows",
    "occupation_names",
    "programme_occupations",
    "programme_rows",
    "region_options",
    "subsidised_occupations",
]


@dataclass(frozen=True, slots=True)
class ProgrammeRow:
    id: str
    title: str
    institution_id: str
    institution_name: str
    address: str
    occupation_code: str
    occupation_name: str
    level_name: str
    training_type: str
    delivery: str
    place: str
    start_date: dt.date
    end_date: dt.date
    hours: int
    seats: int
    seats_left: int
    fee: int
    certificate: str | None
    employer_funded: bool


@dataclass(frozen=True, slots=True)
class InstitutionRow:
    id: str
    name: str
    kind: str
    place: str
    address: str
    status: str
    completion_rate: float | None
    certification_rate: float | None
    employment_rate_6m: float | None
    programmes: int


@dataclass(frozen=True, slots=True)
class CityOption:
    """A city and its counties, for the region pickers: (prefix, name) pairs."""

    code: str
    name: str
    counties: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class SubsidisedOccupation:
    code: str
    name: str
    #: (short level name, yuan): 专项职业能力 first, then from 初级工 up
    amounts: tuple[tuple[str, int], ...]
    work_types: tuple[str, ...]


def _place_names(session: Session, adcodes: Iterable[str]) -> dict[str, str]:
    codes = sorted(set(adcodes))
    if not codes:
        return {}
    out = {}
    for r in session.scalars(select(Region).where(Region.adcode.in_(codes))):
        out[r.adcode] = r.name if not r.city_name or r.city_name == r.name else f"{r.city_name}{r.name}"
    return out


def occupation_names(session: Session, codes: Iterable[str]) -> dict[str, str]:
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    rows = session.execute(select(Occupation.code, Occupation.name).where(Occupation.code.in_(wanted)))
    return {code: name for code, name in rows}


def programme_rows(session: Session, q: ProgrammeQuery) -> tuple[int, list[ProgrammeRow]]:
    """One page of :func:`api.services.catalogue.list_programmes` with the names people read."""
    total, programmes = list_programmes(session, q)
    institutions = {
        i.id: i
        for i in session.scalars(
            select(Institution).where(Institution.id.in_({p.institution_id for p in programmes}))
        )
    }
    places = _place_names(session, (p.adcode for p in programmes))
    occupations = occupation_names(session, (p.occupation_code for p in programmes))
    rows = [_programme_row(p, institutions[p.institution_id], places, occupations) for p in programmes]
    return total, rows


def _programme_row(
    p: Programme, inst: Institution, places: dict[str, str], occupations: dict[str, str]
) -> ProgrammeRow:
    return ProgrammeRow(
        id=p.id,
        title=p.title,
        institution_id=inst.id,
        institution_name=inst.name,
        address=inst.address or places.get(p.adcode, p.adcode),
        occupation_code=p.occupation_code,
        occupation_name=occupations.get(p.occupation_code, p.occupation_code),
        level_name=SHORT_LEVEL_NAMES.get(p.level, str(p.level)),
        training_type=p.training_type,
        delivery=p.delivery,
        place=places.get(p.adcode, p.adcode),
        start_date=p.start_date,
        end_date=p.end_date,
        hours=p.hours,
        seats=p.seats,
        seats_left=p.seats_left,
        fee=p.fee,
        certificate=p.certificate,
        employer_funded=p.employer_funded,
    )


def institution_rows(
    session: Session, region: str | None, kind: str | None, limit: int, offset: int
) -> tuple[int, list[InstitutionRow]]:
    """One page of the institution directory (every status; a suspended one says so), by id."""
    stmt = select(Institution)
    if region:
        stmt = stmt.where(Institution.adcode.startswith(region))
    if kind:
        stmt = stmt.where(Institution.kind == kind)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    institutions = list(session.scalars(stmt.order_by(Institution.id).limit(limit).offset(offset)))
    places = _place_names(session, (i.adcode for i in institutions))
    counts: dict[str, int] = {}
    ids = [i.id for i in institutions]
    if ids:
        owners = select(Programme.institution_id).where(Programme.institution_id.in_(ids))
        for inst_id in session.scalars(owners):
            counts[inst_id] = counts.get(inst_id, 0) + 1
    rows = [
        InstitutionRow(
            id=i.id,
            name=i.name,
            kind=i.kind,
            place=places.get(i.adcode, i.adcode),
            address=i.address or places.get(i.adcode, i.adcode),
            status=i.status,
            completion_rate=i.completion_rate,
            certification_rate=i.certification_rate,
            employment_rate_6m=i.employment_rate_6m,
            programmes=counts.get(i.id, 0),
        )
        for i in institutions
    ]
    return total, rows


def region_options(session: Session) -> list[CityOption]:
    """Shanxi's cities with their counties, by adcode."""
    regions = list(session.scalars(select(Region).order_by(Region.adcode)))
    counties: dict[str, list[tuple[str, str]]] = {}
    for r in regions:
        if r.level == "county":
            counties.setdefault(r.adcode[:4], []).append((r.adcode, r.name))
    return [
        CityOption(r.adcode[:4], r.name, tuple(counties.get(r.adcode[:4], ())))
        for r in regions
        if r.level == "city"
    ]


def subsidised_occupations(city: str, day: dt.date) -> tuple[str, list[SubsidisedOccupation]]:
    """The occupations the city's policy version in force on ``day`` subsidises, with amounts per
    level, and that version's note (``""`` when the city has no policy file or none in force)."""
    if city not in available_cities():
        return "", []
    try:
        policy = load_city_policy(city).find(day)
    except PolicyNotFound:
        return "", []
    if policy is None:
        return "", []
    rows = [
        SubsidisedOccupation(
            code=rule.code,
            name=rule.name,
            amounts=tuple(
                (SHORT_LEVEL_NAMES.get(lv, str(lv)), yuan)
                for lv, yuan in sorted(rule.amounts.pairs, key=lambda p: (p[0] != 0, -p[0]))
            ),
            work_types=rule.work_types,
        )
        for rule in policy.occupations
    ]
    label = f"{policy.city_name} {policy.version}（{policy.effective_from.isoformat()} 起施行）"
    if policy.example:
        label += f"：{policy.note or '示例数值，非官方补贴标准'}"
    return label, rows


def programme_occupations(session: Session) -> list[tuple[str, str]]:
    """(code, name) of every occupation the catalogue has a programme for, by code: the
    occupation picker of the programme search."""
    rows = session.execute(
        select(Occupation.code, Occupation.name)
        .where(Occupation.code.in_(select(Programme.occupation_code).distinct()))
        .order_by(Occupation.code)
    )
    return [(code, name) for code, name in rows]
