"""Subsidy claims over HTTP (issue 12): a counselor files (申请), an admin reviews (审核) and
approves or rejects (通过/驳回), another admin pays (发放); and a worker's audit trail. The actor
is always the signed-in caller, never a field of the body."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from fastapi import status as http_status

from api.deps import (
    AdminDep,
    CounselorDep,
    EngineDep,
    StaffDep,
    SubsidyServiceDep,
)
from api.routers.record_responses import RESPONSES
from api.routers.spreadsheets import EXPORT_LIMIT, SPREADSHEET, ExportFormat, download
from api.schemas.common import ID_PATTERN, Limit, Offset, Page, WorkerId
from api.schemas.records import AuditEventOut, ClaimId, ClaimIn, ClaimOut, ClaimStepIn
from api.security import Caller
from api.services import audit_trail, claims
from api.services.subsidy import SubsidyService

router = APIRouter(prefix="/api/v1", tags=["claims"], responses=RESPONSES)

ClaimStatus = Literal["申请", "审核", "通过", "驳回", "发放"]


@router.post("/claims", response_model=ClaimOut, status_code=http_status.HTTP_201_CREATED)
def file_claim(body: ClaimIn, caller: CounselorDep, service: SubsidyServiceDep) -> ClaimOut:
    """为本辖区劳动者提交补贴申领（金额、职业、等级、日期均取自报名、结业、证书等记录）。"""
    view = claims.file_claim(
        service,
        caller,
        worker_id=body.worker_id,
        kind=body.kind,
        enrollment_id=body.enrollment_id,
        certificate_id=body.certificate_id,
    )
    return ClaimOut.model_validate(view)


@router.get("/claims", response_model=Page[ClaimOut])
def list_claims(
    caller: StaffDep,
    service: SubsidyServiceDep,
    status: Annotated[ClaimStatus | None, Query(description="申领状态")] = None,
    worker_id: Annotated[str | None, Query(pattern=ID_PATTERN, description="劳动者编号")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[ClaimOut]:
    """本辖区的补贴申领，最新的在前。"""
    total, rows = claims.list_claims(
        service, caller, status=status, worker_id=worker_id, limit=limit, offset=offset
    )
    return Page[ClaimOut](total=total, items=[ClaimOut.model_validate(r) for r in rows])


@router.get("/claims/export", response_class=Response, responses=SPREADSHEET)
def export_claims(
    caller: StaffDep,
    service: SubsidyServiceDep,
    status: Annotated[ClaimStatus | None, Query(description="申领状态")] = None,
    worker_id: Annotated[str | None, Query(pattern=ID_PATTERN, description="劳动者编号")] = None,
    fmt: ExportFormat = "xlsx",
) -> Response:
    """导出本辖区的补贴申领（与列表同样的范围和字段，最新的在前；以 = + - @ 开头的单元格按文字处理）。"""
    _total, rows = claims.list_claims(
        service, caller, status=status, worker_id=worker_id, limit=EXPORT_LIMIT, offset=0
    )
    views = [ClaimOut.model_validate(r) for r in rows]
    return download(views, tuple(ClaimOut.model_fields), fmt, "claims")


@router.get("/claims/{claim_id}", response_model=ClaimOut)
def get_claim(claim_id: ClaimId, caller: StaffDep, service: SubsidyServiceDep) -> ClaimOut:
    """一条补贴申领。"""
    return ClaimOut.model_validate(claims.get_claim(service, caller, claim_id))


def _step(
    step: str, claim_id: int, body: ClaimStepIn | None, caller: Caller, service: SubsidyService
) -> ClaimOut:
    view = claims.advance(service, caller, claim_id, step, note=body.note if body else "")
    return ClaimOut.model_validate(view)


@router.post("/claims/{claim_id}/review", response_model=ClaimOut)
def review_claim(
    claim_id: ClaimId, caller: AdminDep, service: SubsidyServiceDep, body: ClaimStepIn | None = None
) -> ClaimOut:
    """审核（申请 → 审核）；提交人不能审核本人提交的申领。"""
    return _step("review", claim_id, body, caller, service)


@router.post("/claims/{claim_id}/approve", response_model=ClaimOut)
def approve_claim(
    claim_id: ClaimId, caller: AdminDep, service: SubsidyServiceDep, body: ClaimStepIn | None = None
) -> ClaimOut:
    """审核通过（审核 → 通过），按当日记录重新核定。"""
    return _step("approve", claim_id, body, caller, service)


@router.post("/claims/{claim_id}/reject", response_model=ClaimOut)
def reject_claim(
    claim_id: ClaimId, body: ClaimStepIn, caller: AdminDep, service: SubsidyServiceDep
) -> ClaimOut:
    """驳回（须注明理由）。"""
    return _step("reject", claim_id, body, caller, service)


@router.post("/claims/{claim_id}/pay", response_model=ClaimOut)
def pay_claim(
    claim_id: ClaimId, caller: AdminDep, service: SubsidyServiceDep, body: ClaimStepIn | None = None
) -> ClaimOut:
    """发放（通过 → 发放）；提交人和审核人不能办理发放，已发放的不再发放。"""
    return _step("pay", claim_id, body, caller, service)


@router.get("/workers/{worker_id}/audit", response_model=Page[AuditEventOut])
def worker_audit(
    worker_id: WorkerId, caller: StaffDep, engine: EngineDep, limit: Limit = 200, offset: Offset = 0
) -> Page[AuditEventOut]:
    """一名劳动者的全部操作记录（报名、结业、证书、录用、补贴申领各步骤及经办人），按时间先后。"""
    total, rows = audit_trail.worker_trail(engine, caller, worker_id, limit=limit, offset=offset)
    return Page[AuditEventOut](total=total, items=[AuditEventOut.model_validate(r) for r in rows])
