"""Pathways for a worker, candidates for an order, and "why not" — the recommender over HTTP.

Each request reads the current catalogue snapshot (built and refreshed in the background, see
:mod:`api.services.recommend.refresher`); until the first one exists these routes answer 503.
A worker's pathways and why-not serve the worker, their counselor and the admins of their region;
an order's candidates its employer and the counselors and admins of its region (the dependencies
``WorkerAccessDep`` and ``OrderAccessDep`` decide; out of scope is 404).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import EngineDep, OrderAccessDep, RecommenderDep, WorkerAccessDep
from api.errors import ERROR_RESPONSES
from api.schemas.common import ItemId, OrderId, Today
from api.schemas.recommend import CandidatesOut, RecommendationOut, WhyNotOut
from api.services.order_consents import reveal_contacts
from api.services.recommend.views import candidates_out, recommendation_out, why_not_out

router = APIRouter(prefix="/api/v1", tags=["recommend"], responses=ERROR_RESPONSES)


@router.get("/workers/{worker_id}/recommendations", response_model=RecommendationOut)
def worker_recommendations(
    access: WorkerAccessDep,
    recommender: RecommenderDep,
    top: Annotated[int, Query(ge=1, le=100, description="最多返回的路径数")] = 10,
    today: Today = None,
) -> RecommendationOut:
    """为劳动者推荐的培训与就业路径（含每条路径的特征贡献与可读解释）。"""
    rec = recommender.recommend_worker(access.worker_id, top=top, today=today or dt.date.today())
    return recommendation_out(rec)


@router.get("/orders/{order_id}/candidates", response_model=CandidatesOut)
def order_candidates(
    order_id: OrderId,
    caller: OrderAccessDep,
    recommender: RecommenderDep,
    engine: EngineDep,
    top: Annotated[int, Query(ge=1, le=500, description="最多返回的候选人数")] = 50,
    today: Today = None,
) -> CandidatesOut:
    """用工订单的候选劳动者（仅限同意共享者，个人信息已脱敏）；劳动者同意向本订单提供联系方式后，
    本订单的用人单位可看到其完整的姓名和手机号（每次查看均记入操作记录）。"""
    out = candidates_out(recommender.candidates_for_order(order_id, top=top, today=today or dt.date.today()))
    return reveal_contacts(engine, caller, order_id, out)


@router.get("/workers/{worker_id}/why-not/{item_id}", response_model=WhyNotOut)
def why_not(
    access: WorkerAccessDep, item_id: ItemId, recommender: RecommenderDep, today: Today = None
) -> WhyNotOut:
    """某培训项目或订单为何未被推荐：未通过的条件及假如通过时的得分。"""
    return why_not_out(recommender.why_not(access.worker_id, item_id, today=today or dt.date.today()))
