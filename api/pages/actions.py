"""What the pages' buttons do, through the records services of issue 12 (the same rules, scope
and audit as the JSON API): a worker's 我想报名, a counselor enrolling a worker in a pathway's
course, an institution confirming an enrollment and recording a completion, an administrator
moving a claim one step. Each answers 303 back to its page with what happened, or that page again
with the refusal in Chinese (and a completion's errors by their field)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from api.deps import EngineDep, RecommenderDep, SessionDep, SubsidyServiceDep, TodayDep
from api.errors import Conflict, Forbidden, Invalid, NotFound
from api.pages.desks import admin_page, enrollments_page
from api.pages.forms import FormResult, parse_form
from api.pages.session import page_caller
from api.pages.workbench import worker_page
from api.pages.worker import me_page
from api.schemas.common import DB_INT_MAX, IsoDate, ItemId, WorkerId
from api.security import Caller
from api.services import catalogue_writes, claims, enrollments, outcomes
from api.services.record_access import enrollment_for_institution

router = APIRouter(include_in_schema=False)

WorkerCaller = Annotated[Caller, Depends(page_caller("worker"))]
CounselorCaller = Annotated[Caller, Depends(page_caller("counselor"))]
InstitutionCaller = Annotated[Caller, Depends(page_caller("institution"))]
AdminCaller = Annotated[Caller, Depends(page_caller("admin"))]
EnrollmentId = Annotated[int, Path(ge=1, le=DB_INT_MAX)]
Step = Literal["review", "approve", "reject", "pay"]


@router.post("/me/enroll/{programme_id}")
def worker_requests(
    request: Request,
    programme_id: ItemId,
    caller: WorkerCaller,
    engine: EngineDep,
    session: SessionDep,
    recommender: RecommenderDep,
    today: TodayDep,
) -> Response:
    """我想报名: a request a counselor confirms (no seat is taken yet)."""
    try:
        enrollments.request(engine, caller, programme_id=programme_id, today=today)
    except (Conflict, NotFound, Forbidden) as exc:
        return me_page(request, caller, recommender, session, today, problem=exc.message)
    return RedirectResponse(f"/me?requested={programme_id}", status_code=303)


@router.post("/workbench/workers/{worker_id}/enroll")
def counselor_enrolls(
    request: Request,
    worker_id: WorkerId,
    caller: CounselorCaller,
    engine: EngineDep,
    session: SessionDep,
    recommender: RecommenderDep,
    today: TodayDep,
    programme_id: Annotated[str, Form(pattern=r"^[A-Za-z0-9_-]{1,32}$")],
    order_id: Annotated[str, Form(pattern=r"^[A-Za-z0-9_-]{0,32}$")] = "",
) -> Response:
    """The counselor enrolls the worker in a pathway's course (a seat is taken)."""
    try:
        enrollments.enroll(
            engine,
            caller,
            worker_id=worker_id,
            programme_id=programme_id,
            order_id=order_id or None,
            today=today,
        )
    except (Conflict, Invalid) as exc:
        return worker_page(request, worker_id, caller, session, recommender, today, problem=exc.message)
    return RedirectResponse(f"/workbench/workers/{worker_id}?enrolled={programme_id}", status_code=303)


@router.post("/institution/enrollments/{enrollment_id}/confirm")
def institution_confirms(
    request: Request,
    enrollment_id: EnrollmentId,
    caller: InstitutionCaller,
    engine: EngineDep,
    session: SessionDep,
) -> Response:
    """报名 → 在训: the trainee has started."""
    try:
        done = enrollments.confirm(engine, caller, enrollment_id)
    except Conflict as exc:
        return _back_to_programme(request, caller, session, enrollment_id, problem=exc.message)
    return RedirectResponse(
        f"/institution/programmes/{done.programme_id}?done={enrollment_id}", status_code=303
    )


class CompletionForm(BaseModel):
    completed_on: IsoDate
    hours_attended: Annotated[int, Field(ge=0, le=10_000)]


@router.post("/institution/enrollments/{enrollment_id}/complete")
def institution_records_completion(
    request: Request,
    enrollment_id: EnrollmentId,
    caller: InstitutionCaller,
    engine: EngineDep,
    session: SessionDep,
    today: TodayDep,
    completed_on: Annotated[str, Form()] = "",
    hours_attended: Annotated[str, Form()] = "",
) -> Response:
    """在训 → 结业 with the date and the hours attended; errors by their field."""
    form = parse_form(CompletionForm, {"completed_on": completed_on, "hours_attended": hours_attended})
    if form.value is None:
        return _back_to_programme(request, caller, session, enrollment_id, form=form)
    try:
        done = outcomes.record_completion(
            engine,
            caller,
            enrollment_id,
            completed_on=form.value.completed_on,
            hours_attended=form.value.hours_attended,
            today=today,
        )
    except Invalid as exc:
        _errors_by_field(form, exc, fallback="completed_on")
        return _back_to_programme(request, caller, session, enrollment_id, form=form)
    except Conflict as exc:
        return _back_to_programme(request, caller, session, enrollment_id, problem=exc.message)
    return RedirectResponse(
        f"/institution/programmes/{done.programme_id}?done={enrollment_id}", status_code=303
    )


class CertificateForm(BaseModel):
    number: Annotated[str, Field(min_length=1, max_length=64)]
    issued_on: IsoDate


@router.post("/institution/enrollments/{enrollment_id}/certify")
def institution_records_certificate(
    request: Request,
    enrollment_id: EnrollmentId,
    caller: InstitutionCaller,
    engine: EngineDep,
    session: SessionDep,
    today: TodayDep,
    number: Annotated[str, Form()] = "",
    issued_on: Annotated[str, Form()] = "",
) -> Response:
    """结业 → 取证: the certificate the trainee earned on this course (occupation, 工种 and level
    are the programme's), through the service of the certification API; errors by their field."""
    form = parse_form(CertificateForm, {"number": number.strip(), "issued_on": issued_on})
    if form.value is None:
        return _back_to_programme(request, caller, session, enrollment_id, form=form)
    _row, programme = enrollment_for_institution(session, caller, enrollment_id)
    try:
        outcomes.record_certificate(
            engine,
            caller,
            enrollment_id,
            occupation_code=programme.occupation_code,
            level=programme.level,
            work_type=programme.work_type,
            number=form.value.number,
            issued_on=form.value.issued_on,
            today=today,
        )
    except Invalid as exc:
        _errors_by_field(form, exc, fallback="number", fields=("number", "issued_on"))
        return _back_to_programme(request, caller, session, enrollment_id, form=form)
    except Conflict as exc:
        return _back_to_programme(request, caller, session, enrollment_id, problem=exc.message)
    return RedirectResponse(f"/institution/programmes/{programme.id}?done={enrollment_id}", status_code=303)


@router.post("/institution/programmes/{programme_id}/suspend")
def institution_suspends_programme(
    programme_id: Annotated[str, Path(min_length=1, max_length=16)],
    caller: InstitutionCaller,
    engine: EngineDep,
) -> Response:
    """暂停招生: the course is no longer listed or recommended (the service of
    ``POST /api/v1/programmes/{id}/suspend``); another institution's course answers 404."""
    if catalogue_writes.institution_of(engine, programme_id) != caller.institution_id:
        raise NotFound(f"未找到培训项目 {programme_id}")
    catalogue_writes.suspend_programme(engine, caller, programme_id)
    return RedirectResponse(f"/institution/programmes/{programme_id}?suspended=1", status_code=303)


def _errors_by_field(
    form: FormResult[Any], exc: Invalid, *, fallback: str, fields: tuple[str, ...] | None = None
) -> None:
    """A service's refusal next to the form's fields: each field error at its field (one the form
    does not show, when ``fields`` lists those it does, at ``fallback``), a refusal without fields
    at ``fallback``."""
    for err in exc.errors or ():
        field = str(err.loc[-1])
        form.errors[field if fields is None or field in fields else fallback] = err.msg
    if not exc.errors:
        form.errors[fallback] = exc.message


def _back_to_programme(
    request: Request,
    caller: Caller,
    session: Session,
    enrollment_id: int,
    *,
    problem: str = "",
    form: FormResult[Any] | None = None,
) -> Response:
    """The programme page of ``enrollment_id`` (another institution's answers 404)."""
    _row, programme = enrollment_for_institution(session, caller, enrollment_id)
    return enrollments_page(
        request, programme.id, caller, session, problem=problem, form=form, row=enrollment_id
    )


@router.post("/admin/claims/{claim_id}/{step}")
def admin_moves_claim(
    request: Request,
    claim_id: EnrollmentId,
    step: Step,
    caller: AdminCaller,
    service: SubsidyServiceDep,
    session: SessionDep,
) -> Response:
    """One step of a claim (审核, 通过, 驳回, 发放); separation of duties is the service's."""
    try:
        claims.advance(service, caller, claim_id, step)
    except (Forbidden, Conflict) as exc:
        return admin_page(request, caller, session, problem=f"申请 {claim_id}：{exc.message}")
    return RedirectResponse(f"/admin?done={claim_id}&step={step}", status_code=303)
