"""Pathways for a worker, candidates for an order, and "why not" — the recommender over HTTP.

The :class:`~api.services.recommend.Recommender` (encoder, stored embeddings, indexes) is built
once at start-up (:func:`on_startup`) and shared; a lock serialises its use because it keeps
per-process caches of worker embeddings. Imports run beside the server (``skillbridge load``), so
a request first checks, at most every ``catalogue_check_seconds``, whether the catalogue changed,
and re-reads it if so: a new programme or order is recommended without a restart.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import threading
import time
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, HTTPException, Query, Request

from api.schemas_recommend import CandidatesOut, RecommendationOut, WhyNotOut

router = APIRouter(prefix="/api/v1", tags=["recommend"])
log = logging.getLogger("skillbridge.recommend")

Today = Annotated[dt.date | None, Query(description="recommend as of this day (default: today)")]


def on_startup(app: FastAPI) -> None:
    from api.services.recommend import Recommender
    from embeddings.encoder import load_encoder

    settings = app.state.settings
    encoder = load_encoder(settings.model, settings.model_cache_dir)
    app.state.recommender = Recommender.build(app.state.engine, encoder, settings.index_dir)
    # Warm the occupation matcher now (it embeds the catalogue once) so no request pays for it.
    app.state.recommender.occupation_recogniser()
    app.state.recommender_lock = threading.Lock()
    app.state.catalogue_checked = time.monotonic()
    # the catalogue tables and indexes just built live as long as the app: moving them out of the
    # collector's generations keeps full collections (tens of ms over ~10^5 records each) out of
    # request latency
    gc.collect()
    gc.freeze()


def _call(request: Request, method: str, *args: Any, **kwargs: Any) -> Any:
    from api.services.recommend import NotFound

    app = request.app
    try:
        with app.state.recommender_lock:
            _refresh_if_due(app)
            return getattr(app.state.recommender, method)(*args, **kwargs)
    except NotFound as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None


def _refresh_if_due(app: FastAPI) -> None:
    """Re-read the catalogue if an import changed it (checked at most every interval). A failed
    re-read is logged and the tables already loaded keep serving."""
    now = time.monotonic()
    if now - app.state.catalogue_checked < app.state.settings.catalogue_check_seconds:
        return
    app.state.catalogue_checked = now
    try:
        if app.state.recommender.refresh_if_changed():
            log.info("catalogue changed: programmes and orders re-read")
    except Exception:  # noqa: BLE001 - keep serving the last good catalogue
        log.exception("catalogue re-read failed; serving the catalogue read before")


@router.get("/workers/{worker_id}/recommendations", response_model=RecommendationOut)
def worker_recommendations(
    worker_id: str, request: Request, top: Annotated[int, Query(ge=1, le=100)] = 10, today: Today = None
) -> dict[str, Any]:
    """为劳动者推荐的培训与就业路径（含每条路径的特征贡献与可读解释）。"""
    from api.services.recommend.views import recommendation_dict

    rec = _call(request, "recommend_worker", worker_id, top=top, today=today or dt.date.today())
    return recommendation_dict(rec)


@router.get("/orders/{order_id}/candidates", response_model=CandidatesOut)
def order_candidates(
    order_id: str, request: Request, top: Annotated[int, Query(ge=1, le=500)] = 50, today: Today = None
) -> dict[str, Any]:
    """用工订单的候选劳动者（仅限同意共享者，个人信息已脱敏）。"""
    from api.services.recommend.views import candidates_dict

    return candidates_dict(
        _call(request, "candidates_for_order", order_id, top=top, today=today or dt.date.today())
    )


@router.get("/workers/{worker_id}/why-not/{item_id}", response_model=WhyNotOut)
def why_not(worker_id: str, item_id: str, request: Request, today: Today = None) -> dict[str, Any]:
    """某培训项目或订单为何未被推荐：未通过的条件及假如通过时的得分。"""
    from api.services.recommend.views import why_not_dict

    return why_not_dict(_call(request, "why_not", worker_id, item_id, today=today or dt.date.today()))
