"""What the load generators request: ids of the world and a seeded list of request paths.

Route names (``--mix recommendations=3,programmes=1``):

==================  ===================================================
recommendations     ``GET /api/v1/workers/{id}/recommendations``
programmes          ``GET /api/v1/programmes``
candidates          ``GET /api/v1/orders/{id}/candidates``
why-not             ``GET /api/v1/workers/{id}/why-not/{programme or order}``
occupation-search   ``GET /api/v1/occupations/search?q=…``
==================  ===================================================

Worker ids are taken in a seeded random permutation of *every* worker (cycled when a run asks
for more requests than there are workers), so a run touches the whole world, not a warm few.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import numpy as np

__all__ = ["ROUTES", "WorldIds", "build_paths", "ids_from_api", "ids_from_database", "parse_mix"]

ROUTES = {
    "recommendations": "/api/v1/workers/{worker}/recommendations",
    "programmes": "/api/v1/programmes",
    "candidates": "/api/v1/orders/{order}/candidates",
    "why-not": "/api/v1/workers/{worker}/why-not/{item}",
    "occupation-search": "/api/v1/occupations/search?q={q}",
}

#: Search phrases when the database is not at hand (how workers and employers write).
PHRASES = (
    "会砌墙、贴瓷砖",
    "招聘电焊工",
    "在工地上开过塔吊",
    "想学做月嫂",
    "会开车，有C1驾照",
    "饭店里切过菜",
    "家政保洁",
    "种过大棚蔬菜",
    "修过电动车",
    "想学电工",
    "养老护理员",
    "网上卖过土特产",
)


@dataclass(frozen=True, slots=True)
class WorldIds:
    """Ids of the world under test, in id order, and where they came from."""

    workers: list[str]
    programmes: list[str]
    orders: list[str]
    phrases: list[str]
    source: str
    #: workers in the world when ``workers`` is a sample of them
    world_workers: int | None = None

    def sample_workers(self, k: int | None, seed: int) -> WorldIds:
        """The same world with requests limited to ``k`` workers drawn with ``seed`` (a hot set,
        to measure a warm cache); None or k >= all keeps every worker."""
        if k is None or k >= len(self.workers):
            return self
        rng = np.random.default_rng(seed)
        chosen = sorted(self.workers[int(i)] for i in rng.choice(len(self.workers), size=k, replace=False))
        return WorldIds(chosen, self.programmes, self.orders, self.phrases, self.source, len(self.workers))

    def size(self) -> dict[str, Any]:
        return {
            "workers": self.world_workers or len(self.workers),
            "workers_requested": len(self.workers),
            "programmes": len(self.programmes),
            "orders": len(self.orders),
            "ids_from": self.source,
        }


def ids_from_database(url: str) -> WorldIds:
    """Every worker, programme and open order id, and up to 500 workers' own skill texts (what
    people type into the occupation search), read from the database at ``url``."""
    from sqlalchemy import text

    from data.db.session import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            workers = list(conn.execute(text("SELECT id FROM workers ORDER BY id")).scalars())
            programmes = list(conn.execute(text("SELECT id FROM programmes ORDER BY id")).scalars())
            orders = list(
                conn.execute(text("SELECT id FROM orders WHERE status = 'open' ORDER BY id")).scalars()
            )
            texts = conn.execute(
                text("SELECT skills_text FROM workers WHERE skills_text <> '' ORDER BY id LIMIT 500")
            ).scalars()
            phrases = [t[:80] for t in texts if t and t.strip()]
    finally:
        engine.dispose()
    return WorldIds(workers, programmes, orders, phrases or list(PHRASES), "database")


def ids_from_api(
    base_url: str, headers: dict[str, str] | None = None, *, max_each: int = 200_000
) -> WorldIds:
    """The same ids through the list endpoints, 500 a page, at most ``max_each`` of each kind."""
    with httpx.Client(base_url=base_url, headers=headers, timeout=60.0, trust_env=False) as client:

        def page_all(path: str) -> list[str]:
            out: list[str] = []
            while len(out) < max_each:
                r = client.get(path, params={"limit": 500, "offset": len(out)})
                r.raise_for_status()
                items = r.json()["items"]
                out.extend(i["id"] for i in items)
                if len(items) < 500:
                    break
            return out

        return WorldIds(
            page_all("/api/v1/workers"),
            page_all("/api/v1/programmes"),
            page_all("/api/v1/orders"),
            list(PHRASES),
            "api",
        )


def parse_mix(spec: str) -> dict[str, float]:
    """``"recommendations=3,programmes=1"`` → weights; a bare name weighs 1."""
    mix: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, _, weight = part.partition("=")
        if name not in ROUTES:
            raise ValueError(f"unknown route {name!r} in --mix; expected one of {', '.join(ROUTES)}")
        mix[name] = float(weight) if weight else 1.0
        if mix[name] <= 0:
            raise ValueError(f"weight of {name} must be > 0")
    if not mix:
        raise ValueError("--mix names no route")
    return mix


def build_paths(mix: dict[str, float], ids: WorldIds, n: int, seed: int) -> list[tuple[str, str]]:
    """``n`` (route name, path) pairs drawn with the mix's weights, seeded."""
    needs = {"recommendations": ids.workers, "why-not": ids.workers, "candidates": ids.orders}
    for route, pool in needs.items():
        if route in mix and not pool:
            raise ValueError(f"route {route} needs ids, but the world has none")
    if "why-not" in mix and not (ids.programmes or ids.orders):
        raise ValueError("route why-not needs programmes or orders")
    rng = np.random.default_rng(seed)
    names = list(mix)
    weights = np.array([mix[r] for r in names], dtype=np.float64)
    chosen = rng.choice(len(names), size=n, p=weights / weights.sum())
    workers = _cycle(ids.workers, n, rng)
    orders = _cycle(ids.orders, n, rng)
    items = ids.programmes + ids.orders
    item_pick = rng.integers(0, max(len(items), 1), n)
    phrase_pick = rng.integers(0, len(ids.phrases), n)
    paths = []
    for i, k in enumerate(chosen):
        route = names[int(k)]
        paths.append(
            (
                route,
                ROUTES[route].format(
                    worker=workers[i] if workers else "",
                    order=orders[i] if orders else "",
                    item=items[int(item_pick[i])] if items else "",
                    q=quote(ids.phrases[int(phrase_pick[i])]),
                ),
            )
        )
    return paths


def _cycle(pool: list[str], n: int, rng: np.random.Generator) -> list[str]:
    """``n`` values: a random permutation of ``pool`` repeated as often as needed."""
    if not pool:
        return []
    order = rng.permutation(len(pool))
    reps = -(-n // len(pool))
    return [pool[int(i)] for i in np.tile(order, reps)[:n]]
