"""Schemas of sign-in and of accounts."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

RoleName = Literal["admin", "counselor", "institution", "employer", "worker"]


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64, description="用户名")
    password: str = Field(min_length=1, max_length=256, description="密码")


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: dt.datetime
    role: RoleName


class MeOut(BaseModel):
    """The signed-in account: role, region prefix and what it acts for."""

    model_config = ConfigDict(from_attributes=True)
    username: str
    role: RoleName
    region: str
    institution_id: str | None
    employer_id: str | None
    worker_id: str | None


class UserOut(MeOut):
    id: int
    active: bool
    created_at: dt.datetime
