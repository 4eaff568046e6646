"""SQLAlchemy 2 storage models for the entities of DESIGN.md §2.

Conventions:
- ids of workers, institutions, programmes and orders are short strings ("W0000001", "P000123")
  so that files, logs and URLs can name them without exposing personal data;
- occupation levels are integers: 5=五级/初级工, 4=四级/中级工, 3=三级/高级工, 2=二级/技师,
  1=一级/高级技师, 0=专项职业能力 (see :mod:`matcher.types`);
- 身份证号 and phone numbers are never stored in clear: a salted hash (for look-up and
  de-duplication) and a masked form (for display).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from data.db.base import Base, _now


class Occupation(Base):
    __tablename__ = "occupations"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    major_code: Mapped[str] = mapped_column(String(16))
    major_name: Mapped[str] = mapped_column(String(128))
    middle_code: Mapped[str] = mapped_column(String(16))
    middle_name: Mapped[str] = mapped_column(String(128))
    minor_code: Mapped[str] = mapped_column(String(16))
    minor_name: Mapped[str] = mapped_column(String(128))
    definition: Mapped[str | None] = mapped_column(Text)
    tasks: Mapped[str | None] = mapped_column(Text)
    #: 工种 names, "|"-separated, as in the classification.
    work_types: Mapped[str | None] = mapped_column(Text)


class Region(Base):
    __tablename__ = "regions"

    adcode: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    #: "province", "city" or "county"
    level: Mapped[str] = mapped_column(String(16))
    parent_adcode: Mapped[str | None] = mapped_column(String(12))
    city_name: Mapped[str | None] = mapped_column(String(64))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    #: former names before the 2019–2020 reforms, "|"-separated
    former_names: Mapped[str | None] = mapped_column(String(128))


class Worker(Base):
    __tablename__ = "workers"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    id_number_hash: Mapped[str] = mapped_column(String(64), unique=True)
    id_number_masked: Mapped[str] = mapped_column(String(18))
    phone_hash: Mapped[str | None] = mapped_column(String(64))
    phone_masked: Mapped[str | None] = mapped_column(String(11))
    name_masked: Mapped[str | None] = mapped_column(String(16))
    birth_year: Mapped[int] = mapped_column(Integer)
    gender: Mapped[str] = mapped_column(String(2))
    education: Mapped[str] = mapped_column(String(16))
    home_adcode: Mapped[str] = mapped_column(ForeignKey("regions.adcode"), index=True)
    home_address: Mapped[str | None] = mapped_column(String(128))
    home_lat: Mapped[float] = mapped_column(Float)
    home_lon: Mapped[float] = mapped_column(Float)
    current_adcode: Mapped[str | None] = mapped_column(String(12))
    skills_text: Mapped[str] = mapped_column(Text, default="")
    work_history: Mapped[str] = mapped_column(Text, default="")
    desired_occupations: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: "local" (家门口), "city" (desired_city_adcode) or "anywhere"
    desired_place: Mapped[str] = mapped_column(String(16), default="local")
    desired_city_adcode: Mapped[str | None] = mapped_column(String(12))
    max_commute_km: Mapped[float] = mapped_column(Float, default=30.0)
    expected_wage: Mapped[int | None] = mapped_column(Integer)
    entrepreneurship: Mapped[bool] = mapped_column(Boolean, default=False)
    #: group flags, e.g. ["脱贫劳动力", "返乡农民工"]
    groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    consent_share: Mapped[bool] = mapped_column(Boolean, default=False)
    #: False once a counselor deactivated the worker (kept for the records, never recommended)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, onupdate=_now, index=True)

    certificates: Mapped[list[Certificate]] = relationship(
        back_populates="worker", cascade="all, delete-orphan", order_by="Certificate.id"
    )


class ProfileEmbedding(Base):
    """What the recommender derives from a worker's profile, per encoder model: the embedding of
    the profile text and the occupations recognised in the worker's own words. Derived data,
    written off the request path (when a worker is written, in bounded batches) and rebuilt from
    the ``workers`` row whenever ``text_hash`` or ``recogniser`` no longer match."""

    __tablename__ = "profile_embeddings"
    __table_args__ = (PrimaryKeyConstraint("worker_id", "model", name="pk_profile_embeddings"),)

    worker_id: Mapped[str] = mapped_column(ForeignKey("workers.id", ondelete="CASCADE"))
    #: the encoder's name (``Encoder.name``)
    model: Mapped[str] = mapped_column(String(128))
    #: hash of the profile text the vector was computed from
    text_hash: Mapped[str] = mapped_column(String(16))
    #: ``workers.updated_at`` when this row was computed
    source_updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    #: (dimension,) float32, L2-normalised, little-endian bytes
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    #: fingerprint of the occupation recogniser the codes below came from
    recogniser: Mapped[str] = mapped_column(String(64))
    skill_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    wish_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: every occupation the worker is linked to (skills, wishes, desired, certificates): the
    #: reverse lookup of an order's candidates
    occupations: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, onupdate=_now, index=True)


class Certificate(Base):
    """A certificate a worker holds. Rows with provenance (``number``, ``issuing_body``,
    ``issued_on``; ``source`` "registry" or "import") pay 评价补贴 and certify courses; rows typed
    into a worker file (``source`` "worker_file": occupation, level, year only) are history that
    the recommender reads and that pays nothing (migration 0003)."""

    __tablename__ = "certificates"
    __table_args__ = (
        # one worker-file history row per occupation and level (replaced on each worker import)
        Index(
            "uq_certificate_history",
            "worker_id",
            "occupation_code",
            "level",
            unique=True,
            postgresql_where=text("source = 'worker_file'"),
            sqlite_where=text("source = 'worker_file'"),
        ),
        UniqueConstraint("number", name="uq_certificate_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    worker_id: Mapped[str] = mapped_column(ForeignKey("workers.id", ondelete="CASCADE"), index=True)
    occupation_code: Mapped[str] = mapped_column(ForeignKey("occupations.code"))
    level: Mapped[int] = mapped_column(Integer)
    year: Mapped[int] = mapped_column(Integer)
    #: 证书编号 (unique), 发证（评价）机构, 工种, 发证日期
    number: Mapped[str | None] = mapped_column(String(64))
    issuing_body: Mapped[str | None] = mapped_column(String(128))
    work_type: Mapped[str | None] = mapped_column(String(64))
    issued_on: Mapped[dt.date | None] = mapped_column(Date)
    #: the enrollment the certificate was earned on, if known
    enrollment_id: Mapped[int | None] = mapped_column(ForeignKey("enrollments.id", ondelete="SET NULL"))
    #: "registry" (reported by the evaluating body), "import" (a certificate file), "worker_file"
    source: Mapped[str] = mapped_column(String(16), default="worker_file", server_default="worker_file")
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))

    worker: Mapped[Worker] = relationship(back_populates="certificates")


class Institution(Base):
    __tablename__ = "institutions"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    #: 技工院校, 职业院校, 民办培训机构, 企业培训中心, 高技能人才培训基地, 技能大师工作室
    kind: Mapped[str] = mapped_column(String(16))
    adcode: Mapped[str] = mapped_column(ForeignKey("regions.adcode"), index=True)
    address: Mapped[str | None] = mapped_column(String(128))
    #: for an 企业培训中心: the employer (name, as on its orders) whose own training centre it is
    owner_employer: Mapped[str | None] = mapped_column(String(128))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    #: "active" or "suspended"
    status: Mapped[str] = mapped_column(String(16), default="active")
    completion_rate: Mapped[float | None] = mapped_column(Float)
    certification_rate: Mapped[float | None] = mapped_column(Float)
    employment_rate_6m: Mapped[float | None] = mapped_column(Float)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, onupdate=_now)


class Programme(Base):
    __tablename__ = "programmes"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    institution_id: Mapped[str] = mapped_column(ForeignKey("institutions.id"), index=True)
    title: Mapped[str] = mapped_column(String(128))
    occupation_code: Mapped[str] = mapped_column(ForeignKey("occupations.code"), index=True)
    work_type: Mapped[str | None] = mapped_column(String(64))
    level: Mapped[int] = mapped_column(Integer)
    #: 就业技能培训, 岗前培训, 岗位技能提升培训, 企业新型学徒制, 创业培训, 新职业新业态培训, 订单项目制培训
    training_type: Mapped[str] = mapped_column(String(16))
    #: 线下, 线上, 混合
    delivery: Mapped[str] = mapped_column(String(8))
    adcode: Mapped[str] = mapped_column(ForeignKey("regions.adcode"), index=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    hours: Mapped[int] = mapped_column(Integer)
    seats: Mapped[int] = mapped_column(Integer)
    seats_left: Mapped[int] = mapped_column(Integer)
    fee: Mapped[int] = mapped_column(Integer)
    certificate: Mapped[str | None] = mapped_column(String(64))
    min_age: Mapped[int | None] = mapped_column(Integer)
    max_age: Mapped[int | None] = mapped_column(Integer)
    min_education: Mapped[str | None] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text, default="")
    #: an employer pays for the course (企业新型学徒制, 岗前培训): ``fee`` (what the worker pays) is 0
    employer_funded: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    #: "active" or "suspended" by its institution (migration 0006): a suspended course is neither
    #: listed nor recommended
    status: Mapped[str] = mapped_column(String(16), default="active", server_default="active")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, onupdate=_now)


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    employer_name: Mapped[str] = mapped_column(String(128))
    #: 企业, 个体工商户, 民办非企业单位
    employer_kind: Mapped[str] = mapped_column(String(16))
    #: the employer record (migration 0006); name and kind above are kept as posted
    employer_id: Mapped[str | None] = mapped_column(ForeignKey("employers.id"), index=True)
    occupation_code: Mapped[str] = mapped_column(ForeignKey("occupations.code"), index=True)
    work_type: Mapped[str | None] = mapped_column(String(64))
    head_count: Mapped[int] = mapped_column(Integer)
    adcode: Mapped[str] = mapped_column(ForeignKey("regions.adcode"), index=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    wage_min: Mapped[int] = mapped_column(Integer)
    wage_max: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[dt.date] = mapped_column(Date)
    required_level: Mapped[int | None] = mapped_column(Integer)
    requires_certificate: Mapped[bool] = mapped_column(Boolean, default=False)
    required_skills: Mapped[str] = mapped_column(Text, default="")
    min_age: Mapped[int | None] = mapped_column(Integer)
    max_age: Mapped[int | None] = mapped_column(Integer)
    employer_trains: Mapped[bool] = mapped_column(Boolean, default=False)
    programme_id: Mapped[str | None] = mapped_column(ForeignKey("programmes.id"))
    description: Mapped[str] = mapped_column(Text, default="")
    #: unlawful requirements found in the posting (gender, ethnicity): flagged, never applied
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    #: "open" or "closed"
    status: Mapped[str] = mapped_column(String(16), default="open")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, onupdate=_now)


class Enrollment(Base):
    __tablename__ = "enrollments"
    __table_args__ = (UniqueConstraint("worker_id", "programme_id", name="uq_enrollment"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    worker_id: Mapped[str] = mapped_column(ForeignKey("workers.id"), index=True)
    programme_id: Mapped[str] = mapped_column(ForeignKey("programmes.id"), index=True)
    #: 报名, 在训, 结业, 退出
    status: Mapped[str] = mapped_column(String(8), default="报名")
    enrolled_on: Mapped[dt.date] = mapped_column(Date)
    completed: Mapped[bool] = mapped_column(Boolean, default=False)
    certified: Mapped[bool] = mapped_column(Boolean, default=False)
    #: employer that hired the worker and trains at its own cost (直补企业), if any
    employer_order_id: Mapped[str | None] = mapped_column(ForeignKey("orders.id"))
    #: completion facts (migration 0003): 结业 date and hours attended, as the institution records them
    completed_on: Mapped[dt.date | None] = mapped_column(Date)
    hours_attended: Mapped[int | None] = mapped_column(Integer)
    #: who paid the fee: "worker" or "employer" (直补企业 needs "employer"); None = not recorded
    fee_payer: Mapped[str | None] = mapped_column(String(16))


class SubsidyClaim(Base):
    """A subsidy claim. The no-duplicate rule of clause 十 lives in the partial unique index
    ``uq_claim_once_per_year``: one non-rejected claim per worker, 职业（工种） (``duplicate_key``),
    level and year of the subsidised event (``event_year``), for the kinds that count as training
    subsidy (training and skill-upgrade subsidies). ``uq_claim_once_per_enrollment`` allows one
    non-rejected claim of each kind per enrollment (migration 0002), ``uq_claim_once_per_certificate``
    one of each kind per certificate (migration 0003)."""

    __tablename__ = "subsidy_claims"
    __table_args__ = (
        Index(
            "uq_claim_once_per_year",
            "worker_id",
            "duplicate_key",
            "level",
            "event_year",
            unique=True,
            postgresql_where=text("counts_as_training AND status <> '驳回'"),
            sqlite_where=text("counts_as_training AND status <> '驳回'"),
        ),
        Index(
            "uq_claim_once_per_certificate",
            "certificate_id",
            "kind",
            unique=True,
            postgresql_where=text("status <> '驳回'"),
            sqlite_where=text("status <> '驳回'"),
        ),
        # One live claim of each kind per enrollment (e.g. one living allowance per course);
        # rows without an enrollment are not constrained (NULLs are distinct).
        Index(
            "uq_claim_once_per_enrollment",
            "enrollment_id",
            "kind",
            unique=True,
            postgresql_where=text("status <> '驳回'"),
            sqlite_where=text("status <> '驳回'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    worker_id: Mapped[str] = mapped_column(ForeignKey("workers.id"), index=True)
    enrollment_id: Mapped[int | None] = mapped_column(ForeignKey("enrollments.id"))
    programme_id: Mapped[str | None] = mapped_column(ForeignKey("programmes.id"))
    #: training (职业培训补贴), certification (评价补贴), skill_upgrade (技能提升补贴), living (生活费补贴)
    kind: Mapped[str] = mapped_column(String(16))
    counts_as_training: Mapped[bool] = mapped_column(Boolean, default=True)
    occupation_code: Mapped[str] = mapped_column(ForeignKey("occupations.code"))
    work_type: Mapped[str | None] = mapped_column(String(64))
    level: Mapped[int] = mapped_column(Integer)
    #: what clause 十's "同一职业（工种）" compares: the occupation code, or "code/工种" by 工种
    duplicate_key: Mapped[str] = mapped_column(String(96))
    #: the subsidised event (course completion, or certificate issue) and its year: clause 十's 年度
    event_date: Mapped[dt.date] = mapped_column(Date)
    event_year: Mapped[int] = mapped_column(Integer)
    #: the day the claim was filed
    claim_date: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(Integer)
    #: "worker" or "enterprise" (直补企业)
    payee: Mapped[str] = mapped_column(String(16), default="worker")
    payee_name: Mapped[str | None] = mapped_column(String(128))
    #: 申请, 审核, 通过, 驳回, 发放
    status: Mapped[str] = mapped_column(String(8), default="申请")
    city: Mapped[str] = mapped_column(String(8))
    rule_version: Mapped[str | None] = mapped_column(String(64))
    #: the content hash of the policy version that decided (policy_versions.content_hash)
    policy_hash: Mapped[str | None] = mapped_column(String(64))
    #: the records it was decided on
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    hire_id: Mapped[int | None] = mapped_column(ForeignKey("hires.id"))
    group_fact_id: Mapped[int | None] = mapped_column(ForeignKey("group_facts.id"))
    insurance_fact_id: Mapped[int | None] = mapped_column(ForeignKey("insurance_facts.id"))
    #: living allowance: the days paid (the calendar days taken are in living_allowance_days)
    days: Mapped[int | None] = mapped_column(Integer)
    #: imported history (decided elsewhere, before): blocks duplicates, never flagged
    history: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    #: separation of duties: who submitted, reviewed (审核 and 通过/驳回) and paid
    submitted_by: Mapped[str | None] = mapped_column(String(64))
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    approved_by: Mapped[str | None] = mapped_column(String(64))
    paid_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class AuditEvent(Base):
    """Append-only log: every decision with its inputs and rule version (no update, no delete)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(32), index=True)
    rule_version: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ImportBatch(Base):
    """One successful bulk import: what file, which kind, how many rows and its content hash,
    so that loading the same file twice is recognised."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(256))
    sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer)
    inserted: Mapped[int] = mapped_column(Integer)
    updated: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


from data.db.accounts import AuthToken, Employer, LoginAttempt, LoginLink, User  # noqa: E402
from data.db.consents import OrderConsent  # noqa: E402

# Records of issue 13 (hires, insurance and group facts, living-allowance days, risk flags, used
# policy versions) live in their own module; imported here so that Base.metadata holds them and
# ``from data.db.models import Hire`` works.
from data.db.subsidy_records import (  # noqa: E402
    GroupFact,
    Hire,
    InsuranceFact,
    LivingAllowanceDay,
    PolicyVersion,
    RiskFlagRecord,
)

__all__ = [
    "AuditEvent",
    "AuthToken",
    "Base",
    "Certificate",
    "Employer",
    "Enrollment",
    "GroupFact",
    "Hire",
    "ImportBatch",
    "Institution",
    "InsuranceFact",
    "LivingAllowanceDay",
    "LoginAttempt",
    "LoginLink",
    "Occupation",
    "Order",
    "OrderConsent",
    "PolicyVersion",
    "Programme",
    "Region",
    "RiskFlagRecord",
    "SubsidyClaim",
    "User",
    "Worker",
]
