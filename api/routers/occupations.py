"""Occupation search: free text → ranked national occupation codes (职业分类大典 2022)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import RecommenderDep
from api.errors import ERROR_RESPONSES

router = APIRouter(
    prefix="/api/v1/occupations",
    tags=["occupations"],
    responses={422: ERROR_RESPONSES[422], 503: ERROR_RESPONSES[503]},
)


class OccupationHit(BaseModel):
    code: str
    name: str
    score: float


class OccupationSearch(BaseModel):
    query: str
    method: str
    results: list[OccupationHit]
    #: true when no occupation clearly wins (the recommender then recognises none)
    abstain: bool = Field(description="没有明显胜出的职业时为 true（推荐时不会据此认定技能）")
    reason: str | None = Field(description="放弃认定的原因；有明确结果时为空")


@router.get("/search", response_model=OccupationSearch)
def search(
    recommender: RecommenderDep,
    q: Annotated[str, Query(min_length=1, max_length=500, description="如“会砌墙、贴瓷砖”或“招聘电焊工”")],
    top: Annotated[int, Query(ge=1, le=50)] = 10,
) -> OccupationSearch:
    """把一段自由文本匹配到国家职业分类编码（按相关度排序）。"""
    recogniser = recommender.snapshot.skills
    found, decision = recogniser.search(q, top)
    return OccupationSearch(
        query=q,
        method=recogniser.method,
        results=[OccupationHit(code=c, name=n, score=s) for c, n, s in found],
        abstain=decision.abstain,
        reason=decision.reason,
    )
