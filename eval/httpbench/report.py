"""A run's files: ``eval/results/http/<name>.json`` (everything measured, with the run's
config) and ``<name>.md`` (the tables a person reads); :func:`index_markdown` puts every run of
a folder in one table (``README.md`` there)."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

__all__ = [
    "RESULTS",
    "git_info",
    "host_info",
    "index_markdown",
    "mask_url",
    "redact_headers",
    "rewrite_markdown",
    "run_markdown",
    "write_report",
]

RESULTS = Path("eval/results/http")
SECRET_HEADERS = {"authorization", "cookie", "x-api-key"}


def git_info(repo: Path | None = None) -> dict[str, Any]:
    """Commit, branch and whether the tree had uncommitted changes (of the code measured)."""
    cwd = repo or Path.cwd()

    def git(*args: str) -> str:
        out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
        return out.stdout.strip()

    return {
        "commit": git("rev-parse", "HEAD") or None,
        "branch": git("rev-parse", "--abbrev-ref", "HEAD") or None,
        "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
    }


def host_info() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    }


def mask_url(url: str | None) -> str | None:
    """A database URL with its password replaced by ***."""
    if not url:
        return url
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def redact_headers(headers: dict[str, str]) -> dict[str, str]:
    return {k: ("<redacted>" if k.lower() in SECRET_HEADERS else v) for k, v in headers.items()}


def write_report(report: dict[str, Any], out_dir: Path = RESULTS) -> tuple[Path, Path]:
    """Write ``<name>.json`` and ``<name>.md`` and refresh the folder's ``README.md`` index."""
    out_dir.mkdir(parents=True, exist_ok=True)
    report.setdefault("created_at", dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    json_path = out_dir / f"{report['name']}.json"
    md_path = out_dir / f"{report['name']}.md"
    json_path.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    md_path.write_text(run_markdown(report), encoding="utf-8")
    (out_dir / "README.md").write_text(index_markdown(out_dir), encoding="utf-8")
    return json_path, md_path


def rewrite_markdown(out_dir: Path = RESULTS) -> None:
    """Every run's ``<name>.md`` and the ``README.md`` index, again from the JSON files."""
    for path in sorted(out_dir.glob("*.json")):
        report = json.loads(path.read_text(encoding="utf-8"))
        path.with_suffix(".md").write_text(run_markdown(report), encoding="utf-8")
    (out_dir / "README.md").write_text(index_markdown(out_dir), encoding="utf-8")


def _ms(value: Any) -> str:
    return "–" if value is None else f"{value:.1f}"


def _load(report: dict[str, Any]) -> dict[str, Any]:
    return (report.get("server_resources") or {}).get("load_average") or {}


def _latency_row(name: str, r: dict[str, Any]) -> str:
    lat = r["latency_ms"]
    thr = r.get("throughput_rps")
    return (
        f"| {name} | {r['requests']} | {r['ok']} | {r.get('errors', r['requests'] - r['ok'])} "
        f"| {'–' if thr is None else f'{thr:.1f}'} | {_ms(lat['p50'])} | {_ms(lat['p95'])} "
        f"| {_ms(lat['p99'])} | {_ms(lat['max'])} |"
    )


LATENCY_HEADER = (
    "| requests of | sent | 2xx | errors | throughput (req/s) | p50 ms | p95 ms | p99 ms | max ms |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
)


def latency_table(results: dict[str, Any]) -> list[str]:
    lines = [LATENCY_HEADER, _latency_row("all", results)]
    for route, r in results.get("per_route", {}).items():
        lines.append(_latency_row(route, {**r, "throughput_rps": None}))
    return lines


def resources_lines(report: dict[str, Any]) -> list[str]:
    res = report.get("server_resources")
    if not res:
        return []
    lines = [
        "",
        "Server processes (CPU over the run; % of one core):",
        "",
        "| pid | process | CPU s | CPU % | RSS peak MB | RSS end MB | PSS end MB |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for p in res["processes"]:
        cmd = p["cmdline"][:70].replace("|", "\\|")
        lines.append(
            f"| {p['pid']} | `{cmd}` | {p['cpu_s']:.1f} | {p['cpu_percent_of_one_core']:.0f} "
            f"| {p['rss_peak_mb']:.0f} | {_ms(p['rss_end_mb'])} | {_ms(p['pss_end_mb'])} |"
        )
    total = res["total"]
    load = res["load_average"]
    lines += [
        "",
        f"Server total: {total['cpu_s']:.1f} CPU s = {total['cpu_percent_of_one_core']:.0f}% of one core "
        f"({total['cores_on_machine']} cores on the machine). Load average before "
        f"{load['before']}, during (1-min) max {load['during_1m_max']} / mean {load['during_1m_mean']}, "
        f"after {load['after']}.",
    ]
    return lines


def run_markdown(report: dict[str, Any]) -> str:
    """The run's markdown: what was run, then its tables."""
    from eval.httpbench.report_sections import SECTIONS

    git = report.get("git") or {}
    lines = [
        f"# {report['name']} ({report['kind']})",
        "",
        f"{report.get('created_at', '')} · commit `{(git.get('commit') or '?')[:10]}`"
        f"{' (uncommitted changes)' if git.get('dirty') else ''} · "
        f"{(report.get('host') or {}).get('cpus')} CPUs",
        "",
        f"Config: `{json.dumps(report.get('config', {}), ensure_ascii=False)}`",
        "",
        f"World: `{json.dumps(report.get('world', {}), ensure_ascii=False)}`",
        "",
    ]
    lines += SECTIONS[report["kind"]](report)
    for note in report.get("notes", []):
        lines += ["", f"Note: {note}"]
    return "\n".join(lines) + "\n"


def index_markdown(out_dir: Path) -> str:
    """One row per run in ``out_dir`` (its JSON files), newest last."""
    rows = []
    for path in sorted(out_dir.glob("*.json")):
        try:
            report = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, OSError):
            continue
        rows.append(_index_row(report))
    rows.sort(key=lambda r: r[0])
    head = [
        "# HTTP benchmark runs",
        "",
        "Written by `python -m eval.bench_http` (see `eval/README-http.md`); one JSON and one markdown",
        "file per run beside this index. Latency in ms over 2xx answers, from the scheduled send.",
        "",
        "| run | kind | world | load | throughput req/s | p50 | p99 | max | errors | server CPU % "
        "| server RSS MB | load avg during (1-min max) | generator CPU % |",
        "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    return "\n".join(head + [r[1] for r in rows]) + "\n"


def _index_row(report: dict[str, Any]) -> tuple[str, str]:
    cfg = report.get("config", {})
    world = report.get("world", {})
    res = report.get("results") or {}
    lat = res.get("latency_ms") or {}
    srv = (report.get("server_resources") or {}).get("total") or {}
    gen = (report.get("generator") or {}).get("cpu") or {}
    kind = report["kind"]
    if kind == "freshness":
        load = (
            f"open {cfg['rate']:g}/s; import {cfg['new_programmes']} programmes + "
            f"{cfg['new_workers']} workers"
        )
    elif kind == "fresh-home":
        first = report.get("first_requests") or {}
        load = f"first 200 at {_ms(first.get('first_200_s'))} s after start"
    elif kind == "big-world":
        load = "generate + load: " + " + ".join(f"{s['seconds']:.0f}" for s in report.get("steps", [])) + " s"
    elif cfg.get("rate"):
        load = f"open {cfg['rate']:g}/s × {cfg.get('duration_s'):g} s"
    elif cfg.get("clients"):
        load = f"closed {cfg['clients']} clients × {cfg.get('duration_s'):g} s ({cfg.get('engine')})"
    else:
        load = "–"
    size = f"{world.get('workers', '?')} workers"
    requested = world.get("workers_requested")
    if requested and requested != world.get("workers"):
        size += f" ({requested} requested)"
    size += f", {world.get('database', '?')}"
    thr = res.get("throughput_rps")
    row = (
        f"| [{report['name']}]({report['name']}.md) | {report['kind']} | {size} | {load} "
        f"| {'–' if thr is None else f'{thr:.1f}'} | {_ms(lat.get('p50'))} | {_ms(lat.get('p99'))} "
        f"| {_ms(lat.get('max'))} | {res.get('errors', '–')} "
        f"| {srv.get('cpu_percent_of_one_core', '–')} | {srv.get('rss_peak_sum_mb', '–')} "
        f"| {_load(report).get('during_1m_max', '–')} | {gen.get('cpu_percent_of_one_core', '–')} |"
    )
    return report.get("created_at", ""), row
