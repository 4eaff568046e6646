"""Worker files for their counselors, the admins of their region and the workers themselves.

Who sees which worker is decided by the dependencies (``StaffRegionDep``, ``WorkerAccessDep``):
a list covers the caller's region only, and a worker out of scope answers 404.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from api.deps import (
    CounselorDep,
    EngineDep,
    SessionDep,
    SettingsDep,
    StaffRegionDep,
    WorkerAccessDep,
    WorkerConsentDep,
    WorkerEditDep,
)
from api.errors import ERROR_RESPONSES
from api.schemas.catalogue import WorkerOut, WorkerSummary
from api.schemas.common import Limit, Offset, OrderId, Page
from api.schemas.writes import (
    ConsentIn,
    Created,
    OrderConsentIn,
    OrderConsentOut,
    WorkerHit,
    WorkerIn,
    WorkerPatch,
    WorkerSearch,
)
from api.services import catalogue, order_consents, worker_files
from api.services.exports import MEDIA_TYPES, spreadsheet
from api.services.worker_views import worker_out, worker_summary

EXPORT_LIMIT = 100_000
EXPORT_COLUMNS = (
    "id",
    "name_masked",
    "id_number_masked",
    "phone_masked",
    "birth_year",
    "gender",
    "education",
    "home_adcode",
    "skills_text",
    "desired_occupations",
    "groups",
    "consent_share",
    "active",
)

router = APIRouter(
    prefix="/api/v1/workers",
    tags=["workers"],
    responses={k: ERROR_RESPONSES[k] for k in (401, 403, 422)},
)


@router.get("", response_model=Page[WorkerSummary])
def list_workers(
    scope: StaffRegionDep, session: SessionDep, limit: Limit = 50, offset: Offset = 0
) -> Page[WorkerSummary]:
    """本辖区的劳动者列表（就业指导员、管理员；city 只能在本辖区内进一步筛选）。"""
    total, rows = catalogue.list_workers(session, scope.prefix, limit, offset)
    full = scope.caller.role == "counselor"
    return Page[WorkerSummary](total=total, items=[worker_summary(r, full=full) for r in rows])


@router.post("", response_model=Created, status_code=201, responses={409: ERROR_RESPONSES[409]})
def create_worker(caller: CounselorDep, body: WorkerIn, engine: EngineDep, settings: SettingsDep) -> Created:
    """就业指导员登记本辖区的劳动者（身份证号、手机号校验后只存脱敏形式与加盐哈希）；下一次请求即可得到推荐。"""
    return Created(id=worker_files.create_worker(engine, caller, body, secret_key=settings.secret_key))


@router.post("/search", response_model=list[WorkerHit])
def search_workers(
    caller: CounselorDep, body: WorkerSearch, engine: EngineDep, settings: SettingsDep
) -> list[WorkerHit]:
    """在本辖区按姓名、身份证号（或后4位）、手机号（或后4位）或村镇查找劳动者。查询放在请求内容里
    （POST），身份证号和手机号不会出现在网址和访问日志中。"""
    rows = worker_files.search_workers(
        engine, caller.region, body.q, secret_key=settings.secret_key, limit=body.limit
    )
    return [worker_files.hit(w) for w in rows]


@router.get(
    "/export",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}, MEDIA_TYPES["xlsx"]: {}}, "description": "电子表格"}},
)
def export_workers(
    scope: StaffRegionDep,
    session: SessionDep,
    fmt: Annotated[Literal["csv", "xlsx"], Query(alias="format", description="csv 或 xlsx")] = "xlsx",
) -> Response:
    """导出本辖区的劳动者（与列表同样按角色脱敏；以 = + - @ 开头的单元格按文字处理）。"""
    full = scope.caller.role == "counselor"
    _total, rows = catalogue.list_workers(session, scope.prefix, EXPORT_LIMIT, 0)
    views = [worker_out(r, full=full) for r in rows]
    body = spreadsheet(views, EXPORT_COLUMNS, fmt)
    headers = {"Content-Disposition": f'attachment; filename="workers.{fmt}"'}
    return Response(body, media_type=MEDIA_TYPES[fmt], headers=headers)


@router.patch("/{worker_id}", response_model=Created, responses={404: ERROR_RESPONSES[404]})
def update_worker(access: WorkerEditDep, body: WorkerPatch, engine: EngineDep) -> Created:
    """修改劳动者档案（个人身份信息不可改）；画像在下一次请求时重新生成。"""
    worker_files.update_worker(engine, access.caller, access.worker_id, body)
    return Created(id=access.worker_id)


@router.post("/{worker_id}/deactivate", response_model=Created, responses={404: ERROR_RESPONSES[404]})
def deactivate_worker(access: WorkerEditDep, engine: EngineDep) -> Created:
    """停用劳动者档案：保留记录，不再推荐，也不再作为候选人。"""
    worker_files.deactivate_worker(engine, access.caller, access.worker_id)
    return Created(id=access.worker_id)


@router.put("/{worker_id}/consent", response_model=Created, responses={404: ERROR_RESPONSES[404]})
def set_consent(access: WorkerConsentDep, body: ConsentIn, engine: EngineDep) -> Created:
    """劳动者本人（或代为登记的就业指导员）同意或撤回向用人单位共享信息；撤回后不再作为候选人。"""
    worker_files.update_worker(
        engine, access.caller, access.worker_id, WorkerPatch(consent_share=body.consent_share)
    )
    return Created(id=access.worker_id)


@router.put(
    "/{worker_id}/orders/{order_id}/consent",
    response_model=OrderConsentOut,
    responses={k: ERROR_RESPONSES[k] for k in (404, 409)},
)
def give_order_consent(
    access: WorkerConsentDep,
    order_id: OrderId,
    body: OrderConsentIn,
    engine: EngineDep,
    settings: SettingsDep,
) -> OrderConsentOut:
    """劳动者本人（或代为登记的就业指导员）同意向某一用工订单的用人单位提供姓名和手机号（须与登记的一致）；
    只有该订单的用人单位能看到，其他订单和其他人仍看脱敏信息。"""
    row = order_consents.give(
        engine,
        access.caller,
        access.worker_id,
        order_id,
        name=body.name,
        phone=body.phone,
        secret_key=settings.secret_key,
    )
    return OrderConsentOut(
        worker_id=row.worker_id, order_id=row.order_id, consented=True, on_behalf=row.on_behalf
    )


@router.delete(
    "/{worker_id}/orders/{order_id}/consent",
    response_model=OrderConsentOut,
    responses={404: ERROR_RESPONSES[404]},
)
def withdraw_order_consent(access: WorkerConsentDep, order_id: OrderId, engine: EngineDep) -> OrderConsentOut:
    """撤回向该用工订单的用人单位提供联系方式的同意，立即生效（已保存的姓名和手机号随即删除）。"""
    order_consents.withdraw(engine, access.caller, access.worker_id, order_id)
    return OrderConsentOut(
        worker_id=access.worker_id,
        order_id=order_id,
        consented=False,
        on_behalf=access.caller.role != "worker",
    )


@router.get("/{worker_id}", response_model=WorkerOut, responses={404: ERROR_RESPONSES[404]})
def get_worker(access: WorkerAccessDep, session: SessionDep) -> WorkerOut:
    """一名劳动者的档案：本人及本辖区就业指导员看完整档案，其他人看进一步脱敏的档案。"""
    return worker_out(catalogue.get_worker(session, access.worker_id), full=access.full)
