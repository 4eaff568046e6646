"""Schemas and input types shared by many routes.

Inputs are strict: a date is a ``YYYY-MM-DD`` string (not a number of seconds), integers are
bounded to what the database holds, ids are short tokens, region codes are normalised.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Generic, TypeVar

from fastapi import Path, Query
from pydantic import AfterValidator, BaseModel, BeforeValidator, StringConstraints, WithJsonSchema

__all__ = [
    "DB_INT_MAX",
    "EmployerId",
    "Health",
    "IsoDate",
    "ItemId",
    "Limit",
    "Offset",
    "OrderId",
    "Page",
    "ProgrammeId",
    "Readiness",
    "RegionPrefix",
    "Today",
    "WorkerId",
    "region_prefix",
]

#: the largest value an INTEGER column holds on both databases
DB_INT_MAX = 2**31 - 1
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ID_PATTERN = r"^[A-Za-z0-9_-]{1,32}$"


def _iso_date(value: object) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        day = value
    elif isinstance(value, str) and _DATE.match(value):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError("日期不存在，请检查年月日") from None
    else:
        raise ValueError("日期格式应为 YYYY-MM-DD，如 2026-12-01")
    if not dt.date(2000, 1, 1) <= day <= dt.date(2100, 12, 31):
        raise ValueError("日期应在 2000-01-01 至 2100-12-31 之间")
    return day


#: a calendar day written ``YYYY-MM-DD`` between 2000 and 2100 (numbers, timestamps and other
#: spellings are refused); the documented schema says so
IsoDate = Annotated[
    dt.date,
    BeforeValidator(_iso_date),
    WithJsonSchema({"type": "string", "format": "date", "pattern": r"^(20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}$"}),
]

Today = Annotated[
    IsoDate | None, Query(description="按此日期推荐，格式 YYYY-MM-DD（默认：今天）", examples=["2026-12-01"])
]
Limit = Annotated[int, Query(ge=1, le=500, description="每页条数")]
Offset = Annotated[int, Query(ge=0, le=DB_INT_MAX, description="跳过的条数")]
WorkerId = Annotated[str, Path(pattern=ID_PATTERN, description="劳动者编号，如 W0000001")]
OrderId = Annotated[str, Path(pattern=ID_PATTERN, description="用工订单编号")]
ItemId = Annotated[str, Path(pattern=ID_PATTERN, description="培训项目或用工订单编号")]
ProgrammeId = Annotated[str, Path(pattern=ID_PATTERN, description="培训项目编号")]
EmployerId = Annotated[str, Path(pattern=ID_PATTERN, description="用人单位编号")]


def region_prefix(code: str) -> str:
    """The adcode prefix a region code stands for: ``"140100"`` (太原市) → ``"1401"``,
    ``"140000"`` (山西省) → ``"14"``, ``"141124"`` (临县) and ``"1411"`` unchanged."""
    if len(code) == 6 and code.endswith("0000"):
        return code[:2]
    if len(code) == 6 and code.endswith("00"):
        return code[:4]
    return code


RegionCode = Annotated[str, StringConstraints(pattern=r"^\d{2}(\d{2}){0,2}$"), AfterValidator(region_prefix)]
RegionPrefix = Annotated[
    RegionCode | None,
    Query(
        description="行政区划代码或其前缀：省 14、市 1411 或 141100、县 141124",
        examples=["1411"],
    ),
]


class Health(BaseModel):
    status: str
    database: str
    revision: str | None


class Readiness(BaseModel):
    """``/readyz``: ready once the first catalogue snapshot is being served."""

    status: str  # ready | starting
    missing: list[str]
    step: str
    progress: str | None
    snapshot_age_seconds: float | None
    encoder_leader: bool
    pending_profiles: int | None
    worker_index: int
    worker_index_complete: bool


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    total: int
    items: list[T]
