"""New programmes and workers for the freshness run, drawn by the project's own generator
(:mod:`data.synth`) with another seed and renumbered so they collide with nothing stored.

- Programme ids continue after the largest ``P…`` number in the database; each programme's
  institution is a stored one (same county and kind where there is one, else same county, same
  city, any), so the file loads against the existing catalogue.
- Worker ids continue after the largest ``W…`` number; a drawn worker whose 身份证号 is already
  stored (same salted hash, as the loader would compute it) is dropped, so the file never trips
  the unique index; a few extra are drawn to make up for them.
- Probe workers: stored workers living in a new programme's county, those who want its
  occupation first, whose recommendations are polled until a new programme shows up.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Engine, bindparam, text

from data.db.session import make_engine

__all__ = ["FreshFiles", "prepare_fresh_files"]

_CHUNK = 5_000


@dataclass(frozen=True, slots=True)
class FreshFiles:
    programmes: Path
    workers: Path
    programme_ids: list[str]
    worker_ids: list[str]
    #: (stored worker, new programme) pairs: the worker lives in the programme's county and,
    #: where possible, wants its occupation
    probes: list[tuple[str, str]]
    dropped_id_collisions: int
    seconds: float


def _max_number(engine: Engine, table: str, prefix: str) -> tuple[int, int]:
    """(largest number, its digit count) among ids shaped ``<prefix><digits>``."""
    pattern = re.compile(rf"^{prefix}(\d+)$")
    best, width = 0, 6
    with engine.connect() as conn:
        for (value,) in conn.execute(text(f"SELECT id FROM {table}")):  # noqa: S608 - fixed names
            if (m := pattern.match(value)) and int(m.group(1)) >= best:
                best, width = int(m.group(1)), len(m.group(1))
    return best, width


def _institution_map(engine: Engine, generated: pl.DataFrame) -> dict[str, str]:
    """Generated institution id → a stored institution id near it (county+kind, county, city, any)."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, adcode, kind FROM institutions ORDER BY id"))
        stored = [(str(i), str(a), str(k)) for i, a, k in rows]
    if not stored:
        raise ValueError("the database has no institutions; load a world first")
    by_key: dict[tuple[str, ...], str] = {}
    for sid, adcode, kind in stored:
        for key in ((adcode, kind), (adcode,), (adcode[:4],)):
            by_key.setdefault(key, sid)
    out = {}
    for i, (gid, county, kind) in enumerate(generated.select("id", "county", "kind").iter_rows()):
        out[gid] = next(
            (by_key[k] for k in ((county, kind), (county,), (county[:4],)) if k in by_key),
            stored[i % len(stored)][0],
        )
    return out


def _stored_hashes(engine: Engine, hashes: list[str]) -> set[str]:
    found: set[str] = set()
    stmt = text("SELECT id_number_hash FROM workers WHERE id_number_hash IN :h").bindparams(
        bindparam("h", expanding=True)
    )
    with engine.connect() as conn:
        for start in range(0, len(hashes), _CHUNK):
            found.update(conn.execute(stmt, {"h": hashes[start : start + _CHUNK]}).scalars())
    return found


def _probe_pairs(engine: Engine, programmes: pl.DataFrame, limit: int = 5) -> list[tuple[str, str]]:
    # the first 50 new programmes' counties are plenty, and keep the read small in a big world
    programmes = programmes.head(50)
    counties = programmes["county"].unique().to_list()
    stmt = text(
        "SELECT id, home_adcode, desired_occupations FROM workers WHERE home_adcode IN :c ORDER BY id"
    ).bindparams(bindparam("c", expanding=True))
    with engine.connect() as conn:
        rows = list(conn.execute(stmt, {"c": counties}))
    by_county: dict[str, list[tuple[str, Any]]] = {}
    for wid, adcode, desired in rows:
        by_county.setdefault(adcode, []).append((wid, desired))
    scored: list[tuple[int, str, str]] = []
    for pid, county, code in programmes.select("id", "county", "occupation_code").iter_rows():
        for wid, desired in by_county.get(county, []):
            wants = code in (desired if isinstance(desired, list) else str(desired or ""))
            scored.append((0 if wants else 1, wid, pid))
    scored.sort()
    pairs, seen = [], set()
    for _, wid, pid in scored:
        if wid not in seen:
            pairs.append((wid, pid))
            seen.add(wid)
        if len(pairs) == limit:
            break
    return pairs


def prepare_fresh_files(
    database_url: str, out_dir: Path, *, programmes: int, workers: int, seed: int, secret_key: str
) -> FreshFiles:
    """Write ``fresh-programmes.parquet`` and ``fresh-workers.parquet`` into ``out_dir``."""
    from data.personal import secret_hash
    from data.synth import SynthConfig, make_context
    from data.synth.institutions import make_institutions
    from data.synth.programmes import make_programmes
    from data.synth.writer import worker_chunks

    t0 = time.monotonic()
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            n_inst = conn.execute(text("SELECT count(*) FROM institutions")).scalar_one()
        extra = max(20, workers // 50)
        config = SynthConfig(
            workers=workers + extra,
            seed=seed,
            reference_date=dt.date.today(),
            institutions=max(int(n_inst), 6),
            programmes=max(programmes, 1),
            orders=1,
        )
        ctx = make_context(config)
        institutions = make_institutions(ctx, config.n_institutions)
        progs = make_programmes(ctx, institutions, programmes) if programmes else None
        out_dir.mkdir(parents=True, exist_ok=True)
        prog_path, worker_path = out_dir / "fresh-programmes.parquet", out_dir / "fresh-workers.parquet"
        programme_ids: list[str] = []
        probes: list[tuple[str, str]] = []
        if progs is not None:
            last, width = _max_number(engine, "programmes", "P")
            mapping = _institution_map(engine, institutions.frame)
            progs = progs.with_columns(
                pl.Series("id", [f"P{last + 1 + i:0{width}d}" for i in range(progs.height)]),
                pl.col("institution_id").replace_strict(mapping),
            )
            progs.write_parquet(prog_path)
            programme_ids = progs["id"].to_list()
            probes = _probe_pairs(engine, progs)
        frame = pl.concat([w for w, _ in worker_chunks(ctx)]) if workers else None
        worker_ids: list[str] = []
        dropped = 0
        if frame is not None:
            hashes = [secret_hash(v, secret_key) for v in frame["id_number"].to_list()]
            taken = _stored_hashes(engine, hashes)
            keep = pl.Series([h not in taken for h in hashes])
            dropped = int((~keep).sum())
            frame = frame.filter(keep).head(workers)
            last, width = _max_number(engine, "workers", "W")
            frame = frame.with_columns(
                pl.Series("id", [f"W{last + 1 + i:0{width}d}" for i in range(frame.height)])
            )
            frame.write_parquet(worker_path)
            worker_ids = frame["id"].to_list()
    finally:
        engine.dispose()
    return FreshFiles(
        prog_path, worker_path, programme_ids, worker_ids, probes, dropped, round(time.monotonic() - t0, 2)
    )
