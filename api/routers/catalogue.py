"""Public catalogue: programmes, institutions, open orders, regions."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from api.deps import SessionDep
from api.schemas import InstitutionOut, OrderOut, Page, ProgrammeOut, RegionOut
from api.services import catalogue
from data.db.models import Region

router = APIRouter(prefix="/api/v1", tags=["catalogue"])

Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0)]
City = Annotated[str | None, Query(pattern=r"^\d{2,6}$", description="adcode prefix, e.g. 1411 or 141124")]


@router.get("/programmes", response_model=Page[ProgrammeOut])
def programmes(
    session: SessionDep,
    city: City = None,
    occupation: Annotated[str | None, Query(pattern=r"^\d-\d{2}-\d{2}(-\d{2})?$")] = None,
    training_type: str | None = None,
    open_on: dt.date | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[ProgrammeOut]:
    query = catalogue.ProgrammeQuery(city, occupation, training_type, open_on, limit, offset)
    total, rows = catalogue.list_programmes(session, query)
    return Page[ProgrammeOut](total=total, items=[ProgrammeOut.model_validate(r) for r in rows])


@router.get("/institutions", response_model=Page[InstitutionOut])
def institutions(
    session: SessionDep, city: City = None, limit: Limit = 50, offset: Offset = 0
) -> Page[InstitutionOut]:
    total, rows = catalogue.list_institutions(session, city, limit, offset)
    return Page[InstitutionOut](total=total, items=[InstitutionOut.model_validate(r) for r in rows])


@router.get("/orders", response_model=Page[OrderOut])
def orders(session: SessionDep, city: City = None, limit: Limit = 50, offset: Offset = 0) -> Page[OrderOut]:
    total, rows = catalogue.list_orders(session, city, limit, offset)
    return Page[OrderOut](total=total, items=[OrderOut.model_validate(r) for r in rows])


@router.get("/regions", response_model=list[RegionOut])
def regions(session: SessionDep) -> list[RegionOut]:
    return [RegionOut.model_validate(r) for r in session.scalars(select(Region).order_by(Region.adcode))]
