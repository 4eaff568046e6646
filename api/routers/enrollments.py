"""Enrollments and the outcomes of training over HTTP (issue 12): a counselor enrolls a worker
from a pathway, a worker asks ("我想报名"), the institution confirms, withdraws and records
completion and certification, an employer records a hire on its own order. Thin: validate →
service → response model; the actor is always the signed-in caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from api.deps import (
    ClockDep,
    CounselorDep,
    EmployerDep,
    EngineDep,
    InstitutionDep,
    SeesWorkerDep,
    WithdrawerDep,
    WorkerSelfDep,
)
from api.routers.record_responses import RESPONSES
from api.routers.spreadsheets import EXPORT_LIMIT, SPREADSHEET, ExportFormat, download
from api.schemas.common import OrderId, WorkerId
from api.schemas.records import (
    CertificateIn,
    CertificateOut,
    CompletionIn,
    EnrollmentId,
    EnrollmentIn,
    EnrollmentOut,
    EnrollmentRequestIn,
    HireIn,
    HireOut,
    ProgrammeId,
    WithdrawIn,
)
from api.security import Caller, allow
from api.services import enrollments, outcomes

router = APIRouter(prefix="/api/v1", tags=["enrollments"], responses=RESPONSES)

#: who sees enrollments: an institution its programmes', staff their region's workers', a worker its own
EnrollmentReaderDep = Annotated[Caller, Depends(allow("admin", "counselor", "institution", "worker"))]


@router.post("/enrollments", response_model=EnrollmentOut, status_code=status.HTTP_201_CREATED)
def enroll(body: EnrollmentIn, caller: CounselorDep, engine: EngineDep, clock: ClockDep) -> EnrollmentOut:
    """为本辖区劳动者报名培训项目（占用一个名额；劳动者已提交的报名申请随之确认）。"""
    view = enrollments.enroll(
        engine,
        caller,
        worker_id=body.worker_id,
        programme_id=body.programme_id,
        order_id=body.order_id,
        today=clock(),
    )
    return EnrollmentOut.model_validate(view)


@router.get("/enrollments/export", response_class=Response, responses=SPREADSHEET)
def export_enrollments(
    caller: EnrollmentReaderDep, engine: EngineDep, fmt: ExportFormat = "xlsx"
) -> Response:
    """导出您可查看的全部报名记录（培训机构：本机构培训项目的；经办人、管理员：本辖区劳动者的；劳动者：本人的），
    字段与报名记录列表相同；以 = + - @ 开头的单元格按文字处理。"""
    rows = enrollments.list_visible(engine, caller, limit=EXPORT_LIMIT)
    views = [EnrollmentOut.model_validate(v) for v in rows]
    return download(views, tuple(EnrollmentOut.model_fields), fmt, "enrollments")


@router.post("/enrollments/requests", response_model=EnrollmentOut, status_code=status.HTTP_201_CREATED)
def request_enrollment(
    body: EnrollmentRequestIn, caller: WorkerSelfDep, engine: EngineDep, clock: ClockDep
) -> EnrollmentOut:
    """劳动者本人“我想报名”：提交报名申请，由就业服务站确认后占用名额。"""
    view = enrollments.request(
        engine, caller, programme_id=body.programme_id, order_id=body.order_id, today=clock()
    )
    return EnrollmentOut.model_validate(view)


@router.post("/enrollments/{enrollment_id}/confirm", response_model=EnrollmentOut)
def confirm_enrollment(
    enrollment_id: EnrollmentId, caller: InstitutionDep, engine: EngineDep
) -> EnrollmentOut:
    """培训机构确认本机构培训项目的报名（报名 → 在训）。"""
    return EnrollmentOut.model_validate(enrollments.confirm(engine, caller, enrollment_id))


@router.post("/enrollments/{enrollment_id}/withdraw", response_model=EnrollmentOut)
def withdraw_enrollment(
    enrollment_id: EnrollmentId, body: WithdrawIn, caller: WithdrawerDep, engine: EngineDep
) -> EnrollmentOut:
    """退出报名（培训机构或就业服务站经办人办理，须注明原因），名额退回。"""
    return EnrollmentOut.model_validate(
        enrollments.withdraw(engine, caller, enrollment_id, reason=body.reason)
    )


@router.post("/enrollments/{enrollment_id}/completion", response_model=EnrollmentOut)
def record_completion(
    enrollment_id: EnrollmentId,
    body: CompletionIn,
    caller: InstitutionDep,
    engine: EngineDep,
    clock: ClockDep,
) -> EnrollmentOut:
    """培训机构登记结业：结业日期与出勤学时（在训 → 结业）。"""
    view = outcomes.record_completion(
        engine,
        caller,
        enrollment_id,
        completed_on=body.completed_on,
        hours_attended=body.hours_attended,
        today=clock(),
    )
    return EnrollmentOut.model_validate(view)


@router.post(
    "/enrollments/{enrollment_id}/certificate",
    response_model=CertificateOut,
    status_code=status.HTTP_201_CREATED,
)
def record_certificate(
    enrollment_id: EnrollmentId,
    body: CertificateIn,
    caller: InstitutionDep,
    engine: EngineDep,
    clock: ClockDep,
) -> CertificateOut:
    """培训机构登记学员在本课程取得的证书：职业、等级、证书编号、发证日期。"""
    view = outcomes.record_certificate(
        engine,
        caller,
        enrollment_id,
        occupation_code=body.occupation_code,
        level=body.level,
        number=body.number,
        issued_on=body.issued_on,
        work_type=body.work_type,
        issuing_body=body.issuing_body,
        today=clock(),
    )
    return CertificateOut.model_validate(view)


@router.get("/workers/{worker_id}/enrollments", response_model=list[EnrollmentOut])
def worker_enrollments(worker_id: WorkerId, caller: SeesWorkerDep, engine: EngineDep) -> list[EnrollmentOut]:
    """一名劳动者的报名记录（本辖区经办人、管理员或劳动者本人）。"""
    return [EnrollmentOut.model_validate(v) for v in enrollments.list_for_worker(engine, caller, worker_id)]


@router.get("/programmes/{programme_id}/enrollments", response_model=list[EnrollmentOut])
def programme_enrollments(
    programme_id: ProgrammeId, caller: InstitutionDep, engine: EngineDep
) -> list[EnrollmentOut]:
    """本机构一个培训项目的报名记录。"""
    return [
        EnrollmentOut.model_validate(v) for v in enrollments.list_for_programme(engine, caller, programme_id)
    ]


@router.post("/orders/{order_id}/hires", response_model=HireOut, status_code=status.HTTP_201_CREATED)
def record_hire(
    order_id: OrderId, body: HireIn, caller: EmployerDep, engine: EngineDep, clock: ClockDep
) -> HireOut:
    """用人单位登记本单位订单的录用：劳动者、入职日期、月工资。"""
    view = outcomes.record_hire(
        engine,
        caller,
        order_id,
        worker_id=body.worker_id,
        start_date=body.start_date,
        monthly_wage=body.monthly_wage,
        end_date=body.end_date,
        today=clock(),
    )
    return HireOut.model_validate(view)
