"""应培尽培 in the list (clause 二): do priority-group workers see a subsidised pathway near the top?

    python -m eval.subsidised_first_eval --workers 2000 --seed 20240204 --model e5-small

For every worker of a sample world in a priority group (脱贫劳动力 with 防返贫监测对象, 就业困难人员,
零就业家庭成员): whether any subsidised pathway exists at all (the full ranking, every pathway the
worker has), whether one is among the first five of the ten shown, and — when none exists — the
reason the recommendation gives. The same measure with the rule switched off (``within = 0`` in
a copy of the ranking configuration) shows what the rule changes.

A pathway is subsidised when the worker receives money for it: a training subsidy paid to the
worker or a living allowance (the ``subsidised`` field; checked against the amounts by
:mod:`eval.explanation_check`). ``measure`` takes a function (worker id, top) → recommendation
dict, so the lead can run it through HTTP.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["PRIORITY_GROUPS", "classify_reason", "main", "measure"]

PRIORITY_GROUPS = ("脱贫劳动力", "防返贫监测对象", "就业困难人员", "零就业家庭成员")
WITHIN = 5
SHOWN = 10
FULL = 1000
RESULTS_DIR = Path(__file__).resolve().parent / "results"

#: (words in the recommendation's 应培尽培 note, reason) in the order they are tried
_REASONS = (
    ("范围内都暂无培训项目", "no programme within reach"),
    ("范围内暂无培训项目", "no programme within reach"),
    ("目录中暂无培训项目", "empty catalogue"),
    ("目录内", "no subsidised occupation within reach"),
    ("享受过", "already subsidised for it"),
    ("周岁", "outside the subsidy's age range"),
    ("都不能为您发放补贴", "no programme within reach pays this worker"),
    ("名额已满或已开班", "subsidised programmes full or started"),
    ("暂不符合报名条件", "entry rules of the subsidised programmes not met"),
    ("不对口", "subsidised programmes unrelated to the worker"),
)


def classify_reason(notes: Iterable[str]) -> list[str]:
    """Every reason the 应培尽培 note gives, as short English labels (["no note"] without one)."""
    note = next((n for n in notes if n.startswith("按应培尽培要求")), None)
    if note is None:
        return ["no note"]
    found: list[str] = []
    for words, label in _REASONS:
        if words in note and label not in found:
            found.append(label)
    return found or ["other"]


def measure(fetch: Callable[[str, int], dict], worker_ids: Iterable[str]) -> dict[str, Any]:
    """The measure over ``worker_ids`` (the priority-group workers); ``fetch(id, top)`` returns
    the recommendation dict for ``top`` pathways."""
    exists = top5 = top10 = statuses_none = 0
    reasons: Counter[str] = Counter()
    first_reason: Counter[str] = Counter()
    missing: list[str] = []
    n = 0
    for wid in worker_ids:
        n += 1
        shown = fetch(wid, SHOWN)
        first = [p["rank"] for p in shown["pathways"] if p["subsidised"]]
        top5 += bool(first and min(first) <= WITHIN)
        top10 += bool(first)
        full = fetch(wid, FULL) if not first else shown
        if any(p["subsidised"] for p in full["pathways"]):
            exists += 1
            if not (first and min(first) <= WITHIN):
                missing.append(wid)
        elif shown["status"] == "needs_profile":
            reasons["profile to complete first (请补充技能和求职意向)"] += 1
        else:
            statuses_none += shown["status"] != "ok"
            labels = classify_reason(shown.get("notes", ()))
            first_reason[labels[0]] += 1
            for label in labels:
                reasons[label] += 1
    return {
        "priority_workers": n,
        "with_subsidised_pathway": exists,
        "subsidised_in_top5": top5,
        "subsidised_in_top10": top10,
        "share_top5_among_existing": top5 / exists if exists else None,
        "without_subsidised_pathway": n - exists,
        "of_which_without_any_pathway": statuses_none,
        "reasons_when_none": dict(reasons.most_common()),
        "first_reason_when_none": dict(first_reason.most_common()),
        "existing_but_not_in_top5": missing[:20],
    }


def _rule_off(ranking_dir: Path) -> Path:
    """A copy of the ranking configuration with the 应培尽培 rule switched off."""
    from data.ranking_config import RANKING_DIR

    shutil.copytree(RANKING_DIR, ranking_dir, dirs_exist_ok=True)
    default = ranking_dir / "default.toml"
    text = default.read_text(encoding="utf-8")
    default.write_text(text.replace("\nwithin = 5\n", "\nwithin = 0\n"), encoding="utf-8")
    assert "\nwithin = 0\n" in default.read_text(encoding="utf-8")
    return ranking_dir


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    import dataclasses

    from api.services.recommend.views import recommendation_dict
    from eval.recommender_eval import build_world

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=20240204)
    parser.add_argument("--model", default="e5-small")
    parser.add_argument("--today", default="2026-12-01")
    parser.add_argument("--home", type=Path, default=Path("var/eval-recommender"))
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    parser.add_argument("--url", help="measure a running service (its world's files in --sample)")
    parser.add_argument("--sample", type=Path, help="with --url: the world's Parquet files")
    args = parser.parse_args(argv)
    today = dt.date.fromisoformat(args.today)
    if args.url:
        return _over_http(args, today)
    world = build_world(
        args.home / f"world-{args.workers}-{args.seed}", args.workers, args.seed, args.model, today
    )
    ids = _priority_ids(world.sample_dir)
    rec = world.recommender

    def fetch_with(r: Any) -> Callable[[str, int], dict]:
        return lambda wid, top: recommendation_dict(r.recommend_worker(wid, top=top, today=today))

    doc: dict[str, Any] = {"rule_on": measure(fetch_with(rec), ids)}
    with tempfile.TemporaryDirectory() as tmp:
        off = dataclasses.replace(rec, ranking_dir=_rule_off(Path(tmp) / "ranking"), _weights={})
        doc["rule_off"] = measure(fetch_with(off), ids)
    command = (
        f"python -m eval.subsidised_first_eval --workers {args.workers} --seed {args.seed} "
        f"--model {args.model} --today {args.today}"
    )
    doc["command"] = command
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "subsidised-first.json").write_text(
        json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    print(json.dumps(doc, ensure_ascii=False, indent=2))
    return doc


def _priority_ids(sample_dir: Path) -> list[str]:
    import polars as pl

    workers = pl.read_parquet(sample_dir / "workers.parquet").select("id", "groups")
    return sorted(
        wid for wid, groups in workers.iter_rows() if set((groups or "").split("|")) & set(PRIORITY_GROUPS)
    )


def _over_http(args: argparse.Namespace, today: dt.date) -> dict[str, Any]:
    """The rule as served (rule on only): every answer through the recommendations route; whether a
    subsidised pathway exists is read from its first :data:`eval.http_fetch.HTTP_TOP` pathways."""
    from eval.http_fetch import HTTP_TOP, http_fetch

    doc: dict[str, Any] = {"rule_on": measure(http_fetch(args.url, today), _priority_ids(args.sample))}
    doc["existence_read_from_top"] = HTTP_TOP
    doc["command"] = (
        f"python -m eval.subsidised_first_eval --url {args.url} --sample {args.sample} --today {args.today}"
    )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "subsidised-first-http.json").write_text(
        json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    print(json.dumps(doc, ensure_ascii=False, indent=2))
    return doc


if __name__ == "__main__":
    main()
