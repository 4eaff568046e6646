"""Load generators on asyncio + aiohttp (one connection pool, keep-alive), 127.0.0.1 only.

- :func:`open_loop` — a fixed arrival rate: request *i* is due at ``t0 + i / rate`` and is sent
  then whether or not earlier ones have returned (no coordinated omission). Each request's latency
  is kept both from its scheduled time (what a user arriving then would wait, generator lag
  included) and from its actual send. At most ``max_in_flight`` requests are outstanding; a
  request due while the cap is reached is not sent and counts as an ``over_cap`` error.
- :func:`closed_loop` — N clients, each sending its next request when its last one returned.

Both record every request in a :class:`RequestLog`; request URLs are built before the clock
starts so the generator spends its CPU on sending, not on formatting.
"""

from __future__ import annotations

import asyncio
import errno
import time
from dataclasses import dataclass, field

import aiohttp
from yarl import URL

__all__ = ["RequestLog", "classify_error", "closed_loop", "open_loop", "only_loopback"]

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")


def only_loopback(base_url: str) -> None:
    """Refuse any target but this machine's loopback: the benchmark never loads another host."""
    host = URL(base_url).host or ""
    if host not in LOOPBACK_HOSTS and not host.startswith("127."):
        raise ValueError(f"the load generators only target 127.0.0.1 / localhost, not {host!r}")


@dataclass(slots=True)
class RequestLog:
    """One row per request. Times are seconds since ``t0`` (monotonic); ``wall_t0`` is the
    ``time.time()`` of ``t0``, to line requests up with events recorded in wall-clock time
    (an import's commit). ``status`` is 0 when no response came; ``error`` is None for a 2xx."""

    routes: list[str]
    wall_t0: float = 0.0
    route: list[int] = field(default_factory=list)
    scheduled: list[float] = field(default_factory=list)
    sent: list[float] = field(default_factory=list)
    done: list[float] = field(default_factory=list)
    status: list[int] = field(default_factory=list)
    error: list[str | None] = field(default_factory=list)
    elapsed_s: float = 0.0

    def add(
        self, route: int, scheduled: float, sent: float, done: float, status: int, error: str | None
    ) -> None:
        self.route.append(route)
        self.scheduled.append(scheduled)
        self.sent.append(sent)
        self.done.append(done)
        self.status.append(status)
        self.error.append(error)

    def __len__(self) -> int:
        return len(self.route)


def classify_error(exc: BaseException) -> str:
    """A short kind for a failed request: timeout, connection_reset, server_disconnected,
    connect_error, payload_error, or other:<ExceptionName>."""
    if isinstance(exc, asyncio.TimeoutError | aiohttp.ServerTimeoutError):
        return "timeout"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "server_disconnected"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return "connect_error"
    if isinstance(exc, ConnectionResetError) or (
        isinstance(exc, aiohttp.ClientOSError) and exc.errno == errno.ECONNRESET
    ):
        return "connection_reset"
    if isinstance(exc, aiohttp.ClientPayloadError):
        return "payload_error"
    return f"other:{type(exc).__name__}"


def _urls(base_url: str, paths: list[tuple[str, str]], routes: list[str]) -> list[tuple[int, URL]]:
    index = {r: i for i, r in enumerate(routes)}
    base = base_url.rstrip("/")
    return [(index[name], URL(base + path, encoded=True)) for name, path in paths]


def _session(limit: int, timeout_s: float, headers: dict[str, str] | None) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(limit=limit, limit_per_host=limit, ttl_dns_cache=None)
    session = aiohttp.ClientSession(
        connector=connector,
        timeout=aiohttp.ClientTimeout(total=timeout_s),
        headers=headers,
        auto_decompress=False,
    )
    # aiohttp silently resends a GET once when a kept-alive connection turns out closed; that
    # would hide a server that drops the connection after an error (issue 11 saw exactly that),
    # so the retry is off, as aiohttp's own test client turns it off
    if hasattr(session, "_retry_connection"):
        session._retry_connection = False
    return session


async def _one(
    session: aiohttp.ClientSession, url: URL, route: int, scheduled: float, t0: float, log: RequestLog
) -> None:
    loop = asyncio.get_running_loop()
    sent = loop.time() - t0
    try:
        async with session.get(url) as response:
            await response.read()
            status = response.status
        error = None if 200 <= status < 300 else f"http_{status}"
    except Exception as exc:  # noqa: BLE001 - every failure is a measured outcome
        status, error = 0, classify_error(exc)
    log.add(route, scheduled, sent, loop.time() - t0, status, error)


async def open_loop(
    base_url: str,
    paths: list[tuple[str, str]],
    *,
    rate: float,
    duration_s: float | None,
    max_in_flight: int = 1000,
    timeout_s: float = 30.0,
    headers: dict[str, str] | None = None,
    stop: asyncio.Event | None = None,
    started: asyncio.Event | None = None,
) -> RequestLog:
    """Send ``paths`` (cycled) at ``rate`` per second for ``duration_s`` seconds, or until
    ``stop`` is set when ``duration_s`` is None, then wait (at most ``timeout_s``) for the
    requests still out. ``started`` is set when the first request is due."""
    only_loopback(base_url)
    if rate <= 0:
        raise ValueError("rate must be > 0")
    if duration_s is None and stop is None:
        raise ValueError("an open loop needs a duration or a stop event")
    routes = sorted({name for name, _ in paths})
    urls = _urls(base_url, paths, routes)
    log = RequestLog(routes)
    loop = asyncio.get_running_loop()
    in_flight: set[asyncio.Task[None]] = set()
    async with _session(max_in_flight, timeout_s, headers) as session:
        t0 = loop.time() + 0.05
        log.wall_t0 = time.time() + (t0 - loop.time())
        if started is not None:
            started.set()
        i = 0
        while True:
            due = i / rate
            if duration_s is not None and due >= duration_s:
                break
            if stop is not None and stop.is_set():
                break
            delay = t0 + due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            route, url = urls[i % len(urls)]
            if len(in_flight) >= max_in_flight:
                now = loop.time() - t0
                log.add(route, due, now, now, 0, "over_cap")
            else:
                task = asyncio.create_task(_one(session, url, route, due, t0, log))
                in_flight.add(task)
                task.add_done_callback(in_flight.discard)
            i += 1
        if in_flight:
            await asyncio.wait(in_flight, timeout=timeout_s + 5)
        log.elapsed_s = loop.time() - t0
    return log


async def closed_loop(
    base_url: str,
    paths: list[tuple[str, str]],
    *,
    clients: int,
    duration_s: float,
    timeout_s: float = 30.0,
    headers: dict[str, str] | None = None,
) -> RequestLog:
    """``clients`` concurrent clients, each sending the next of ``paths`` (cycled, shared) as soon
    as its previous request returned, for ``duration_s`` seconds."""
    only_loopback(base_url)
    routes = sorted({name for name, _ in paths})
    urls = _urls(base_url, paths, routes)
    log = RequestLog(routes)
    loop = asyncio.get_running_loop()
    counter = iter(range(10**12))
    async with _session(clients, timeout_s, headers) as session:
        t0 = loop.time()
        log.wall_t0 = time.time()
        end = t0 + duration_s

        async def client() -> None:
            while loop.time() < end:
                route, url = urls[next(counter) % len(urls)]
                await _one(session, url, route, loop.time() - t0, t0, log)

        await asyncio.gather(*(client() for _ in range(clients)))
        log.elapsed_s = loop.time() - t0
    return log
