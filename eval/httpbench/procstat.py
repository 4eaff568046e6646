"""CPU and memory of processes from ``/proc`` (Linux), and the load average, over a run.

:class:`ResourceSampler` watches the process trees under some root pids (the server and every
child it forks, found again at each sample so ``--workers N`` children and late forks count) on
a thread: utime+stime from ``/proc/<pid>/stat`` and VmRSS / VmHWM from ``/proc/<pid>/status``
every ``interval`` seconds, ``os.getloadavg()`` every ``load_interval`` seconds. CPU figures are
per process over the run window; a process first seen after the run began counts from zero (it
started during the run), and the CPU of children the root reaped (cutime+cstime) is added to the
total so a short-lived fork is not lost.
"""

from __future__ import annotations

import os
import resource
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CLK_TCK = os.sysconf("SC_CLK_TCK")
PROC = Path("/proc")

__all__ = [
    "ResourceSampler",
    "SelfCpu",
    "cmdline",
    "descendants",
    "listening_pids",
    "read_stat",
]


@dataclass(frozen=True, slots=True)
class Stat:
    """The fields of ``/proc/<pid>/stat`` used here; times in clock ticks."""

    pid: int
    comm: str
    ppid: int
    utime: int
    stime: int
    cutime: int
    cstime: int

    @property
    def ticks(self) -> int:
        return self.utime + self.stime


def read_stat(pid: int) -> Stat | None:
    """``/proc/<pid>/stat`` parsed, or None when the process is gone."""
    try:
        raw = (PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # comm is in parentheses and may itself hold spaces or parentheses: split at the last ')'
    head, _, rest = raw.rpartition(")")
    comm = head.partition("(")[2]
    f = rest.split()
    # rest[0] is field 3 (state); field n of proc(5) is rest[n - 3]
    return Stat(pid, comm, int(f[1]), int(f[11]), int(f[12]), int(f[13]), int(f[14]))


def read_memory_kb(pid: int) -> tuple[int, int] | None:
    """(VmRSS, VmHWM) in kB from ``/proc/<pid>/status``, or None when the process is gone."""
    try:
        text = (PROC / str(pid) / "status").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    values = {"VmRSS": 0, "VmHWM": 0}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key in values:
            values[key] = int(value.split()[0])
    return values["VmRSS"], values["VmHWM"]


def read_pss_kb(pid: int) -> int | None:
    """Proportional set size (shared pages divided among the processes sharing them), in kB: the
    fair share of memory when forked workers share the parent's pages. None if unreadable."""
    try:
        text = (PROC / str(pid) / "smaps_rollup").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    for line in text.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return None


def cmdline(pid: int, limit: int = 200) -> str:
    try:
        raw = (PROC / str(pid) / "cmdline").read_bytes()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return ""
    return raw.replace(b"\0", b" ").decode(errors="replace").strip()[:limit]


def _parent_map() -> dict[int, int]:
    parents: dict[int, int] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit() and (st := read_stat(int(entry.name))) is not None:
            parents[st.pid] = st.ppid
    return parents


def descendants(roots: list[int]) -> list[int]:
    """The root pids that still exist and all their descendants, sorted."""
    parents = _parent_map()
    children: dict[int, list[int]] = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    found: set[int] = set()
    todo = [r for r in roots if r in parents]
    while todo:
        pid = todo.pop()
        if pid not in found:
            found.add(pid)
            todo.extend(children.get(pid, ()))
    return sorted(found)


def listening_pids(port: int) -> list[int]:
    """Pids of the processes holding a listening TCP socket on ``port`` (any address), found
    through ``/proc/net/tcp{,6}`` inodes and each process's open file descriptors."""
    inodes: set[str] = set()
    for table in ("tcp", "tcp6"):
        try:
            lines = (PROC / "net" / table).read_text().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            cols = line.split()
            local, state, inode = cols[1], cols[3], cols[9]
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                inodes.add(inode)
    pids = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fds = list((entry / "fd").iterdir())
        except (FileNotFoundError, PermissionError, ProcessLookupError):
            continue
        for fd in fds:
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                pids.append(int(entry.name))
                break
    return sorted(pids)


@dataclass(slots=True)
class _Track:
    pid: int
    ppid: int
    comm: str
    cmdline: str
    base_ticks: int
    last_ticks: int = 0
    rss_peak_kb: int = 0
    rss_last_kb: int = 0
    hwm_kb: int = 0
    seen_last: float = 0.0
    alive: bool = True


@dataclass(slots=True)
class ResourceSampler:
    """Samples the trees under ``roots`` on a thread between :meth:`start` and :meth:`stop`."""

    roots: list[int]
    interval: float = 0.5
    load_interval: float = 2.0
    _tracks: dict[int, _Track] = field(default_factory=dict)
    _root_children_base: int = 0
    _root_children_last: int = 0
    _loads: list[tuple[float, float, float, float]] = field(default_factory=list)
    _totals: list[tuple[float, int, int]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _t0: float = 0.0
    _t1: float = 0.0
    _load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    _load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def start(self) -> ResourceSampler:
        self._load_before = os.getloadavg()
        self._t0 = time.monotonic()
        self._root_children_base = self._root_children()
        self._sample(initial=True)
        self._thread = threading.Thread(target=self._run, name="resource-sampler", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> dict[str, Any]:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._sample()
        self._t1 = time.monotonic()
        self._load_after = os.getloadavg()
        return self.summary()

    def cpu_ticks_now(self) -> int:
        """Total ticks of the tracked processes so far (for windows inside a run)."""
        return sum(t.last_ticks - t.base_ticks for t in self._tracks.values())

    def _root_children(self) -> int:
        return sum(st.cutime + st.cstime for r in self.roots if (st := read_stat(r)) is not None)

    def _run(self) -> None:
        next_load = time.monotonic()
        while not self._stop.wait(self.interval):
            self._sample()
            if time.monotonic() >= next_load:
                self._loads.append((time.monotonic() - self._t0, *os.getloadavg()))
                next_load += self.load_interval

    def _sample(self, initial: bool = False) -> None:
        now = time.monotonic()
        pids = set(descendants(self.roots))
        for pid in pids:
            st = read_stat(pid)
            mem = read_memory_kb(pid)
            if st is None or mem is None:
                continue
            track = self._tracks.get(pid)
            if track is None:
                base = st.ticks if initial else 0
                track = self._tracks[pid] = _Track(pid, st.ppid, st.comm, cmdline(pid), base)
            track.last_ticks, track.seen_last = st.ticks, now
            track.rss_last_kb, track.hwm_kb = mem
            track.rss_peak_kb = max(track.rss_peak_kb, mem[0])
        for pid, track in self._tracks.items():
            track.alive = pid in pids
        children = self._root_children()
        if children:
            self._root_children_last = children
        live = [t for t in self._tracks.values() if t.alive]
        self._totals.append((now - self._t0, self.cpu_ticks_now(), sum(t.rss_last_kb for t in live)))

    def summary(self) -> dict[str, Any]:
        wall = max((self._t1 or time.monotonic()) - self._t0, 1e-9)
        processes = []
        for t in sorted(self._tracks.values(), key=lambda t: t.pid):
            cpu = (t.last_ticks - t.base_ticks) / CLK_TCK
            processes.append(
                {
                    "pid": t.pid,
                    "comm": t.comm,
                    "cmdline": t.cmdline,
                    "cpu_s": round(cpu, 3),
                    "cpu_percent_of_one_core": round(100 * cpu / wall, 1),
                    "rss_peak_mb": round(t.rss_peak_kb / 1024, 1),
                    "rss_end_mb": round(t.rss_last_kb / 1024, 1) if t.alive else None,
                    "vm_hwm_mb": round(t.hwm_kb / 1024, 1),
                    "pss_end_mb": _mb(read_pss_kb(t.pid)) if t.alive else None,
                    "alive_at_end": t.alive,
                }
            )
        # children the root reaped during the run, less those tracked here until they died
        dead = sum(t.last_ticks for t in self._tracks.values() if not t.alive and t.ppid in self.roots)
        reaped = max(self._root_children_last - self._root_children_base - dead, 0) / CLK_TCK
        total_cpu = sum((t.last_ticks - t.base_ticks) / CLK_TCK for t in self._tracks.values()) + reaped
        loads_1m = [s[1] for s in self._loads]
        return {
            "wall_s": round(wall, 3),
            "processes": processes,
            "total": {
                "cpu_s": round(total_cpu, 3),
                "cpu_percent_of_one_core": round(100 * total_cpu / wall, 1),
                "reaped_children_cpu_s": round(reaped, 3),
                "rss_peak_sum_mb": round(max((s[2] for s in self._totals), default=0) / 1024, 1),
                "cores_on_machine": os.cpu_count(),
            },
            "load_average": {
                "before": [round(x, 2) for x in self._load_before],
                "during_1m_max": round(max(loads_1m), 2) if loads_1m else None,
                "during_1m_mean": round(sum(loads_1m) / len(loads_1m), 2) if loads_1m else None,
                "after": [round(x, 2) for x in self._load_after],
                "samples": [[round(v, 2) for v in s] for s in self._loads],
            },
        }


def _mb(kb: int | None) -> float | None:
    return None if kb is None else round(kb / 1024, 1)


@dataclass(slots=True)
class SelfCpu:
    """CPU time of this process (all its threads) between :meth:`start` and :meth:`stop`: the load
    generator's own cost, to show it was not the bottleneck."""

    _cpu0: float = 0.0
    _wall0: float = 0.0

    def start(self) -> SelfCpu:
        self._cpu0 = _own_cpu()
        self._wall0 = time.monotonic()
        return self

    def stop(self) -> dict[str, float]:
        cpu = _own_cpu() - self._cpu0
        wall = max(time.monotonic() - self._wall0, 1e-9)
        return {
            "cpu_s": round(cpu, 3),
            "wall_s": round(wall, 3),
            "cpu_percent_of_one_core": round(100 * cpu / wall, 1),
        }


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
