"""Small factories for the subsidy, policy and risk tests: real rows in a real database, and the
matching core records for the pure tests. Values are invented; personal data is fake."""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy.orm import Session

from data.db.models import (
    Certificate,
    Enrollment,
    GroupFact,
    Hire,
    Institution,
    InsuranceFact,
    Occupation,
    Order,
    Programme,
    Region,
    Worker,
)
from matcher.types import InstitutionInfo, OrderRecord, PastClaim, Place, ProgrammeRecord, WorkerProfile

BRICKLAYER = "6-29-01-01"  # 砌筑工, subsidised in both example cities
CARER = "4-10-01-05"  # 养老护理员
PHILOSOPHER = "2-01-01-00"  # 哲学研究人员, not in any subsidy list
NANNY = "4-10-01-01"  # 婴幼儿发展引导员, subsidised only for its 工种 育婴员

OCCUPATIONS = {
    BRICKLAYER: "砌筑工",
    CARER: "养老护理员",
    PHILOSOPHER: "哲学研究人员",
    NANNY: "婴幼儿发展引导员",
}
WORK_TYPES = {BRICKLAYER: "建筑瓦工|窑炉修筑工|船舶泥工|打胶工|金属屋面工|瓦屋面工", NANNY: "育婴员"}
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
                work_types=WORK_TYPES.get(code),
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
    current_adcode: str | None = None,
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
        current_adcode=current_adcode,
        groups=list(groups),
    )
    s.add(w)
    s.flush()
    return w


def add_institution(
    s: Session,
    inst_id: str = "I1",
    adcode: str = "141102",
    name: str = "吕梁示例职业培训学校",
    *,
    kind: str = "民办培训机构",
    owner_employer: str | None = None,
):
    _, _, lat, lon = REGIONS[adcode]
    inst = Institution(
        id=inst_id, name=name, kind=kind, adcode=adcode, lat=lat, lon=lon, owner_employer=owner_employer
    )
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
    work_type: str | None = None,
    hours: int = 120,
) -> Programme:
    _, _, lat, lon = REGIONS[adcode]
    p = Programme(
        id=prog_id,
        institution_id=institution_id,
        title=f"{OCCUPATIONS[occupation_code]}培训班",
        occupation_code=occupation_code,
        work_type=work_type,
        level=level,
        training_type=training_type,
        delivery=delivery,
        adcode=adcode,
        lat=lat,
        lon=lon,
        start_date=start,
        end_date=end,
        hours=hours,
        seats=40,
        seats_left=10,
        fee=fee,
        certificate=certificate,
        max_age=max_age,
    )
    s.add(p)
    s.flush()
    return p


EMPLOYER = "吕梁示例建筑有限公司"


def add_order(
    s: Session,
    order_id: str,
    *,
    employer_trains: bool = True,
    kind: str = "企业",
    occupation_code: str = BRICKLAYER,
    programme_id: str | None = None,
    employer_name: str = EMPLOYER,
) -> Order:
    o = Order(
        id=order_id,
        employer_name=employer_name,
        employer_kind=kind,
        occupation_code=occupation_code,
        programme_id=programme_id,
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
    completed_on: dt.date | None = None,
    hours_attended: int | None = None,
    fee_payer: str | None = None,
) -> int:
    e = Enrollment(
        worker_id=worker_id,
        programme_id=programme_id,
        status=status,
        enrolled_on=dt.date(2024, 4, 1),
        completed=completed,
        certified=certified,
        employer_order_id=order_id,
        completed_on=completed_on,
        hours_attended=hours_attended,
        fee_payer=fee_payer,
    )
    s.add(e)
    s.flush()
    return e.id


def add_certificate(
    s: Session,
    worker_id: str,
    *,
    number: str = "S000014110000240001",
    occupation_code: str = BRICKLAYER,
    level: int = 5,
    issued_on: dt.date = dt.date(2024, 6, 5),
    body: str | None = "吕梁市职业技能鉴定中心",
    work_type: str | None = None,
    enrollment_id: int | None = None,
    source: str = "registry",
) -> int:
    c = Certificate(
        worker_id=worker_id,
        number=number,
        issuing_body=body,
        occupation_code=occupation_code,
        work_type=work_type,
        level=level,
        year=issued_on.year,
        issued_on=issued_on,
        enrollment_id=enrollment_id,
        source=source,
    )
    s.add(c)
    s.flush()
    return c.id


def add_hire(
    s: Session,
    worker_id: str,
    *,
    order_id: str | None = "O1",
    employer_name: str = EMPLOYER,
    kind: str = "企业",
    start: dt.date = dt.date(2024, 5, 1),
    end: dt.date | None = None,
) -> int:
    h = Hire(
        worker_id=worker_id,
        order_id=order_id,
        employer_name=employer_name,
        employer_kind=kind,
        start_date=start,
        end_date=end,
        monthly_wage=6500,
    )
    s.add(h)
    s.flush()
    return h.id


def add_insurance(
    s: Session,
    worker_id: str,
    *,
    status: str = "参保",
    months: int = 24,
    as_of: dt.date = dt.date(2024, 6, 1),
) -> int:
    f = InsuranceFact(worker_id=worker_id, status=status, months=months, as_of=as_of, source="大数据比对")
    s.add(f)
    s.flush()
    return f.id


def add_group(
    s: Session,
    worker_id: str,
    group: str,
    *,
    source: str = "名单导入",
    since: dt.date | None = dt.date(2023, 1, 1),
    until: dt.date | None = None,
    graduation_year: int | None = None,
    version: int = 1,
) -> int:
    f = GroupFact(
        worker_id=worker_id,
        group=group,
        source=source,
        effective_from=since,
        effective_until=until,
        graduation_year=graduation_year,
        version=version,
    )
    s.add(f)
    s.flush()
    return f.id


# -- core records for the pure tests ---------------------------------------------------------


def worker_record(
    *,
    groups: tuple[str, ...] = (),
    birth_year: int = 1985,
    employer_kind: str | None = None,
    past_claims: tuple[PastClaim, ...] = (),
    graduation_year: int | None = None,
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
        graduation_year=graduation_year,
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
    programme_id: str = "P1",
    owner_employer: str | None = None,
) -> ProgrammeRecord:
    return ProgrammeRecord(
        id=programme_id,
        title="培训班",
        institution=InstitutionInfo("I1", "示例学校", "民办培训机构", owner_employer=owner_employer),
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


def order_record(
    *,
    employer_trains: bool = True,
    kind: str = "企业",
    occupation_code: str = BRICKLAYER,
    programme_id: str | None = "P1",
    employer_name: str = EMPLOYER,
) -> OrderRecord:
    return OrderRecord(
        id="O1",
        employer_name=employer_name,
        employer_kind=kind,
        occupation_code=occupation_code,
        head_count=20,
        place=Place("141102", 37.5, 111.1),
        wage_min=6000,
        wage_max=8000,
        start_date=dt.date(2024, 6, 1),
        employer_trains=employer_trains,
        programme_id=programme_id,
    )
