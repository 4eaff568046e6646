"""FastAPI dependencies as ``Annotated`` aliases. Heavy state lives on ``app.state`` (built once
in the lifespan of :mod:`api.app`) and is reached only through these."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from api.security import ROLES, Caller, allow, bearer_scheme
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
