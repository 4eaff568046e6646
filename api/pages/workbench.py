"""The counselor workbench (工作台): find a worker of the counselor's region, read the ranked
pathways with their reasons, net cost, allowance, distance and dates, ask why a programme or
order is not among them, and print the one-page recommendation sheet (打印推荐单, A4)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from api.deps import RecommenderDep, SessionDep, TodayDep
from api.errors import NotFound
from api.pages.forms import Blank, parse_form
from api.pages.session import page_caller
from api.pages.templating import render
from api.schemas.common import ID_PATTERN, WorkerId
from api.security import Caller
from api.services.recommend.views import FEATURE_NAMES
from api.services.workbench import find_workers, pathway_cards, scoped_worker, why_not

router = APIRouter(include_in_schema=False)

SHEET_PATHWAYS = 3
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


@router.get("/workbench/workers/{worker_id}", response_class=HTMLResponse)
def worker_pathways(
    request: Request,
    worker_id: WorkerId,
    caller: CounselorCaller,
    session: SessionDep,
    recommender: RecommenderDep,
    today: TodayDep,
) -> HTMLResponse:
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
    with its dates, costs, pay and the explanation)."""
    worker = scoped_worker(session, caller.region, worker_id)
    rec, cards = pathway_cards(recommender, session, worker_id, top=SHEET_PATHWAYS, today=today)
    return render(
        request, "workbench/sheet.html", title="推荐单", worker=worker, rec=rec, cards=cards, today=today
    )
