"""``skillbridge data``: the synthetic sample world (generation and loading)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from api.settings import get_settings


@click.group("data")
def data_group() -> None:
    """样例数据 (sample data): generate a synthetic Shanxi world and load it."""


@data_group.command("synth")
@click.option(
    "--workers",
    "n_workers",
    type=click.IntRange(min=0),
    default=2000,
    show_default=True,
    help="Number of workers to generate.",
)
@click.option(
    "--seed", type=int, default=20240204, show_default=True, help="Random seed (same seed → same files)."
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output folder (default: <home>/sample).",
)
@click.option(
    "--reference-date",
    type=click.DateTime(["%Y-%m-%d"]),
    default="2026-12-01",
    show_default=True,
    help="Programmes start and orders open within ~6 months after this day.",
)
@click.option(
    "--institutions", type=click.IntRange(min=6), default=None, help="Override the institution count."
)
@click.option("--programmes", type=click.IntRange(min=1), default=None, help="Override the programme count.")
@click.option("--orders", type=click.IntRange(min=1), default=None, help="Override the order count.")
@click.option(
    "--load/--no-load",
    default=False,
    show_default=True,
    help="Also load the files into the database (validated, one transaction per file).",
)
@click.option(
    "--history/--no-history",
    default=False,
    show_default=True,
    help="With --load: also last year's classes, enrollments, certificates, hires and subsidy claims, "
    "with planted fraud recorded in history_truth.parquet (data.synth.claims).",
)
def synth_cmd(
    n_workers: int,
    seed: int,
    out_dir: Path | None,
    reference_date: dt.datetime,
    institutions: int | None,
    programmes: int | None,
    orders: int | None,
    load: bool,
    history: bool,
) -> None:
    """Write institutions, programmes, orders, workers and workers_truth Parquet files."""
    from tqdm import tqdm

    from data.synth import SynthConfig, write_world

    settings = get_settings()
    out = out_dir or settings.home / "sample"
    config = SynthConfig(workers=n_workers, seed=seed, reference_date=reference_date.date(),
                         institutions=institutions, programmes=programmes, orders=orders)  # fmt: skip
    with tqdm(total=n_workers, unit="人", desc="生成劳动者", disable=None) as bar:
        paths = write_world(config, out, progress=bar.update)
    click.echo(f"已写入 {out}: {', '.join(p.name for p in paths.values())}")
    if load:
        _load(paths, settings.resolved_database_url, settings.secret_key, config if history else None)


def _load(paths: dict[str, Path], url: str, secret_key: str, history=None) -> None:  # type: ignore[no-untyped-def]
    """Load the four database kinds in dependency order (the truth file is never loaded)."""
    from data.db.session import connected, upgrade
    from data.loaders import ORDER, load_file
    from data.reference import load_reference

    with connected(url) as engine:
        upgrade(engine)
        load_reference(engine)
        for kind in ORDER:
            click.echo(str(load_file(engine, kind, paths[kind], secret_key=secret_key)))
        if history is not None:
            import polars as pl

            from api.services.synth_claims import load_claims_world
            from data.synth.claims import make_claims_world

            frames = {kind: pl.read_parquet(paths[kind]) for kind in ORDER}
            world = make_claims_world(frames, seed=history.seed, reference_date=history.reference_date)
            loaded = load_claims_world(engine, world, today=history.reference_date, secret_key=secret_key)
            loaded.truth.write_parquet(paths["workers"].with_name("history_truth.parquet"))
            click.echo(f"去年的培训与补贴记录：{loaded.counts}")


COMMANDS: list[click.Command] = [data_group]
