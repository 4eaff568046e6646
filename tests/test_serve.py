"""``skillbridge serve`` as a real server process on 127.0.0.1: one or two processes on one home,
keep-alive connections surviving a server error, readiness, metrics across processes, and a
clean stop on SIGINT. Traffic is bounded and local."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.apps import SECRET, TODAY
from tests.auth_helpers import make_user

DAY = {"today": TODAY.isoformat()}


def _read_response(stream) -> tuple[int, dict[str, str], bytes]:  # type: ignore[no-untyped-def]
    """One HTTP/1.1 response with a Content-Length body from a socket file."""
    status = int(stream.readline().split()[1])
    headers: dict[str, str] = {}
    while (line := stream.readline().decode("latin-1").strip()) != "":
        name, value = line.split(":", 1)
        headers[name.lower()] = value.strip()
    return status, headers, stream.read(int(headers["content-length"]))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(base: str, proc: subprocess.Popen[bytes], deadline_s: float = 180) -> None:
    """Until every process is ready: new connections land on any of them, so readiness must hold
    for many in a row."""
    deadline = time.monotonic() + deadline_s  # a hang guard only
    streak = 0
    while True:
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else "server exited"
        try:
            streak = streak + 1 if httpx.get(f"{base}/readyz", timeout=2).status_code == 200 else 0
        except httpx.TransportError:
            streak = 0
        if streak >= 40:
            return
        assert time.monotonic() < deadline, "server never became ready"
        time.sleep(0.05 if streak else 0.2)


@pytest.fixture
def served_world(world_engine, tmp_path: Path) -> Iterator:  # type: ignore[no-untyped-def]
    """Start ``skillbridge serve`` over this test's world database: ``start(workers)`` → base URL."""
    procs: list[subprocess.Popen[bytes]] = []

    def start(workers: int = 1, **env: str) -> tuple[str, subprocess.Popen[bytes]]:
        port = _free_port()
        full_env = {
            **os.environ,
            "SKILLBRIDGE_HOME": str(tmp_path / "home"),
            "SKILLBRIDGE_DATABASE_URL": world_engine.url.render_as_string(hide_password=False),
            "SKILLBRIDGE_MODEL": "hash",
            "SKILLBRIDGE_SECRET_KEY": SECRET,
            "SKILLBRIDGE_CATALOGUE_CHECK_SECONDS": "0.5",
            **env,
        }
        cmd = [sys.executable, "-m", "api.cli", "serve", "--port", str(port), "--workers", str(workers)]
        # its own process group: the fixture can stop the server and its worker processes together
        proc = subprocess.Popen(
            cmd, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
        )
        procs.append(proc)
        base = f"http://127.0.0.1:{port}"
        _wait_ready(base, proc)
        return base, proc

    yield start
    for proc in procs:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()


def _token(engine, base: str) -> str:  # type: ignore[no-untyped-def]
    """A province-wide counselor's token from the running server."""
    name, password = make_user(engine, "counselor")
    r = httpx.post(f"{base}/api/v1/auth/login", json={"username": name, "password": password}, timeout=30)
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def test_two_processes_serve_one_home(served_world, world_engine) -> None:  # type: ignore[no-untyped-def]
    base, proc = served_world(workers=2)
    headers = {"Authorization": f"Bearer {_token(world_engine, base)}"}
    with httpx.Client(base_url=base, timeout=30, headers=headers) as client:
        for n in range(1, 61):
            r = client.get(f"/api/v1/workers/W{n:07d}/recommendations", params=DAY)
            assert r.status_code == 200, r.text[:200]
        metrics = client.get("/metrics").text
        # the processes' counters are summed in one exposition
        total = sum(
            float(line.rsplit(" ", 1)[1])
            for line in metrics.splitlines()
            if line.startswith("skillbridge_http_requests_total{")
            and 'route="/api/v1/workers/{worker_id}/recommendations"' in line
        )
        assert total == 60
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 0
    err = proc.stderr.read().decode() if proc.stderr else ""
    assert "Traceback" not in err


def test_keep_alive_survives_a_server_error(served_world, world_engine) -> None:  # type: ignore[no-untyped-def]
    """A 500 is a JSON answer with a request id, and the same connection serves the next request
    (before, the server dropped it and the next request failed with a connection reset). The
    error is a real one: a stored row the code cannot read."""
    from sqlalchemy import text

    with world_engine.begin() as conn:
        conn.execute(text("UPDATE workers SET desired_occupations = '5' WHERE id = 'W0000002'"))
    base, proc = served_world(workers=1)
    token = _token(world_engine, base)
    port = int(base.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=180) as sock, sock.makefile("rb") as stream:
        for path, rid, want in (
            ("/api/v1/workers/W0000002/recommendations?today=2026-12-01", "fault-1", 500),
            ("/api/v1/programmes?limit=1", "after-1", 200),
            ("/api/v1/workers/W0000001/recommendations?today=2026-12-01", "after-2", 200),
        ):
            head = (
                f"GET {path} HTTP/1.1\r\nHost: x\r\nX-Request-ID: {rid}\r\nAuthorization: Bearer {token}\r\n"
            )
            sock.sendall((head + "\r\n").encode())
            status, headers, body = _read_response(stream)
            assert status == want, (path, body[:200])
            assert headers["x-request-id"] == rid and headers.get("connection") != "close"
            if want == 500:
                assert b'"request_id":"fault-1"' in body
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 0
    err = proc.stderr.read().decode() if proc.stderr else ""
    assert err.count('"message": "unhandled error"') == 1 and "fault-1" in err
