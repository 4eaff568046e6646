"""``skillbridge recommend`` / ``candidates`` / ``why-not``: the recommender from the terminal.

The commands call the same service as the HTTP API (:class:`api.services.recommend.Recommender`)
and print the same response models (``--json``). They answer an unknown id before building
anything, and load the embedding model only when a text must be encoded (a profile or catalogue
item not stored yet): a stored worker's pathways need no model at all.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from pydantic import BaseModel

    from api.services.recommend import Recommender

COMMANDS: list[click.Command] = []

_TODAY_HELP = "推荐所依据的日期，格式 YYYY-MM-DD（默认：今天），便于复现结果。"


def _connected():  # type: ignore[no-untyped-def]
    from api.settings import get_settings
    from data.db.session import connected

    return connected(get_settings().resolved_database_url)


def _require(kind: str, item_id: str) -> None:
    """Refuse an unknown id with a Chinese message, before any index or model is touched.
    ``kind``: "worker", "order" or "item" (a programme or an order)."""
    from sqlalchemy.orm import Session

    from data.db.models import Order, Programme, Worker

    with _connected() as engine, Session(engine) as session:
        if kind == "worker" and session.get(Worker, item_id) is None:
            raise click.ClickException(f"未找到劳动者 {item_id}")
        if kind == "order" and session.get(Order, item_id) is None:
            raise click.ClickException(f"未找到用工订单 {item_id}")
        if kind == "item" and session.get(Programme, item_id) is None and session.get(Order, item_id) is None:
            raise click.ClickException(f"未找到培训项目或用工订单 {item_id}")


@contextlib.contextmanager
def recommender() -> Iterator[Recommender]:
    """The service with its first snapshot, its database connections closed afterwards."""
    from api.services.recommend import Recommender
    from api.settings import get_settings
    from embeddings.encoder import LazyEncoder

    settings = get_settings()
    encoder = LazyEncoder(settings.model, settings.model_cache_dir)
    with _connected() as engine:
        yield Recommender.build(engine, encoder, settings.index_dir, store_profiles=True)


def _day(value: dt.datetime | None) -> dt.date:
    return value.date() if value is not None else dt.date.today()


def _emit(model: BaseModel, text: str, as_json: bool) -> None:
    click.echo(model.model_dump_json(indent=2) if as_json else text)


@click.command("recommend")
@click.option("--worker", "worker_id", required=True, help="劳动者编号，如 W0000001。")
@click.option("--top", default=10, show_default=True, type=click.IntRange(1, 100), help="最多返回的路径数。")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON（与 HTTP 接口相同）。")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None, help=_TODAY_HELP)
def recommend_cmd(worker_id: str, top: int, as_json: bool, today: dt.datetime | None) -> None:
    """为劳动者推荐培训与就业路径（含理由）。"""
    from api.services.recommend.views import recommendation_out, recommendation_text

    _require("worker", worker_id)
    with recommender() as service:
        rec = service.recommend_worker(worker_id, top=top, today=_day(today))
    _emit(recommendation_out(rec), recommendation_text(rec), as_json)


@click.command("candidates")
@click.option("--order", "order_id", required=True, help="用工订单编号，如 O000001。")
@click.option(
    "--top", default=50, show_default=True, type=click.IntRange(1, 500), help="最多返回的候选人数。"
)
@click.option("--json", "as_json", is_flag=True, help="输出 JSON（与 HTTP 接口相同）。")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None, help=_TODAY_HELP)
def candidates_cmd(order_id: str, top: int, as_json: bool, today: dt.datetime | None) -> None:
    """为用工订单推荐候选人（仅含同意共享信息者，已脱敏；可直接上岗及培训后可上岗者）。"""
    from api.services.recommend.views import candidates_out, candidates_text

    _require("order", order_id)
    with recommender() as service:
        service.sync_workers()
        res = service.candidates_for_order(order_id, top=top, today=_day(today))
    _emit(candidates_out(res), candidates_text(res), as_json)


@click.command("why-not")
@click.option("--worker", "worker_id", required=True, help="劳动者编号。")
@click.option("--item", "item_id", required=True, help="培训项目或用工订单编号。")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON（与 HTTP 接口相同）。")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None, help=_TODAY_HELP)
def why_not_cmd(worker_id: str, item_id: str, as_json: bool, today: dt.datetime | None) -> None:
    """为什么没有推荐某培训项目或订单（未通过的条件及假如通过时的得分）。"""
    from api.services.recommend.views import why_not_out, why_not_text

    _require("worker", worker_id)
    _require("item", item_id)
    with recommender() as service:
        res = service.why_not(worker_id, item_id, today=_day(today))
    _emit(why_not_out(res), why_not_text(res), as_json)


COMMANDS.extend([recommend_cmd, candidates_cmd, why_not_cmd])
