"""Liveness, readiness and metrics."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text

from api.deps import EngineDep, RefresherDep
from api.observability import metrics_payload
from api.schemas.common import Health, Readiness
from data.db.session import current_revision

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz(engine: EngineDep) -> Health:
    """服务存活检查（数据库可连接）。"""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return Health(status="ok", database=engine.dialect.name, revision=current_revision(engine))


@router.get(
    "/readyz", response_model=Readiness, responses={503: {"model": Readiness, "description": "尚未就绪"}}
)
def readyz(refresher: RefresherDep) -> JSONResponse:
    """就绪检查：首个推荐数据快照建立之前返回 503，并说明缺少什么、进行到哪一步。"""
    r = refresher.readiness
    snap = refresher.rec.holder.current
    missing = [] if snap is not None else ["推荐数据快照（培训项目、用工订单及其索引）"]
    body = Readiness(
        status="ready" if snap is not None else "starting",
        missing=missing,
        step=r.step if snap is None else "就绪",
        progress=f"{r.done}/{r.total}" if snap is None and r.total else None,
        snapshot_age_seconds=round(snap.age_seconds(), 1) if snap is not None else None,
        encoder_leader=r.encoder_leader,
        pending_profiles=r.pending_profiles,
        worker_index=r.worker_index,
        worker_index_complete=r.worker_index_complete,
    )
    return JSONResponse(body.model_dump(), status_code=200 if snap is not None else 503)


@router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
def metrics() -> Response:
    """Prometheus 指标：按路由与状态的请求数和延迟、快照年龄与建立耗时、待编码的劳动者画像数。"""
    return Response(metrics_payload(), media_type="text/plain; version=0.0.4; charset=utf-8")
