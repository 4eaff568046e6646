"""The markdown body of each kind of run (after the common header of
:func:`eval.httpbench.report.run_markdown`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eval.httpbench.report import _ms, latency_table, resources_lines

__all__ = ["SECTIONS"]


def _errors(results: dict[str, Any]) -> list[str]:
    kinds = results.get("errors_by_kind") or {}
    if not kinds:
        return ["", "Errors: none."]
    return ["", "Errors by kind: " + ", ".join(f"{k} {v}" for k, v in kinds.items()) + "."]


def _warmup(report: dict[str, Any]) -> list[str]:
    rows = report.get("warmup") or []
    if not rows:
        return []
    parts = [f"{w['route']} {w['status']} in {w['seconds']:.2f} s" for w in rows]
    return ["", "Warm-up (each route until a 200, before the clock): " + "; ".join(parts) + "."]


def _generator(report: dict[str, Any]) -> list[str]:
    gen = report.get("generator") or {}
    cpu = gen.get("cpu") or {}
    line = (
        f"Load generator ({gen.get('engine')}): {cpu.get('cpu_s', 0):.1f} CPU s over "
        f"{cpu.get('wall_s', 0):.1f} s = {cpu.get('cpu_percent_of_one_core', 0):.0f}% of one core"
    )
    lag = (report.get("results") or {}).get("send_lag_ms")
    if report["kind"] != "closed" and lag and lag.get("n"):
        line += f"; sent late by p50 {_ms(lag['p50'])} ms, p99 {_ms(lag['p99'])} ms, max {_ms(lag['max'])} ms"
    return ["", line + "."]


def _stop(report: dict[str, Any]) -> list[str]:
    stop = report.get("server_stop") or {}
    if not stop.get("stopped"):
        return []
    return ["", f"Server stopped by {stop['by']} in {stop['seconds']:.1f} s (exit {stop['returncode']})."]


def load_run(report: dict[str, Any]) -> list[str]:
    results = report["results"]
    lines = ["## Results", ""]
    lines += latency_table(results)
    if results.get("latency_from_send_ms", {}).get("n"):
        send = results["latency_from_send_ms"]
        lines += [
            "",
            f"Latency from the actual send: p50 {_ms(send['p50'])}, p99 {_ms(send['p99'])}, "
            f"max {_ms(send['max'])} ms.",
        ]
    if results.get("latency_measured_from"):
        lines += ["", f"Latency measured from: {results['latency_measured_from']}."]
    lines += _errors(results) + _warmup(report) + _generator(report)
    lines += resources_lines(report) + _stop(report)
    return lines


def freshness(report: dict[str, Any]) -> list[str]:
    lines = load_run(report)
    lines += [
        "",
        "## Before, during and after the import",
        "",
        "| window | from s | to s | sent | 2xx | errors | p50 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, w in report["windows"].items():
        lat = w["latency_ms"]
        lines.append(
            f"| {name} | {w['window'][0]:.1f} | {w['window'][1]:.1f} | {w['requests']} | {w['ok']} "
            f"| {w['errors']} | {_ms(lat['p50'])} | {_ms(lat['p99'])} | {_ms(lat['max'])} |"
        )
    verdict = report["verdict"]
    lines += [
        "",
        f"p99 during / before = {verdict['p99_during_over_before']}; errors in the run: {verdict['errors']}.",
        "",
        "## Imports and time to visible",
        "",
        "| import | rows | seconds | commit (s into run) | exit (s into run) |",
        "|---|---:|---:|---:|---:|",
    ]
    for imp in report["imports"]:
        lines.append(
            f"| {imp['kind']} | {imp['rows']} | {imp['seconds']:.1f} | {_ms(imp.get('commit_s'))} "
            f"| {_ms(imp.get('exit_s'))} |"
        )
    lines += [
        "",
        "| probe | visible (answer) | seconds after commit | seconds after exit | polls | first answer |",
        "|---|---|---:|---:|---:|---|",
    ]
    for p in report["probes"]:
        seen = f"yes ({p['visible_answer']})" if p["visible"] else f"NO (last {p['last_answer']})"
        lines.append(
            f"| {p['probe']} | {seen} | {_ms(p.get('after_commit_s'))} "
            f"| {_ms(p.get('after_exit_s'))} | {p['polls']} | {p['first_answer']} |"
        )
    return lines


def fresh_home(report: dict[str, Any]) -> list[str]:
    lines = ["## Steps", "", *_steps(report["steps"])]
    f = report["first_requests"]
    lines += [
        "",
        "## From `skillbridge serve` to the first recommendation",
        "",
        f"- port answering after {_ms(f.get('port_open_s'))} s; readiness (`{f.get('ready_path')}`) "
        f"200 after {_ms(f.get('ready_s'))} s;",
        f"- first recommendation request sent at {_ms(f.get('first_sent_s'))} s, answered "
        f"{f.get('first_status')} after {_ms(f.get('first_latency_s'))} s;",
        f"- first 200 recommendation at {_ms(f.get('first_200_s'))} s after start "
        f"(slowest single request {_ms(f.get('slowest_request_s'))} s);",
        f"- verdict: {report['verdict']['text']}",
        "",
        "Readiness answers seen (seconds after start):",
        "",
    ]
    lines += [
        f"- {c['t_s']:.2f} s `{c['path']}` → {c['answer']} {c.get('body', '')[:120]}" for c in f["readiness"]
    ]
    return lines + resources_lines(report) + _stop(report)


def _steps(steps: list[dict[str, Any]]) -> list[str]:
    lines = ["| step | seconds | CPU s | peak RSS MB |", "|---|---:|---:|---:|"]
    for step in steps:
        lines.append(
            f"| `{' '.join(step['command'])}` | {step['seconds']:.1f} | {step['cpu_s']:.1f} "
            f"| {step['max_rss_mb']:.0f} |"
        )
    return lines


def big_world(report: dict[str, Any]) -> list[str]:
    lines = ["## Generation and loading", "", *_steps(report["steps"])]
    size = report.get("database_mb")
    lines += ["", f"Rows in the database: `{report['counts']}`; database size {size} MB."]
    return lines


SECTIONS: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    "open": load_run,
    "closed": load_run,
    "freshness": freshness,
    "fresh-home": fresh_home,
    "big-world": big_world,
}
