"""Public pages, no sign-in (clauses 一 and 五): the home page, the programme catalogue
(培训项目目录) with search and filters, the institution catalogue (机构目录), each city's
subsidised occupations, and the supply and demand of a city or county with its flows (流向监测),
as charts, tables and CSV."""

from __future__ import annotations

import csv
import io
import math
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field, ValidationInfo, field_validator

from api.deps import SessionDep, TodayDep
from api.pages.forms import Blank, OptionalDate, parse_form
from api.pages.templating import render
from api.services import directory
from api.services.catalogue import ProgrammeQuery
from api.services.supply_demand import supply_demand
from matcher.types import INSTITUTION_KINDS, SHORT_LEVEL_NAMES, TRAINING_TYPES

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 20
TrainingType = Literal[
    "就业技能培训",
    "岗前培训",
    "岗位技能提升培训",
    "企业新型学徒制",
    "创业培训",
    "新职业新业态培训",
    "订单项目制培训",
]
InstitutionKind = Literal[
    "技工院校", "职业院校", "民办培训机构", "企业培训中心", "高技能人才培训基地", "技能大师工作室"
]
City = Annotated[Annotated[str, Field(pattern=r"^\d{4}$")] | None, Blank]
County = Annotated[Annotated[str, Field(pattern=r"^\d{6}$")] | None, Blank]
PageNo = Annotated[int, Blank, Field(ge=1, le=100_000)]


class RegionFilter(BaseModel):
    city: City = None
    county: County = None

    @field_validator("county")
    @classmethod
    def _county_in_city(cls, county: str | None, info: ValidationInfo) -> str | None:
        city = info.data.get("city")
        if county and city and not county.startswith(city):
            raise ValueError("所选区县不属于所选城市")
        return county

    @property
    def prefix(self) -> str | None:
        return self.county or self.city


class ProgrammeFilter(RegionFilter):
    q: Annotated[Annotated[str, Field(max_length=40)] | None, Blank] = None
    occupation: Annotated[Annotated[str, Field(pattern=r"^\d-\d{2}-\d{2}(-\d{2})?$")] | None, Blank] = None
    level: Annotated[Annotated[int, Field(ge=0, le=5)] | None, Blank] = None
    training_type: Annotated[TrainingType | None, Blank] = None
    start_from: OptionalDate = None
    start_to: OptionalDate = None
    page: PageNo = 1

    @field_validator("start_to")
    @classmethod
    def _window(cls, start_to, info: ValidationInfo):  # type: ignore[no-untyped-def]
        start_from = info.data.get("start_from")
        if start_to and start_from and start_to < start_from:
            raise ValueError("截止日期不能早于起始日期")
        return start_to


PROGRAMME_LABELS = {
    "q": "关键词",
    "city": "城市",
    "county": "区县",
    "occupation": "职业",
    "level": "等级",
    "training_type": "培训类型",
    "start_from": "开班日期从",
    "start_to": "开班日期至",
    "page": "页码",
}


class InstitutionFilter(RegionFilter):
    kind: Annotated[InstitutionKind | None, Blank] = None
    page: PageNo = 1


def _query_without_page(typed: dict[str, str]) -> str:
    return urlencode({k: v for k, v in typed.items() if v and k != "page"})


def _pages(total: int) -> int:
    return max(1, math.ceil(total / PAGE_SIZE))


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    return render(request, "home.html", title="首页", nav="home")


@router.get("/catalogue", response_class=HTMLResponse)
def programmes_page(request: Request, session: SessionDep) -> HTMLResponse:
    """培训项目目录: search and filters, with what the user typed kept and errors by the field.
    A filter with an error answers 200 with the messages by the fields (a browser reports any
    other status of a page as a console error) and no results."""
    form = parse_form(ProgrammeFilter, request.query_params)
    total, rows = 0, list[directory.ProgrammeRow]()
    f = form.value
    if f is not None:
        query = ProgrammeQuery(
            city=f.prefix,
            occupation_code=f.occupation,
            training_type=f.training_type,
            limit=PAGE_SIZE,
            offset=(f.page - 1) * PAGE_SIZE,
            level=f.level,
            text=f.q,
            start_from=f.start_from,
            start_to=f.start_to,
        )
        total, rows = directory.programme_rows(session, query)
    return render(
        request,
        "catalogue/programmes.html",
        title="培训项目目录",
        nav="programmes",
        form=form,
        rows=rows,
        total=total,
        page=f.page if f else 1,
        pages=_pages(total),
        base_query=_query_without_page(form.typed),
        cities=directory.region_options(session),
        occupations=directory.programme_occupations(session),
        levels=[(str(k), v) for k, v in sorted(SHORT_LEVEL_NAMES.items(), reverse=True)],
        training_types=[(t, t) for t in TRAINING_TYPES],
        labels=PROGRAMME_LABELS,
    )


@router.get("/catalogue/institutions", response_class=HTMLResponse)
def institutions_page(request: Request, session: SessionDep) -> HTMLResponse:
    """机构目录."""
    form = parse_form(InstitutionFilter, request.query_params)
    total, rows = 0, list[directory.InstitutionRow]()
    f = form.value
    if f is not None:
        total, rows = directory.institution_rows(
            session, f.prefix, f.kind, PAGE_SIZE, (f.page - 1) * PAGE_SIZE
        )
    return render(
        request,
        "catalogue/institutions.html",
        title="培训机构目录",
        nav="institutions",
        form=form,
        rows=rows,
        total=total,
        page=f.page if f else 1,
        pages=_pages(total),
        base_query=_query_without_page(form.typed),
        cities=directory.region_options(session),
        kinds=[(k, k) for k in INSTITUTION_KINDS],
    )


@router.get("/catalogue/subsidies", response_class=HTMLResponse)
def subsidies_page(request: Request, session: SessionDep, today: TodayDep) -> HTMLResponse:
    """Each city's subsidised occupations (the version in force today), with amounts per level."""
    cities = directory.region_options(session)
    books = []
    for city in cities:
        label, rows = directory.subsidised_occupations(city.code, today)
        books.append((city, label, rows))
    return render(
        request,
        "catalogue/subsidies.html",
        title="各市补贴职业（工种）",
        nav="subsidies",
        books=books,
        today=today,
    )


class SupplyFilter(RegionFilter):
    pass


def _supply(request: Request, session: SessionDep, today: TodayDep):  # type: ignore[no-untyped-def]
    form = parse_form(SupplyFilter, request.query_params)
    prefix = (form.value.prefix if form.value else None) or "14"
    return form, supply_demand(session, prefix, today)


@router.get("/supply-demand", response_class=HTMLResponse)
def supply_demand_page(request: Request, session: SessionDep, today: TodayDep) -> HTMLResponse:
    """Orders vs interested workers vs seats per occupation, and 流向监测, for a city or county."""
    form, sd = _supply(request, session, today)
    chart = {
        "occupations": [b.name for b in sd.occupations[:15]],
        "demand": [b.demand for b in sd.occupations[:15]],
        "interested": [b.interested for b in sd.occupations[:15]],
        "seats": [b.seats for b in sd.occupations[:15]],
        "flows": [
            {"source": f"{f.home}（户籍）", "target": f"{f.now}（现工作地）", "value": f.workers}
            for f in sd.flows[:25]
        ],
    }
    return render(
        request,
        "supply_demand.html",
        title=f"{sd.region_name}供需与流向",
        nav="supply",
        form=form,
        sd=sd,
        chart=chart,
        today=today,
        query=_query_without_page(form.typed),
        cities=directory.region_options(session),
    )


def _csv(name: str, header: list[str], rows: list[list[object]]) -> Response:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    # UTF-8 with a byte-order mark: Excel on a counselor's PC opens it as Chinese, not mojibake
    return Response(
        "\ufeff" + buf.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/supply-demand/occupations.csv")
def supply_demand_csv(request: Request, session: SessionDep, today: TodayDep) -> Response:
    _form, sd = _supply(request, session, today)
    return _csv(
        f"supply-demand-{sd.region}.csv",
        ["职业编码", "职业", "订单需求人数", "有意向的劳动者", "未开班剩余名额", "需求减意向"],
        [[b.code, b.name, b.demand, b.interested, b.seats, b.gap] for b in sd.occupations],
    )


@router.get("/supply-demand/flows.csv")
def flows_csv(request: Request, session: SessionDep, today: TodayDep) -> Response:
    _form, sd = _supply(request, session, today)
    return _csv(
        f"flows-{sd.region}.csv",
        ["户籍地", "现工作地", "人数"],
        [[f.home, f.now, f.workers] for f in sd.flows],
    )
