"""Figures of a :class:`~eval.httpbench.loadgen.RequestLog`: throughput, latency percentiles,
errors by kind, per route, per time window.

Latency percentiles are over the requests that got a 2xx (errors are counted by kind beside
them, so a fast 500 never flatters the latency), nearest-rank (``inverted_cdf``: every figure
is a latency some request really had), in milliseconds.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from eval.httpbench.loadgen import RequestLog

__all__ = ["Arrays", "latency_figures", "summarise", "timeline"]

QUANTILES = {"p50": 50, "p90": 90, "p95": 95, "p99": 99, "p999": 99.9}


class Arrays:
    """The log's columns as numpy arrays (seconds), built once."""

    def __init__(self, log: RequestLog) -> None:
        self.log = log
        self.route = np.asarray(log.route, dtype=np.int64)
        self.scheduled = np.asarray(log.scheduled, dtype=np.float64)
        self.sent = np.asarray(log.sent, dtype=np.float64)
        self.done = np.asarray(log.done, dtype=np.float64)
        self.status = np.asarray(log.status, dtype=np.int64)
        self.ok = np.array([e is None for e in log.error], dtype=bool)
        self.error = np.array([e or "" for e in log.error], dtype=object)


def latency_figures(seconds: np.ndarray) -> dict[str, float | int | None]:
    """n, mean, p50…p99.9 and max of latencies given in seconds, reported in ms (None if empty)."""
    out: dict[str, float | int | None] = {"n": int(seconds.size)}
    if seconds.size == 0:
        out.update({k: None for k in ("mean", *QUANTILES, "max")})
        return out
    ms = seconds * 1000.0
    out["mean"] = round(float(ms.mean()), 2)
    for name, q in QUANTILES.items():
        out[name] = round(float(np.percentile(ms, q, method="inverted_cdf")), 2)
    out["max"] = round(float(ms.max()), 2)
    return out


def summarise(
    log: RequestLog, *, window: tuple[float, float] | None = None, arrays: Arrays | None = None
) -> dict[str, Any]:
    """Figures of the whole run, or of the requests *scheduled* in ``window`` = [from, to) seconds.

    ``throughput_rps`` is 2xx answers per second of the window (of the run: its elapsed time,
    the final drain included); ``latency_ms`` counts from the scheduled send, ``latency_from_send_ms``
    from the actual one, and ``send_lag_ms`` is how late the generator sent (near 0 when the
    generator kept up with its schedule)."""
    a = arrays or Arrays(log)
    if window is None:
        mask = np.ones(a.route.size, dtype=bool)
        span = log.elapsed_s or (float(a.done.max()) if a.done.size else 0.0)
    else:
        mask = (a.scheduled >= window[0]) & (a.scheduled < window[1])
        span = window[1] - window[0]
    ok = mask & a.ok
    errors = Counter(a.error[mask & ~a.ok].tolist())
    out: dict[str, Any] = {
        "requests": int(mask.sum()),
        "ok": int(ok.sum()),
        "errors": int((mask & ~a.ok).sum()),
        "errors_by_kind": dict(sorted(errors.items())),
        "window_s": round(span, 3),
        "throughput_rps": round(int(ok.sum()) / span, 2) if span > 0 else None,
        "latency_ms": latency_figures(a.done[ok] - a.scheduled[ok]),
        "latency_from_send_ms": latency_figures(a.done[ok] - a.sent[ok]),
        "send_lag_ms": latency_figures(a.sent[mask] - a.scheduled[mask]),
    }
    if window is None:
        out["window"] = None
    else:
        out["window"] = [round(window[0], 3), round(window[1], 3)]
    per_route = {}
    for i, name in enumerate(log.routes):
        r = mask & (a.route == i)
        r_ok = r & a.ok
        per_route[name] = {
            "requests": int(r.sum()),
            "ok": int(r_ok.sum()),
            "errors_by_kind": dict(sorted(Counter(a.error[r & ~a.ok].tolist()).items())),
            "latency_ms": latency_figures(a.done[r_ok] - a.scheduled[r_ok]),
        }
    out["per_route"] = per_route
    return out


def timeline(log: RequestLog, step_s: float = 5.0, arrays: Arrays | None = None) -> list[dict[str, Any]]:
    """Per ``step_s`` window of scheduled time: requests, 2xx, errors, p50 / p99 / max latency (ms)."""
    a = arrays or Arrays(log)
    if a.scheduled.size == 0:
        return []
    rows = []
    end = float(a.scheduled.max())
    t = 0.0
    while t <= end:
        mask = (a.scheduled >= t) & (a.scheduled < t + step_s)
        ok = mask & a.ok
        lat = latency_figures(a.done[ok] - a.scheduled[ok])
        rows.append(
            {
                "t_s": round(t, 3),
                "requests": int(mask.sum()),
                "ok": int(ok.sum()),
                "errors": int((mask & ~a.ok).sum()),
                "p50_ms": lat["p50"],
                "p99_ms": lat["p99"],
                "max_ms": lat["max"],
            }
        )
        t += step_s
    return rows
