"""A worker's one-time sign-in link (:mod:`api.services.login_links`): the counselor issues it from
the worker's workbench page or prints it as the QR code of the recommendation sheet; the worker
opens it on a phone.

Opening the link (GET) only shows a confirm page with one button; the POST of that button signs
in. A link-preview bot or a mail scanner that fetches the link therefore does not use it up. The
pages carrying a code are sent with ``Cache-Control: no-store`` and ``Referrer-Policy: no-referrer``
so the code stays out of caches and of other sites' logs.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api.deps import EngineDep, RecommenderDep, SessionDep, SettingsDep, TodayDep
from api.pages.session import page_caller, set_token
from api.pages.templating import render
from api.pages.workbench import qr_svg, recommendation_sheet_page
from api.schemas.common import WorkerId
from api.security import Caller
from api.services import login_links
from api.services.workbench import scoped_worker

router = APIRouter(include_in_schema=False)

CounselorCaller = Annotated[Caller, Depends(page_caller("counselor"))]
#: what a code looks like (``secrets.token_urlsafe``); anything else is refused without a look-up
_CODE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def link_url(request: Request, code: str) -> str:
    return f"{str(request.base_url).rstrip('/')}/login/link/{code}"


def _private(response: Response) -> Response:
    response.headers.update(_PRIVATE)
    return response


@router.post("/workbench/workers/{worker_id}/login-link", response_class=HTMLResponse)
async def issue_link(
    request: Request,
    worker_id: WorkerId,
    caller: CounselorCaller,
    engine: EngineDep,
    settings: SettingsDep,
    session: SessionDep,
) -> Response:
    """A new one-time link for the worker, shown once (with its QR code); earlier links void."""
    # a deactivated worker or account: the Conflict's Chinese page (409)
    issued = await run_in_threadpool(login_links.issue_link, engine, caller, worker_id, settings=settings)
    worker = scoped_worker(session, caller.region, worker_id)
    url = link_url(request, issued.code)
    page = render(
        request,
        "workbench/login_link.html",
        title=f"劳动者 {worker_id} 的登录链接",
        nav="mine",
        worker=worker,
        issued=issued,
        link=url,
        qr=qr_svg(url),
        hours=settings.login_link_hours,
    )
    return _private(page)


@router.post("/workbench/workers/{worker_id}/sheet", response_class=HTMLResponse)
async def sheet_with_link(
    request: Request,
    worker_id: WorkerId,
    caller: CounselorCaller,
    engine: EngineDep,
    settings: SettingsDep,
    session: SessionDep,
    recommender: RecommenderDep,
    today: TodayDep,
) -> Response:
    """The recommendation sheet with the QR code of a new one-time link (earlier links void)."""
    # a deactivated worker or account: the Conflict's Chinese page (409)
    issued = await run_in_threadpool(login_links.issue_link, engine, caller, worker_id, settings=settings)
    page = await run_in_threadpool(
        recommendation_sheet_page,
        request,
        worker_id,
        caller,
        session,
        recommender,
        today,
        link=link_url(request, issued.code),
        expires_at=issued.expires_at,
    )
    return _private(page)


def _refused(request: Request) -> Response:
    page = render(
        request,
        "signin/link.html",
        status_code=404,
        title="登录链接已失效",
        live=False,
        message=login_links.REFUSED,
    )
    return _private(page)


@router.get("/login/link/{code}", response_class=HTMLResponse)
def confirm_link(request: Request, code: str, engine: EngineDep) -> Response:
    """The confirm page: one button that signs in (nothing is used up by opening the link)."""
    if not _CODE.match(code) or not login_links.link_is_live(engine, code):
        return _refused(request)
    return _private(render(request, "signin/link.html", title="劳动者登录", live=True, code=code))


@router.post("/login/link/{code}")
def use_link(request: Request, code: str, engine: EngineDep, settings: SettingsDep) -> Response:
    """Sign in with the link (it is used up) and go to the worker's page."""
    # only this site's own confirm page may post here (no other site signs a visitor in)
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return _refused(request)
    if not _CODE.match(code):
        return _refused(request)
    try:
        issued = login_links.redeem_link(engine, code, settings=settings)
    except login_links.LinkRefused:
        return _refused(request)
    response = RedirectResponse("/me", status_code=303)
    set_token(response, issued.access_token, issued.expires_at, secure=settings.environment == "production")
    return _private(response)
