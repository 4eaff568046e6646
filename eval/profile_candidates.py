"""In-process time of the employer's candidates page (``/employer/orders/{id}``) on the pages
bench's sample world (:mod:`eval.bench_pages`: 2,000 workers, its seed, SQLite, model ``hash``).

    python -m eval.profile_candidates                    # 30 timed requests after 3 warm-ups
    python -m eval.profile_candidates --profile 10       # and a cProfile of 10 more, top 30 by cumtime

The app runs in this process (Starlette's TestClient, no socket); each figure is one request's
wall time around ``client.get``, then of the recommender call alone (the page's
``candidates_for_order``, which the profile covers: TestClient serves in another thread); the
output is the spread (min, p50, p95, max) and the candidate ids, so a change can be checked for
the same result.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import re
import time
from pathlib import Path

import numpy as np

from eval.bench_pages import PASSWORD, TODAY, _world


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--requests", type=int, default=30)
    p.add_argument("--profile", type=int, default=0, help="requests under cProfile after the timed ones")
    p.add_argument("--scratch", type=Path, default=Path("var/bench-pages"))
    args = p.parse_args(argv)

    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import Settings

    home = args.scratch / "home-hash"
    ids = _world(home, "hash", None)
    settings = Settings(
        home=home,
        model="hash",
        secret_key="bench-pages",
        today=TODAY,
        environment="test",
        log_level="WARNING",
    )
    path = f"/employer/orders/{ids['order']}"
    with TestClient(create_app(settings)) as client:
        deadline = time.monotonic() + 600
        while client.get("/readyz").status_code != 200:  # the first snapshot is built in the background
            assert time.monotonic() < deadline, "not ready after 10 minutes"
            time.sleep(0.5)
        recommender = client.app.state.recommender  # type: ignore[attr-defined]
        recommender.sync_workers()  # every stored profile in the worker index before timing
        r = client.post(
            "/login/employer",
            data={"username": "bench-employer", "password": PASSWORD},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.status_code
        first = client.get(path)
        assert first.status_code == 200, first.text[:300]
        shown = re.findall(r'data-candidate="([^"]+)"', first.text)
        for _ in range(2):
            client.get(path)
        ms = []
        for _ in range(args.requests):
            t = time.perf_counter()
            client.get(path)
            ms.append((time.perf_counter() - t) * 1000)
        a = np.array(ms)
        print(
            f"{path}: n={len(a)} min={a.min():.1f} p50={np.percentile(a, 50):.1f} "
            f"p95={np.percentile(a, 95):.1f} max={a.max():.1f} ms"
        )
        print(f"candidates shown ({len(shown)}): {' '.join(shown)}")
        order = ids["order"]

        def service() -> list[str]:
            """The page's work below the template: the ranked candidates (the recommender call of
            :func:`api.pages.desks.employer_candidates`)."""
            found = recommender.candidates_for_order(order, top=30, today=TODAY)
            return [c.worker_id for c in found.candidates]

        ranked = service()
        ms = []
        for _ in range(args.requests):
            t = time.perf_counter()
            service()
            ms.append((time.perf_counter() - t) * 1000)
        a = np.array(ms)
        print(
            f"candidates_for_order({order}, top=30): n={len(a)} min={a.min():.1f} "
            f"p50={np.percentile(a, 50):.1f} p95={np.percentile(a, 95):.1f} max={a.max():.1f} ms"
        )
        print(f"ranked ({len(ranked)}): {' '.join(ranked)}")
        # the loading alone (what this page spent most in): the order's pool of workers read
        # as candidates_for_order reads them, wall and CPU time of this process
        import inspect

        from sqlalchemy.orm import Session

        from api.services.records import load_workers

        snap = recommender.snapshot
        record = recommender.order_record(snap, order)
        vec = snap.order_vectors.vectors([order])[0]
        pool = recommender.worker_index.neighbours(vec, recommender.sizes.order_pool, record.occupation_code)
        extra = {"consenting": True} if "consenting" in inspect.signature(load_workers).parameters else {}
        wall, cpu = [], []
        for _ in range(args.requests * 2):
            t, c = time.perf_counter(), time.process_time()
            with Session(recommender.engine) as session:
                pairs = load_workers(session, snap.regions, pool, **extra)
                recommender.store.read(session, [w.id for w, _ in pairs])
            wall.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
        for name, xs in (("wall", np.array(wall)), ("cpu", np.array(cpu))):
            print(
                f"load {len(pool)} pool workers ({len(pairs)} loaded) {name}: n={len(xs)} min={xs.min():.1f} "
                f"p50={np.percentile(xs, 50):.1f} p95={np.percentile(xs, 95):.1f} max={xs.max():.1f} ms"
            )
        if args.profile:
            prof = cProfile.Profile()
            prof.enable()
            for _ in range(args.profile):
                service()
            prof.disable()
            out = io.StringIO()
            pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(30)
            print(out.getvalue())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
