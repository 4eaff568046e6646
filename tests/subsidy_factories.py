"""Small factories for the subsidy, policy and risk tests: real rows in a real database, and the
matching core records for the pure tests. Values are invented; personal data is fake."""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy.orm import Session

from data.db.models import Enrollment, Institution, Occupation, Order, Programme, Region, Worker
from matcher.types import InstitutionInfo, PastClaim, Place, ProgrammeRecord, WorkerProfile

BRICKLAYER = "6-29-01-01"  # 砌筑工, subsidised in both example cities
CARER = "4-10-01-05"  # 养老护理员
PHILOSOPHER = "2-01-01-00"  # 哲学研究人员, not in any subsidy list

OCCUPATIONS = {BRICKLAYER: "砌筑工", CARER: "养老护理员", PHILOSOPHER: "哲学研究人员"}
#: adcode → (name, level, lat, lon)
REGIONS = {
    "140105": ("小店区", "county", 37.736, 112.565),
    "141102": ("离石区", "county", 37.518, 111.151),
    "141124": ("临县", "county", 37.951, 110.993),
    "440304": ("福田区", "county", 22.541, 114.055),
}


def seed_reference(s: Session) -> None:
    """Occupations and regions the other factories refer to."""
    for code, name in OCCUPATIONS.items():
        s.add(
            Occupation(
                code=code,
                name=name,
                major_code="M",
                major_name="M",
                middle_code="m",
                middle_name="m",
                minor_code="n",
                minor_name="n",
            )
        )
    for adcode, (name, level, lat, lon) in REGIONS.items():
        s.add(Region(adcode=adcode, name=name, level=level, lat=lat, lon=lon))
    s.flush()


def add_worker(
    s: Session,
    worker_id: str,
    *,
    birth_year: int = 1985,
    groups: tuple[str, ...] = (),
    home_adcode: str = "141124",
    address: str | None = "临县城庄镇前青塘村",
) -> Worker:
    _, _, lat, lon = REGIONS[home_adcode]
    w = Worker(
        id=worker_id,
        id_number_hash=hashlib.sha256(worker_id.encode()).hexdigest(),
        id_number_masked="1411**********001X",
        birth_year=birth_year,
        gender="男",
        education="初中",
        home_adcode=home_adcode,
        home_address=address,
        home_lat=lat,
        home_lon=lon,
        groups=list(groups),
    )
    s.add(w)
    s.flush()
    return w


def add_institution(
    s: Session, inst_id: str = "I1", adcode: str = "141102", name: str = "吕梁示例职业培训学校"
):
    _, _, lat, lon = REGIONS[adcode]
    inst = Institution(id=inst_id, name=name, kind="民办培训机构", adcode=adcode, lat=lat, lon=lon)
    s.add(inst)
    s.flush()
    return inst


def add_programme(
    s: Session,
    prog_id: str,
    *,
    institution_id: str = "I1",
    occupation_code: str = BRICKLAYER,
    level: int = 5,
    start: dt.date = dt.date(2024, 5, 6),
    end: dt.date = dt.date(2024, 5, 25),
    fee: int = 1500,
    adcode: str = "141102",
    delivery: str = "线下",
    training_type: str = "就业技能培训",
    certificate: str | None = "职业技能等级证书",
    max_age: int | None = None,
) -> Programme:
    _, _, lat, lon = REGIONS[adcode]
    p = Programme(
        id=prog_id,
        institution_id=institution_id,
        title=f"{OCCUPATIONS[occupation_code]}培训班",
        occupation_code=occupation_code,
        level=level,
        training_type=training_type,
        delivery=delivery,
        adcode=adcode,
        lat=lat,
        lon=lon,
        start_date=start,
        end_date=end,
        hours=120,
        seats=40,
        seats_left=10,
        fee=fee,
        certificate=certificate,
        max_age=max_age,
    )
    s.add(p)
    s.flush()
    return p


def add_order(s: Session, order_id: str, *, employer_trains: bool = True, kind: str = "企业") -> Order:
    o = Order(
        id=order_id,
        employer_name="吕梁示例建筑有限公司",
        employer_kind=kind,
        occupation_code=BRICKLAYER,
        head_count=20,
        adcode="141102",
        lat=37.5,
        lon=111.1,
        wage_min=6000,
        wage_max=8000,
        start_date=dt.date(2024, 6, 1),
        employer_trains=employer_trains,
    )
    s.add(o)
    s.flush()
    return o


def add_enrollment(
    s: Session,
    worker_id: str,
    programme_id: str,
    *,
    status: str = "结业",
    completed: bool = True,
    certified: bool = True,
    order_id: str | None = None,
) -> int:
    e = Enrollment(
        worker_id=worker_id,
        programme_id=programme_id,
        status=status,
        enrolled_on=dt.date(2024, 4, 1),
        completed=completed,
        certified=certified,
        employer_order_id=order_id,
    )
    s.add(e)
    s.flush()
    return e.id


# -- core records for the pure tests ---------------------------------------------------------


def worker_record(
    *,
    groups: tuple[str, ...] = (),
    birth_year: int = 1985,
    employer_kind: str | None = None,
    past_claims: tuple[PastClaim, ...] = (),
) -> WorkerProfile:
    return WorkerProfile(
        id="W1",
        birth_year=birth_year,
        gender="男",
        education="初中",
        home=Place("141124", 37.951, 110.993),
        groups=frozenset(groups),
        employer_kind=employer_kind,
        past_claims=past_claims,
    )


def programme_record(
    *,
    occupation_code: str = BRICKLAYER,
    level: int = 5,
    fee: int = 1500,
    delivery: str = "线下",
    training_type: str = "就业技能培训",
    certificate: str | None = "职业技能等级证书",
    start: dt.date = dt.date(2024, 5, 6),
    end: dt.date = dt.date(2024, 5, 25),
    hours: int = 120,
    work_type: str | None = None,
) -> ProgrammeRecord:
    return ProgrammeRecord(
        id="P1",
        title="培训班",
        institution=InstitutionInfo("I1", "示例学校", "民办培训机构"),
        occupation_code=occupation_code,
        level=level,
        training_type=training_type,
        delivery=delivery,
        place=Place("140105", 37.736, 112.565),
        start_date=start,
        end_date=end,
        hours=hours,
        seats=40,
        seats_left=10,
        fee=fee,
        work_type=work_type,
        certificate=certificate,
    )
