"""The FastAPI application. ``create_app(settings)`` builds it.

Heavy state — the engine, the encoder, the recommender and its background refresher — is built
once in the lifespan and reached only through the dependencies of :mod:`api.deps`. Every router
is listed here. The service answers at once: until the first catalogue snapshot is ready,
``/readyz`` says 503 with what is missing and the recommender routes answer 503 (never a wait).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import anyio.to_thread
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.errors import install_error_handlers
from api.observability import RequestMiddleware, configure_logging
from api.pages import actions, desks, orders, programmes, public, signin, workbench, worker, worker_link
from api.pages.session import install_page_handlers
from api.routers import (
    auth,
    catalogue,
    catalogue_writes,
    claims,
    docs,
    enrollments,
    health,
    imports,
    occupations,
    policies,
    recommend,
    workers,
)
from api.settings import Settings, get_settings
from data.db.session import POOL_CONNECTIONS, make_engine, session_factory

if TYPE_CHECKING:
    from api.services.recommend.snapshot import CatalogueSnapshot

log = logging.getLogger("skillbridge")

STATIC_DIR = Path(__file__).resolve().parent / "static"


def create_app(settings: Settings | None = None, *, seed: CatalogueSnapshot | None = None) -> FastAPI:
    """The service for ``settings`` (default: from the environment). ``seed``: a snapshot already
    built from this database (tests share one across apps); the refresher starts from it."""
    settings = settings or get_settings()
    configure_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from api.services.recommend import Recommender
        from api.services.recommend.refresher import Refresher
        from embeddings.encoder import LazyEncoder

        engine = make_engine(settings.resolved_database_url)
        # sync handlers run in anyio's thread pool (40 by default): never more at once than the
        # connection pool can serve two connections each, the refresher's one aside
        anyio.to_thread.current_default_thread_limiter().total_tokens = (POOL_CONNECTIONS - 2) // 2
        encoder = LazyEncoder(settings.model, settings.model_cache_dir)
        recommender = Recommender.create(engine, encoder, settings.index_dir)
        recommender.inline_wait_seconds = settings.profile_wait_seconds
        recommender.today = settings.today
        if seed is not None:
            recommender.holder.swap(seed)
        refresher = Refresher(recommender, check_seconds=settings.catalogue_check_seconds)
        app.state.settings = settings
        app.state.engine = engine
        app.state.sessions = session_factory(engine)
        app.state.recommender = recommender
        app.state.refresher = refresher
        #: today's date for the records and claims services: ``Settings.today`` when pinned, else
        #: the calendar's (tests may set another clock)
        app.state.clock = lambda: settings.today or dt.date.today()
        if settings.background_refresh:
            refresher.start()
        try:
            yield
        finally:
            refresher.stop()
            engine.dispose()

    app = FastAPI(
        title="SkillBridge 技能通",
        description="农民工职业技能培训与就业岗位匹配服务",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.add_middleware(RequestMiddleware)
    install_error_handlers(app)
    install_page_handlers(app)
    app.include_router(health.router)
    app.include_router(docs.router)
    app.include_router(auth.router)
    app.include_router(catalogue.router)
    app.include_router(catalogue_writes.router)
    app.include_router(imports.router)
    app.include_router(policies.router)
    app.include_router(workers.router)
    app.include_router(recommend.router)
    app.include_router(occupations.router)
    app.include_router(enrollments.router)
    app.include_router(claims.router)
    # web pages (server-rendered, api/templates)
    app.include_router(public.router)
    app.include_router(signin.router)
    app.include_router(worker.router)
    app.include_router(workbench.router)
    app.include_router(worker_link.router)
    app.include_router(orders.router)  # before desks: /employer/orders/new is no order id
    app.include_router(programmes.router)  # before desks: /institution/programmes/new likewise
    app.include_router(desks.router)
    app.include_router(actions.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
