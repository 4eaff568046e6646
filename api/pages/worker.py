"""The worker's own page (phone-sized, large type, plain words): my recommendations with the three
numbers that matter — what it costs me after subsidy, how far, what the job pays — the course's
dates and address, and "我想报名"."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from api.deps import RecommenderDep, SessionDep, TodayDep
from api.pages.session import page_caller
from api.pages.templating import render
from api.security import Caller
from api.services.workbench import pathway_cards

router = APIRouter(include_in_schema=False)

WorkerCaller = Annotated[Caller, Depends(page_caller("worker"))]


@router.get("/me", response_class=HTMLResponse)
def my_page(
    request: Request, caller: WorkerCaller, recommender: RecommenderDep, session: SessionDep, today: TodayDep
) -> HTMLResponse:
    assert caller.worker_id is not None  # a worker account names its worker
    rec, cards = pathway_cards(recommender, session, caller.worker_id, top=5, today=today)
    return render(request, "worker/me.html", title="我的推荐", nav="mine", rec=rec, cards=cards, notice="")
