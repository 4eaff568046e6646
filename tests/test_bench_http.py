"""The HTTP benchmark harness (eval/bench_http.py) end to end against a real ``skillbridge
serve`` on a tiny world (40 workers, ``SKILLBRIDGE_MODEL=hash``), plus its pure parts.

These check that the harness measures — requests made, latencies positive, processes found,
files written, the server stopped — never how fast anything is (no timing assertions).
Ports 18401-18404 on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np
import pytest
from sqlalchemy import text

from eval.bench_http import main
from eval.httpbench.loadgen import RequestLog, classify_error, only_loopback
from eval.httpbench.procstat import ResourceSampler, listening_pids, read_stat
from eval.httpbench.server import ServerConfig, start_server
from eval.httpbench.stats import latency_figures, summarise
from eval.httpbench.targets import WorldIds, build_paths, parse_mix

WORKERS = 40
MIX = "recommendations=2,programmes=1,candidates=1,why-not=1,occupation-search=1"
PG_ADMIN_URL = os.environ.get("SKILLBRIDGE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _load_world(home: Path, database_url: str) -> None:
    from api.settings import Settings
    from data.db.session import make_engine, upgrade
    from data.loaders import ORDER, load_file
    from data.reference import load_reference
    from data.synth import SynthConfig, write_world

    paths = write_world(SynthConfig(workers=WORKERS, seed=5), home / "sample")
    engine = make_engine(database_url)
    upgrade(engine)
    load_reference(engine)
    for kind in ORDER:
        load_file(engine, kind, paths[kind], secret_key=Settings().secret_key)
    engine.dispose()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home with a tiny world in its SQLite file."""
    home = tmp_path_factory.mktemp("bench-home")
    _load_world(home, f"sqlite:///{home / 'skillbridge.db'}")
    return home


@pytest.fixture
def pg_world(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A home and a throw-away PostgreSQL database holding a tiny world."""
    from data.db.session import make_engine

    name = f"sb_bench_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = make_engine(PG_ADMIN_URL).execution_options(isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any connection failure means "no server"
        if os.environ.get("SKILLBRIDGE_REQUIRE_PG") == "1":
            pytest.fail(f"PostgreSQL required but unavailable: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}")
    url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    _load_world(tmp_path, url)
    yield tmp_path, url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _report(out: Path, name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / f"{name}.json").read_text(encoding="utf-8"))
    assert (out / f"{name}.md").read_text(encoding="utf-8").startswith(f"# {name} ")
    assert name in (out / "README.md").read_text(encoding="utf-8")
    return data


def _check_load_figures(report: dict[str, Any], routes: set[str]) -> None:
    r = report["results"]
    assert r["requests"] > 0 and r["ok"] > 0
    assert r["requests"] == r["ok"] + r["errors"]
    assert sum(r["errors_by_kind"].values()) == r["errors"]
    lat = r["latency_ms"]
    assert 0 < lat["p50"] <= lat["p95"] <= lat["p99"] <= lat["max"]
    assert set(r["per_route"]) == routes
    assert sum(v["requests"] for v in r["per_route"].values()) == r["requests"]
    assert r["throughput_rps"] > 0
    procs = report["server_resources"]["processes"]
    assert procs and all(p["rss_peak_mb"] > 0 for p in procs)
    assert report["server_resources"]["total"]["cpu_s"] > 0
    assert len(report["server_resources"]["load_average"]["before"]) == 3
    assert report["generator"]["cpu"]["cpu_s"] > 0
    assert report["git"]["commit"]
    assert report["world"]["workers"] == WORKERS


def test_open_loop_starts_measures_and_stops_the_server(world: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    argv = ["open", "--home", str(world), "--model", "hash", "--port", "18401", "--rate", "12",
            "--duration", "3", "--mix", MIX, "--name", "t-open", "--out", str(out),
            "--scratch", str(tmp_path / "scratch"), "--header", "X-Bench: yes"]  # fmt: skip
    assert main(argv) == 0
    report = _report(out, "t-open")
    _check_load_figures(report, set(parse_mix(MIX)))
    r = report["results"]
    assert r["requests"] == 36  # 12/s for 3 s, all sent on schedule: none over the cap
    assert r["send_lag_ms"]["n"] == 36
    assert r["latency_ms"]["p50"] >= r["latency_from_send_ms"]["p50"] > 0
    assert (report["config"]["rate"], report["config"]["duration_s"]) == (12.0, 3.0)
    # the bench signed in by itself (a counselor of its own); the token is redacted
    assert report["config"]["headers"] == {"X-Bench": "yes", "Authorization": "<redacted>"}
    assert report["server"]["started_by_benchmark"] is True
    assert report["server"]["readiness"]["path"] in ("/readyz", "/healthz")
    assert report["server_stop"]["stopped"] is True
    assert {w["route"] for w in report["warmup"]} == set(parse_mix(MIX))
    assert sum(row["requests"] for row in report["timeline"]) == 36
    # the server is gone: nothing listens on its port any more
    assert listening_pids(18401) == []


@pytest.fixture(scope="module")
def running_server(world: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    log = tmp_path_factory.mktemp("srv") / "server.log"
    cfg = ServerConfig(port=18402, log_path=log, home=world, model="hash", ready_timeout_s=300)
    server = start_server(cfg)
    yield server
    server.stop()


@pytest.mark.parametrize("engine", ["asyncio", "locust"])
def test_closed_loop_attached_to_a_running_server(
    engine: str, running_server: Any, world: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    argv = ["closed", "--url", running_server.url, "--home", str(world), "--engine", engine,
            "--clients", "3", "--duration", "3", "--mix", "recommendations,programmes",
            "--name", f"t-closed-{engine}", "--out", str(out), "--scratch", str(tmp_path / "s")]  # fmt: skip
    assert main(argv) == 0
    report = _report(out, f"t-closed-{engine}")
    _check_load_figures(report, {"recommendations", "programmes"})
    # attached: the processes were found through the port, and the server was left running
    assert report["server"]["root_pids"] == [running_server.process.pid]
    assert report["server_stop"]["stopped"] is False
    assert running_server.process.poll() is None
    assert report["generator"]["engine"].startswith(engine)


@pytest.mark.slow
def test_freshness_imports_during_the_open_loop_and_sees_them(
    pg_world: tuple[Path, str], tmp_path: Path
) -> None:
    home, url = pg_world
    out = tmp_path / "out"
    argv = ["freshness", "--home", str(home), "--database-url", url, "--model", "hash", "--port", "18403",
            "--rate", "10", "--before", "2", "--after", "2", "--new-programmes", "6", "--new-workers", "7",
            "--visible-timeout", "20", "--name", "t-fresh", "--out", str(out),
            "--scratch", str(tmp_path / "s")]  # fmt: skip
    assert main(argv) == 0
    report = _report(out, "t-fresh")
    imports = {i["kind"]: i for i in report["imports"]}
    assert set(imports) == {"programmes", "workers"}
    assert imports["programmes"]["rows"] == 6 and imports["workers"]["rows"] == 7
    for imp in imports.values():
        assert imp["returncode"] == 0
        # import_batches.at is set inside the transaction, before the command exits
        assert imp["start_s"] < imp["commit_s"] <= imp["exit_s"]
    probes = {p["probe"]: p for p in report["probes"]}
    assert {"programme_known", "worker_first", "worker_last"} <= set(probes)
    # polling starts with the import; what the first poll saw depends on the service's timing
    assert all(p["first_answer"] and p["polls"] >= 1 for p in probes.values())
    for name in ("programme_known", "worker_first", "worker_last"):
        assert probes[name]["visible"] and probes[name]["visible_answer"] != "404"
    windows = report["windows"]
    assert windows["before"]["requests"] > 0 and windows["during"]["requests"] > 0
    assert windows["before"]["window"][1] == windows["during"]["window"][0]
    assert report["world"]["database"] == "postgresql"
    assert (tmp_path / "s" / "t-fresh" / "fresh-workers.parquet").exists()


@pytest.mark.slow
def test_fresh_home_records_readiness_and_the_first_answer(tmp_path: Path) -> None:
    out = tmp_path / "out"
    argv = ["fresh-home", "--model", "hash", "--port", "18404", "--world-workers", "30", "--deadline", "300",
            "--name", "t-home", "--out", str(out), "--scratch", str(tmp_path / "s")]  # fmt: skip
    assert main(argv) == 0
    report = _report(out, "t-home")
    assert [s["command"][:2] for s in report["steps"]] == [["skillbridge", "db"], ["skillbridge", "data"]]
    f = report["first_requests"]
    assert f["first_200_s"] is not None and f["first_200_s"] >= f["port_open_s"] > 0
    assert f["first_200_s"] > f["first_sent_s"] > 0
    assert f["readiness"][0]["answer"] != "200"  # sampled from before the port was open
    assert report["verdict"]["text"]


# --- pure parts ----------------------------------------------------------------------------


def _log(latencies_ms: list[float], errors: dict[int, str] | None = None) -> RequestLog:
    log = RequestLog(["a", "b"])
    for i, ms in enumerate(latencies_ms):
        error = (errors or {}).get(i)
        log.add(i % 2, float(i), float(i) + 0.001, float(i) + ms / 1000, 0 if error else 200, error)
    log.elapsed_s = float(len(latencies_ms))
    return log


def test_latency_percentiles_are_nearest_rank_over_successes() -> None:
    log = _log([float(ms) for ms in range(1, 101)] + [5000.0], errors={100: "timeout"})
    s = summarise(log)
    assert (s["requests"], s["ok"], s["errors"], s["errors_by_kind"]) == (101, 100, 1, {"timeout": 1})
    lat = s["latency_ms"]
    assert (lat["p50"], lat["p95"], lat["p99"], lat["max"]) == (50.0, 95.0, 99.0, 100.0)
    assert s["latency_from_send_ms"]["p50"] == 49.0
    assert s["throughput_rps"] == round(100 / 101, 2)
    assert s["per_route"]["a"]["requests"] == 51 and s["per_route"]["b"]["requests"] == 50
    window = summarise(log, window=(10.0, 20.0))
    assert window["requests"] == 10 and window["latency_ms"]["max"] == 20.0
    assert latency_figures(np.array([]))["p99"] is None


def test_paths_cover_every_worker_and_repeat_for_a_seed() -> None:
    ids = WorldIds([f"W{i}" for i in range(50)], ["P1", "P2"], ["O1"], ["会砌墙"], "test")
    paths = build_paths({"recommendations": 1.0}, ids, 50, seed=3)
    assert {p.split("/")[4] for _, p in paths} == set(ids.workers)
    assert paths == build_paths({"recommendations": 1.0}, ids, 50, seed=3)
    assert paths != build_paths({"recommendations": 1.0}, ids, 50, seed=4)
    mixed = build_paths(parse_mix(MIX), ids, 600, seed=1)
    assert {r for r, _ in mixed} == set(parse_mix(MIX))
    assert any(p.startswith("/api/v1/occupations/search?q=%E4%BC%9A") for _, p in mixed)


def test_bad_mix_and_remote_targets_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown route 'recomendations'"):
        parse_mix("recomendations")
    with pytest.raises(ValueError, match="must be > 0"):
        parse_mix("programmes=0")
    with pytest.raises(ValueError, match="only target 127.0.0.1"):
        only_loopback("http://10.0.0.8:8000")
    only_loopback("http://127.0.0.1:18400")


def test_errors_are_classified_by_kind() -> None:
    assert classify_error(TimeoutError()) == "timeout"
    assert classify_error(aiohttp.ServerDisconnectedError()) == "server_disconnected"
    assert classify_error(ConnectionResetError()) == "connection_reset"
    assert classify_error(ValueError()) == "other:ValueError"


def test_proc_readers_see_this_process_and_its_socket() -> None:
    st = read_stat(os.getpid())
    assert st is not None and st.pid == os.getpid() and st.ppid == os.getppid()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    try:
        assert os.getpid() in listening_pids(sock.getsockname()[1])
    finally:
        sock.close()
    sampler = ResourceSampler([os.getpid()], interval=0.05).start()
    sum(i * i for i in range(2_000_000))  # some CPU for the sampler to see
    summary = sampler.stop()
    (me,) = [p for p in summary["processes"] if p["pid"] == os.getpid()]
    assert me["cpu_s"] > 0 and me["rss_peak_mb"] > 0 and me["alive_at_end"]
