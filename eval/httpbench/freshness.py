"""Freshness: ``skillbridge load programmes`` and ``skillbridge load workers`` while the open
loop runs, then how long until the service shows what was imported.

Timeline (seconds of the open loop): ``before_s`` of load; then the programme import, then the
worker import, each a subprocess with the server's environment; the commit time of each is the
``at`` of its ``import_batches`` row (set inside the import's transaction, just before the
commit; the command's exit is reported beside it). From the start of each import, probes poll on
their own connection (their requests are not in the load figures):

- ``programme_known``: ``/workers/{w}/why-not/{new programme}`` answers something other than
  404 — the service knows the programme;
- ``programme_recommended``: one of the probe workers (living in a new programme's county,
  wanting its occupation where possible) has a new programme among its recommendations;
- ``worker_first`` / ``worker_last``: the first and last new workers' recommendations answer
  something other than 404 (the answer is kept: a 500 is visible, but is an error).

Each probe stops when it sees its answer or ``visible_timeout_s`` after the commit; the load
goes on ``after_s`` more, then stops. Windows: *before* = [2 s, import start), *during* = [import
start, the last import's exit or the last probe's answer, whichever is later), *after* = the rest.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

import aiohttp
from sqlalchemy import text

from data.db.session import make_engine
from eval.httpbench.commands import run_skillbridge
from eval.httpbench.fresh_files import FreshFiles, prepare_fresh_files
from eval.httpbench.loadgen import open_loop
from eval.httpbench.procstat import ResourceSampler, SelfCpu
from eval.httpbench.runs import RunOptions, base_report, server_under_test, warm_up, world_ids
from eval.httpbench.server import Server
from eval.httpbench.stats import Arrays, summarise, timeline
from eval.httpbench.targets import build_paths

__all__ = ["FreshnessPlan", "run_freshness"]

#: the first seconds of the load are left out of the "before" window (connections opening)
WARM_SKIP_S = 2.0
POLL_INTERVAL_S = 0.25


@dataclass(frozen=True, slots=True)
class FreshnessPlan:
    rate: float = 150.0
    before_s: float = 20.0
    after_s: float = 20.0
    new_programmes: int = 1000
    new_workers: int = 10000
    seed: int = 911
    visible_timeout_s: float = 120.0
    max_in_flight: int = 1000


@dataclass(slots=True)
class Probe:
    """Polls ``paths`` (round robin) until ``seen(status, body)``; times in ``time.time()``."""

    name: str
    paths: list[str]
    seen: Any
    polls: int = 0
    visible_at: float | None = None
    visible_answer: str = ""
    last_answer: str = ""
    first_answer: str = ""

    async def run(self, session: aiohttp.ClientSession, base: str, deadline: asyncio.Future[float]) -> None:
        i = 0
        while True:
            path = self.paths[i % len(self.paths)]
            i += 1
            self.polls += 1
            try:
                async with session.get(base + path) as response:
                    body = await response.json(content_type=None) if response.status == 200 else None
                    answer, status = str(response.status), response.status
            except Exception as exc:  # noqa: BLE001 - a failed poll is an answer too
                body, answer, status = None, type(exc).__name__, 0
            self.first_answer = self.first_answer or answer
            self.last_answer = answer
            if self.seen(status, body):
                self.visible_at, self.visible_answer = time.time(), answer
                return
            if deadline.done() and time.time() > deadline.result():
                return
            await asyncio.sleep(POLL_INTERVAL_S)


def _commit_time(database_url: str, source: str) -> float | None:
    """``import_batches.at`` (naive UTC) of the newest batch from ``source``, as epoch seconds."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            at = conn.execute(
                text("SELECT at FROM import_batches WHERE source = :s ORDER BY id DESC LIMIT 1"),
                {"s": source},
            ).scalar()
    finally:
        engine.dispose()
    if at is None:
        return None
    if isinstance(at, str):
        at = dt.datetime.fromisoformat(at)
    return at.replace(tzinfo=dt.UTC).timestamp()


def _known(status: int, _body: Any) -> bool:
    """The service knows the item: any HTTP answer but 404 (a 500 is visible, and an error)."""
    return status not in (0, 404)


def _probes(files: FreshFiles, fallback_worker: str) -> tuple[list[Probe], list[Probe]]:
    new = set(files.programme_ids)

    def recommends_new(status: int, body: Any) -> bool:
        return status == 200 and any(p.get("programme_id") in new for p in (body or {}).get("pathways", []))

    programme_probes = []
    if files.programme_ids:
        worker = files.probes[0][0] if files.probes else fallback_worker
        programme_probes.append(
            Probe(
                "programme_known",
                [f"/api/v1/workers/{worker}/why-not/{files.programme_ids[0]}"],
                _known,
            )
        )
        if files.probes:
            programme_probes.append(
                Probe(
                    "programme_recommended",
                    [f"/api/v1/workers/{w}/recommendations?top=20" for w, _ in files.probes],
                    recommends_new,
                )
            )
    worker_probes = [
        Probe(name, [f"/api/v1/workers/{wid}/recommendations"], _known)
        for name, chosen in (("worker_first", files.worker_ids[:1]), ("worker_last", files.worker_ids[-1:]))
        for wid in chosen
    ]
    return programme_probes, worker_probes


async def _timeline(
    opts: RunOptions, server: Server, plan: FreshnessPlan, paths: list[tuple[str, str]], files: FreshFiles,
    fallback_worker: str, db_url: str,
) -> tuple[Any, list[dict[str, Any]], list[Probe], float]:  # fmt: skip
    stop, started = asyncio.Event(), asyncio.Event()
    load = asyncio.create_task(
        open_loop(
            server.url, paths, rate=plan.rate, duration_s=None, max_in_flight=plan.max_in_flight,
            timeout_s=opts.timeout_s, headers=opts.headers, stop=stop, started=started,
        )
    )  # fmt: skip
    await started.wait()
    await asyncio.sleep(plan.before_s)
    programme_probes, worker_probes = _probes(files, fallback_worker)
    imports: list[dict[str, Any]] = []
    tasks: list[asyncio.Task[None]] = []
    timeout = aiohttp.ClientTimeout(total=plan.visible_timeout_s + 30)
    async with aiohttp.ClientSession(headers=opts.headers, timeout=timeout) as session:
        steps = [("programmes", files.programmes, files.programme_ids, programme_probes),
                 ("workers", files.workers, files.worker_ids, worker_probes)]  # fmt: skip
        deadlines: list[asyncio.Future[float]] = []
        for kind, path, ids, probes in steps:
            if not ids:
                continue
            deadline: asyncio.Future[float] = asyncio.get_running_loop().create_future()
            deadlines.append(deadline)
            tasks += [asyncio.create_task(p.run(session, server.url, deadline)) for p in probes]
            result = await asyncio.to_thread(
                run_skillbridge, ["load", kind, str(path)], opts.env(), log=opts.work_dir / "imports.log"
            )
            commit = _commit_time(db_url, str(path))
            result.update(kind=kind, rows=len(ids), commit_at=commit, probes=[p.name for p in probes])
            imports.append(result)
            deadline.set_result((commit or result["exited_at"]) + plan.visible_timeout_s)
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=plan.visible_timeout_s * len(deadlines) + 60)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
    during_end = max(
        [i["exited_at"] for i in imports]
        + [p.visible_at for p in programme_probes + worker_probes if p.visible_at is not None]
    )
    await asyncio.sleep(max(0.0, during_end + plan.after_s - time.time()))
    stop.set()
    log = await load
    return log, imports, programme_probes + worker_probes, during_end


def run_freshness(opts: RunOptions, plan: FreshnessPlan) -> dict[str, Any]:
    stopped: dict[str, Any] = {}
    db_url = opts.resolved_database_url()
    if db_url is None:
        raise ValueError("the freshness run writes to the database: give --database-url or --home")
    with server_under_test(opts, stopped) as server:
        ids = world_ids(opts, server)
        secret = opts.settings().secret_key
        files = prepare_fresh_files(
            db_url, opts.work_dir, programmes=plan.new_programmes, workers=plan.new_workers,
            seed=plan.seed, secret_key=secret,
        )  # fmt: skip
        expected = plan.before_s + plan.after_s + 60
        paths = build_paths(opts.mix, ids, max(int(plan.rate * expected), 1), opts.seed)
        config = {"rate": plan.rate, "before_s": plan.before_s, "after_s": plan.after_s,
                  "new_programmes": plan.new_programmes, "new_workers": plan.new_workers,
                  "fresh_seed": plan.seed, "visible_timeout_s": plan.visible_timeout_s,
                  "engine": "asyncio+aiohttp"}  # fmt: skip
        report = base_report(opts, "freshness", server, ids, config)
        report["warmup"] = warm_up(server, paths, opts)
        sampler = ResourceSampler(server.root_pids).start()
        own = SelfCpu().start()
        try:
            log, imports, probes, during_end = asyncio.run(
                _timeline(opts, server, plan, paths, files, ids.workers[0], db_url)
            )
        finally:
            generator_cpu, resources = own.stop(), sampler.stop()
        report["server_alive_after"] = server.process is None or server.process.poll() is None
    return _freshness_report(report, log, imports, probes, during_end, files, plan, generator_cpu,
                             resources, stopped)  # fmt: skip


def _freshness_report(
    report: dict[str, Any], log: Any, imports: list[dict[str, Any]], probes: list[Probe], during_end: float,
    files: FreshFiles, plan: FreshnessPlan, generator_cpu: dict[str, Any], resources: dict[str, Any],
    stopped: dict[str, Any],
) -> dict[str, Any]:  # fmt: skip
    arrays = Arrays(log)
    t0 = log.wall_t0

    def rel(t: float | None) -> float | None:
        return None if t is None else round(t - t0, 3)

    start = imports[0]["started_at"] - t0 if imports else plan.before_s
    end = during_end - t0
    windows = {
        "before": summarise(log, window=(min(WARM_SKIP_S, start / 4), start), arrays=arrays),
        "during": summarise(log, window=(start, end), arrays=arrays),
        "after": summarise(log, window=(end, log.elapsed_s), arrays=arrays),
    }
    for imp in imports:
        imp["commit_s"], imp["exit_s"] = rel(imp["commit_at"]), rel(imp["exited_at"])
        imp["start_s"] = rel(imp["started_at"])
    by_probe = {name: imp for imp in imports for name in imp["probes"]}
    probe_rows = []
    for p in probes:
        imp = by_probe[p.name]
        commit = imp["commit_at"] or imp["exited_at"]
        probe_rows.append(
            {
                "probe": p.name,
                "paths": p.paths,
                "visible": p.visible_at is not None,
                "after_commit_s": None if p.visible_at is None else round(p.visible_at - commit, 3),
                "after_exit_s": None if p.visible_at is None else round(p.visible_at - imp["exited_at"], 3),
                "visible_s": rel(p.visible_at),
                "polls": p.polls,
                "visible_answer": p.visible_answer,
                "first_answer": p.first_answer,
                "last_answer": p.last_answer,
            }
        )
    before_p99 = windows["before"]["latency_ms"]["p99"]
    during_p99 = windows["during"]["latency_ms"]["p99"]
    results = summarise(log, arrays=arrays)
    report.update(
        results=results,
        windows=windows,
        timeline=timeline(log, 5.0, arrays),
        imports=imports,
        probes=probe_rows,
        fresh_files={
            "programmes": str(files.programmes),
            "workers": str(files.workers),
            "first_programme": files.programme_ids[:1],
            "first_worker": files.worker_ids[:1],
            "probe_pairs": files.probes,
            "dropped_id_collisions": files.dropped_id_collisions,
            "generation_s": files.seconds,
        },
        verdict={
            "errors": results["errors"],
            "p99_before_ms": before_p99,
            "p99_during_ms": during_p99,
            "p99_during_over_before": (
                round(during_p99 / before_p99, 2) if before_p99 and during_p99 else None
            ),
            "slowest_visible_after_commit_s": max(
                (r["after_commit_s"] for r in probe_rows if r["after_commit_s"] is not None), default=None
            ),
            "all_visible": all(r["visible"] for r in probe_rows),
            "all_visible_with_200": all(r["visible_answer"] == "200" for r in probe_rows),
        },
        generator={"engine": "asyncio+aiohttp", "cpu": generator_cpu},
        server_resources=resources,
        server_stop=stopped,
    )
    return report
