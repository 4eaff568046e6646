"""Does every sentence a counselor reads agree with the numbers beside it?

    python -m eval.explanation_check --workers 2000 --seed 20240204 --model e5-small

Reads every explanation of every pathway of every worker of a sample world and holds each
sentence against the pathway's structured fields (kind, dates, the wait before the job,
distances, amounts, payee, rank and match) and those fields against the world's own files
(:mod:`eval.explanation_world`: dates, wages, fees, funding, coordinates, recomputed here); then
lints all user text for stutters and English tokens (:mod:`eval.explanation_lint`) and checks
the world's titles, institution and employer names and funding.

:func:`check_recommendations` takes a function worker id → recommendation dict (the JSON of the
HTTP API, ``api.services.recommend.views.recommendation_dict``), so the same checks run through
HTTP or in-process (:func:`check_why_not` does the same for a why-not answer). The money checks
(:mod:`eval.explanation_money`: amounts, what the worker pays first and what comes back when, the
allowance's days and how they were counted, who pays and who is paid) count like every other.
Counted apart, as *pending*: the lint of the subsidy engine's own sentences (``policy_reasons``,
codes ``policy_*``), which its owner words.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval.explanation_lint import Issue, lint_text, world_issues
from eval.explanation_pathway import LABELS, check_pathway
from eval.explanation_world import WorldFacts, load_world_facts

__all__ = [
    "PENDING_MONEY",
    "CheckReport",
    "check_pathway",
    "check_recommendation",
    "check_recommendations",
    "check_why_not",
    "is_pending",
    "main",
]

#: issue codes reported apart besides the subsidy engine's own sentences (``policy_reasons``,
#: prefixed "policy_"): none — the money wording's checks (issue 16 item 1) are live
PENDING_MONEY: frozenset[str] = frozenset()


def is_pending(code: str) -> bool:
    return code in PENDING_MONEY or code.startswith("policy_")


PRIORITY_GROUPS = ("脱贫劳动力", "防返贫监测对象", "就业困难人员", "零就业家庭成员")
SUBSIDISED_WITHIN = 5
RESULTS_DIR = Path(__file__).resolve().parent / "results"

_SHORT = re.compile(r"^(?:只找到(\d+)条路径（您要(\d+)条）|没有找到路径)。")
_CLAUSE = re.compile(r"(培训项目|用工订单)查看了(\d+)个(?:：([^；]*))?")


@dataclass
class CheckReport:
    workers: int = 0
    pathways: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    issues: list[Issue] = field(default_factory=list)

    def counts(self, pending: bool = False) -> dict[str, int]:
        c = Counter(i.code for i in self.issues if is_pending(i.code) == pending)
        return dict(sorted(c.items()))

    @property
    def inconsistencies(self) -> int:
        return sum(1 for i in self.issues if not is_pending(i.code))


def check_recommendation(
    rec: dict, worker: dict, facts: WorldFacts, today: dt.date, top: int
) -> tuple[list[Issue], int]:
    """Every check of one recommendation dict; returns (issues, pathways checked)."""
    wid = rec["worker_id"]
    out: list[Issue] = []
    paths = rec["pathways"]
    for p in paths:
        out += check_pathway(p, worker, facts, today, wid)
    if [p.get("rank") for p in paths] != list(range(1, len(paths) + 1)):
        out.append(Issue(wid, 0, "rank", f"ranks {[p.get('rank') for p in paths]}"))
    kept = [p for p in paths if not p.get("promoted_from")]
    if any(a["match"] < b["match"] or a["score"] < b["score"] for a, b in zip(kept, kept[1:], strict=False)):
        out.append(Issue(wid, 0, "rank", "match or score rises down the list"))
    if sum(1 for p in paths if p.get("promoted_from")) > 1:
        out.append(Issue(wid, 0, "rank", "more than one promoted pathway"))
    notes = list(rec.get("notes", []))
    for t in (rec["message"], *notes):
        out += [Issue(wid, 0, code, found) for code, found in lint_text(t)]
    out += _list_notes(rec, notes, worker, top)
    return out, len(paths)


def _list_notes(rec: dict, notes: list[str], worker: dict, top: int) -> list[Issue]:
    wid, paths = rec["worker_id"], rec["pathways"]
    out: list[Issue] = []
    short = [n for n in notes if _SHORT.match(n)]
    if rec["status"] in ("ok", "no_match") and len(paths) < top:
        if len(short) != 1:
            return [
                Issue(wid, 0, "notes", f"{len(paths)} of {top} pathways and {len(short)} shortfall notes")
            ]
        m = _SHORT.match(short[0])
        assert m is not None
        if (int(m.group(1) or 0), int(m.group(2) or top)) != (len(paths), top):
            out.append(Issue(wid, 0, "notes", f"shortfall note {m.group(0)} for {len(paths)} of {top}"))
        used = {"培训项目": {p["programme_id"] for p in paths if p["programme_id"]},
                "用工订单": {p["order_id"] for p in paths if p["order_id"]}}  # fmt: skip
        for what, total, parts in _CLAUSE.findall(short[0]):
            counts = re.findall(r"(\d+)个([^，]*)", parts)
            if sum(int(c) for c, _ in counts) != int(total):
                out.append(Issue(wid, 0, "notes", f"{what}: parts do not add up to {total}"))
            listed = sum(int(c) for c, words in counts if words == "已列入路径")
            if listed != len(used[what]):
                out.append(Issue(wid, 0, "notes", f"{what}: {listed} listed, {len(used[what])} in pathways"))
    elif short:
        out.append(Issue(wid, 0, "notes", "a shortfall note on a full list"))
    priority = any(g in (worker.get("groups") or "").split("|") for g in PRIORITY_GROUPS)
    subsidised = [p["rank"] for p in paths if p.get("subsidised")]
    told = any(n.startswith("按应培尽培要求") for n in notes)
    if priority and rec["status"] != "needs_profile":
        if subsidised and min(subsidised) > min(SUBSIDISED_WITHIN, len(paths)):
            out.append(Issue(wid, 0, "subsidised_first", f"first subsidised pathway at {min(subsidised)}"))
        if not subsidised and not told:
            out.append(Issue(wid, 0, "subsidised_first", "no subsidised pathway and no note why"))
    if told and (subsidised or not priority):
        out.append(Issue(wid, 0, "subsidised_first", "a 应培尽培 note beside a subsidised pathway"))
    return out


def check_why_not(d: dict, worker_id: str = "") -> list[Issue]:
    """A why-not answer (``api.services.recommend.views.why_not_dict``): a passing item names the
    place it takes, the pathway it lost to and the gaps, in match points; never a bare score."""
    text = d["text"]
    out = [Issue(worker_id, 0, code, found) for code, found in lint_text(text)]

    def bad(detail: str) -> None:
        out.append(Issue(worker_id, 0, "why_not", f"{d['item_id']}: {detail}"))

    if "得分" in text:
        bad("a bare score (得分)")
    if f"匹配度{d['match']}分" not in text and f"匹配度约为{d['match']}分" not in text:
        bad(f"match {d['match']} not stated")
    if d["passed"]:
        if d.get("rank") is None:
            bad("a passing item without its place in the ranking")
        elif f"第{d['rank']}位" not in text:
            bad(f"place {d['rank']} not stated")
        if d.get("lost_to") and d["lost_to"] not in text:
            bad(f"lost to {d['lost_to']} not stated")
        for feature, points in (d.get("gaps") or {}).items():
            said = re.search(f"{LABELS[feature]}少(\\d+)分", text)
            if points >= 1 and (said is None or abs(int(said.group(1)) - points) > 0.51):
                bad(f"gap {feature} {points} not stated")
    else:
        for e in d["exclusions"]:
            if e["text"] not in text:
                bad(f"exclusion {e['code']} not stated")
    return out


def check_recommendations(
    fetch: Callable[[str], dict],
    worker_ids: Iterable[str],
    facts: WorldFacts,
    today: dt.date,
    *,
    top: int = 10,
    world: bool = True,
) -> CheckReport:
    """Check ``fetch(worker_id)`` (a recommendation dict for ``top`` pathways on ``today``) for
    every id, and (``world``) the world's own titles, names and funding."""
    report = CheckReport()
    if world:
        report.issues += world_issues(facts)
    for wid in worker_ids:
        rec = fetch(wid)
        report.workers += 1
        report.statuses[rec["status"]] += 1
        issues, n = check_recommendation(rec, facts.workers[wid], facts, today, top)
        report.issues += issues
        report.pathways += n
    return report


def render(report: CheckReport, command: str) -> str:
    lines = [
        "# Explanation consistency check",
        "",
        f"Command: `{command}`",
        "",
        f"{report.workers} workers ({dict(sorted(report.statuses.items()))}), "
        f"{report.pathways} pathways checked.",
        "",
        f"**Inconsistencies: {report.inconsistencies}** {report.counts() or ''}",
        "",
        "Pending, counted apart — the lint of the subsidy engine's own sentences (`policy_*`): "
        f"{report.counts(pending=True) or 'none'}",
        "",
    ]
    shown = [i for i in report.issues if not is_pending(i.code)][:20]
    shown += [i for i in report.issues if is_pending(i.code)][:6]
    if shown:
        lines += ["Examples:", ""] + [
            f"- {i.worker_id or 'world'} #{i.rank} `{i.code}`: {i.detail}" for i in shown
        ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    from api.services.recommend.views import recommendation_dict
    from eval.recommender_eval import build_world

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=20240204)
    parser.add_argument("--model", default="e5-small")
    parser.add_argument("--today", default="2026-12-01")
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--home", type=Path, default=Path("var/eval-recommender"))
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    parser.add_argument("--url", help="check a running service (its world's files in --sample)")
    parser.add_argument("--sample", type=Path, help="with --url: the world's Parquet files")
    args = parser.parse_args(argv)
    today = dt.date.fromisoformat(args.today)
    if args.url:
        from eval.http_fetch import http_fetch

        facts = load_world_facts(args.sample)
        over_http = http_fetch(args.url, today)

        def fetch(wid: str) -> dict:
            return over_http(wid, args.top)

        command = (
            f"python -m eval.explanation_check --url {args.url} --sample {args.sample} "
            f"--today {args.today} --top {args.top}"
        )
    else:
        w = build_world(
            args.home / f"world-{args.workers}-{args.seed}", args.workers, args.seed, args.model, today
        )
        facts = load_world_facts(w.sample_dir)

        def fetch(wid: str) -> dict:
            return recommendation_dict(w.recommender.recommend_worker(wid, top=args.top, today=today))

        command = (
            f"python -m eval.explanation_check --workers {args.workers} --seed {args.seed} "
            f"--model {args.model} --today {args.today} --top {args.top}"
        )
    report = check_recommendations(fetch, sorted(facts.workers), facts, today, top=args.top)
    doc = {
        "command": command,
        "workers": report.workers,
        "pathways": report.pathways,
        "statuses": dict(report.statuses),
        "inconsistencies": report.inconsistencies,
        "counts": report.counts(),
        "pending_policy_lint": report.counts(pending=True),
        "examples": [dataclasses.asdict(i) for i in report.issues[:50]],
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "explanation-check.json").write_text(
        json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    (args.out / "explanation-check.md").write_text(render(report, command), encoding="utf-8")
    print(render(report, command))
    return doc


if __name__ == "__main__":
    main()
