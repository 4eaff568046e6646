"""Worker profiles as counselors see them (masked)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import SessionDep
from api.errors import ERROR_RESPONSES
from api.schemas.catalogue import WorkerOut, WorkerSummary
from api.schemas.common import Limit, Offset, Page, RegionPrefix, WorkerId
from api.services import catalogue

router = APIRouter(prefix="/api/v1/workers", tags=["workers"], responses={422: ERROR_RESPONSES[422]})


@router.get("", response_model=Page[WorkerSummary])
def list_workers(
    session: SessionDep, city: RegionPrefix = None, limit: Limit = 50, offset: Offset = 0
) -> Page[WorkerSummary]:
    """劳动者列表（个人信息已脱敏）。"""
    total, rows = catalogue.list_workers(session, city, limit, offset)
    return Page[WorkerSummary](total=total, items=[WorkerSummary.model_validate(r) for r in rows])


@router.get("/{worker_id}", response_model=WorkerOut, responses={404: ERROR_RESPONSES[404]})
def get_worker(worker_id: WorkerId, session: SessionDep) -> WorkerOut:
    """一名劳动者的档案（个人信息已脱敏）。"""
    return WorkerOut.model_validate(catalogue.get_worker(session, worker_id))
