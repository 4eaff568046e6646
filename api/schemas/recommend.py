"""Response schemas of the recommender routes. The service builds these models
(:mod:`api.services.recommend.views`); the API returns them and the CLI's ``--json`` prints the
same objects, so the two cannot drift."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field


class PathwayOut(BaseModel):
    kind: Literal["job", "train_then_job", "train", "start_up"]
    kind_name: str
    programme_id: str | None
    order_id: str | None
    score: float
    explanation: str
    reasons: list[str]
    distance_km: float | None
    ready_date: dt.date
    training_subsidy: int
    living_allowance: int
    net_cost: int
    #: who receives the training subsidy: the worker, the enterprise (直补企业), nobody; None for a
    #: pathway without a course (a direct job)
    payee: Literal["worker", "enterprise", "institution", "none"] | None = Field(
        description="培训补贴的领取方：worker 个人、enterprise 企业（直补企业）、"
        "institution 培训机构（机构垫付）、none 无；直接就业路径为空"
    )
    policy_reasons: list[str]
    features: dict[str, float]
    contributions: dict[str, float]
    rank: int = Field(description="名次（从1起）")
    match: int = Field(description="匹配度，0–100 分")
    top_features: list[str] = Field(description="决定名次的主要特征（贡献最大的三项）")
    programme_start: dt.date | None
    programme_end: dt.date | None
    job_start: dt.date | None
    wait_days: int | None = Field(description="结业到开工之间等待的天数（先培训后就业）")
    programme_km: float | None
    order_km: float | None
    funded_by: str | None = Field(description="谁出培训费：worker 个人、employer 用人单位")
    subsidised: bool = Field(description="劳动者本人能领到补贴（培训补贴或生活费补贴）")
    promoted_from: int = Field(description="按应培尽培提前列出时，单看匹配度的名次；否则为 0")
    upfront: int = Field(description="开课前个人先交的钱（元）")
    refund: int = Field(description="先交的钱中，之后退回个人的部分（元）")
    employer_cost: int = Field(description="用人单位承担的培训费用（元）")
    paid_on: Literal["completion", "certification"] | None = Field(
        description="培训补贴何时发放：completion 结业后、certification 取得证书后；无培训补贴为空"
    )
    living_days: int = Field(description="生活费补贴的天数")
    day_count: Literal["calendar", "training_days", "hours"] | None = Field(
        description="生活费补贴天数的算法（所在城市的规定）：calendar 日历天数、training_days 实际培训天数、"
        "hours 学时折算；无生活费补贴为空"
    )
    programme_hours: int | None = Field(description="课程学时")
    hours_per_day: int | None = Field(
        description="按学时折算天数时每天的学时（所在城市的规定）；无生活费补贴为空"
    )


class RecommendationOut(BaseModel):
    worker_id: str
    status: Literal["ok", "needs_profile", "no_match"]
    message: str
    pathways: list[PathwayOut]
    #: why fewer pathways than asked, 应培尽培 notes and the like, for the counselor
    notes: list[str]


class CandidateOut(BaseModel):
    """A candidate worker, personal data masked — except for the order's own employer once the
    worker consented to give this order their contact (``contact``: name and phone in full)."""

    worker_id: str
    kind: Literal["direct", "trainable"]
    score: float
    programme_id: str | None
    ready_date: dt.date
    distance_km: float | None
    explanation: str
    contributions: dict[str, float]
    name: str | None
    phone: str | None
    age: int | None
    education: str | None
    area: str | None
    contact: bool = Field(
        default=False, description="劳动者已同意向本订单的用人单位提供联系方式（姓名、手机号为完整的）"
    )


class CandidatesOut(BaseModel):
    order_id: str
    status: str
    message: str
    candidates: list[CandidateOut]


class Reason(BaseModel):
    code: str
    text: str


class WhyNotOut(BaseModel):
    item_id: str
    item_kind: Literal["programme", "order"]
    passed: bool
    exclusions: list[Reason]
    notes: list[Reason]
    pathway_kind: str | None
    score_if_passed: float
    contributions: dict[str, float]
    text: str
    match: int
    rank: int | None = Field(description="该项目若被推荐时的名次")
    shown: int | None = Field(description="推荐列表显示的条数")
    lost_to: str | None = Field(description="名次线上、它没比过的那条路径")
    gaps: dict[str, float] = Field(description="与那条路径相比差距最大的特征（贡献差）")
