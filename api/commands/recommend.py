"""``skillbridge recommend`` / ``candidates`` / ``why-not``: the recommender from the terminal.

The commands call the same service as the HTTP API (:class:`api.services.recommend.Recommender`).
"""

from __future__ import annotations

import datetime as dt
import json

import click

COMMANDS: list[click.Command] = []

_TODAY_HELP = "Date to recommend for, YYYY-MM-DD (default: today). Makes runs reproducible."


def _recommender():  # type: ignore[no-untyped-def]
    from api.services.recommend import Recommender
    from api.settings import get_settings
    from data.db.session import make_engine
    from embeddings.encoder import load_encoder

    settings = get_settings()
    engine = make_engine(settings.resolved_database_url)
    encoder = load_encoder(settings.model, settings.model_cache_dir)
    return Recommender.build(engine, encoder, settings.index_dir)


def _day(value: dt.datetime | None) -> dt.date:
    return value.date() if value is not None else dt.date.today()


def _emit(data: object, text: str, as_json: bool) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2) if as_json else text)


@click.command("recommend")
@click.option("--worker", "worker_id", required=True, help="Worker id, e.g. W0000001.")
@click.option("--top", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None, help=_TODAY_HELP)
def recommend_cmd(worker_id: str, top: int, as_json: bool, today: dt.datetime | None) -> None:
    """为劳动者推荐培训与就业路径 (ranked pathways for one worker, with reasons)."""
    from api.services.recommend import NotFound
    from api.services.recommend.views import recommendation_dict, recommendation_text

    try:
        rec = _recommender().recommend_worker(worker_id, top=top, today=_day(today))
    except NotFound as exc:
        raise click.ClickException(str(exc)) from None
    _emit(recommendation_dict(rec), recommendation_text(rec), as_json)


@click.command("candidates")
@click.option("--order", "order_id", required=True, help="Order id, e.g. O000001.")
@click.option("--top", default=50, show_default=True, type=click.IntRange(1, 500))
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None, help=_TODAY_HELP)
def candidates_cmd(order_id: str, top: int, as_json: bool, today: dt.datetime | None) -> None:
    """为用工订单推荐候选人 (consenting workers, direct fits and trainable; masked)."""
    from api.services.recommend import NotFound
    from api.services.recommend.views import candidates_dict, candidates_text

    try:
        res = _recommender().candidates_for_order(order_id, top=top, today=_day(today))
    except NotFound as exc:
        raise click.ClickException(str(exc)) from None
    _emit(candidates_dict(res), candidates_text(res), as_json)


@click.command("why-not")
@click.option("--worker", "worker_id", required=True)
@click.option("--item", "item_id", required=True, help="A programme or order id.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None, help=_TODAY_HELP)
def why_not_cmd(worker_id: str, item_id: str, as_json: bool, today: dt.datetime | None) -> None:
    """为什么没有推荐某项目/订单 (failed filters and the score it would have had)."""
    from api.services.recommend import NotFound
    from api.services.recommend.views import why_not_dict, why_not_text

    try:
        res = _recommender().why_not(worker_id, item_id, today=_day(today))
    except NotFound as exc:
        raise click.ClickException(str(exc)) from None
    _emit(why_not_dict(res), why_not_text(res), as_json)


COMMANDS.extend([recommend_cmd, candidates_cmd, why_not_cmd])
