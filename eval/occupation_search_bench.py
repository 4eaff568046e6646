"""Latency of ``GET /api/v1/occupations/search`` through HTTP: ``python -m eval.occupation_search_bench``.

Starts ``python -m api.cli serve`` (this checkout's code) on 127.0.0.1 in a fresh home holding
only the reference data (``db init``), waits until ``/readyz`` answers, sends a bounded number of
requests one after another (closed loop, one client) with the realistic set's texts as queries,
and reports client-side latency percentiles. An embedding cache directory given with
``--seed-cache`` is copied into the home's recogniser cache first, so start-up does not re-encode
the names and aliases (encoding is measured elsewhere). Writes
``eval/results/occupation-search-http.{json,md}``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from eval.occupation_tasks import realistic_rows

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = Path(__file__).resolve().parents[1]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, int(round(q * (len(ordered) - 1)))))
    return ordered[k]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=18540)
    parser.add_argument("--requests", type=int, default=400, help="measured requests (bounded)")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--model", default="e5-small")
    parser.add_argument("--models-dir", type=Path, default=ROOT / "var" / "models")
    parser.add_argument("--seed-cache", type=Path, default=None, help="an embedding store to copy in")
    parser.add_argument("--ready-timeout", type=float, default=900.0)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    home = Path(tempfile.mkdtemp(prefix="occ-search-"))
    (home / "models").parent.mkdir(parents=True, exist_ok=True)
    if args.models_dir.exists():
        (home / "models").symlink_to(args.models_dir.resolve())
    if args.seed_cache is not None:
        target = home / "indexes" / "recommend" / "encoder-cache" / args.seed_cache.name
        shutil.copytree(args.seed_cache, target)
    env = dict(os.environ, SKILLBRIDGE_HOME=str(home), SKILLBRIDGE_MODEL=args.model, HF_HUB_OFFLINE="1")
    env.pop("SKILLBRIDGE_DATABASE_URL", None)
    cli = [sys.executable, "-m", "api.cli"]
    subprocess.run([*cli, "db", "init"], cwd=ROOT, env=env, check=True, capture_output=True)
    log = (home / "serve.log").open("w")
    server = subprocess.Popen(
        [*cli, "serve", "--host", "127.0.0.1", "--port", str(args.port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{args.port}"
    report: dict[str, Any] = {"model": args.model, "requests": args.requests, "home": str(home)}
    try:
        started = time.perf_counter()
        with httpx.Client(base_url=base, timeout=60.0) as client:
            while True:
                if server.poll() is not None:
                    raise RuntimeError(f"server exited ({server.returncode}); see {home / 'serve.log'}")
                try:
                    if client.get("/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.perf_counter() - started > args.ready_timeout:
                    raise RuntimeError(f"server not ready after {args.ready_timeout:.0f} s")
                time.sleep(1.0)
            report["ready_seconds"] = round(time.perf_counter() - started, 1)
            texts = [r["text"] for r in realistic_rows()]
            for i in range(args.warmup):
                client.get("/api/v1/occupations/search", params={"q": texts[i % len(texts)]})
            latencies: list[float] = []
            abstained = 0
            for i in range(args.requests):
                t0 = time.perf_counter()
                r = client.get("/api/v1/occupations/search", params={"q": texts[i % len(texts)], "top": 10})
                latencies.append((time.perf_counter() - t0) * 1000)
                r.raise_for_status()
                abstained += bool(r.json()["abstain"])
        report.update(
            {
                "p50_ms": round(statistics.median(latencies), 2),
                "p95_ms": round(_percentile(latencies, 0.95), 2),
                "p99_ms": round(_percentile(latencies, 0.99), 2),
                "max_ms": round(max(latencies), 2),
                "mean_ms": round(statistics.fmean(latencies), 2),
                "abstained_share": round(abstained / len(latencies), 3),
                "load_average": os.getloadavg(),
            }
        )
    finally:
        os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "occupation-search-http.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    md = (
        "# `GET /api/v1/occupations/search` through HTTP\n\n"
        f"Run: `python -m eval.occupation_search_bench --requests {args.requests}` — one client, "
        "closed loop, "
        f"{args.requests} measured requests after {args.warmup} warm-up ones, queries cycling through the "
        f"realistic set's {len(texts)} texts; model {args.model}; server `python -m api.cli serve` (one "
        "process) on a home with the reference data only; load average during the run "
        f"{tuple(round(x, 1) for x in report['load_average'])} on the shared 2-core machine.\n\n"
        "| p50 ms | p95 ms | p99 ms | max ms | mean ms | abstained |\n| --- | --- | --- | --- | --- | --- |\n"
        f"| {report['p50_ms']} | {report['p95_ms']} | {report['p99_ms']} | {report['max_ms']} | "
        f"{report['mean_ms']} | {report['abstained_share']} |\n"
    )
    (args.out / "occupation-search-http.md").write_text(md, encoding="utf-8")
    print(md)
    shutil.rmtree(home, ignore_errors=True)
    return report


if __name__ == "__main__":
    main()
