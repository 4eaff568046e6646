"""Generating a whole world and writing it to Parquet, workers in bounded-memory chunks.

Files written to the output folder: institutions.parquet, programmes.parquet, orders.parquet,
workers.parquet (one row group per chunk) and workers_truth.parquet. The same config gives
byte-identical files (for the same library versions): every random draw comes from a stream
keyed by (seed, part, chunk) and nothing reads the clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from data.synth.config import Context, SynthConfig, make_context
from data.synth.institutions import make_institutions
from data.synth.orders import make_orders
from data.synth.programmes import make_programmes
from data.synth.sampling import WORKERS, stream
from data.synth.truth import draw_latent, truth_frame
from data.synth.workers import Renderer

CATALOGUE_FILES = ("institutions", "programmes", "orders")
WORKER_FILES = ("workers", "workers_truth")
FILES = CATALOGUE_FILES + WORKER_FILES
COMPRESSION = "zstd"


@dataclass(frozen=True, slots=True)
class Catalogue:
    institutions: pl.DataFrame
    programmes: pl.DataFrame
    orders: pl.DataFrame


def make_catalogue(ctx: Context) -> Catalogue:
    """Institutions, their programmes, and employer orders (some linked to programmes)."""
    cfg = ctx.config
    institutions = make_institutions(ctx, cfg.n_institutions)
    programmes = make_programmes(ctx, institutions, cfg.n_programmes)
    orders = make_orders(ctx, programmes, cfg.n_orders)
    return Catalogue(institutions.frame, programmes, orders)


def worker_chunks(ctx: Context) -> Iterator[tuple[pl.DataFrame, pl.DataFrame]]:
    """(workers, workers_truth) frames, ``config.chunk_size`` rows at a time, in id order."""
    cfg = ctx.config
    renderer = Renderer(ctx)
    taken = np.empty(0, dtype=np.int64)
    for chunk, start in enumerate(range(0, cfg.workers, cfg.chunk_size)):
        n = min(cfg.chunk_size, cfg.workers - start)
        rng = stream(cfg.seed, WORKERS, chunk)
        latent = draw_latent(ctx, rng, start, n)
        workers, keys = renderer.frame(rng, latent, taken)
        taken = np.sort(np.concatenate([taken, keys]))
        yield workers, truth_frame(ctx, latent, workers["id"])


def generate(config: SynthConfig, ctx: Context | None = None) -> dict[str, pl.DataFrame]:
    """The whole world in memory (for tests and small worlds), keyed by file stem."""
    ctx = ctx or make_context(config)
    catalogue = make_catalogue(ctx)
    chunks = list(worker_chunks(ctx))
    if chunks:
        workers = pl.concat([w for w, _ in chunks])
        truth = pl.concat([t for _, t in chunks])
    else:
        workers, truth = _empty_worker_frames(ctx)
    return {
        "institutions": catalogue.institutions,
        "programmes": catalogue.programmes,
        "orders": catalogue.orders,
        "workers": workers,
        "workers_truth": truth,
    }


def write_world(
    config: SynthConfig,
    out_dir: str | Path,
    *,
    progress: Callable[[int], None] | None = None,
    ctx: Context | None = None,
) -> dict[str, Path]:
    """Generate and write the world to ``out_dir``; ``progress(k)`` is called after each chunk of
    k workers. Files are written under a temporary name and renamed when complete."""
    import pyarrow.parquet as pq

    ctx = ctx or make_context(config)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {stem: out / f"{stem}.parquet" for stem in FILES}
    catalogue = make_catalogue(ctx)
    for stem in CATALOGUE_FILES:
        _write_table(getattr(catalogue, stem), paths[stem])
    del catalogue
    writers: dict[str, pq.ParquetWriter] = {}
    tmp = {stem: paths[stem].with_name(paths[stem].name + ".tmp") for stem in WORKER_FILES}
    try:
        for workers, truth in worker_chunks(ctx):
            for stem, frame in (("workers", workers), ("workers_truth", truth)):
                table = frame.to_arrow()
                if stem not in writers:
                    writers[stem] = pq.ParquetWriter(tmp[stem], table.schema, compression=COMPRESSION)
                writers[stem].write_table(table)
            if progress is not None:
                progress(workers.height)
        if not writers:
            for stem, frame in zip(WORKER_FILES, _empty_worker_frames(ctx), strict=True):
                _write_table(frame, paths[stem])
    finally:
        for writer in writers.values():
            writer.close()
    for stem in writers:
        tmp[stem].replace(paths[stem])
    return paths


def _write_table(frame: pl.DataFrame, path: Path) -> None:
    import pyarrow.parquet as pq

    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(frame.to_arrow(), tmp, compression=COMPRESSION)
    tmp.replace(path)


def _empty_worker_frames(ctx: Context) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Zero-row frames with the right columns (a world without workers)."""
    one = SynthConfig(workers=1, seed=ctx.config.seed, reference_date=ctx.reference_date)
    workers, truth = next(worker_chunks(Context(one, ctx.geo, ctx.trades)))
    return workers.clear(), truth.clear()
