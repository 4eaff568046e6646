"""Public catalogue: programmes, institutions, open orders, regions."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from api.deps import SessionDep
from api.errors import ERROR_RESPONSES
from api.routers.spreadsheets import EXPORT_LIMIT, SPREADSHEET, ExportFormat, download
from api.schemas.catalogue import InstitutionOut, OrderOut, ProgrammeOut, RegionOut
from api.schemas.common import IsoDate, Limit, Offset, Page, RegionPrefix
from api.services import catalogue

router = APIRouter(prefix="/api/v1", tags=["catalogue"], responses={422: ERROR_RESPONSES[422]})

TrainingType = Literal[
    "就业技能培训",
    "岗前培训",
    "岗位技能提升培训",
    "企业新型学徒制",
    "创业培训",
    "新职业新业态培训",
    "订单项目制培训",
]
OccupationCode = Annotated[
    str | None, Query(pattern=r"^\d-\d{2}-\d{2}(-\d{2})?$", description="职业编码，如 6-29-01-01")
]


@router.get("/programmes", response_model=Page[ProgrammeOut])
def programmes(
    session: SessionDep,
    city: RegionPrefix = None,
    occupation: OccupationCode = None,
    training_type: Annotated[TrainingType | None, Query(description="培训类型")] = None,
    open_on: Annotated[
        IsoDate | None, Query(description="只列此日期（YYYY-MM-DD）之后开班且有名额的")
    ] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[ProgrammeOut]:
    """培训项目目录（仅列在办机构的项目）。"""
    query = catalogue.ProgrammeQuery(city, occupation, training_type, open_on, limit, offset)
    total, rows = catalogue.list_programmes(session, query)
    return Page[ProgrammeOut](total=total, items=[ProgrammeOut.model_validate(r) for r in rows])


@router.get("/programmes/export", response_class=Response, responses=SPREADSHEET)
def export_programmes(session: SessionDep, city: RegionPrefix = None, fmt: ExportFormat = "xlsx") -> Response:
    """导出培训项目目录（与目录同样的内容；以 = + - @ 开头的单元格按文字处理）。"""
    query = catalogue.ProgrammeQuery(city, None, None, None, EXPORT_LIMIT, 0)
    _total, rows = catalogue.list_programmes(session, query)
    views = [ProgrammeOut.model_validate(r) for r in rows]
    return download(views, tuple(ProgrammeOut.model_fields), fmt, "programmes")


@router.get("/institutions", response_model=Page[InstitutionOut])
def institutions(
    session: SessionDep, city: RegionPrefix = None, limit: Limit = 50, offset: Offset = 0
) -> Page[InstitutionOut]:
    """培训机构目录。"""
    total, rows = catalogue.list_institutions(session, city, limit, offset)
    return Page[InstitutionOut](total=total, items=[InstitutionOut.model_validate(r) for r in rows])


@router.get("/institutions/export", response_class=Response, responses=SPREADSHEET)
def export_institutions(
    session: SessionDep, city: RegionPrefix = None, fmt: ExportFormat = "xlsx"
) -> Response:
    """导出培训机构目录（与目录同样的内容；以 = + - @ 开头的单元格按文字处理）。"""
    _total, rows = catalogue.list_institutions(session, city, EXPORT_LIMIT, 0)
    views = [InstitutionOut.model_validate(r) for r in rows]
    return download(views, tuple(InstitutionOut.model_fields), fmt, "institutions")


@router.get("/orders", response_model=Page[OrderOut])
def orders(
    session: SessionDep, city: RegionPrefix = None, limit: Limit = 50, offset: Offset = 0
) -> Page[OrderOut]:
    """在招的用工订单。"""
    total, rows = catalogue.list_orders(session, city, limit, offset)
    return Page[OrderOut](total=total, items=[OrderOut.model_validate(r) for r in rows])


@router.get("/orders/export", response_class=Response, responses=SPREADSHEET)
def export_orders(session: SessionDep, city: RegionPrefix = None, fmt: ExportFormat = "xlsx") -> Response:
    """导出在招的用工订单（与列表同样的内容；以 = + - @ 开头的单元格按文字处理）。"""
    _total, rows = catalogue.list_orders(session, city, EXPORT_LIMIT, 0)
    views = [OrderOut.model_validate(r) for r in rows]
    return download(views, tuple(OrderOut.model_fields), fmt, "orders")


@router.get("/regions", response_model=list[RegionOut])
def regions(session: SessionDep) -> list[RegionOut]:
    """山西省、11个市及县级行政区划（代码、名称、坐标）。"""
    return [RegionOut.model_validate(r) for r in catalogue.list_regions(session)]
