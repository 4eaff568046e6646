"""FastAPI dependencies as ``Annotated`` aliases. Heavy state lives on ``app.state`` (built once
in the lifespan of :mod:`api.app`) and is reached only through these."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from api.errors import NotFound
from api.schemas.common import EmployerId, OrderId, ProgrammeId, RegionPrefix, WorkerId
from api.scopes import RegionScope, WorkerAccess, narrow_region, sees_order, sees_worker
from api.security import ROLES, Caller, allow, bearer_scheme
from api.services.catalogue import employer_adcode, order_keys, programme_owner, worker_home
from api.services.recommend import Recommender
from api.services.recommend.refresher import Refresher
from api.services.subsidy import SubsidyService
from api.settings import Settings


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


def get_engine(request: Request) -> Engine:
    return request.app.state.engine


def get_session(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as session:
        yield session


def get_clock(request: Request) -> Callable[[], dt.date]:
    return request.app.state.clock


def get_subsidy_service(request: Request) -> SubsidyService:
    """The claims service over the app's database; the city policy files are read per call."""
    return SubsidyService(request.app.state.engine, clock=request.app.state.clock)


def get_recommender(request: Request) -> Recommender:
    return request.app.state.recommender


def get_refresher(request: Request) -> Refresher:
    return request.app.state.refresher


def get_today(request: Request) -> dt.date:
    """The pages' today: ``Settings.today`` when pinned, else the calendar's."""
    return request.app.state.settings.today or dt.date.today()


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
EngineDep = Annotated[Engine, Depends(get_engine)]
SessionDep = Annotated[Session, Depends(get_session)]
RecommenderDep = Annotated[Recommender, Depends(get_recommender)]
RefresherDep = Annotated[Refresher, Depends(get_refresher)]

#: any signed-in account
CallerDep = Annotated[Caller, Depends(allow(*ROLES))]
AdminDep = Annotated[Caller, Depends(allow("admin"))]
#: the roles that work with workers' files (scope is checked per worker, see api.scopes)
StaffDep = Annotated[Caller, Depends(allow("admin", "counselor"))]
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]


def _require_in_scope(session: Session, caller: Caller, worker_id: str) -> None:
    """404 (as for an unknown id) unless the worker exists and is within the caller's scope."""
    home = worker_home(session, worker_id)
    # the read is over: the connection goes back to the pool before the handler runs (a
    # recommendation opens a session of its own)
    session.close()
    if home is None or not sees_worker(caller, worker_id, home):
        raise NotFound(f"未找到劳动者 {worker_id}")


def worker_access(
    worker_id: WorkerId,
    caller: Annotated[Caller, Depends(allow("admin", "counselor", "worker"))],
    session: SessionDep,
) -> WorkerAccess:
    """The caller's access to one worker; 404 (as for an unknown id) when out of scope."""
    _require_in_scope(session, caller, worker_id)
    return WorkerAccess(caller, worker_id, full=caller.role in ("worker", "counselor"))


def order_access(
    order_id: OrderId,
    caller: Annotated[Caller, Depends(allow("admin", "counselor", "employer"))],
    session: SessionDep,
) -> Caller:
    """The caller, when it may see the order's candidates; 404 (as for an unknown id) otherwise."""
    keys = order_keys(session, order_id)
    session.close()  # as in _require_in_scope
    if keys is None or not sees_order(caller, *keys):
        raise NotFound(f"未找到用工订单 {order_id}")
    return caller


def staff_region(caller: StaffDep, city: RegionPrefix = None) -> RegionScope:
    """What a staff list covers: ``city`` narrowed to the caller's region."""
    return RegionScope(caller, narrow_region(caller.region, city))


def worker_edit_access(
    worker_id: WorkerId,
    caller: Annotated[Caller, Depends(allow("counselor"))],
    session: SessionDep,
) -> WorkerAccess:
    """A counselor's access to edit one of their region's workers; 404 out of scope."""
    _require_in_scope(session, caller, worker_id)
    return WorkerAccess(caller, worker_id, full=True)


def worker_consent_access(
    worker_id: WorkerId,
    caller: Annotated[Caller, Depends(allow("counselor", "worker"))],
    session: SessionDep,
) -> WorkerAccess:
    """The worker themself or their counselor (who records a consent given on paper); 404 else."""
    _require_in_scope(session, caller, worker_id)
    return WorkerAccess(caller, worker_id, full=True)


def own_order(
    order_id: OrderId, caller: Annotated[Caller, Depends(allow("employer"))], session: SessionDep
) -> Caller:
    """The employer, when the order is its own; 404 otherwise."""
    keys = order_keys(session, order_id)
    if keys is None or keys[0] is None or keys[0] != caller.employer_id:
        raise NotFound(f"未找到用工订单 {order_id}")
    return caller


def own_programme(
    programme_id: ProgrammeId, caller: Annotated[Caller, Depends(allow("institution"))], session: SessionDep
) -> Caller:
    """The institution, when the programme is its own; 404 otherwise."""
    owner = programme_owner(session, programme_id)
    if owner is None or owner != caller.institution_id:
        raise NotFound(f"未找到培训项目 {programme_id}")
    return caller


def employer_access(
    employer_id: EmployerId,
    caller: Annotated[Caller, Depends(allow("admin", "counselor", "employer"))],
    session: SessionDep,
) -> Caller:
    """The employer itself, or staff whose region covers it; 404 otherwise."""
    found = employer_adcode(session, employer_id)
    mine = caller.role == "employer" and caller.employer_id == employer_id
    staff = caller.role != "employer" and found is not None and caller.covers(found[0])
    if found is None or not (mine or staff):
        raise NotFound(f"未找到用人单位 {employer_id}")
    return caller


WorkerAccessDep = Annotated[WorkerAccess, Depends(worker_access)]
WorkerEditDep = Annotated[WorkerAccess, Depends(worker_edit_access)]
WorkerConsentDep = Annotated[WorkerAccess, Depends(worker_consent_access)]
OwnOrderDep = Annotated[Caller, Depends(own_order)]
OwnProgrammeDep = Annotated[Caller, Depends(own_programme)]
EmployerAccessDep = Annotated[Caller, Depends(employer_access)]
CounselorDep = Annotated[Caller, Depends(allow("counselor"))]
EmployerDep = Annotated[Caller, Depends(allow("employer"))]
InstitutionDep = Annotated[Caller, Depends(allow("institution"))]
OrderAccessDep = Annotated[Caller, Depends(order_access)]
StaffRegionDep = Annotated[RegionScope, Depends(staff_region)]

TodayDep = Annotated[dt.date, Depends(get_today)]
ClockDep = Annotated[Callable[[], dt.date], Depends(get_clock)]
SubsidyServiceDep = Annotated[SubsidyService, Depends(get_subsidy_service)]

#: the roles of the records routes (scope is checked per record, see api.services.record_access);
#: CounselorDep, InstitutionDep and EmployerDep above serve them too
WorkerSelfDep = Annotated[Caller, Depends(allow("worker"))]
#: who may withdraw an enrollment: its institution, or a counselor of the worker's region
WithdrawerDep = Annotated[Caller, Depends(allow("institution", "counselor"))]
#: who may see a worker's enrollments: staff of the worker's region, or the worker
SeesWorkerDep = Annotated[Caller, Depends(allow("admin", "counselor", "worker"))]
