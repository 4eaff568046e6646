"""Worker profiles as counselors see them (masked)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import SessionDep
from api.schemas import Page, WorkerOut, WorkerSummary
from api.services import catalogue

router = APIRouter(prefix="/api/v1/workers", tags=["workers"])


@router.get("", response_model=Page[WorkerSummary])
def list_workers(
    session: SessionDep,
    city: Annotated[str | None, Query(pattern=r"^\d{2,6}$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[WorkerSummary]:
    total, rows = catalogue.list_workers(session, city, limit, offset)
    return Page[WorkerSummary](total=total, items=[WorkerSummary.model_validate(r) for r in rows])


@router.get("/{worker_id}", response_model=WorkerOut)
def get_worker(worker_id: str, session: SessionDep) -> WorkerOut:
    return WorkerOut.model_validate(catalogue.get_worker(session, worker_id))
