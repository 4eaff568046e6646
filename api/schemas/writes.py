"""Request bodies of the write API. Shapes and bounds are checked here; the meaning (身份证号 check
digit, phone, Shanxi address, occupation codes, wage and age ranges) by the loaders' own checks
(:mod:`api.services.record_writes`). Unknown fields are refused."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.schemas.common import IsoDate

Text = Annotated[str, StringConstraints(max_length=2000)]
Short = Annotated[str, StringConstraints(min_length=1, max_length=128)]
OccupationCode = Annotated[str, StringConstraints(pattern=r"^\d-\d{2}-\d{2}(-\d{2})?$")]
Education = Literal["小学及以下", "初中", "高中/中专/技校", "大专", "本科及以上"]
Group = str


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WorkerIn(_In):
    """A worker registered by a counselor: the 身份证号 and phone are validated, hashed and masked,
    never stored in clear."""

    id_number: Annotated[str, StringConstraints(min_length=18, max_length=18)] = Field(description="身份证号")
    name: Short | None = Field(default=None, description="姓名（只存脱敏形式）")
    phone: Annotated[str, StringConstraints(max_length=11)] | None = None
    education: Education
    home_address: Short = Field(description="户籍/居住地，到县级，如“山西省吕梁市临县城庄镇”")
    skills_text: Text = Field(default="", description="会做什么，劳动者自己的话")
    work_history: Text = ""
    desired_occupations: list[OccupationCode] = Field(default_factory=list, max_length=20)
    desired_place: Literal["local", "city", "anywhere"] = "local"
    desired_city: Short | None = None
    max_commute_km: float = Field(default=30.0, ge=0, le=3000)
    expected_wage: int | None = Field(default=None, ge=0, le=100_000)
    entrepreneurship: bool = False
    groups: list[Group] = Field(default_factory=list, max_length=20)
    consent_share: bool = False


class HeldCertificate(_In):
    """A certificate the worker says they hold (history the recommender reads; pays no subsidy)."""

    occupation_code: OccupationCode
    level: int = Field(ge=0, le=5, description="5 初级工 … 1 高级技师，0 专项职业能力")
    year: int = Field(ge=1990, le=2100)


class WorkerPatch(_In):
    """What a counselor may change in a worker's file (personal identifiers are not editable)."""

    education: Education | None = None
    skills_text: Text | None = None
    work_history: Text | None = None
    desired_occupations: list[OccupationCode] | None = Field(default=None, max_length=20)
    desired_place: Literal["local", "city", "anywhere"] | None = None
    desired_city: Short | None = Field(
        default=None,
        description="求职城市（名称或行政区划代码，如 太原市；null 清除）；desired_place 为 city 时须有",
    )
    max_commute_km: float | None = Field(default=None, ge=0, le=3000)
    expected_wage: int | None = Field(default=None, ge=0, le=100_000)
    entrepreneurship: bool | None = None
    consent_share: bool | None = None
    groups: list[Group] | None = Field(default=None, max_length=20, description="重点群体，如 脱贫劳动力")
    certificates: list[HeldCertificate] | None = Field(
        default=None,
        max_length=20,
        description="登记的证书（替换此前登记的证书记录；发证机构报送的证书不受影响）",
    )


class ConsentIn(_In):
    consent_share: bool = Field(description="是否同意向用人单位共享（脱敏后的）求职信息")


class OrderConsentIn(_In):
    """The contact a worker agrees to give one order's employer: checked against the registered
    phone (its salted hash) and masked name, so it can only be the worker's own."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=32)] = Field(description="姓名")
    phone: Annotated[str, StringConstraints(min_length=11, max_length=11)] = Field(description="手机号")


class OrderConsentOut(BaseModel):
    """Where a worker's consent to one order stands (never the contact itself)."""

    worker_id: str
    order_id: str
    consented: bool = Field(description="用人单位现在能否看到完整的姓名和手机号")
    on_behalf: bool = Field(default=False, description="由就业指导员代劳动者登记")


class EmployerIn(_In):
    name: Short
    kind: Literal["企业", "个体工商户", "民办非企业单位"]
    credit_code: Annotated[str, StringConstraints(min_length=18, max_length=18)] = Field(
        description="统一社会信用代码（18位，按 GB 32100 校验）"
    )
    county: Short = Field(description="所在县（区），名称或6位代码")
    address: Short | None = None


class EmployerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    kind: str
    credit_code: str | None
    adcode: str | None
    address: str | None


class OrderIn(_In):
    occupation_code: OccupationCode
    work_type: Short | None = None
    head_count: int = Field(ge=1, le=10_000)
    county: Short = Field(description="工作地点，县（区）名称或6位代码")
    wage_min: int = Field(ge=0, le=1_000_000)
    wage_max: int = Field(ge=0, le=1_000_000)
    start_date: IsoDate
    required_level: int | None = Field(default=None, ge=0, le=5)
    requires_certificate: bool = False
    required_skills: Text = ""
    min_age: int | None = Field(default=None, ge=16, le=70)
    max_age: int | None = Field(default=None, ge=16, le=70)
    employer_trains: bool = False
    description: Text = ""


class OrderPatch(_In):
    head_count: int | None = Field(default=None, ge=1, le=10_000)
    wage_min: int | None = Field(default=None, ge=0, le=1_000_000)
    wage_max: int | None = Field(default=None, ge=0, le=1_000_000)
    start_date: IsoDate | None = None
    required_skills: Text | None = None
    description: Text | None = None


class InstitutionIn(_In):
    name: Short
    kind: Literal[
        "技工院校", "职业院校", "民办培训机构", "企业培训中心", "高技能人才培训基地", "技能大师工作室"
    ]
    county: Short
    address: Short | None = None


class ProgrammeIn(_In):
    title: Short
    occupation_code: OccupationCode
    work_type: Short | None = None
    level: int = Field(ge=0, le=5)
    training_type: Literal[
        "就业技能培训",
        "岗前培训",
        "岗位技能提升培训",
        "企业新型学徒制",
        "创业培训",
        "新职业新业态培训",
        "订单项目制培训",
    ]
    delivery: Literal["线下", "线上", "混合"]
    county: Short | None = None
    start_date: IsoDate
    end_date: IsoDate
    hours: int = Field(ge=1, le=5000)
    seats: int = Field(ge=0, le=100_000)
    fee: int = Field(ge=0, le=1_000_000)
    certificate: Short | None = None
    description: Text = ""


class ProgrammePatch(_In):
    seats: int | None = Field(default=None, ge=0, le=100_000)
    seats_left: int | None = Field(default=None, ge=0, le=100_000)
    start_date: IsoDate | None = None
    end_date: IsoDate | None = None


class Created(BaseModel):
    id: str


class WorkerSearch(_In):
    q: Annotated[str, StringConstraints(min_length=1, max_length=64)] = Field(
        description="姓名、身份证号或其后4位、手机号或其后4位、村镇"
    )
    limit: int = Field(default=50, ge=1, le=200)


class WorkerHit(BaseModel):
    id: str
    name_masked: str | None
    id_number_masked: str
    phone_masked: str | None
    home_adcode: str
    home_address: str | None
    active: bool


__all__ = [
    "ConsentIn",
    "Created",
    "EmployerIn",
    "EmployerOut",
    "InstitutionIn",
    "OrderIn",
    "OrderPatch",
    "ProgrammeIn",
    "ProgrammePatch",
    "WorkerHit",
    "WorkerIn",
    "WorkerPatch",
    "WorkerSearch",
]
