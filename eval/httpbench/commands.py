"""Running a ``skillbridge`` command beside the server and measuring it (wall time, CPU, peak
memory from ``os.wait4``), bounded by a timeout."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from eval.httpbench.server import skillbridge_executable

__all__ = ["CommandFailed", "run_skillbridge"]


class CommandFailed(RuntimeError):
    pass


def run_skillbridge(
    args: list[str], env: dict[str, str], *, log: Path, timeout_s: float = 7200.0, check: bool = True
) -> dict[str, Any]:
    """Run ``skillbridge ARGS`` with ``env``, its output appended to ``log``. Returns the command,
    its exit code, wall-clock start and exit (``time.time()``), seconds, CPU seconds and peak RSS
    (MB, the largest of it and the children it reaped), and the last lines it printed."""
    command = [skillbridge_executable(), *args]
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        out.write(f"\n$ {' '.join(command)}\n".encode())
        out.flush()
        t_start, m0 = time.time(), time.monotonic()
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
        watchdog = threading.Timer(timeout_s, process.kill)
        watchdog.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            watchdog.cancel()
        seconds = time.monotonic() - m0
        t_exit = time.time()
    process.returncode = os.waitstatus_to_exitcode(status)
    tail = log.read_bytes()[-1500:].decode(errors="replace").strip().splitlines()[-6:]
    result: dict[str, Any] = {
        "command": ["skillbridge", *args],
        "returncode": process.returncode,
        "started_at": round(t_start, 3),
        "exited_at": round(t_exit, 3),
        "seconds": round(seconds, 2),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "max_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "output_tail": tail,
    }
    if check and process.returncode != 0:
        raise CommandFailed(f"{' '.join(result['command'])} exited with {process.returncode}: {tail}")
    return result
