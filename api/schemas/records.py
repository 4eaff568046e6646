"""Schemas of the records side (issue 12): enrollments, completions, certificates, hires, subsidy
claims and a worker's audit trail. Requests are strict (unknown fields refused); responses are
built from the services' views (``from_attributes``). No request carries an actor: who acts is the
signed-in caller."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.schemas.common import DB_INT_MAX, ID_PATTERN, IsoDate

__all__ = [
    "AuditEventOut",
    "CertificateIn",
    "CertificateOut",
    "ClaimIn",
    "ClaimOut",
    "ClaimStepIn",
    "CompletionIn",
    "EnrollmentId",
    "EnrollmentIn",
    "EnrollmentOut",
    "EnrollmentRequestIn",
    "HireIn",
    "HireOut",
    "ProgrammeId",
    "ClaimId",
    "WithdrawIn",
]

RecordId = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Note = Annotated[str, StringConstraints(max_length=200)]
EnrollmentId = Annotated[int, Path(ge=1, le=DB_INT_MAX, description="报名记录编号")]
ClaimId = Annotated[int, Path(ge=1, le=DB_INT_MAX, description="补贴申领编号")]
ProgrammeId = Annotated[str, Path(pattern=ID_PATTERN, description="培训项目编号")]
_STRICT = ConfigDict(extra="forbid")
_VIEW = ConfigDict(from_attributes=True)


class EnrollmentIn(BaseModel):
    """A counselor enrolls a worker from one of the worker's pathways: the programme, and the
    order the pathway leads to (if any)."""

    model_config = _STRICT
    worker_id: RecordId
    programme_id: RecordId
    order_id: RecordId | None = None


class EnrollmentRequestIn(BaseModel):
    """A worker's own "我想报名" (the worker is the signed-in caller)."""

    model_config = _STRICT
    programme_id: RecordId
    order_id: RecordId | None = None


class WithdrawIn(BaseModel):
    model_config = _STRICT
    reason: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class CompletionIn(BaseModel):
    model_config = _STRICT
    completed_on: IsoDate
    hours_attended: Annotated[int, Field(ge=0, le=10_000)]


class CertificateIn(BaseModel):
    model_config = _STRICT
    occupation_code: Annotated[str, StringConstraints(pattern=r"^\d-\d{2}-\d{2}-\d{2}$")]
    level: Annotated[int, Field(ge=0, le=5, description="5=五级/初级工 … 1=一级/高级技师，0=专项职业能力")]
    number: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{6,64}$")]
    issued_on: IsoDate
    work_type: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    issuing_body: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = None


class HireIn(BaseModel):
    model_config = _STRICT
    worker_id: RecordId
    start_date: IsoDate
    monthly_wage: Annotated[int, Field(ge=1, le=100_000)]
    end_date: IsoDate | None = None


class ClaimIn(BaseModel):
    """A claim names the worker, its kind and one record: an enrollment (职业培训补贴 training,
    生活费补贴 living) or a certificate (评价补贴 certification, 技能提升补贴 skill_upgrade).
    Amounts, occupation, level and dates are read from the records."""

    model_config = _STRICT
    worker_id: RecordId
    kind: Literal["training", "living", "certification", "skill_upgrade"]
    enrollment_id: Annotated[int, Field(ge=1, le=DB_INT_MAX)] | None = None
    certificate_id: Annotated[int, Field(ge=1, le=DB_INT_MAX)] | None = None


class ClaimStepIn(BaseModel):
    """A note with a review step (required to reject)."""

    model_config = _STRICT
    note: Note = ""


class EnrollmentOut(BaseModel):
    model_config = _VIEW
    id: int
    worker_id: str
    programme_id: str
    programme_title: str
    institution_id: str
    order_id: str | None
    #: 待确认, 报名, 在训, 结业, 退出
    status: str
    enrolled_on: dt.date
    completed: bool
    completed_on: dt.date | None
    hours_attended: int | None
    certified: bool
    fee_payer: str | None
    seats_left: int


class CertificateOut(BaseModel):
    model_config = _VIEW
    id: int
    worker_id: str
    enrollment_id: int | None
    number: str
    issuing_body: str
    occupation_code: str
    work_type: str | None
    level: int
    level_name: str
    issued_on: dt.date


class HireOut(BaseModel):
    model_config = _VIEW
    id: int
    worker_id: str
    order_id: str | None
    employer_name: str
    employer_kind: str
    start_date: dt.date
    end_date: dt.date | None
    monthly_wage: int | None


class ClaimOut(BaseModel):
    model_config = _VIEW
    id: int
    worker_id: str
    kind: str
    kind_name: str
    #: 申请, 审核, 通过, 驳回, 发放
    status: str
    amount: int
    to_worker: int
    to_employer: int
    payee: str
    payee_name: str | None
    enrollment_id: int | None
    certificate_id: int | None
    programme_id: str | None
    occupation_code: str
    level: int
    event_date: dt.date
    claim_date: dt.date
    city: str
    rule_version: str | None
    submitted_by: str | None
    reviewed_by: str | None
    approved_by: str | None
    paid_by: str | None
    #: what this step did, in Chinese
    message: str


class AuditEventOut(BaseModel):
    model_config = _VIEW
    id: int
    at: dt.datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    rule_version: str | None
    message: str
    payload: dict[str, Any]
