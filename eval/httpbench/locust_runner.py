"""The closed loop through locust: ``locust -f locustfile.py --headless -u N -r N -t Ds --csv``.

Locust runs as its own process (gevent, one core); its CPU comes from ``os.wait4`` (user+system
time of the process and anything it reaped), so the report can show it was or was not the
bottleneck (locust itself warns above ~90% of a core). ``--reset-stats`` drops the ramp-up from
the figures. Locust keeps response times in buckets (two significant digits above 100 ms), so
its percentiles are coarser than the asyncio generators' (and capped here at the exact maximum),
and they include failed requests' times.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from eval.httpbench.loadgen import only_loopback

__all__ = ["LOCUSTFILE", "locust_executable", "run_locust"]

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
_KIND = re.compile(r"CatchResponseError\('(.+)'\)")


def locust_executable() -> str | None:
    beside = Path(sys.executable).with_name("locust")
    return str(beside) if beside.exists() else shutil.which("locust")


def run_locust(
    base_url: str,
    paths: list[tuple[str, str]],
    *,
    clients: int,
    duration_s: float,
    workdir: Path,
    spawn_rate: float | None = None,
    timeout_s: float = 30.0,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Run locust headless and return its figures in the same shape as
    :func:`eval.httpbench.stats.summarise` (latency from send), plus its own CPU."""
    only_loopback(base_url)
    exe = locust_executable()
    if exe is None:
        raise FileNotFoundError("locust is not installed: pip install -e '.[bench]'")
    workdir.mkdir(parents=True, exist_ok=True)
    paths_file = workdir / "paths.json"
    paths_file.write_text(json.dumps(paths, ensure_ascii=False), encoding="utf-8")
    prefix = workdir / "locust"
    command = [
        exe, "-f", str(LOCUSTFILE), "--headless", "-u", str(clients), "-r", str(spawn_rate or clients),
        "-t", f"{int(round(duration_s))}s", "--host", base_url, "--csv", str(prefix), "--only-summary",
        "--reset-stats", "--stop-timeout", "5", "--loglevel", "WARNING", "--exit-code-on-error", "0",
    ]  # fmt: skip
    env = dict(os.environ)
    env.update(
        {
            "SB_BENCH_PATHS": str(paths_file),
            "SB_BENCH_HEADERS": json.dumps(headers or {}),
            "SB_BENCH_TIMEOUT": str(timeout_s),
        }
    )
    log_path = workdir / "locust.log"
    with log_path.open("wb") as log:
        t0 = time.monotonic()
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
        # a bounded run: locust stops itself at -t; this is the belt to its braces
        watchdog = threading.Timer(duration_s + 90, process.kill)
        watchdog.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            watchdog.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
        wall = time.monotonic() - t0
    if process.returncode != 0:
        raise RuntimeError(f"locust exited with {process.returncode}: {log_path.read_text()[-2000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    results = parse_stats(Path(f"{prefix}_stats.csv"), Path(f"{prefix}_failures.csv"))
    results["generator_cpu"] = {
        "cpu_s": round(cpu, 3),
        "wall_s": round(wall, 3),
        "cpu_percent_of_one_core": round(100 * cpu / wall, 1),
        "max_rss_mb": round(usage.ru_maxrss / 1024, 1),
    }
    results["command"] = command
    results["log"] = str(log_path)
    return results


def _figures(row: dict[str, str]) -> dict[str, Any]:
    def num(key: str) -> float | None:
        value = row.get(key, "N/A")
        return None if value in ("N/A", "", None) else float(value)

    top = num("Max Response Time")

    def capped(key: str) -> float | None:
        # locust rounds to its buckets (e.g. 1,451 ms → 1,500): no request took longer than the
        # exact maximum, so a bucket above it is reported as the maximum
        value = num(key)
        return value if value is None or top is None else min(value, round(top, 2))

    return {
        "n": int(row["Request Count"]) - int(row["Failure Count"]),
        "mean": num("Average Response Time"),
        "p50": capped("50%"),
        "p90": capped("90%"),
        "p95": capped("95%"),
        "p99": capped("99%"),
        "p999": capped("99.9%"),
        "max": None if top is None else round(top, 2),
    }


def parse_stats(stats_csv: Path, failures_csv: Path) -> dict[str, Any]:
    """Locust's ``_stats.csv`` (per route and ``Aggregated``) and ``_failures.csv`` (by kind)."""
    with stats_csv.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    errors: dict[str, dict[str, int]] = {}
    if failures_csv.exists():
        with failures_csv.open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                match = _KIND.search(row["Error"])
                kind = match.group(1) if match else row["Error"][:80]
                per = errors.setdefault(row["Name"], {})
                per[kind] = per.get(kind, 0) + int(row["Occurrences"])
    per_route = {}
    total: dict[str, Any] = {}
    for row in rows:
        entry = {
            "requests": int(row["Request Count"]),
            "ok": int(row["Request Count"]) - int(row["Failure Count"]),
            "errors_by_kind": dict(sorted(errors.get(row["Name"], {}).items())),
            "latency_ms": _figures(row),
        }
        if row["Name"] == "Aggregated":
            total = entry
            total["throughput_rps"] = round(float(row["Requests/s"]) - float(row["Failures/s"]), 2)
        else:
            per_route[row["Name"]] = entry
    all_errors: dict[str, int] = {}
    for per in errors.values():
        for kind, count in per.items():
            all_errors[kind] = all_errors.get(kind, 0) + count
    total["errors"] = total["requests"] - total["ok"]
    total["errors_by_kind"] = dict(sorted(all_errors.items()))
    total["latency_measured_from"] = "send (closed loop: each request waits for the last)"
    total["per_route"] = per_route
    return total
