"""FastAPI dependencies as ``Annotated`` aliases. Heavy state lives on ``app.state`` (built once
in the lifespan of :mod:`api.app`) and is reached only through these."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from api.services.recommend import Recommender
from api.services.recommend.refresher import Refresher
from api.settings import Settings


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


def get_engine(request: Request) -> Engine:
    return request.app.state.engine


def get_session(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as session:
        yield session


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
TodayDep = Annotated[dt.date, Depends(get_today)]
