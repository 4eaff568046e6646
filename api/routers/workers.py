"""Worker profiles as counselors see them (masked)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import SessionDep
from api.schemas import WorkerOut
from api.services import catalogue

router = APIRouter(prefix="/api/v1/workers", tags=["workers"])


@router.get("/{worker_id}", response_model=WorkerOut)
def get_worker(worker_id: str, session: SessionDep) -> WorkerOut:
    return WorkerOut.model_validate(catalogue.get_worker(session, worker_id))
