"""Each city's subsidised occupations and amounts: part of the public catalogue."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path

from api.errors import ERROR_RESPONSES
from api.schemas.common import Today
from api.schemas.policy import PolicySummary
from api.services.policy_summary import policy_summary

router = APIRouter(
    prefix="/api/v1/policies", tags=["catalogue"], responses={k: ERROR_RESPONSES[k] for k in (404, 422)}
)

City = Annotated[str, Path(pattern=r"^14\d{2}$", description="4位城市代码，如 1401（太原市）")]


@router.get("/{city}", response_model=PolicySummary)
def city_policy(city: City, today: Today = None) -> PolicySummary:
    """某市当日生效的补贴政策摘要：补贴的职业（工种）、各等级标准及各培训类型的发放比例。"""
    return policy_summary(city, today or dt.date.today())
