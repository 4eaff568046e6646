"""The FastAPI application. ``create_app(settings)`` builds it; heavy state (engine, encoder,
indexes) is created once in the lifespan and reached through :mod:`api.deps`."""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from api.routers import catalogue, health, workers
from api.services.catalogue import NotFound
from api.settings import Settings, get_settings
from data.db.session import make_engine, session_factory
from data.tabular import ValidationFailed

log = logging.getLogger("skillbridge")

#: Routers contributed by other areas, included when their module exists.
OPTIONAL_ROUTERS = ("api.routers.occupations", "api.routers.recommend", "api.routers.subsidy")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.engine = make_engine(settings.resolved_database_url)
        app.state.sessions = session_factory(app.state.engine)
        for hook in app.state.startup_hooks:
            hook(app)
        yield
        app.state.engine.dispose()

    app = FastAPI(
        title="SkillBridge 技能通",
        description="农民工职业技能培训与就业岗位匹配服务",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.startup_hooks = []
    app.include_router(health.router)
    app.include_router(catalogue.router)
    app.include_router(workers.router)
    for name in OPTIONAL_ROUTERS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        app.include_router(module.router)
        if hasattr(module, "on_startup"):
            app.state.startup_hooks.append(module.on_startup)

    @app.exception_handler(NotFound)
    async def _not_found(_request: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse(status_code=404, content={"detail": str(exc)})

    @app.exception_handler(ValidationFailed)
    async def _invalid(_request: Request, exc: ValidationFailed) -> JSONResponse:
        errors = [{"line": e.line, "field": e.field, "message": e.message} for e in exc.errors]
        return JSONResponse(status_code=422, content={"detail": str(exc).splitlines()[0], "errors": errors})

    return app
