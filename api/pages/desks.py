"""The employer, institution and administrator pages: an employer's orders and each order's ranked
candidates; an institution's programmes, enrollments and completions; an administrator's claim
queues (who did each step, so separation of duties shows) and risk flags with their evidence, and
the policy versions of the cities in the administrator's region."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from api.deps import EngineDep, RecommenderDep, SessionDep, TodayDep
from api.pages.forms import FormResult
from api.pages.session import page_caller
from api.pages.templating import render
from api.schemas.common import ItemId, OrderId
from api.security import Caller
from api.services import desks, policy_overview
from api.services.nearby import nearby_workers
from api.services.order_consents import reveal_contacts
from api.services.recommend.views import candidates_out

router = APIRouter(include_in_schema=False)

#: queue status → the steps an administrator may take there (the service checks who may)
CLAIM_STEPS = {
    "申请": [("review", "审核"), ("reject", "驳回")],
    "审核": [("approve", "审批通过"), ("reject", "驳回")],
    "通过": [("pay", "发放")],
}

EmployerCaller = Annotated[Caller, Depends(page_caller("employer"))]
InstitutionCaller = Annotated[Caller, Depends(page_caller("institution"))]
AdminCaller = Annotated[Caller, Depends(page_caller("admin"))]


@router.get("/employer", response_class=HTMLResponse)
def employer_home(request: Request, caller: EmployerCaller, session: SessionDep) -> HTMLResponse:
    assert caller.employer_id is not None  # an employer account names its employer
    orders = desks.employer_orders(session, caller.employer_id)
    closed = request.query_params.get("closed", "")
    return render(
        request,
        "desks/employer.html",
        title="本单位用工订单",
        nav="mine",
        orders=orders,
        nearby=nearby_workers(session, caller.employer_id),
        closed=next((o.id for o in orders if o.id == closed), ""),
    )


@router.get("/employer/orders/{order_id}", response_class=HTMLResponse)
def employer_candidates(
    request: Request,
    order_id: OrderId,
    caller: EmployerCaller,
    session: SessionDep,
    recommender: RecommenderDep,
    today: TodayDep,
) -> HTMLResponse:
    assert caller.employer_id is not None
    order = desks.employer_order(session, caller.employer_id, order_id)
    candidates = candidates_out(recommender.candidates_for_order(order_id, top=30, today=today))
    # the contact of those who consented to this order, as the JSON API shows it (audited)
    candidates = reveal_contacts(recommender.engine, caller, order_id, candidates)
    courses = desks.programme_names(
        session, {c.programme_id for c in candidates.candidates if c.programme_id}
    )
    return render(
        request,
        "desks/candidates.html",
        title=f"订单 {order_id} 的候选人",
        nav="mine",
        order=order,
        found=candidates,
        courses=courses,
        posted="posted" in request.query_params,
    )


@router.get("/institution", response_class=HTMLResponse)
def institution_home(request: Request, caller: InstitutionCaller, session: SessionDep) -> HTMLResponse:
    assert caller.institution_id is not None  # an institution account names its institution
    programmes = desks.institution_programmes(session, caller.institution_id)
    return render(
        request, "desks/institution.html", title="本机构培训项目", nav="mine", programmes=programmes
    )


@router.get("/institution/programmes/{programme_id}", response_class=HTMLResponse)
def institution_enrollments(
    request: Request, programme_id: ItemId, caller: InstitutionCaller, session: SessionDep
) -> HTMLResponse:
    return enrollments_page(request, programme_id, caller, session)


def _record_number(value: str) -> str:
    # only a record number is echoed back (never free text from the address bar)
    return value if value.isdigit() and len(value) <= 10 else ""


def enrollments_page(
    request: Request,
    programme_id: str,
    caller: Caller,
    session: Session,
    *,
    problem: str = "",
    form: FormResult[Any] | None = None,
    row: int | None = None,
) -> HTMLResponse:
    """A programme's enrollments; ``problem`` shown above, ``form`` (a completion's typed values
    and errors) on enrollment ``row``."""
    assert caller.institution_id is not None
    rows = desks.programme_enrollments(session, caller.institution_id, programme_id)
    summary = next(
        p for p in desks.institution_programmes(session, caller.institution_id) if p.id == programme_id
    )
    return render(
        request,
        "desks/enrollments.html",
        title=f"{summary.title} 报名与结业",
        nav="mine",
        programme=summary,
        rows=rows,
        problem=problem,
        form=form or FormResult(None, {}),
        blank=FormResult(None, {}),
        form_row=row,
        done=_record_number(request.query_params.get("done", "")),
    )


@router.get("/admin", response_class=HTMLResponse)
def admin_home(request: Request, caller: AdminCaller, session: SessionDep) -> HTMLResponse:
    return admin_page(request, caller, session)


def admin_page(request: Request, caller: Caller, session: Session, *, problem: str = "") -> HTMLResponse:
    """The claim queues and risk flags, with ``problem`` (a refused step) shown above."""
    queues = desks.claim_queues(session, caller.region)
    flags = desks.risk_flags(session, caller.region)
    return render(
        request,
        "desks/admin.html",
        title="补贴审核与风险提示",
        nav="mine",
        queues=queues,
        queue_names=desks.QUEUES,
        steps=CLAIM_STEPS,
        flags=flags,
        problem=problem,
        done=_record_number(request.query_params.get("done", "")),
    )


@router.get("/admin/policies", response_class=HTMLResponse)
def admin_policies(request: Request, caller: AdminCaller, engine: EngineDep, today: TodayDep) -> HTMLResponse:
    """The policy versions of the cities in the administrator's region: dates, hash, the version
    in force today, what changed, subsidised occupations and amounts."""
    cities = policy_overview.city_policies(engine, caller.region, today)
    return render(
        request, "desks/policies.html", title="各市补贴政策版本", nav="mine", cities=cities, today=today
    )
