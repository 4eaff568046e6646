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
    payee: Literal["worker", "enterprise", "none"] | None = Field(
        description="培训补贴的领取方：worker 个人、enterprise 企业（直补企业）、none 无；直接就业路径为空"
    )
    policy_reasons: list[str]
    features: dict[str, float]
    contributions: dict[str, float]


class RecommendationOut(BaseModel):
    worker_id: str
    status: Literal["ok", "needs_profile", "no_match"]
    message: str
    pathways: list[PathwayOut]


class CandidateOut(BaseModel):
    """A candidate worker, personal data masked."""

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
