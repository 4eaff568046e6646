"""The catalogue written by its owners: employers (admin, counselor; an employer reads its own),
an employer's orders, institutions (admin) and an institution's programmes.

Who may write what is decided by the dependencies (``OwnOrderDep``, ``OwnProgrammeDep``,
``EmployerAccessDep``): another employer's order or another institution's programme is 404.
"""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import (
    AdminDep,
    EmployerAccessDep,
    EmployerDep,
    EngineDep,
    InstitutionDep,
    OwnOrderDep,
    OwnProgrammeDep,
    SettingsDep,
    StaffDep,
)
from api.errors import ERROR_RESPONSES
from api.schemas.common import EmployerId, OrderId, ProgrammeId
from api.schemas.writes import (
    Created,
    EmployerIn,
    EmployerOut,
    InstitutionIn,
    OrderIn,
    OrderPatch,
    ProgrammeIn,
    ProgrammePatch,
)
from api.services import catalogue_writes as writes

router = APIRouter(
    prefix="/api/v1",
    tags=["catalogue-writes"],
    responses={k: ERROR_RESPONSES[k] for k in (401, 403, 404, 409, 422)},
)


@router.post("/employers", response_model=EmployerOut, status_code=201)
def create_employer(caller: StaffDep, body: EmployerIn, engine: EngineDep) -> EmployerOut:
    """登记用人单位（统一社会信用代码按 GB 32100 校验）。"""
    return EmployerOut.model_validate(writes.create_employer(engine, caller, body))


@router.get("/employers/{employer_id}", response_model=EmployerOut)
def get_employer(employer_id: EmployerId, _caller: EmployerAccessDep, engine: EngineDep) -> EmployerOut:
    """用人单位信息（本单位，或辖区内的就业指导员、管理员）。"""
    return EmployerOut.model_validate(writes.get_employer(engine, employer_id))


@router.post("/orders", response_model=Created, status_code=201)
def create_order(caller: EmployerDep, body: OrderIn, engine: EngineDep, settings: SettingsDep) -> Created:
    """用人单位发布用工订单。"""
    return Created(id=writes.create_order(engine, caller, body, secret_key=settings.secret_key))


@router.patch("/orders/{order_id}", response_model=Created)
def update_order(
    order_id: OrderId, caller: OwnOrderDep, body: OrderPatch, engine: EngineDep, settings: SettingsDep
) -> Created:
    """修改本单位的用工订单（人数、工资、开工日期、要求）。"""
    writes.update_order(engine, caller, order_id, body, secret_key=settings.secret_key)
    return Created(id=order_id)


@router.post("/orders/{order_id}/close", response_model=Created)
def close_order(order_id: OrderId, caller: OwnOrderDep, engine: EngineDep, settings: SettingsDep) -> Created:
    """关闭本单位的用工订单（不再推荐）。"""
    writes.close_order(engine, caller, order_id, secret_key=settings.secret_key)
    return Created(id=order_id)


@router.post("/institutions", response_model=Created, status_code=201)
def create_institution(
    caller: AdminDep, body: InstitutionIn, engine: EngineDep, settings: SettingsDep
) -> Created:
    """管理员登记培训机构。"""
    return Created(id=writes.create_institution(engine, caller, body, secret_key=settings.secret_key))


@router.post("/programmes", response_model=Created, status_code=201)
def create_programme(
    caller: InstitutionDep, body: ProgrammeIn, engine: EngineDep, settings: SettingsDep
) -> Created:
    """培训机构发布本机构的培训项目。"""
    return Created(id=writes.create_programme(engine, caller, body, secret_key=settings.secret_key))


@router.patch("/programmes/{programme_id}", response_model=Created)
def update_programme(
    programme_id: ProgrammeId,
    caller: OwnProgrammeDep,
    body: ProgrammePatch,
    engine: EngineDep,
    settings: SettingsDep,
) -> Created:
    """修改本机构培训项目的名额与开班、结业日期。"""
    writes.update_programme(engine, caller, programme_id, body, secret_key=settings.secret_key)
    return Created(id=programme_id)


@router.post("/programmes/{programme_id}/suspend", response_model=Created)
def suspend_programme(programme_id: ProgrammeId, caller: OwnProgrammeDep, engine: EngineDep) -> Created:
    """暂停本机构的培训项目（不再列出，也不再推荐）。"""
    writes.suspend_programme(engine, caller, programme_id)
    return Created(id=programme_id)
