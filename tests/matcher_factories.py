"""Small builders of core records for matcher tests (Taiyuan area coordinates)."""

from __future__ import annotations

import datetime as dt

from matcher.types import (
    HeldCertificate,
    InstitutionInfo,
    OrderRecord,
    Place,
    ProgrammeRecord,
    WorkerProfile,
)

TODAY = dt.date(2025, 3, 1)
HOME = Place("140105", 37.8570, 112.5650, "太原市小店区")
OCC_MASON = "6-29-01-01"  # 砌筑工
OCC_TILER = "6-29-01-03"
OCC_WELDER = "6-18-02-04"
OCC_ECOM = "4-01-02-02"


def km_north(km: float, base: Place = HOME, name: str = "") -> Place:
    """A place ``km`` kilometres due north of ``base``."""
    return Place(base.adcode, base.lat + km / 111.195, base.lon, name or base.name)


def institution(iid: str = "I1", status: str = "active", cert: float | None = 0.9, emp: float | None = 0.8):
    return InstitutionInfo(iid, f"晋{iid}职业培训学校", "民办培训机构", status, 0.95, cert, emp)


def programme(pid: str = "P1", **kw) -> ProgrammeRecord:
    base = dict(
        id=pid,
        title="砌筑工（中级）培训班",
        institution=institution(),
        occupation_code=OCC_MASON,
        level=4,
        training_type="就业技能培训",
        delivery="线下",
        place=km_north(5),
        start_date=TODAY + dt.timedelta(days=10),
        end_date=TODAY + dt.timedelta(days=40),
        hours=120,
        seats=30,
        seats_left=10,
        fee=1500,
        certificate="职业技能等级证书",
    )
    base.update(kw)
    return ProgrammeRecord(**base)


def order(oid: str = "O1", **kw) -> OrderRecord:
    base = dict(
        id=oid,
        employer_name="太原建工集团",
        employer_kind="企业",
        occupation_code=OCC_MASON,
        head_count=20,
        place=km_north(12, name="太原市"),
        wage_min=6000,
        wage_max=8000,
        start_date=TODAY + dt.timedelta(days=60),
    )
    base.update(kw)
    return OrderRecord(**base)


def worker(wid: str = "W1", **kw) -> WorkerProfile:
    base = dict(
        id=wid,
        birth_year=1985,
        gender="男",
        education="初中",
        home=HOME,
        skills_text="在工地干过十年瓦工，会砌墙贴砖",
        desired_occupations=(OCC_MASON,),
        max_commute_km=30.0,
        expected_wage=5000,
        consent_share=True,
    )
    base.update(kw)
    return WorkerProfile(**base)


def cert(code: str = OCC_MASON, level: int = 4, year: int = 2020) -> HeldCertificate:
    return HeldCertificate(code, level, year)
