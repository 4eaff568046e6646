"""Locust user for the closed-loop run (started by :mod:`eval.httpbench.locust_runner`; never
imported by the harness, since importing locust monkey-patches the standard library).

Each user sends the next request of the shared path list as soon as its last one returned
(``wait_time = constant(0)``). Paths come from the JSON file in ``SB_BENCH_PATHS`` ([[route,
path], ...]); extra headers from ``SB_BENCH_HEADERS`` (a JSON object); the request timeout from
``SB_BENCH_TIMEOUT`` seconds. Requests are named by route, and failures by the same kinds as the
asyncio generators (``http_500``, ``timeout``, ``connection_reset``, …) so the two reports agree.
"""

from __future__ import annotations

import itertools
import json
import os
import socket

from locust import FastHttpUser, constant, task

with open(os.environ["SB_BENCH_PATHS"], encoding="utf-8") as _f:
    PATHS: list[tuple[str, str]] = [(r, p) for r, p in json.load(_f)]
HEADERS: dict[str, str] = json.loads(os.environ.get("SB_BENCH_HEADERS") or "{}")
TIMEOUT = float(os.environ.get("SB_BENCH_TIMEOUT") or "30")
# one shared cycle: users are greenlets, so next() is never interleaved
_NEXT = itertools.cycle(PATHS)


def error_kind(error: BaseException | None) -> str:
    if isinstance(error, ConnectionResetError):
        return "connection_reset"
    if isinstance(error, socket.timeout | TimeoutError):
        return "timeout"
    if isinstance(error, ConnectionRefusedError):
        return "connect_error"
    return f"other:{type(error).__name__}"


class Client(FastHttpUser):
    wait_time = constant(0)
    network_timeout = TIMEOUT
    connection_timeout = TIMEOUT

    @task
    def one(self) -> None:
        route, path = next(_NEXT)
        with self.client.get(path, name=route, headers=HEADERS, catch_response=True) as response:
            if 200 <= response.status_code < 300:
                response.success()
            elif response.status_code:
                response.failure(f"http_{response.status_code}")
            else:
                response.failure(error_kind(response.error))
