"""Server time of every web page on the sample world (issue 14: p95 under 300 ms per page).

    python -m eval.bench_pages                       # 2,000-worker sample world, 40 requests a page
    python -m eval.bench_pages --requests 100 --model e5-small --models /work/main/var/models
    python -m eval.bench_pages --pages employer-candidates --name pages-candidates   # one page

Builds the demo's sample world (``skillbridge demo``'s size and seed) in a home of its own under
``--scratch`` (kept between runs), starts ``skillbridge serve`` on 127.0.0.1, signs in one account
of each role through the sign-in pages, warms each page once, then requests every page
``--requests`` times one after another (one client: the figures are the server's, not a queue's).
Server time is what the service's request log says each request took (the ``ms`` of
:mod:`api.observability`'s log line: from the first byte in to the last byte out, inside the
process). Writes ``eval/results/pages.json`` and ``pages.md`` with p50/p95/max per page, the load
average before and after, and the machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

RESULTS = Path("eval/results")
SEED = 20240204
WORKERS = 2000
TODAY = dt.date(2026, 12, 1)
PASSWORD = "bench-pages-密码-1"


def _world(home: Path, model: str, models: Path | None) -> dict[str, Any]:
    """The sample world in ``home`` (built once) and the ids the pages are asked about."""
    from sqlalchemy import func, select

    from data.db.models import Order, Programme, Worker
    from data.db.session import make_engine, session_factory, upgrade
    from data.loaders import ORDER, load_file
    from data.reference import load_reference
    from data.synth import SynthConfig, write_world

    home.mkdir(parents=True, exist_ok=True)
    if models is not None and not (home / "models").exists():
        (home / "models").symlink_to(models.resolve())
    engine = make_engine(f"sqlite:///{home / 'skillbridge.db'}")
    upgrade(engine)
    with session_factory(engine)() as session:
        empty = not session.scalar(select(func.count()).select_from(Worker))
    if empty:
        load_reference(engine)
        paths = write_world(SynthConfig(workers=WORKERS, seed=SEED, reference_date=TODAY), home / "sample")
        for kind in ORDER:
            load_file(engine, kind, paths[kind], secret_key="bench-pages")
    with session_factory(engine)() as session:
        worker = session.scalars(select(Worker.id).order_by(Worker.id)).first()
        home_adcode = session.scalar(select(Worker.home_adcode).where(Worker.id == worker))
        order = session.scalars(
            select(Order).where(Order.employer_id.is_not(None)).order_by(Order.id)
        ).first()
        programme = session.scalars(select(Programme).order_by(Programme.id)).first()
        assert worker and order and programme, "the sample world has workers, orders and programmes"
        ids = {
            "worker": worker,
            "city": (home_adcode or "1411")[:4],
            "order": order.id,
            "employer": order.employer_id,
            "programme": programme.id,
            "institution": programme.institution_id,
            "model": model,
        }
    _accounts(engine, ids)
    engine.dispose()
    return ids


ROLES = ("counselor", "worker", "employer", "institution", "admin")


def _accounts(engine: Any, ids: dict[str, Any]) -> None:
    from sqlalchemy import select

    from api.services.users import create_user
    from data.db.models import User

    with engine.connect() as conn:
        have = set(conn.execute(select(User.username)).scalars())
    scope = {
        "counselor": {},
        "worker": {"worker_id": ids["worker"]},
        "employer": {"employer_id": ids["employer"]},
        "institution": {"institution_id": ids["institution"]},
        "admin": {},
    }
    for role in ROLES:
        if f"bench-{role}" not in have:
            create_user(engine, f"bench-{role}", PASSWORD, role, "14", actor="bench", **scope[role])


def _pages(ids: dict[str, Any]) -> dict[str, tuple[str, str | None]]:
    """page name → (path, role signed in or None)."""
    w, city = ids["worker"], ids["city"]
    return {
        "home": ("/", None),
        "catalogue": ("/catalogue", None),
        "catalogue-filtered": (f"/catalogue?city={city}&level=5", None),
        "institutions": ("/catalogue/institutions", None),
        "subsidies": ("/catalogue/subsidies", None),
        "supply-demand-province": ("/supply-demand", None),
        "supply-demand-city": (f"/supply-demand?city={city}", None),
        "sign-in": ("/login/counselor", None),
        "worker-me": ("/me", "worker"),
        "workbench-search": ("/workbench?q=" + w[-4:], "counselor"),
        "workbench-worker": (f"/workbench/workers/{w}", "counselor"),
        "workbench-sheet": (f"/workbench/workers/{w}/sheet", "counselor"),
        "workbench-register": ("/workbench/register", "counselor"),
        "workbench-ledger": ("/workbench/ledger", "counselor"),
        "employer-orders": ("/employer", "employer"),
        "employer-candidates": (f"/employer/orders/{ids['order']}", "employer"),
        "institution-programmes": ("/institution", "institution"),
        "institution-enrollments": (f"/institution/programmes/{ids['programme']}", "institution"),
        "admin": ("/admin", "admin"),
    }


def _server_times(log: Path, since: int) -> list[tuple[str, float, str]]:
    """(route, ms, request id) of every request line the server logged after byte ``since``."""
    out = []
    with log.open("rb") as f:
        f.seek(since)
        for line in f:
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if rec.get("message") == "request" and "ms" in rec:
                out.append((rec.get("route", ""), float(rec["ms"]), rec.get("request_id", "")))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--requests", type=int, default=40, help="requests per page (default %(default)s)")
    p.add_argument("--port", type=int, default=18575)
    p.add_argument("--model", default="hash", help="SKILLBRIDGE_MODEL of the server (default %(default)s)")
    p.add_argument("--models", type=Path, help="a model cache to link as the home's models/")
    p.add_argument("--scratch", type=Path, default=Path("var/bench-pages"))
    p.add_argument("--name", default="pages")
    p.add_argument("--pages", nargs="+", metavar="PAGE", help="only these pages (names as in the table)")
    args = p.parse_args(argv)

    home = args.scratch / f"home-{args.model}"
    ids = _world(home, args.model, args.models)
    log = args.scratch / "server.log"
    env = {
        **os.environ,
        "SKILLBRIDGE_HOME": str(home),
        "SKILLBRIDGE_MODEL": args.model,
        "SKILLBRIDGE_SECRET_KEY": "bench-pages",
        "SKILLBRIDGE_TODAY": TODAY.isoformat(),
        "SKILLBRIDGE_PORT": str(args.port),
        "SKILLBRIDGE_HOST": "127.0.0.1",
        "SKILLBRIDGE_LOG_LEVEL": "INFO",
        "SKILLBRIDGE_LOGIN_FAILURES_PER_ADDRESS": "1000",
        "HF_HUB_OFFLINE": "1",
    }
    base = f"http://127.0.0.1:{args.port}"
    load_before = os.getloadavg()
    with log.open("wb") as sink:
        command = [sys.executable, "-m", "api.cli", "serve"]
        server = subprocess.Popen(command, env=env, stdout=sink, stderr=sink)
    try:
        deadline = time.monotonic() + 600
        while True:
            try:
                if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"server did not become ready; see {log}")
            time.sleep(1)
        clients: dict[str | None, httpx.Client] = {None: httpx.Client(base_url=base, timeout=30)}
        for role in ROLES:
            c = httpx.Client(base_url=base, timeout=30)
            r = c.post(f"/login/{role}", data={"username": f"bench-{role}", "password": PASSWORD})
            if r.status_code != 303:
                raise SystemExit(f"sign-in as {role} failed: {r.status_code}")
            clients[role] = c
        pages = _pages(ids)
        if args.pages:
            unknown = sorted(set(args.pages) - set(pages))
            if unknown:
                raise SystemExit(f"unknown pages: {', '.join(unknown)}; known: {', '.join(pages)}")
            pages = {k: v for k, v in pages.items() if k in args.pages}
        for path, who in pages.values():  # warm-up: one request a page
            assert clients[who].get(path).status_code == 200, path
        start = log.stat().st_size
        asked: dict[str, str] = {}
        for _ in range(args.requests):
            for name, (path, who) in pages.items():
                r = clients[who].get(path)
                if r.status_code != 200:
                    raise SystemExit(f"{name}: {r.status_code}")
                asked[r.headers["x-request-id"]] = name
        time.sleep(0.5)
        times: dict[str, list[float]] = {name: [] for name in pages}
        for _route, ms, rid in _server_times(log, start):
            if rid in asked:
                times[asked[rid]].append(ms)
    finally:
        server.terminate()
        server.wait(timeout=30)
    load_after = os.getloadavg()
    figures = {
        name: {
            "n": len(v),
            "p50_ms": round(float(np.percentile(v, 50)), 1),
            "p95_ms": round(float(np.percentile(v, 95)), 1),
            "max_ms": round(max(v), 1),
        }
        for name, v in times.items()
    }
    report = {
        "world": {"workers": WORKERS, "seed": SEED, "today": TODAY.isoformat(), "database": "sqlite"},
        "model": args.model,
        "requests_per_page": args.requests,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
        "cpus": os.cpu_count(),
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "pages": figures,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{args.name}.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    lines = [
        f"# Page server time ({report['at']})",
        "",
        f"Sample world: {WORKERS} workers, seed {SEED}, SQLite, model `{args.model}`; "
        f"{args.requests} requests a page, one client on 127.0.0.1, after one warm-up request each. "
        f"{os.cpu_count()} CPUs; load average (1/5/15 min) {report['load_average_before']} before, "
        f"{report['load_average_after']} after.",
        "",
        "| page | n | p50 ms | p95 ms | max ms |",
        "| --- | ---: | ---: | ---: | ---: |",
        *(f"| {k} | {v['n']} | {v['p50_ms']} | {v['p95_ms']} | {v['max_ms']} |" for k, v in figures.items()),
        "",
    ]
    (RESULTS / f"{args.name}.md").write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
