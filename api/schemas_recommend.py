"""Response schemas of the recommender routes. They mirror the plain data built by
:mod:`api.services.recommend.views` (also used for ``--json``), so the CLI and HTTP agree."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel


class PathwayOut(BaseModel):
    kind: str  # job | train_then_job | train | start_up
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
    payee: str
    policy_reasons: list[str]
    features: dict[str, float]
    contributions: dict[str, float]


class RecommendationOut(BaseModel):
    worker_id: str
    status: str  # ok | needs_profile | no_match
    message: str
    pathways: list[PathwayOut]


class CandidateOut(BaseModel):
    """A candidate worker, personal data masked."""

    worker_id: str
    kind: str  # direct | trainable
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
    item_kind: str
    passed: bool
    exclusions: list[Reason]
    notes: list[Reason]
    pathway_kind: str | None
    score_if_passed: float
    contributions: dict[str, float]
    text: str
