"""How far fusion of the matcher's signals can go: ``python -m eval.signal_oracle``.

For T1 and T2 (all queries), the rank of the gold occupation under each of the four signals
alone (BM25 and dense, text and name fields), the shipped hybrid, and the *per-query oracle*
that picks whichever single signal ranks the gold best for that query. The oracle is not a
bound on fusion (a fused score can rank gold first where no signal does), but when it falls
short of a target, re-weighting these signals is not the way to reach it. Writes
``eval/results/occupations-oracle.{json,md}``.
"""

from __future__ import annotations

import json

import numpy as np

from embeddings.occupations import OccupationMatcher, SignalWeights, fuse
from eval.occupation_benchmark import TARGETS, experiment_setup, metrics_table
from eval.occupation_tasks import Task, rank_of_gold, recall_mrr, t1_task, t2_task

SIGNALS = ("bm25_text", "bm25_name", "dense_text", "dense_name")


def run(task: Task, catalogue, encoder) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    matcher = OccupationMatcher.build(catalogue, encoder, fields=task.fields)
    signals = matcher.signals(task.queries)
    ranks = {name: rank_of_gold(fuse(signals, {name: 1.0}), matcher.codes, task.gold) for name in SIGNALS}
    out = {name: recall_mrr(r) for name, r in ranks.items()}
    hybrid = fuse(signals, SignalWeights().for_method("hybrid"))
    out["hybrid (shipped weights)"] = recall_mrr(rank_of_gold(hybrid, matcher.codes, task.gold))
    out["oracle: best single signal per query"] = recall_mrr(np.min(np.stack(list(ranks.values())), axis=0))
    return out


def main(argv: list[str] | None = None) -> dict:
    args, catalogue, encoder = experiment_setup(__doc__.splitlines()[0], argv)
    report = {"encoder": args.encoder, "tasks": {}}
    lines = [
        "# Per-query oracle over the matcher's signals",
        "",
        f"Encoder {args.encoder}; all queries; ties count against. Run: `python -m eval.signal_oracle`.",
    ]
    for name, task in (("T1", t1_task(catalogue)), ("T2", t2_task(catalogue))):
        rows = report["tasks"][name] = run(task, catalogue, encoder)
        target = TARGETS[name]
        lines += ["", f"## {name} (n={len(task.queries)}; target R@1 ≥ {target[0]}, R@10 ≥ {target[1]})", ""]
        lines += metrics_table(rows, first="ranking")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "occupations-oracle.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    (args.out / "occupations-oracle.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return report


if __name__ == "__main__":
    main()
