"""Request ids, JSON logs, Prometheus metrics, and the last line of defence for errors.

:class:`RequestMiddleware` (pure ASGI, outermost of the app's own middleware) gives every request
an id (the caller's ``X-Request-ID`` when it is a short token, else a new one), echoes it in the
response, logs one JSON access line per request (method, route template, status, milliseconds —
never the raw path or query, which may carry personal data), records the request in the metrics,
and turns any exception that escaped the routes into a JSON 500 with the request id, logged once.
Catching it here, inside the server's own error middleware, keeps the connection alive.

Logs are JSON lines (:class:`JsonFormatter`) with the request id on every line written during a
request. Metrics work in one process or, with ``PROMETHEUS_MULTIPROC_DIR`` set by
``skillbridge serve --workers N``, across processes.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import re
import sys
import time
import traceback
import uuid
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client import multiprocess as prom_multiprocess

__all__ = [
    "JsonFormatter",
    "METRICS",
    "RequestMiddleware",
    "configure_logging",
    "current_request_id",
    "metrics_payload",
]

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
log = logging.getLogger("skillbridge.http")

#: record attributes every LogRecord has; anything else passed in ``extra`` goes into the JSON
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def current_request_id() -> str | None:
    return _request_id.get()


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, extras, exception."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None) or _request_id.get()
        if rid:
            out["request_id"] = rid
        for key, value in vars(record).items():
            if key not in _STANDARD and key != "request_id" and not key.startswith("_"):
                out[key] = value if isinstance(value, str | int | float | bool | type(None)) else str(value)
        if record.exc_info:
            out["exception"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        return json.dumps(out, ensure_ascii=False)


def configure_logging(level: str = "INFO") -> None:
    """JSON lines on stderr for the service's and the server's loggers (idempotent)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.set_name("skillbridge-json")
    root = logging.getLogger()
    if not any(h.get_name() == "skillbridge-json" for h in root.handlers):
        root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        lg = logging.getLogger(name)
        lg.handlers = []
        lg.propagate = True
    # the access line is ours (route template, no raw path or query string)
    logging.getLogger("uvicorn.access").disabled = True


class _Metrics:
    """The service's Prometheus metrics (created once per process)."""

    def __init__(self) -> None:
        self.requests = Counter(
            "skillbridge_http_requests_total",
            "HTTP requests by route template, method and status",
            ["route", "method", "status"],
        )
        self.latency = Histogram(
            "skillbridge_http_request_duration_seconds",
            "HTTP request latency by route template and method",
            ["route", "method"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 2.5, 5.0, 10.0),
        )
        self.snapshot_age = Gauge(
            "skillbridge_snapshot_age_seconds",
            "Age of the catalogue snapshot being served",
            multiprocess_mode="max",
        )
        self.snapshot_build = Gauge(
            "skillbridge_snapshot_build_seconds",
            "How long the last snapshot took to build",
            multiprocess_mode="max",
        )
        self.snapshot_builds = Counter("skillbridge_snapshot_builds_total", "Snapshots built", ["outcome"])
        self.pending_profiles = Gauge(
            "skillbridge_pending_profile_encodings",
            "Worker profiles whose embedding is missing or stale",
            multiprocess_mode="max",
        )
        self.profiles_encoded = Counter(
            "skillbridge_profiles_encoded_total", "Worker profiles encoded by the background encoder"
        )
        self.profiles_inline = Counter(
            "skillbridge_profiles_inline_total",
            "Profiles a request needed that were not stored yet: derived in the request, or deferred "
            "(answered 503 with Retry-After because another request was deriving one)",
            ["outcome"],
        )
        self.worker_index_size = Gauge(
            "skillbridge_worker_index_profiles",
            "Profiles in the worker index of this process",
            multiprocess_mode="max",
        )


METRICS = _Metrics()


def metrics_payload() -> bytes:
    """The text exposition of every metric (all processes' when running multi-process)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        prom_multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest()


_ERROR_BODY = "服务内部错误，请稍后再试；如问题持续，请提供请求编号"


class RequestMiddleware:
    """See the module docstring. ``app``: the ASGI app it wraps."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or ()).get(b"x-request-id", b"").decode("latin-1")
        rid = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex[:16]
        token = _request_id.set(rid)
        started = time.perf_counter()
        status = [500]
        response_started = [False]

        async def send_with_id(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                response_started[0] = True
                status[0] = message["status"]
                message["headers"] = [*message.get("headers", ()), (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:  # noqa: BLE001 - the last line of defence: answer, log once, keep the connection
            log.exception("unhandled error", extra={"route": _route(scope), "method": scope.get("method")})
            if not response_started[0]:
                body = json.dumps(
                    {"detail": _ERROR_BODY, "request_id": rid}, ensure_ascii=False, separators=(",", ":")
                ).encode()
                await send_with_id(
                    {
                        "type": "http.response.start",
                        "status": 500,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
            status[0] = 500
        finally:
            elapsed = time.perf_counter() - started
            route = _route(scope)
            method = scope.get("method", "")
            METRICS.requests.labels(route, method, str(status[0])).inc()
            METRICS.latency.labels(route, method).observe(elapsed)
            log.info(
                "request",
                extra={"method": method, "route": route, "status": status[0], "ms": round(elapsed * 1000, 2)},
            )
            _request_id.reset(token)


def _route(scope: dict[str, Any]) -> str:
    route = scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    return str(path) if path else "<unmatched>"
