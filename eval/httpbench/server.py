"""The server under test: ``skillbridge serve`` started as a subprocess, or one already running.

:func:`start_server` runs ``skillbridge serve --host 127.0.0.1 --port P`` (``--workers N`` when
``serve --help`` offers it) in its own process group with ``SKILLBRIDGE_HOME`` /
``SKILLBRIDGE_DATABASE_URL`` / ``SKILLBRIDGE_MODEL`` set, its output in a log file, and waits
for readiness (:func:`wait_ready`). :meth:`Server.stop` sends SIGINT (what a person's Ctrl-C
sends), then SIGTERM, then SIGKILL to the group, each after a bounded wait, and says which one
ended it. :func:`attach_server` takes a URL and finds the processes behind it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from eval.httpbench.procstat import cmdline, descendants, listening_pids

__all__ = [
    "Server",
    "ServerConfig",
    "ServerNotReady",
    "attach_server",
    "serve_supports_workers",
    "skillbridge_executable",
    "start_server",
    "wait_ready",
]

READY_PATHS = ("/readyz", "/healthz")


class ServerNotReady(RuntimeError):
    """The server exited or did not become ready before the deadline."""


def skillbridge_executable() -> str:
    """The ``skillbridge`` script beside this interpreter (the venv's), else the one on PATH."""
    beside = Path(sys.executable).with_name("skillbridge")
    if beside.exists():
        return str(beside)
    found = shutil.which("skillbridge")
    if found is None:
        raise FileNotFoundError("no skillbridge executable beside the interpreter or on PATH")
    return found


def serve_supports_workers(executable: str, env: dict[str, str] | None = None) -> bool:
    """Whether ``skillbridge serve --help`` lists a ``--workers`` option."""
    out = subprocess.run(
        [executable, "serve", "--help"], capture_output=True, text=True, timeout=120, env=env, check=False
    )
    return "--workers" in out.stdout


def server_env(
    home: Path | None, database_url: str | None, model: str | None, extra: dict[str, str] | None = None
) -> dict[str, str]:
    """The environment for the server and for ``skillbridge`` commands run beside it."""
    env = dict(os.environ)
    env.update({"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"})
    if home is not None:
        env["SKILLBRIDGE_HOME"] = str(home)
    if database_url:
        env["SKILLBRIDGE_DATABASE_URL"] = database_url
    if model:
        env["SKILLBRIDGE_MODEL"] = model
    env.update(extra or {})
    return env


@dataclass(frozen=True, slots=True)
class ServerConfig:
    port: int
    log_path: Path
    home: Path | None = None
    database_url: str | None = None
    model: str | None = None
    workers: int | None = None
    host: str = "127.0.0.1"
    ready_timeout_s: float = 900.0
    extra_env: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Server:
    """A server the benchmark talks to; ``process`` is None when attached, not started."""

    url: str
    root_pids: list[int]
    command: list[str] | None = None
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    workers_option: bool | None = None
    started_at: float = 0.0
    readiness: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        pids = descendants(self.root_pids)
        return {
            "url": self.url,
            "started_by_benchmark": self.process is not None,
            "command": self.command,
            "workers_option_available": self.workers_option,
            "root_pids": self.root_pids,
            "processes": [{"pid": p, "cmdline": cmdline(p)} for p in pids],
            "log": str(self.log_path) if self.log_path else None,
            "readiness": self.readiness,
        }

    def stop(self, grace_s: float = 20.0) -> dict[str, Any]:
        """SIGINT, then SIGTERM to the group, then SIGKILL, each after a bounded wait. Attached
        servers are left running."""
        if self.process is None:
            return {"stopped": False, "reason": "attached: left running"}
        t0 = time.monotonic()
        steps = ((signal.SIGINT, grace_s, False), (signal.SIGTERM, 10.0, True), (signal.SIGKILL, 10.0, True))
        for sig, wait_s, group in steps:
            if self.process.poll() is not None:
                break
            try:
                if group:
                    os.killpg(self.process.pid, sig)
                else:
                    self.process.send_signal(sig)
            except ProcessLookupError:
                break
            try:
                self.process.wait(timeout=wait_s)
                return {
                    "stopped": True,
                    "by": sig.name,
                    "seconds": round(time.monotonic() - t0, 2),
                    "returncode": self.process.returncode,
                }
            except subprocess.TimeoutExpired:
                continue
        return {
            "stopped": self.process.poll() is not None,
            "by": "already exited",
            "seconds": round(time.monotonic() - t0, 2),
            "returncode": self.process.returncode,
        }


def start_server(cfg: ServerConfig, *, wait: bool = True) -> Server:
    """Start ``skillbridge serve`` and (unless ``wait`` is False) wait until it is ready."""
    exe = skillbridge_executable()
    env = server_env(cfg.home, cfg.database_url, cfg.model, cfg.extra_env)
    command = [exe, "serve", "--host", cfg.host, "--port", str(cfg.port)]
    has_workers = serve_supports_workers(exe, env)
    if cfg.workers is not None:
        if not has_workers:
            raise ValueError(f"--workers {cfg.workers} asked for, but `skillbridge serve` has no --workers")
        command += ["--workers", str(cfg.workers)]
    cfg.log_path.parent.mkdir(parents=True, exist_ok=True)
    log = cfg.log_path.open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    log.close()
    server = Server(
        url=f"http://{cfg.host}:{cfg.port}",
        root_pids=[process.pid],
        command=command,
        process=process,
        log_path=cfg.log_path,
        workers_option=has_workers,
        started_at=time.monotonic(),
    )
    if wait:
        try:
            server.readiness = wait_ready(server.url, cfg.ready_timeout_s, process=process, log=cfg.log_path)
        except BaseException:
            server.stop(grace_s=5)
            raise
    return server


def attach_server(url: str, pids: list[int] | None = None) -> Server:
    """A running server at ``url``; its processes are ``pids`` or the owners of its port."""
    port = urlsplit(url).port
    roots = pids or (listening_pids(port) if port else [])
    if not roots:
        raise ValueError(f"no process found listening on {url}; pass --pids")
    server = Server(url=url.rstrip("/"), root_pids=roots)
    server.readiness = wait_ready(server.url, 30.0)
    return server


def wait_ready(
    url: str,
    timeout_s: float,
    *,
    process: subprocess.Popen[bytes] | None = None,
    log: Path | None = None,
    interval_s: float = 0.25,
) -> dict[str, Any]:
    """Poll ``/readyz`` (``/healthz`` when the server has no ``/readyz``) until 200.

    Returns the path used, the seconds it took and every change of answer seen (seconds since
    the call, status or connection error, the start of the body). Raises :class:`ServerNotReady`
    if the process exits or ``timeout_s`` passes."""
    t0 = time.monotonic()
    path = READY_PATHS[0]
    changes: list[dict[str, Any]] = []
    last: str | None = None
    polls = 0
    with httpx.Client(base_url=url, timeout=5.0, trust_env=False) as client:
        while True:
            elapsed = time.monotonic() - t0
            if process is not None and process.poll() is not None:
                raise ServerNotReady(f"server exited with {process.returncode}: {_tail(log)}")
            if elapsed > timeout_s:
                raise ServerNotReady(f"not ready after {timeout_s:.0f} s at {url}{path}: {_tail(log)}")
            polls += 1
            try:
                response = client.get(path)
                answer, body = str(response.status_code), response.text[:300]
            except httpx.HTTPError as exc:
                answer, body = type(exc).__name__, ""
            if answer == "404" and path == READY_PATHS[0]:
                path = READY_PATHS[1]
                changes.append({"t_s": round(elapsed, 3), "path": READY_PATHS[0], "answer": "404"})
                continue
            if answer != last:
                changes.append({"t_s": round(elapsed, 3), "path": path, "answer": answer, "body": body})
                last = answer
            if answer == "200":
                return {"path": path, "seconds": round(elapsed, 3), "polls": polls, "changes": changes}
            time.sleep(interval_s)


def _tail(log: Path | None, n: int = 2000) -> str:
    if log is None or not log.exists():
        return ""
    return log.read_bytes()[-n:].decode(errors="replace")
