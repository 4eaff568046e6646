"""The counselor workbench (工作台): find or register a worker of the counselor's region, read the
ranked pathways with their reasons, net cost, allowance, distance and dates, ask why a programme
or order is not among them, print the one-page recommendation sheet (打印推荐单, A4), and keep the
training ledger of priority groups (培训台账) with its XLSX export."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.deps import EngineDep, RecommenderDep, SessionDep, SettingsDep, TodayDep
from api.errors import NotFound
from api.pages.forms import Blank, FormResult, parse_form
from api.pages.session import page_caller
from api.pages.templating import render
from api.schemas.common import ID_PATTERN, WorkerId
from api.security import Caller
from api.services.directory import region_options
from api.services.ledger import STAGES, ledger, ledger_xlsx
from api.services.profile_form import EDIT_FIELDS, FormInvalid, edit_worker, profile_values
from api.services.recommend import Recommender
from api.services.recommend.views import FEATURE_NAMES
from api.services.registration import REGISTRATION_FIELDS, RegistrationInvalid, register_worker
from api.services.workbench import find_workers, pathway_cards, scoped_worker, why_not
from data.db.models import Worker
from data.regions import shanxi_regions
from matcher.types import EDUCATION_ORDER, GROUPS, SHORT_LEVEL_NAMES

router = APIRouter(include_in_schema=False)

SHEET_PATHWAYS = 3
#: rows of the ledger shown on the page (the export holds them all)
LEDGER_ROWS = 200
CounselorCaller = Annotated[Caller, Depends(page_caller("counselor"))]


class SearchForm(BaseModel):
    q: Annotated[Annotated[str, Field(max_length=40)] | None, Blank] = None


class WhyNotForm(BaseModel):
    item: Annotated[str, Field(pattern=ID_PATTERN)]


@router.get("/workbench", response_class=HTMLResponse)
def workbench(request: Request, caller: CounselorCaller, session: SessionDep) -> HTMLResponse:
    form = parse_form(SearchForm, request.query_params)
    total, hits = (0, []) if form.value is None else find_workers(session, caller.region, form.value.q or "")
    return render(
        request, "workbench/search.html", title="工作台", nav="mine", form=form, total=total, hits=hits
    )


#: where a worker wants to work, as the profile forms offer it
PLACES = [("local", "家门口（本县）"), ("city", "指定城市"), ("anywhere", "哪里都行")]
#: the cities a worker may name as where they want to work (by adcode, as the worker file holds it)
CITIES = [("", "未指定"), *((r.adcode, r.name) for r in shanxi_regions() if r.level == "city")]


def _profile_choices(typed: dict[str, str]) -> dict[str, Any]:
    """What the profile fields of the registration and the edit form choose from."""
    return {
        "groups": GROUPS,
        "chosen": set(typed.get("groups", "").split("|")),
        "educations": [(e, e) for e in EDUCATION_ORDER],
        "places": PLACES,
        "cities": CITIES,
    }


async def _posted(request: Request, fields: tuple[str, ...]) -> dict[str, str]:
    """The posted form as typed, field by field (the ticked ``groups`` "|"-joined)."""
    posted = await request.form()
    typed = {k: str(posted.get(k) or "") for k in fields if k != "groups"}
    typed["groups"] = "|".join(str(g) for g in posted.getlist("groups"))
    return typed


def _register_page(request: Request, typed: dict[str, str], errors: dict[str, str]) -> HTMLResponse:
    return render(
        request,
        "workbench/register.html",
        title="登记劳动者",
        nav="mine",
        form=FormResult(None, typed, errors),
        **_profile_choices(typed),
    )


@router.get("/workbench/register", response_class=HTMLResponse)
def register_page(request: Request, _caller: CounselorCaller) -> HTMLResponse:
    return _register_page(
        request, {"education": "初中", "desired_place": "local", "max_commute_km": "30"}, {}
    )


@router.post("/workbench/register", response_class=HTMLResponse)
async def register(
    request: Request, caller: CounselorCaller, engine: EngineDep, settings: SettingsDep
) -> Response:
    """Register a worker from the counselor's form; on a problem the form comes back with each
    message by its field and everything typed kept (the 身份证号 too: the counselor corrects it)."""
    typed = await _posted(request, REGISTRATION_FIELDS)
    try:
        done = await run_in_threadpool(register_worker, engine, caller, typed, secret_key=settings.secret_key)
    except RegistrationInvalid as exc:
        return _register_page(request, typed, exc.field_errors)
    return RedirectResponse(f"/workbench/workers/{done.worker_id}?registered=1", status_code=303)


def _edit_page(
    request: Request, worker: Worker, typed: dict[str, str], errors: dict[str, str]
) -> HTMLResponse:
    return render(
        request,
        "workbench/edit.html",
        title=f"修改档案 {worker.id}",
        nav="mine",
        worker=worker,
        form=FormResult(None, typed, errors),
        registry=[c for c in worker.certificates if c.source != "worker_file"],
        level_names=SHORT_LEVEL_NAMES,
        **_profile_choices(typed),
    )


@router.get("/workbench/workers/{worker_id}/edit", response_class=HTMLResponse)
def edit_page(
    request: Request, worker_id: WorkerId, caller: CounselorCaller, session: SessionDep
) -> HTMLResponse:
    """The worker's profile as a form, filled with what their file holds."""
    worker = scoped_worker(session, caller.region, worker_id)
    return _edit_page(request, worker, profile_values(session, worker), {})


@router.post("/workbench/workers/{worker_id}/edit", response_class=HTMLResponse)
async def edit(
    request: Request, worker_id: WorkerId, caller: CounselorCaller, engine: EngineDep, session: SessionDep
) -> Response:
    """Save the profile through the service of ``PATCH /api/v1/workers/{id}``; on a problem the
    form comes back with each message by its field and everything typed kept."""
    worker = scoped_worker(session, caller.region, worker_id)
    typed = await _posted(request, EDIT_FIELDS)
    try:
        await run_in_threadpool(edit_worker, engine, caller, worker_id, typed)
    except FormInvalid as exc:
        return _edit_page(request, worker, typed, exc.field_errors)
    return RedirectResponse(f"/workbench/workers/{worker_id}?saved=1", status_code=303)


@router.get("/workbench/workers/{worker_id}", response_class=HTMLResponse)
def worker_pathways(
    request: Request,
    worker_id: WorkerId,
    caller: CounselorCaller,
    session: SessionDep,
    recommender: RecommenderDep,
    today: TodayDep,
) -> HTMLResponse:
    return worker_page(request, worker_id, caller, session, recommender, today)


def wish_place(worker: Worker) -> str:
    """Where the worker wants to work, in words (the city named when one is)."""
    label = dict(PLACES).get(worker.desired_place, worker.desired_place)
    city = dict(CITIES).get(worker.desired_city_adcode or "")
    if worker.desired_place == "city" and city:
        return f"{label}：{city}"
    return f"{label}（登记城市：{city}）" if city else label


def worker_page(
    request: Request,
    worker_id: str,
    caller: Caller,
    session: Session,
    recommender: Recommender,
    today: dt.date,
    *,
    problem: str = "",
) -> HTMLResponse:
    """A worker's pathways for the counselor, with ``problem`` (a refusal in Chinese) shown."""
    worker = scoped_worker(session, caller.region, worker_id)
    rec, cards = pathway_cards(recommender, session, worker_id, top=10, today=today)
    why = None
    form = parse_form(WhyNotForm, request.query_params)
    if "item" not in request.query_params:
        form.errors.clear()
    elif form.value is not None:
        try:
            why = why_not(recommender, worker_id, form.value.item, today=today)
        except NotFound as exc:
            form.errors["item"] = exc.message
    return render(
        request,
        "workbench/worker.html",
        title=f"劳动者 {worker.id}",
        nav="mine",
        worker=worker,
        rec=rec,
        cards=cards,
        why=why,
        form=form,
        features=FEATURE_NAMES,
        registered="registered" in request.query_params,
        saved="saved" in request.query_params,
        level_names=SHORT_LEVEL_NAMES,
        wish_place=wish_place(worker),
        enrolled=next(
            (c.course.id for c in cards if c.course and c.course.id == request.query_params.get("enrolled")),
            "",
        ),
        problem=problem,
    )


class LedgerFilter(BaseModel):
    county: Annotated[Annotated[str, Field(pattern=r"^\d{6}$")] | None, Blank] = None
    group: Annotated[Literal[GROUPS] | None, Blank] = None  # type: ignore[valid-type]
    stage: Annotated[Literal[STAGES] | None, Blank] = None  # type: ignore[valid-type]


def _ledger(request: Request, caller: Caller, session: SessionDep, today: TodayDep):  # type: ignore[no-untyped-def]
    form = parse_form(LedgerFilter, request.query_params)
    f = form.value or LedgerFilter()
    region = caller.region
    if f.county and not f.county.startswith(caller.region):
        form.errors["county"] = "所选区县不在您负责的地区"
    elif f.county:
        region = f.county
    return form, ledger(session, region, today, group=f.group, stage=f.stage)


@router.get("/workbench/ledger", response_class=HTMLResponse)
def ledger_page(
    request: Request, caller: CounselorCaller, session: SessionDep, today: TodayDep
) -> HTMLResponse:
    """培训台账 of the counselor's region: priority groups by stage, with filters and counts."""
    form, book = _ledger(request, caller, session, today)
    counties = [
        c for city in region_options(session) for c in city.counties if c[0].startswith(caller.region)
    ]
    return render(
        request,
        "workbench/ledger.html",
        title="培训台账",
        nav="mine",
        form=form,
        book=book,
        groups=[g for g in GROUPS if any(book.count(g, s) for s in STAGES)],
        all_groups=[(g, g) for g in GROUPS],
        stages=STAGES,
        stage_options=[(s, s) for s in STAGES],
        counties=counties,
        shown=book.rows[:LEDGER_ROWS],
        query=urlencode({k: v for k, v in form.typed.items() if v}),
    )


@router.get("/workbench/ledger.xlsx")
def ledger_export(
    request: Request, caller: CounselorCaller, session: SessionDep, today: TodayDep
) -> Response:
    _form, book = _ledger(request, caller, session, today)
    return Response(
        ledger_xlsx(book),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={
            "Content-Disposition": f'attachment; filename="ledger-{book.region}-{today.isoformat()}.xlsx"'
        },
    )


@router.get("/workbench/workers/{worker_id}/sheet", response_class=HTMLResponse)
def recommendation_sheet(
    request: Request,
    worker_id: WorkerId,
    caller: CounselorCaller,
    session: SessionDep,
    recommender: RecommenderDep,
    today: TodayDep,
) -> HTMLResponse:
    """打印推荐单: one A4 page the worker takes home (the first three pathways: what fits a page
    with its dates, costs, pay and the explanation). Its QR code is a one-time sign-in link,
    issued by the sheet's button (a POST, :mod:`api.pages.worker_link`), never by opening it."""
    return recommendation_sheet_page(request, worker_id, caller, session, recommender, today)


def recommendation_sheet_page(
    request: Request,
    worker_id: str,
    caller: Caller,
    session: Session,
    recommender: Recommender,
    today: dt.date,
    *,
    link: str | None = None,
    expires_at: dt.datetime | None = None,
) -> HTMLResponse:
    """The sheet; with ``link`` (a one-time sign-in link just issued) its QR code and expiry."""
    worker = scoped_worker(session, caller.region, worker_id)
    rec, cards = pathway_cards(recommender, session, worker_id, top=SHEET_PATHWAYS, today=today)
    return render(
        request,
        "workbench/sheet.html",
        title="推荐单",
        worker=worker,
        rec=rec,
        cards=cards,
        today=today,
        link=link,
        expires_at=expires_at,
        qr=qr_svg(link) if link else "",
    )


def qr_svg(text: str) -> str:
    """``text`` as an inline SVG QR code (no script, no external file)."""
    import segno

    return segno.make(text, error="m").svg_inline(scale=3, title="扫码登录技能通")
