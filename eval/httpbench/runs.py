"""Open-loop and closed-loop runs: server up, world read, warm-up, load with the server's CPU
and memory sampled, figures into one report dict (written by :mod:`.report`)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from eval.httpbench.accounts import ensure_bench_token
from eval.httpbench.loadgen import closed_loop, open_loop
from eval.httpbench.procstat import ResourceSampler, SelfCpu
from eval.httpbench.report import git_info, host_info, mask_url, redact_headers
from eval.httpbench.server import Server, ServerConfig, attach_server, server_env, start_server
from eval.httpbench.stats import Arrays, summarise, timeline
from eval.httpbench.targets import WorldIds, build_paths, ids_from_api, ids_from_database

if TYPE_CHECKING:
    from api.settings import Settings

__all__ = ["RunOptions", "run_closed", "run_open", "server_under_test", "world_ids"]

TMP = Path("eval/results/tmp/http")


@dataclass(slots=True)
class RunOptions:
    """What every run shares: the server (started or attached), its data, request shape."""

    name: str
    port: int = 18400
    url: str | None = None
    pids: list[int] = field(default_factory=list)
    home: Path | None = None
    database_url: str | None = None
    model: str | None = None
    workers: int | None = None
    ready_timeout_s: float = 900.0
    headers: dict[str, str] = field(default_factory=dict)
    mix: dict[str, float] = field(default_factory=lambda: {"recommendations": 1.0})
    seed: int = 11
    timeout_s: float = 30.0
    warmup: bool = True
    warmup_timeout_s: float = 900.0
    #: requests only for this many workers (seeded sample); None: every worker
    worker_sample: int | None = None
    out_dir: Path = Path("eval/results/http")
    scratch: Path = TMP
    notes: list[str] = field(default_factory=list)

    @property
    def work_dir(self) -> Path:
        """Scratch files of this run (server log, locust CSVs, new files), git-ignored."""
        return self.scratch / self.name

    def resolved_database_url(self) -> str | None:
        """The database the server reads: the URL given, else the one the server's settings
        resolve for this home (``api.settings`` is the one source of that rule); None when
        attached to a server without saying which database it reads."""
        if self.database_url:
            return self.database_url
        if self.url and self.home is None:
            return None
        return self.settings().resolved_database_url

    def settings(self) -> Settings:
        """The server's settings as its environment plus this run's home resolve them."""
        from api.settings import Settings

        return Settings(home=self.home) if self.home else Settings()

    def env(self) -> dict[str, str]:
        return server_env(self.home, self.database_url, self.model)


@contextlib.contextmanager
def server_under_test(opts: RunOptions, stopped: dict[str, Any]) -> Iterator[Server]:
    """The server for a run; a started one is stopped on the way out (how, into ``stopped``)."""
    ensure_bench_token(opts)
    if opts.url:
        server = attach_server(opts.url, opts.pids or None)
    else:
        server = start_server(
            ServerConfig(
                port=opts.port,
                log_path=opts.work_dir / "server.log",
                home=opts.home,
                database_url=opts.database_url,
                model=opts.model,
                workers=opts.workers,
                ready_timeout_s=opts.ready_timeout_s,
            )
        )
    try:
        yield server
    finally:
        stopped.update(server.stop())


def world_ids(opts: RunOptions, server: Server) -> WorldIds:
    url = opts.resolved_database_url()
    ids = ids_from_database(url) if url else ids_from_api(server.url, opts.headers)
    return ids.sample_workers(opts.worker_sample, opts.seed)


WARMUP_TRIES = 5


def warm_up(server: Server, paths: list[tuple[str, str]], opts: RunOptions) -> list[dict[str, Any]]:
    """Before the clock starts, each route's requests one after another until one answers 200
    (at most :data:`WARMUP_TRIES` paths per route, each within the warm-up timeout): what the
    first users of each route wait (today's service encodes every worker on the first
    recommendation, and one worker in eight answers 500 before that)."""
    if not opts.warmup:
        return []
    per_route: dict[str, list[str]] = {}
    for route, path in paths:
        tries = per_route.setdefault(route, [])
        if len(tries) < WARMUP_TRIES and path not in tries:
            tries.append(path)
    out = []
    with httpx.Client(
        base_url=server.url, headers=opts.headers, timeout=opts.warmup_timeout_s, trust_env=False
    ) as client:
        for route, tries in per_route.items():
            for path in tries:
                t0 = time.monotonic()
                try:
                    status: int | str = client.get(path).status_code
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                seconds = round(time.monotonic() - t0, 3)
                out.append({"route": route, "path": path, "status": status, "seconds": seconds})
                if status == 200:
                    break
    return out


def base_report(
    opts: RunOptions, kind: str, server: Server, ids: WorldIds, config: dict[str, Any]
) -> dict[str, Any]:
    db = opts.resolved_database_url()
    return {
        "name": opts.name,
        "kind": kind,
        "config": {
            **config,
            "mix": opts.mix,
            "seed": opts.seed,
            "request_timeout_s": opts.timeout_s,
            "headers": redact_headers(opts.headers),
            "server_workers": opts.workers,
            "model": opts.model,
            "worker_sample": opts.worker_sample,
        },
        "world": {
            **ids.size(),
            "database": db.split(":", 1)[0].split("+")[0] if db else "unknown (attached)",
            "database_url": mask_url(db),
            "home": str(opts.home) if opts.home else None,
        },
        "server": server.describe(),
        "git": git_info(),
        "host": host_info(),
        "notes": list(opts.notes),
    }


def _measure(server: Server, coroutine: Any) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    sampler = ResourceSampler(server.root_pids).start()
    own = SelfCpu().start()
    try:
        result = asyncio.run(coroutine)
    finally:
        generator_cpu = own.stop()
        resources = sampler.stop()
    return result, generator_cpu, resources


def run_open(opts: RunOptions, *, rate: float, duration_s: float, max_in_flight: int) -> dict[str, Any]:
    """A fixed arrival rate for ``duration_s`` seconds."""
    stopped: dict[str, Any] = {}
    with server_under_test(opts, stopped) as server:
        ids = world_ids(opts, server)
        paths = build_paths(opts.mix, ids, max(int(rate * duration_s), 1), opts.seed)
        config = {"rate": rate, "duration_s": duration_s, "max_in_flight": max_in_flight}
        report = base_report(opts, "open", server, ids, {**config, "engine": "asyncio+aiohttp"})
        report["warmup"] = warm_up(server, paths, opts)
        log, generator_cpu, resources = _measure(
            server,
            open_loop(
                server.url, paths, rate=rate, duration_s=duration_s, max_in_flight=max_in_flight,
                timeout_s=opts.timeout_s, headers=opts.headers,
            ),
        )  # fmt: skip
        report["server_alive_after"] = server.process is None or server.process.poll() is None
    arrays = Arrays(log)
    report.update(
        results=summarise(log, arrays=arrays),
        timeline=timeline(log, 5.0, arrays),
        generator={"engine": "asyncio+aiohttp", "cpu": generator_cpu},
        server_resources=resources,
        server_stop=stopped,
    )
    return report


def run_closed(
    opts: RunOptions, *, clients: int, duration_s: float, engine: str, spawn_rate: float | None = None
) -> dict[str, Any]:
    """``clients`` clients back to back for ``duration_s`` seconds, through locust or asyncio."""
    from eval.httpbench.locust_runner import run_locust

    stopped: dict[str, Any] = {}
    with server_under_test(opts, stopped) as server:
        ids = world_ids(opts, server)
        # enough distinct paths that no client repeats a worker within the run at ~1,000 req/s
        paths = build_paths(opts.mix, ids, max(int(1000 * duration_s), 1000), opts.seed)
        report = base_report(
            opts, "closed", server, ids, {"clients": clients, "duration_s": duration_s, "engine": engine}
        )
        report["warmup"] = warm_up(server, paths, opts)
        if engine == "locust":
            sampler = ResourceSampler(server.root_pids).start()
            try:
                results = run_locust(
                    server.url, paths, clients=clients, duration_s=duration_s, workdir=opts.work_dir,
                    spawn_rate=spawn_rate, timeout_s=opts.timeout_s, headers=opts.headers,
                )  # fmt: skip
            finally:
                resources = sampler.stop()
            generator = {
                "engine": "locust",
                "cpu": results.pop("generator_cpu"),
                "command": results.pop("command"),
            }
            timeline_rows: list[dict[str, Any]] = []
        elif engine == "asyncio":
            log, generator_cpu, resources = _measure(
                server,
                closed_loop(
                    server.url, paths, clients=clients, duration_s=duration_s,
                    timeout_s=opts.timeout_s, headers=opts.headers,
                ),
            )  # fmt: skip
            arrays = Arrays(log)
            results = summarise(log, arrays=arrays)
            timeline_rows = timeline(log, 5.0, arrays)
            generator = {"engine": "asyncio+aiohttp", "cpu": generator_cpu}
        else:
            raise ValueError(f"unknown engine {engine!r}; expected locust or asyncio")
        report["server_alive_after"] = server.process is None or server.process.poll() is None
    report.update(
        results=results,
        timeline=timeline_rows,
        generator=generator,
        server_resources=resources,
        server_stop=stopped,
    )
    return report
