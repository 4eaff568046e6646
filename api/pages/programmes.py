"""An institution posts a programme (培训项目) and edits its seats and dates through the services of
``POST /api/v1/programmes`` and ``PATCH /api/v1/programmes/{id}`` (:mod:`api.services.programme_forms`
over :mod:`api.services.catalogue_writes`). Plain HTML forms: they work with JavaScript off; a
problem brings the form back with each message by its field and everything typed kept. Another
institution's programme answers 404.

Listed in :mod:`api.app` before :mod:`api.pages.desks`, so that ``/institution/programmes/new`` is
not read as a programme id.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.deps import EngineDep, SessionDep, SettingsDep
from api.pages.forms import FormResult, posted_fields
from api.pages.orders import county_options
from api.pages.session import page_caller
from api.pages.templating import render
from api.schemas.common import ItemId
from api.security import Caller
from api.services.programme_forms import (
    EDIT_FIELDS,
    NEW_FIELDS,
    ProgrammeFormInvalid,
    edit_programme,
    post_programme,
    programme_form_values,
)
from matcher.types import DELIVERIES, SHORT_LEVEL_NAMES, TRAINING_TYPES

router = APIRouter(include_in_schema=False)

InstitutionCaller = Annotated[Caller, Depends(page_caller("institution"))]


def _new_page(
    request: Request, session: Session, typed: dict[str, str], errors: dict[str, str]
) -> HTMLResponse:
    return render(
        request,
        "desks/programme_new.html",
        title="发布培训项目",
        nav="mine",
        form=FormResult(None, typed, errors),
        counties=county_options(session),
        levels=[("", "请选择"), *((str(k), v) for k, v in sorted(SHORT_LEVEL_NAMES.items(), reverse=True))],
        training_types=[("", "请选择"), *((t, t) for t in TRAINING_TYPES)],
        deliveries=[(d, d) for d in DELIVERIES],
    )


@router.get("/institution/programmes/new", response_class=HTMLResponse)
def new_programme_page(request: Request, caller: InstitutionCaller, session: SessionDep) -> HTMLResponse:
    typed = dict.fromkeys(NEW_FIELDS, "") | {"delivery": DELIVERIES[0]}
    return _new_page(request, session, typed, {})


@router.post("/institution/programmes/new", response_class=HTMLResponse)
async def post_new_programme(
    request: Request,
    caller: InstitutionCaller,
    engine: EngineDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    typed = await posted_fields(request, NEW_FIELDS)
    try:
        pid = await run_in_threadpool(post_programme, engine, caller, typed, secret_key=settings.secret_key)
    except ProgrammeFormInvalid as exc:
        return _new_page(request, session, typed, exc.field_errors)
    return RedirectResponse(f"/institution/programmes/{pid}/edit?posted=1", status_code=303)


def _edit_page(
    request: Request,
    caller: Caller,
    session: Session,
    programme_id: str,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    assert caller.institution_id is not None
    fixed, stored = programme_form_values(session, caller.institution_id, programme_id)
    return render(
        request,
        "desks/programme_edit.html",
        title=f"修改培训项目 {programme_id}",
        nav="mine",
        programme=fixed,
        form=FormResult(None, typed if typed is not None else stored, errors or {}),
        saved="saved" in request.query_params,
        posted="posted" in request.query_params,
    )


@router.get("/institution/programmes/{programme_id}/edit", response_class=HTMLResponse)
def edit_programme_page(
    request: Request, programme_id: ItemId, caller: InstitutionCaller, session: SessionDep
) -> HTMLResponse:
    return _edit_page(request, caller, session, programme_id)


@router.post("/institution/programmes/{programme_id}/edit", response_class=HTMLResponse)
async def post_edit_programme(
    request: Request,
    programme_id: ItemId,
    caller: InstitutionCaller,
    engine: EngineDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    assert caller.institution_id is not None
    programme_form_values(session, caller.institution_id, programme_id)  # another institution's: 404
    typed = await posted_fields(request, EDIT_FIELDS)
    try:
        await run_in_threadpool(
            edit_programme, engine, caller, programme_id, typed, secret_key=settings.secret_key
        )
    except ProgrammeFormInvalid as exc:
        return _edit_page(request, caller, session, programme_id, typed, exc.field_errors)
    return RedirectResponse(f"/institution/programmes/{programme_id}/edit?saved=1", status_code=303)
