"""Frozen records the core works on. Storage rows are mapped to these by the services.

Occupation levels are integers: 5=五级/初级工, 4=四级/中级工, 3=三级/高级工, 2=二级/技师,
1=一级/高级技师, 0=专项职业能力. A *smaller* positive number is a *higher* level.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

LEVEL_NAMES: dict[int, str] = {
    5: "五级/初级工",
    4: "四级/中级工",
    3: "三级/高级工",
    2: "二级/技师",
    1: "一级/高级技师",
    0: "专项职业能力",
}
SHORT_LEVEL_NAMES: dict[int, str] = {
    5: "初级工",
    4: "中级工",
    3: "高级工",
    2: "技师",
    1: "高级技师",
    0: "专项职业能力",
}

EDUCATION_ORDER: tuple[str, ...] = ("小学及以下", "初中", "高中/中专/技校", "大专", "本科及以上")

GROUPS: tuple[str, ...] = (
    "脱贫劳动力",
    "防返贫监测对象",
    "就业困难人员",
    "零就业家庭成员",
    "返乡农民工",
    "农村转移劳动力",
    "未升学应届初高中毕业生(农村)",
    "未升学应届初高中毕业生(城市低保)",
    "灵活就业人员",
)

TRAINING_TYPES: tuple[str, ...] = (
    "就业技能培训",
    "岗前培训",
    "岗位技能提升培训",
    "企业新型学徒制",
    "创业培训",
    "新职业新业态培训",
    "订单项目制培训",
)
DELIVERIES: tuple[str, ...] = ("线下", "线上", "混合")
INSTITUTION_KINDS: tuple[str, ...] = (
    "技工院校",
    "职业院校",
    "民办培训机构",
    "企业培训中心",
    "高技能人才培训基地",
    "技能大师工作室",
)
EMPLOYER_KINDS: tuple[str, ...] = ("企业", "个体工商户", "民办非企业单位")


def education_rank(education: str | None) -> int:
    """Position of an education label in :data:`EDUCATION_ORDER` (-1 when unknown or None)."""
    if education is None:
        return -1
    try:
        return EDUCATION_ORDER.index(education)
    except ValueError:
        return -1


@dataclass(frozen=True, slots=True)
class Place:
    adcode: str
    lat: float
    lon: float
    name: str = ""


@dataclass(frozen=True, slots=True)
class HeldCertificate:
    occupation_code: str
    level: int
    year: int


@dataclass(frozen=True, slots=True)
class PastClaim:
    """A live subsidy claim of the worker: ``year`` is the year of the subsidised event (course
    completion or certification), the year clause 十's no-duplicate rule counts."""

    occupation_code: str
    level: int
    year: int
    kind: str = "training"
    work_type: str | None = None


@dataclass(frozen=True, slots=True)
class WorkerProfile:
    id: str
    birth_year: int
    gender: str
    education: str
    home: Place
    skills_text: str = ""
    work_history: str = ""
    desired_occupations: tuple[str, ...] = ()
    desired_place: str = "local"  # "local" | "city" | "anywhere"
    desired_city: Place | None = None
    max_commute_km: float = 30.0
    expected_wage: int | None = None
    entrepreneurship: bool = False
    groups: frozenset[str] = frozenset()
    certificates: tuple[HeldCertificate, ...] = ()
    past_claims: tuple[PastClaim, ...] = ()
    consent_share: bool = False
    employer_kind: str | None = None  # kind of the current employer, if employed
    #: graduation year of a 未升学应届初高中毕业生 (the cohort the living allowance counts)
    graduation_year: int | None = None

    def age_on(self, day: dt.date) -> int:
        return day.year - self.birth_year


@dataclass(frozen=True, slots=True)
class InstitutionInfo:
    id: str
    name: str
    kind: str
    status: str = "active"
    completion_rate: float | None = None
    certification_rate: float | None = None
    employment_rate_6m: float | None = None
    #: the employer whose own training centre this is (直补企业: "直接组织其培训"), if any
    owner_employer: str | None = None
    #: clause 十三 risk flags on this institution confirmed by an auditor (已核实 or 已查处)
    confirmed_flags: int = 0


@dataclass(frozen=True, slots=True)
class ProgrammeRecord:
    id: str
    title: str
    institution: InstitutionInfo
    occupation_code: str
    level: int
    training_type: str
    delivery: str
    place: Place
    start_date: dt.date
    end_date: dt.date
    hours: int
    seats: int
    seats_left: int
    fee: int
    work_type: str | None = None
    certificate: str | None = None
    min_age: int | None = None
    max_age: int | None = None
    min_education: str | None = None
    description: str = ""
    #: an employer pays for the course (企业新型学徒制, 岗前培训): the worker is charged nothing
    #: (``fee`` is what the worker pays, 0) and the employer claims any subsidy
    employer_funded: bool = False


@dataclass(frozen=True, slots=True)
class OrderRecord:
    id: str
    employer_name: str
    employer_kind: str
    occupation_code: str
    head_count: int
    place: Place
    wage_min: int
    wage_max: int
    start_date: dt.date
    work_type: str | None = None
    required_level: int | None = None
    requires_certificate: bool = False
    required_skills: str = ""
    min_age: int | None = None
    max_age: int | None = None
    employer_trains: bool = False
    programme_id: str | None = None
    description: str = ""
    flags: tuple[str, ...] = field(default_factory=tuple)
    priority: int = 0
