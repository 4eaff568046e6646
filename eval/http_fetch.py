"""Recommendations of a running service, for the evaluations that also run in-process
(:mod:`eval.explanation_check`, :mod:`eval.subsidised_first_eval`): ``--url`` points them at a
``skillbridge serve`` whose database holds the sample world in ``--sample``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

__all__ = ["HTTP_TOP", "http_fetch"]

#: the most pathways the recommendations route returns (``top`` ≤ 100)
HTTP_TOP = 100


def http_fetch(url: str, today: dt.date, timeout: float = 120.0) -> Callable[[str, int], dict]:
    """fetch(worker id, top) → the route's JSON (``top`` capped at :data:`HTTP_TOP`); a non-200
    answer raises."""
    import httpx

    client = httpx.Client(base_url=url, timeout=timeout)

    def fetch(worker_id: str, top: int) -> dict:
        r = client.get(
            f"/api/v1/workers/{worker_id}/recommendations",
            params={"today": today.isoformat(), "top": min(top, HTTP_TOP)},
        )
        r.raise_for_status()
        return r.json()

    return fetch
