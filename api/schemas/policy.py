"""The public summary of a city's subsidy policy."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class SubsidisedOccupation(BaseModel):
    code: str
    name: str
    work_types: list[str] = Field(description="限定的工种；为空表示该职业的所有工种")
    amounts: dict[str, int] = Field(
        description="各等级的补贴标准（元），键为等级：5 初级工 … 1 高级技师，0 专项职业能力"
    )


class PolicySummary(BaseModel):
    city_code: str
    city_name: str
    version: str
    effective_from: dt.date
    example: bool = Field(description="随项目提供的示例数值，并非官方标准")
    training_types: dict[str, int] = Field(description="培训类型 → 按补贴标准发放的百分比")
    occupations: list[SubsidisedOccupation]
