"""FastAPI dependencies as ``Annotated`` aliases. Heavy state lives on ``app.state`` (built once
in the lifespan of :mod:`api.app`) and is reached only through these."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session

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


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
EngineDep = Annotated[Engine, Depends(get_engine)]
SessionDep = Annotated[Session, Depends(get_session)]
RecommenderDep = Annotated[Recommender, Depends(get_recommender)]
RefresherDep = Annotated[Refresher, Depends(get_refresher)]
ClockDep = Annotated[Callable[[], dt.date], Depends(get_clock)]
SubsidyServiceDep = Annotated[SubsidyService, Depends(get_subsidy_service)]
