"""The serving core measured through HTTP (issue 11): load, freshness and start-up benchmarks.

    python -m eval.bench_http open --home var/bench/demo --rate 150 --duration 60 --name open-150
    python -m eval.bench_http closed --home var/bench/demo --clients 50 --duration 60 --mix programmes
    python -m eval.bench_http freshness --home var/bench/demo --rate 150 \
        --new-programmes 1000 --new-workers 10000
    python -m eval.bench_http fresh-home --world-workers 2000
    python -m eval.bench_http big-world --workers 1000000 --programmes 50000 --orders 50000
    python -m eval.bench_http index        # rewrite eval/results/http/README.md from the JSON files

Each run starts ``skillbridge serve`` on 127.0.0.1 (or attaches to ``--url``), writes
``eval/results/http/<name>.json`` and ``<name>.md`` and stops the server. See
``eval/README-http.md`` for the command behind every figure of issue 11.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from eval.httpbench.report import RESULTS, rewrite_markdown, write_report
from eval.httpbench.runs import TMP, RunOptions, run_closed, run_open
from eval.httpbench.targets import parse_mix

__all__ = ["main"]


def _header(value: str) -> tuple[str, str]:
    name, sep, content = value.partition(":")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"header must be 'Name: value', got {value!r}")
    return name.strip(), content.strip()


def _server_options(p: argparse.ArgumentParser, default_name: str) -> None:
    g = p.add_argument_group("server under test")
    g.add_argument("--name", default=default_name, help="result file stem under --out")
    g.add_argument("--out", type=Path, default=RESULTS, help="results folder (default %(default)s)")
    g.add_argument("--scratch", type=Path, default=TMP, help="logs and scratch files (default %(default)s)")
    g.add_argument("--url", help="attach to a running server at this URL instead of starting one")
    g.add_argument(
        "--pids", type=int, nargs="*", default=[], help="its processes (default: the port's owners)"
    )
    g.add_argument("--port", type=int, default=18400, help="port for a started server (default %(default)s)")
    g.add_argument("--home", type=Path, help="SKILLBRIDGE_HOME of the server")
    g.add_argument("--database-url", help="SKILLBRIDGE_DATABASE_URL (default: the home's SQLite file)")
    g.add_argument("--model", help="SKILLBRIDGE_MODEL (e5-small, hash, …)")
    g.add_argument("--workers", type=int, help="skillbridge serve --workers N (when the option exists)")
    g.add_argument("--ready-timeout", type=float, default=900.0, help="seconds to wait for /readyz")
    g.add_argument("--header", type=_header, action="append", default=[], help="'Name: value', repeatable")
    g.add_argument(
        "--mix", default="recommendations", help="routes and weights, e.g. recommendations=3,programmes=1"
    )
    g.add_argument(
        "--worker-sample", type=int, help="request only this many workers (a hot set); default: every one"
    )
    g.add_argument("--seed", type=int, default=11, help="seed of the request sequence")
    g.add_argument("--timeout", type=float, default=30.0, help="per-request timeout, seconds")
    g.add_argument("--no-warmup", action="store_true", help="skip the one-request-per-route warm-up")
    g.add_argument("--warmup-timeout", type=float, default=900.0)
    g.add_argument("--note", action="append", default=[], help="a sentence recorded with the run")


def _options(args: argparse.Namespace) -> RunOptions:
    return RunOptions(
        name=args.name,
        port=args.port,
        url=args.url,
        pids=args.pids,
        home=args.home.resolve() if args.home else None,
        database_url=args.database_url,
        model=args.model,
        workers=args.workers,
        ready_timeout_s=args.ready_timeout,
        headers=dict(args.header),
        mix=parse_mix(args.mix),
        seed=args.seed,
        timeout_s=args.timeout,
        warmup=not args.no_warmup,
        warmup_timeout_s=args.warmup_timeout,
        worker_sample=args.worker_sample,
        out_dir=args.out,
        scratch=args.scratch,
        notes=args.note,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m eval.bench_http", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("open", help="fixed arrival rate (open loop)")
    _server_options(p, "open")
    p.add_argument("--rate", type=float, default=150.0, help="requests per second")
    p.add_argument("--duration", type=float, default=60.0, help="seconds")
    p.add_argument("--max-in-flight", type=int, default=1000, help="cap; requests over it count as errors")

    p = sub.add_parser("closed", help="N clients back to back (closed loop)")
    _server_options(p, "closed")
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--duration", type=float, default=60.0, help="seconds")
    p.add_argument("--engine", choices=("locust", "asyncio"), default="locust")
    p.add_argument("--spawn-rate", type=float, help="users started per second (default: all at once)")

    p = sub.add_parser("freshness", help="import programmes and workers during an open loop")
    _server_options(p, "freshness")
    p.add_argument("--rate", type=float, default=150.0)
    p.add_argument("--before", type=float, default=20.0, help="seconds of load before the import")
    p.add_argument("--after", type=float, default=20.0, help="seconds of load after all is visible")
    p.add_argument("--new-programmes", type=int, default=1000)
    p.add_argument("--new-workers", type=int, default=10000)
    p.add_argument("--fresh-seed", type=int, default=911, help="synth seed of the new items")
    p.add_argument("--visible-timeout", type=float, default=120.0, help="seconds after commit to wait")
    p.add_argument("--max-in-flight", type=int, default=1000)

    p = sub.add_parser("fresh-home", help="db init + world load in a new home, then the first request")
    _server_options(p, "fresh-home")
    p.add_argument("--world-workers", type=int, default=2000)
    p.add_argument("--world-seed", type=int, default=20240204)
    p.add_argument("--deadline", type=float, default=900.0, help="give up after this many seconds")

    p = sub.add_parser("big-world", help="generate and load a big world into PostgreSQL, timed")
    _server_options(p, "big-world")
    p.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432", help="server, no db name")
    p.add_argument("--db-name", default="sb_bench_1m")
    p.add_argument("--recreate", action="store_true", help="drop the database first if it exists")
    p.add_argument("--world-workers", type=int, default=1_000_000)
    p.add_argument("--programmes", type=int, default=50_000)
    p.add_argument("--orders", type=int, default=50_000)
    p.add_argument("--institutions", type=int, help="default: the demo world's programmes per institution")
    p.add_argument("--world-seed", type=int, default=11)

    p = sub.add_parser("index", help="rewrite the results folder's markdown files from its JSON files")
    p.add_argument("--out", type=Path, default=RESULTS)
    return parser


def _run(args: argparse.Namespace, opts: RunOptions) -> dict[str, Any]:
    if args.command == "open":
        return run_open(opts, rate=args.rate, duration_s=args.duration, max_in_flight=args.max_in_flight)
    if args.command == "closed":
        return run_closed(
            opts,
            clients=args.clients,
            duration_s=args.duration,
            engine=args.engine,
            spawn_rate=args.spawn_rate,
        )
    if args.command == "freshness":
        from eval.httpbench.freshness import FreshnessPlan, run_freshness

        plan = FreshnessPlan(
            rate=args.rate,
            before_s=args.before,
            after_s=args.after,
            new_programmes=args.new_programmes,
            new_workers=args.new_workers,
            seed=args.fresh_seed,
            visible_timeout_s=args.visible_timeout,
            max_in_flight=args.max_in_flight,
        )
        return run_freshness(opts, plan)
    if args.command == "fresh-home":
        from eval.httpbench.worlds import run_fresh_home

        return run_fresh_home(
            opts, workers=args.world_workers, seed=args.world_seed, deadline_s=args.deadline
        )
    from eval.httpbench.worlds import BigWorld, run_big_world

    world = BigWorld(
        pg=args.pg,
        db_name=args.db_name,
        recreate=args.recreate,
        workers=args.world_workers,
        programmes=args.programmes,
        orders=args.orders,
        institutions=args.institutions,
        seed=args.world_seed,
    )
    return run_big_world(opts, world)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "index":
        rewrite_markdown(args.out)
        return 0
    opts = _options(args)
    report = _run(args, opts)
    json_path, md_path = write_report(report, opts.out_dir)
    print(md_path.read_text(encoding="utf-8"))
    print(f"written: {json_path} and {md_path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
