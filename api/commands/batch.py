"""``skillbridge recommend-batch``: every stored worker's top pathways, to one Parquet file.

Calls the same service and core as ``skillbridge recommend`` (see
:func:`api.services.recommend.batch.recommend_all`), over several processes, with a progress bar.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from api.commands.recommend import _TODAY_HELP, _day, recommender

COMMANDS: list[click.Command] = []


@click.command("recommend-batch")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Parquet file to write (worker_id, rank, kind, programme_id, order_id, score).",
)
@click.option("--workers-limit", type=click.IntRange(1), default=None, help="Only the first N workers.")
@click.option("--processes", type=click.IntRange(1, 64), default=2, show_default=True)
@click.option("--top", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None, help=_TODAY_HELP)
def recommend_batch_cmd(
    out: Path, workers_limit: int | None, processes: int, top: int, today: dt.datetime | None
) -> None:
    """批量为全部劳动者推荐路径 (top pathways of every worker, written to Parquet)."""
    from api.services.recommend.batch import recommend_all

    with recommender() as service:
        stats = recommend_all(
            service, out, today=_day(today), k=top, processes=processes, limit=workers_limit
        )
    click.echo(
        f"{stats.workers} workers, {stats.rows} pathways ({stats.no_pathway} workers without one) "
        f"in {stats.seconds:.1f} s ({stats.workers_per_s:.0f} workers/s, {stats.processes} processes) "
        f"→ {stats.out}"
    )


COMMANDS.append(recommend_batch_cmd)
