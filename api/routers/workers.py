"""Worker files for their counselors, the admins of their region and the workers themselves.

Who sees which worker is decided by the dependencies (``StaffRegionDep``, ``WorkerAccessDep``):
a list covers the caller's region only, and a worker out of scope answers 404.
"""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import SessionDep, StaffRegionDep, WorkerAccessDep
from api.errors import ERROR_RESPONSES
from api.schemas.catalogue import WorkerOut, WorkerSummary
from api.schemas.common import Limit, Offset, Page
from api.services import catalogue
from api.services.worker_views import worker_out, worker_summary

router = APIRouter(
    prefix="/api/v1/workers",
    tags=["workers"],
    responses={k: ERROR_RESPONSES[k] for k in (401, 403, 422)},
)


@router.get("", response_model=Page[WorkerSummary])
def list_workers(
    scope: StaffRegionDep, session: SessionDep, limit: Limit = 50, offset: Offset = 0
) -> Page[WorkerSummary]:
    """本辖区的劳动者列表（就业指导员、管理员；city 只能在本辖区内进一步筛选）。"""
    total, rows = catalogue.list_workers(session, scope.prefix, limit, offset)
    full = scope.caller.role == "counselor"
    return Page[WorkerSummary](total=total, items=[worker_summary(r, full=full) for r in rows])


@router.get("/{worker_id}", response_model=WorkerOut, responses={404: ERROR_RESPONSES[404]})
def get_worker(access: WorkerAccessDep, session: SessionDep) -> WorkerOut:
    """一名劳动者的档案：本人及本辖区就业指导员看完整档案，其他人看进一步脱敏的档案。"""
    return worker_out(catalogue.get_worker(session, access.worker_id), full=access.full)
