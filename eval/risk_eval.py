"""How well the clause 十三 risk scan finds planted subsidy fraud in a synthetic world.

Generates a world (:mod:`data.synth`) and its last year of training records with planted fraud
(:mod:`data.synth.claims`), loads both into a fresh SQLite database (legitimate claims through the
subsidy service), runs the scan of every city as ``skillbridge risk scan`` does, and compares the
flags with the planted truth:

- precision: flags whose subject (worker, institution or claim) belongs to a planted case, over
  all flags — what share of an auditor's list is worth their time;
- recall: planted cases with at least one flag on one of their subjects, over all cases, overall
  and per pattern (``attendance_padding`` leaves no trace in the records: it counts as missed).

    .venv/bin/python -m eval.risk_eval --workers 2000 --seeds 20240204 1 2

writes ``eval/results/risk-scan.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def run_once(workers: int, seed: int, reference_date: dt.date) -> dict[str, Any]:
    from api.services.risk import find_flags
    from api.services.synth_claims import load_claims_world
    from data.db.session import make_engine, upgrade
    from data.loaders import ORDER, load_frame
    from data.policy_loader import available_cities
    from data.reference import load_reference
    from data.synth import SynthConfig, generate
    from data.synth.claims import make_claims_world

    started = time.perf_counter()
    frames = generate(SynthConfig(workers=workers, seed=seed, reference_date=reference_date))
    world = make_claims_world(frames, seed=seed, reference_date=reference_date)
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/risk.db")
        upgrade(engine)
        load_reference(engine)
        for kind in ORDER:
            load_frame(engine, kind, frames[kind], secret_key="risk-eval")
        loaded = load_claims_world(engine, world, today=reference_date, secret_key="risk-eval")
        flags = {}
        for city in available_cities():
            _book, raised = find_flags(engine, city, as_of=reference_date)
            flags.update({f.key: f for f in raised})
        engine.dispose()
    cases = loaded.truth.to_dicts()
    planted = {s for c in cases for s in c["subjects"]}
    flagged = {f.subject for f in flags.values()}
    hits = [f for f in flags.values() if f.subject in planted]
    found = [c for c in cases if set(c["subjects"]) & flagged]
    by_pattern: dict[str, list[int]] = {}
    for c in cases:
        by_pattern.setdefault(c["pattern"], [0, 0])
        by_pattern[c["pattern"]][1] += 1
        by_pattern[c["pattern"]][0] += bool(set(c["subjects"]) & flagged)
    false = Counter(f.kind for f in flags.values() if f.subject not in planted)
    return {
        "seed": seed,
        "counts": loaded.counts,
        "flags": len(flags),
        "true_flags": len(hits),
        "false_flags_by_kind": dict(sorted(false.items())),
        "precision": round(len(hits) / len(flags), 4) if flags else None,
        "cases": len(cases),
        "cases_found": len(found),
        "recall": round(len(found) / len(cases), 4) if cases else None,
        "recall_by_pattern": {k: f"{v[0]}/{v[1]}" for k, v in sorted(by_pattern.items())},
        "false_flag_examples": [f.message for f in flags.values() if f.subject not in planted][:5],
        "seconds": round(time.perf_counter() - started, 1),
    }


def _markdown(runs: list[dict[str, Any]], workers: int) -> str:
    lines = [
        "# Risk scan against planted fraud (clause 十三)",
        "",
        f"Synthetic world of {workers} workers per seed, reference date as given; the scan of every city",
        "(`api.services.risk.find_flags`, what `skillbridge risk scan` records) against the cases",
        "`data.synth.claims` planted. Precision is per flag, recall per planted case.",
        "",
        "| seed | enrollments | claims filed / accepted / planted direct | flags | precision "
        "| cases | recall |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in runs:
        c = r["counts"]
        assert isinstance(c, dict)
        lines.append(
            f"| {r['seed']} | {c['enrollments']} | {c['filed']} / {c['accepted']} / {c['direct']} "
            f"| {r['flags']} | {r['precision']} | {r['cases']} | {r['recall']} |"
        )
    flags = sum(int(r["flags"]) for r in runs)
    true = sum(int(r["true_flags"]) for r in runs)
    cases = sum(int(r["cases"]) for r in runs)
    found = sum(int(r["cases_found"]) for r in runs)
    padding = [str(r["recall_by_pattern"].get("attendance_padding", "0/0")).split("/") for r in runs]
    hidden, hidden_found = sum(int(b) for _, b in padding), sum(int(a) for a, _ in padding)
    lines += [
        "",
        f"All {len(runs)} seeds: precision {true}/{flags} = {true / flags:.3f}; recall {found}/{cases} = "
        f"{found / cases:.3f}; recall of the patterns that leave a trace (all but attendance_padding) "
        f"{found - hidden_found}/{cases - hidden} = {(found - hidden_found) / max(cases - hidden, 1):.3f}.",
    ]
    lines += ["", "Recall by pattern (found/planted) and false flags by kind:", ""]
    for r in runs:
        lines.append(f"- seed {r['seed']}: {r['recall_by_pattern']}; false flags {r['false_flags_by_kind']}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[20240204])
    parser.add_argument("--reference-date", type=dt.date.fromisoformat, default=dt.date(2026, 12, 1))
    parser.add_argument("--out", type=Path, default=RESULTS / "risk-scan")
    args = parser.parse_args(argv)
    runs = [run_once(args.workers, seed, args.reference_date) for seed in args.seeds]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(
        json.dumps({"workers": args.workers, "runs": runs}, ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )
    args.out.with_suffix(".md").write_text(_markdown(runs, args.workers), encoding="utf-8")
    print(_markdown(runs, args.workers))


if __name__ == "__main__":
    main()
