from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from api.deps import EngineDep
from api.schemas import Health
from data.db.session import current_revision

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz(engine: EngineDep) -> Health:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return Health(status="ok", database=engine.dialect.name, revision=current_revision(engine))
