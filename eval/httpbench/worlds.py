"""Worlds made for a run: a fresh home (``db init`` + a world load, then the first request) and
the big PostgreSQL world (generation and loading timed).

Fresh home: the server is started on the new home and, from its first second, readiness
(``/readyz``, else ``/healthz``) is sampled every 0.25 s while a user asks for one worker's
recommendations as soon as the port answers, again and again until a 200. The figures: when the
port answered, when readiness said 200, how long the first request took, when the first 200
came, the slowest single request. Issue 11's bar: the first request answers within 1 s, or
readiness says 503 until the service can answer — never a multi-minute wait behind a lock.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from dataclasses import dataclass
from typing import Any

import aiohttp
from sqlalchemy import text

from data.db.session import make_engine
from eval.httpbench.accounts import ensure_bench_token
from eval.httpbench.commands import run_skillbridge
from eval.httpbench.procstat import ResourceSampler
from eval.httpbench.report import git_info, host_info, mask_url
from eval.httpbench.runs import RunOptions
from eval.httpbench.server import READY_PATHS, ServerConfig, start_server

__all__ = ["BigWorld", "run_big_world", "run_fresh_home"]

#: The demo world's programmes per institution (400 / 60), kept when a world's catalogue is
#: sized by hand so institutions scale with it.
PROGRAMMES_PER_INSTITUTION = 400 / 60
FAST_ENOUGH_S = 1.0


def _first_worker(database_url: str) -> str:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            return str(conn.execute(text("SELECT id FROM workers ORDER BY id LIMIT 1")).scalar_one())
    finally:
        engine.dispose()


async def _watch(url: str, path: str, deadline_s: float, headers: dict[str, str]) -> dict[str, Any]:
    """Readiness sampled every 0.25 s and a user's request repeated until it gets a 200."""
    t0 = time.monotonic()
    readiness: list[dict[str, Any]] = []
    attempts: list[dict[str, Any]] = []
    done = asyncio.Event()

    def now() -> float:
        return round(time.monotonic() - t0, 3)

    async def sample(session: aiohttp.ClientSession) -> None:
        ready_path, last = READY_PATHS[0], None
        while not done.is_set() and time.monotonic() - t0 < deadline_s:
            try:
                async with session.get(url + ready_path, timeout=aiohttp.ClientTimeout(total=5)) as r:
                    answer, body = str(r.status), (await r.text())[:200]
            except Exception as exc:  # noqa: BLE001 - a refused connection is an answer here
                answer, body = type(exc).__name__, ""
            if answer == "404" and ready_path == READY_PATHS[0]:
                readiness.append({"t_s": now(), "path": ready_path, "answer": answer})
                ready_path = READY_PATHS[1]
                continue
            if answer != last:
                readiness.append({"t_s": now(), "path": ready_path, "answer": answer, "body": body})
                last = answer
            await asyncio.sleep(0.25)

    async def user(session: aiohttp.ClientSession) -> None:
        timeout = aiohttp.ClientTimeout(total=deadline_s)
        while time.monotonic() - t0 < deadline_s:
            sent = now()
            try:
                async with session.get(url + path, timeout=timeout) as r:
                    await r.read()
                    answer = str(r.status)
            except aiohttp.ClientConnectorError:
                await asyncio.sleep(0.1)  # not listening yet: no request was made
                continue
            except Exception as exc:  # noqa: BLE001
                answer = type(exc).__name__
            attempts.append({"sent_s": sent, "latency_s": round(now() - sent, 3), "answer": answer})
            if answer == "200":
                break
            await asyncio.sleep(0.25)
        await asyncio.sleep(1.0)  # one more second of readiness answers after the first 200
        done.set()

    async with aiohttp.ClientSession(headers=headers) as session:
        await asyncio.gather(sample(session), user(session))
    return {"readiness": readiness, "attempts": attempts}


def _first_requests(watched: dict[str, Any]) -> dict[str, Any]:
    readiness, attempts = watched["readiness"], watched["attempts"]
    answered = [c for c in readiness if c["answer"].isdigit()]
    ready = next((c for c in readiness if c["answer"] == "200"), None)
    first = attempts[0] if attempts else {}
    ok = next((a for a in attempts if a["answer"] == "200"), None)
    # the first HTTP answer either watcher got (the user's request may connect first)
    opened = [answered[0]["t_s"]] if answered else []
    opened += [a["sent_s"] + a["latency_s"] for a in attempts if a["answer"].isdigit()][:1]
    return {
        "port_open_s": round(min(opened), 3) if opened else None,
        "ready_path": ready["path"] if ready else None,
        "ready_s": ready["t_s"] if ready else None,
        "first_sent_s": first.get("sent_s"),
        "first_latency_s": first.get("latency_s"),
        "first_status": first.get("answer"),
        "first_200_s": round(ok["sent_s"] + ok["latency_s"], 3) if ok else None,
        "slowest_request_s": max((a["latency_s"] for a in attempts), default=None),
        "readiness": readiness,
        "attempts": attempts,
    }


def _verdict(f: dict[str, Any]) -> dict[str, Any]:
    slowest = f["slowest_request_s"]
    says_503 = any(c["answer"] == "503" for c in f["readiness"])
    if f["first_200_s"] is None:
        text_ = "no recommendation answered 200 before the deadline"
        ok = False
    elif slowest is not None and slowest <= FAST_ENOUGH_S:
        ok, text_ = True, f"every request answered within {FAST_ENOUGH_S:.0f} s (slowest {slowest:.2f} s)"
    else:
        ok = False
        text_ = f"a request waited {slowest:.1f} s (bar: {FAST_ENOUGH_S:.0f} s)" + (
            "; readiness said 503 meanwhile" if says_503 else "; readiness never said 503"
        )
    return {"meets_bar": ok, "readiness_said_503": says_503, "text": text_}


def run_fresh_home(opts: RunOptions, *, workers: int, seed: int, deadline_s: float) -> dict[str, Any]:
    """``db init`` and ``data synth --load`` in a new home, then the server's first answers."""
    if opts.home is not None:
        home = opts.home
        if home.exists() and any(home.iterdir()):
            raise ValueError(f"--home {home} is not empty; a fresh home must be new or empty")
    else:
        home = (opts.work_dir / "home").resolve()
        if home.exists():
            shutil.rmtree(home)  # the run's own scratch home, made anew each time
    home.mkdir(parents=True, exist_ok=True)
    opts.home = home
    env = opts.env()
    log = opts.work_dir / "fresh-home.log"
    steps = [
        run_skillbridge(["db", "init"], env, log=log),
        run_skillbridge(
            ["data", "synth", "--workers", str(workers), "--seed", str(seed), "--load"], env, log=log
        ),
    ]
    db_url = opts.resolved_database_url()
    if db_url is None:
        raise ValueError("no database for the fresh home")
    path = f"/api/v1/workers/{_first_worker(db_url)}/recommendations"
    ensure_bench_token(opts)
    server = start_server(
        ServerConfig(
            port=opts.port, log_path=opts.work_dir / "server.log", home=home, database_url=opts.database_url,
            model=opts.model, workers=opts.workers,
        ),
        wait=False,
    )  # fmt: skip
    sampler = ResourceSampler(server.root_pids).start()
    try:
        watched = asyncio.run(_watch(server.url, path, deadline_s, opts.headers))
    finally:
        resources = sampler.stop()
        stopped = server.stop()
    first = _first_requests(watched)
    return {
        "name": opts.name,
        "kind": "fresh-home",
        "config": {
            "world_workers": workers,
            "world_seed": seed,
            "model": opts.model,
            "server_workers": opts.workers,
            "deadline_s": deadline_s,
            "request": path,
        },  # fmt: skip
        "world": {
            "workers": workers,
            "database": db_url.split(":", 1)[0].split("+")[0],
            "database_url": mask_url(db_url),
            "home": str(home),
        },  # fmt: skip
        "steps": steps,
        "first_requests": first,
        "verdict": _verdict(first),
        "server": server.describe(),
        "server_resources": resources,
        "server_stop": stopped,
        "git": git_info(),
        "host": host_info(),
        "notes": list(opts.notes),
    }


@dataclass(frozen=True, slots=True)
class BigWorld:
    pg: str = "postgresql://postgres@127.0.0.1:5432"
    db_name: str = "sb_bench_1m"
    recreate: bool = False
    workers: int = 1_000_000
    programmes: int = 50_000
    orders: int = 50_000
    institutions: int | None = None
    seed: int = 11

    @property
    def n_institutions(self) -> int:
        return self.institutions or max(6, round(self.programmes / PROGRAMMES_PER_INSTITUTION))

    @property
    def url(self) -> str:
        return f"{self.pg.rstrip('/')}/{self.db_name}"


def _create_database(world: BigWorld) -> None:
    if not world.db_name.replace("_", "").isalnum():
        raise ValueError(f"database name must be letters, digits and _: {world.db_name!r}")
    engine = make_engine(f"{world.pg.rstrip('/')}/postgres").execution_options(isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            query = text("SELECT 1 FROM pg_database WHERE datname = :n")
            exists = conn.execute(query, {"n": world.db_name}).scalar()
            if exists and not world.recreate:
                raise ValueError(f"database {world.db_name} exists; pass --recreate to drop it")
            if exists:
                conn.execute(text(f'DROP DATABASE "{world.db_name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{world.db_name}"'))
    finally:
        engine.dispose()


def run_big_world(opts: RunOptions, world: BigWorld) -> dict[str, Any]:
    """Create the database, ``db init``, ``data synth`` (generation alone), then each
    ``skillbridge load`` in dependency order, every step timed; then row counts and size."""
    from data.loaders import ORDER

    _create_database(world)
    home = opts.home or (opts.work_dir / "home").resolve()
    home.mkdir(parents=True, exist_ok=True)
    opts.home, opts.database_url = home, world.url
    env = opts.env()
    log = opts.work_dir / "big-world.log"
    sample = home / "sample"
    steps = [run_skillbridge(["db", "init"], env, log=log)]
    steps.append(
        run_skillbridge(
            ["data", "synth", "--workers", str(world.workers), "--programmes", str(world.programmes),
             "--orders", str(world.orders), "--institutions", str(world.n_institutions),
             "--seed", str(world.seed), "--out", str(sample)],
            env, log=log,
        )
    )  # fmt: skip
    for kind in ORDER:
        steps.append(run_skillbridge(["load", kind, str(sample / f"{kind}.parquet")], env, log=log))
    engine = make_engine(world.url)
    try:
        with engine.connect() as conn:
            counts = {
                t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()  # noqa: S608 - fixed names
                for t in ("institutions", "programmes", "orders", "workers", "certificates")
            }
            size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
    finally:
        engine.dispose()
    return {
        "name": opts.name,
        "kind": "big-world",
        "config": {
            "workers": world.workers,
            "programmes": world.programmes,
            "orders": world.orders,
            "institutions": world.n_institutions,
            "seed": world.seed,
        },  # fmt: skip
        "world": {
            "workers": counts["workers"],
            "database": "postgresql",
            "database_url": mask_url(world.url),
            "home": str(home),
        },  # fmt: skip
        "steps": steps,
        "counts": counts,
        "database_mb": round(size / 2**20, 1),
        "git": git_info(),
        "host": host_info(),
        "notes": list(opts.notes),
    }
