"""Nearest labelled examples as a fifth signal: ``python -m eval.exemplar_knn``.

A non-parametric counterpart of the fine-tuned adapter (``eval.finetune_occupations``), on the
same split: the training half's queries are stored with their gold codes, and a query's ``knn``
score for an occupation is its highest cosine to that occupation's stored examples (e5-small
query embeddings on both sides). The fusion weight of ``knn`` is chosen on the training half
leave-one-out (a training query never sees itself) and reported on the test half, beside the
shipped hybrid on the same queries. Writes ``eval/results/occupations-knn.{json,md}``.

Not shipped: in the product, the labelled examples a catalogue carries are its own 工种 names,
which ``--use-work-types`` already indexes in full.
"""

from __future__ import annotations

import json

import numpy as np

from embeddings.occupations import OccupationMatcher, SignalWeights
from embeddings.texts import query_text
from eval.occupation_benchmark import _evaluate, experiment_setup, metrics_table
from eval.occupation_tasks import Task, split_half, t1_task, t2_task

WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.4)


def knn_scores(
    queries: np.ndarray,
    examples: np.ndarray,
    labels: list[frozenset[str]],
    codes: list[str],
    *,
    skip_self: bool,
) -> np.ndarray:
    """(q, n) best cosine of each query to each occupation's examples (−1 where it has none).

    ``skip_self``: query i is example i (leave-one-out on the training half)."""
    sim = queries @ examples.T
    if skip_self:
        np.fill_diagonal(sim, -1.0)
    column = {c: i for i, c in enumerate(codes)}
    out = np.full((queries.shape[0], len(codes)), -1.0, dtype=np.float32)
    for j, gold in enumerate(labels):
        for code in gold:
            k = column[code]
            out[:, k] = np.maximum(out[:, k], sim[:, j])
    return out


def run(task: Task, catalogue, encoder) -> dict:  # type: ignore[no-untyped-def]
    train, test = split_half(task)
    matcher = OccupationMatcher.build(catalogue, encoder, fields=task.fields)
    shipped = SignalWeights().for_method("hybrid")
    train_q, test_q = (
        np.asarray(encoder.encode([query_text(q) for q in part.queries], kind="query"), dtype=np.float32)
        for part in (train, test)
    )
    codes = matcher.codes
    knn_train = knn_scores(train_q, train_q, train.gold, codes, skip_self=True)
    knn_test = knn_scores(test_q, train_q, train.gold, codes, skip_self=False)
    parts = {
        "train": (train, matcher.signals(train.queries), knn_train),
        "test": (test, matcher.signals(test.queries), knn_test),
    }

    def evaluate(part: str, weight: float) -> dict:
        half, signals, knn = parts[part]
        weights = {k: v * (1 - weight) for k, v in shipped.items()} | {"knn": weight}
        return _evaluate({**signals, "knn": knn}, codes, half, weights)

    fit = {w: evaluate("train", w) for w in WEIGHTS}
    best = max(WEIGHTS, key=lambda w: (fit[w]["MRR@10"], -w))
    return {
        "n_test": len(test.queries),
        "train_half_leave_one_out": {str(w): m for w, m in fit.items()},
        "chosen_weight": best,
        "test": {
            "hybrid (shipped weights)": evaluate("test", 0.0),
            "knn alone": _evaluate({"knn": knn_test}, codes, test, {"knn": 1.0}),
            f"hybrid + knn (weight {best}, chosen on the training half)": evaluate("test", best),
        },
    }


def _markdown(report: dict) -> str:
    lines = [
        "# Nearest labelled examples (kNN over the training half) as a fusion signal",
        "",
        f"Encoder {report['encoder']}; weights tried {list(WEIGHTS)}, chosen by MRR@10 on the training "
        "half leave-one-out; rows are the test half. Run: `python -m eval.exemplar_knn`.",
    ]
    for name, task in report["tasks"].items():
        lines += ["", f"## {name} (test half, n={task['n_test']})", "", *metrics_table(task["test"])]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> dict:
    args, catalogue, encoder = experiment_setup(__doc__.splitlines()[0], argv)
    report = {
        "encoder": args.encoder,
        "tasks": {
            "T1": run(t1_task(catalogue), catalogue, encoder),
            "T2": run(t2_task(catalogue), catalogue, encoder),
        },
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "occupations-knn.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    (args.out / "occupations-knn.md").write_text(_markdown(report), encoding="utf-8")
    print(_markdown(report))
    return report


if __name__ == "__main__":
    main()
