"""The worker's own page (phone-sized, large type, plain words): my recommendations with the three
numbers that matter — what it costs me after subsidy, how far, what the job pays — the course's
dates and address, and "我想报名"."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from api.deps import RecommenderDep, SessionDep, TodayDep
from api.pages.session import page_caller
from api.pages.templating import render
from api.security import Caller
from api.services.recommend import Recommender
from api.services.workbench import pathway_cards

router = APIRouter(include_in_schema=False)

WorkerCaller = Annotated[Caller, Depends(page_caller("worker"))]


@router.get("/me", response_class=HTMLResponse)
def my_page(
    request: Request, caller: WorkerCaller, recommender: RecommenderDep, session: SessionDep, today: TodayDep
) -> HTMLResponse:
    return me_page(request, caller, recommender, session, today)


def me_page(
    request: Request,
    caller: Caller,
    recommender: Recommender,
    session: Session,
    today: dt.date,
    *,
    problem: str = "",
) -> HTMLResponse:
    """The worker page, with ``problem`` (a refusal in Chinese) shown above the pathways."""
    assert caller.worker_id is not None  # a worker account names its worker
    rec, cards = pathway_cards(recommender, session, caller.worker_id, top=5, today=today)
    requested = request.query_params.get("requested", "")
    return render(
        request,
        "worker/me.html",
        title="我的推荐",
        nav="mine",
        rec=rec,
        cards=cards,
        requested=requested if any(c.course and c.course.id == requested for c in cards) else "",
        problem=problem,
    )
