"""An employer posts, edits and closes its order-based training needs (订单项目制培训) through the
services of ``POST /api/v1/orders``, ``PATCH /api/v1/orders/{id}`` and ``…/close``
(:mod:`api.services.order_forms` over :mod:`api.services.catalogue_writes`). Plain HTML forms:
they work with JavaScript off; a problem brings the form back with each message by its field and
everything typed kept. After posting, the employer lands on the order's candidates.

Listed in :mod:`api.app` before :mod:`api.pages.desks`, so that ``/employer/orders/new`` is not
read as an order id.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.deps import EngineDep, SessionDep, SettingsDep, TodayDep
from api.pages.forms import FormResult, posted_fields
from api.pages.session import page_caller
from api.pages.templating import render
from api.schemas.common import OrderId
from api.security import Caller
from api.services import catalogue_writes
from api.services.directory import region_options
from api.services.order_forms import (
    EDIT_FIELDS,
    ORDER_FIELDS,
    OrderFormInvalid,
    edit_order,
    order_form_values,
    post_order,
)
from data.db.models import Employer

router = APIRouter(include_in_schema=False)

EmployerCaller = Annotated[Caller, Depends(page_caller("employer"))]


def county_options(session: Session) -> list[tuple[str, list[tuple[str, str]]]]:
    """(city name, [(county adcode, county name)]) for a county select."""
    return [(city.name, list(city.counties)) for city in region_options(session)]


def _new_page(
    request: Request, session: Session, typed: dict[str, str], errors: dict[str, str]
) -> HTMLResponse:
    return render(
        request,
        "desks/order_new.html",
        title="发布用工订单",
        nav="mine",
        form=FormResult(None, typed, errors),
        counties=county_options(session),
        status_code=200,
    )


@router.get("/employer/orders/new", response_class=HTMLResponse)
def new_order_page(
    request: Request, caller: EmployerCaller, session: SessionDep, today: TodayDep
) -> HTMLResponse:
    assert caller.employer_id is not None
    employer = session.get(Employer, caller.employer_id)
    typed = dict.fromkeys(ORDER_FIELDS, "")
    typed["county"] = (employer.adcode or "") if employer is not None else ""
    return _new_page(request, session, typed, {})


@router.post("/employer/orders/new", response_class=HTMLResponse)
async def post_new_order(
    request: Request, caller: EmployerCaller, engine: EngineDep, session: SessionDep, settings: SettingsDep
) -> Response:
    typed = await posted_fields(request, ORDER_FIELDS)
    try:
        order_id = await run_in_threadpool(post_order, engine, caller, typed, secret_key=settings.secret_key)
    except OrderFormInvalid as exc:
        return _new_page(request, session, typed, exc.field_errors)
    return RedirectResponse(f"/employer/orders/{order_id}?posted=1", status_code=303)


def _edit_page(
    request: Request,
    caller: Caller,
    session: Session,
    order_id: str,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    assert caller.employer_id is not None
    fixed, stored = order_form_values(session, caller.employer_id, order_id)
    return render(
        request,
        "desks/order_edit.html",
        title=f"修改订单 {order_id}",
        nav="mine",
        order=fixed,
        form=FormResult(None, typed if typed is not None else stored, errors or {}),
        saved="saved" in request.query_params,
    )


@router.get("/employer/orders/{order_id}/edit", response_class=HTMLResponse)
def edit_order_page(
    request: Request, order_id: OrderId, caller: EmployerCaller, session: SessionDep
) -> HTMLResponse:
    return _edit_page(request, caller, session, order_id)


@router.post("/employer/orders/{order_id}/edit", response_class=HTMLResponse)
async def post_edit_order(
    request: Request,
    order_id: OrderId,
    caller: EmployerCaller,
    engine: EngineDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    assert caller.employer_id is not None
    order_form_values(session, caller.employer_id, order_id)  # another employer's: 404
    typed = await posted_fields(request, EDIT_FIELDS)
    try:
        await run_in_threadpool(edit_order, engine, caller, order_id, typed, secret_key=settings.secret_key)
    except OrderFormInvalid as exc:
        return _edit_page(request, caller, session, order_id, typed, exc.field_errors)
    return RedirectResponse(f"/employer/orders/{order_id}/edit?saved=1", status_code=303)


@router.post("/employer/orders/{order_id}/close")
def close_order(
    order_id: OrderId, caller: EmployerCaller, engine: EngineDep, session: SessionDep, settings: SettingsDep
) -> Response:
    """关闭订单: no longer recommended (the order stays in the employer's list as 已结束)."""
    assert caller.employer_id is not None
    order_form_values(session, caller.employer_id, order_id)  # another employer's: 404
    catalogue_writes.close_order(engine, caller, order_id, secret_key=settings.secret_key)
    return RedirectResponse("/employer?closed=" + order_id, status_code=303)
