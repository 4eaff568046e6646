"""The occupation-matching benchmark tasks and their metrics (data only; no model, no index).

* **T1** — every 工种 name of the catalogue's ``work_types`` column is a query; the gold answers are
  the occupations that list it. The index text of an occupation is name + definition + tasks,
  *without* work_types, so a query is never found verbatim in the field it came from.
* **T2** — single task lines (a fixed seeded sample of 3,000 distinct lines) against name +
  definition; gold = the occupations whose tasks contain that line.
* **realistic** — ``eval/data/occupation_queries_realistic.jsonl``: noisy order and profile texts
  written for this project, each with its gold code(s).

Metrics count ties against the method: a gold document's rank is one plus the number of *other*
documents scoring at least as high, so a method that gives many documents the same score cannot
get credit for the tie-break.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from embeddings.texts import split_tasks, split_work_types

__all__ = [
    "REALISTIC_PATH",
    "Task",
    "load_catalogue",
    "rank_of_gold",
    "realistic_rows",
    "realistic_task",
    "recall_mrr",
    "split_half",
    "t1_task",
    "t2_task",
]

REALISTIC_PATH = Path(__file__).parent / "data" / "occupation_queries_realistic.jsonl"
T2_SAMPLE = 3000
SEED = 20240202


@dataclass(frozen=True)
class Task:
    """Queries with their gold occupation codes, and which catalogue fields the index uses."""

    name: str
    queries: list[str]
    gold: list[frozenset[str]]
    fields: tuple[str, ...]


def load_catalogue(path: str | Path) -> pl.DataFrame:
    """The catalogue frame, one row per code (the source repeats 4-05-01-04 verbatim)."""
    try:
        from data.occupations import read_catalogue  # the product's reader (CSV or XLSX)

        frame = read_catalogue(Path(path))
    except ImportError:
        frame = pl.read_csv(path, infer_schema_length=0)
    return frame.unique(subset="code", keep="first", maintain_order=True)


def t1_task(catalogue: pl.DataFrame) -> Task:
    """T1: 工种 names → the occupations listing them; index fields name + definition + tasks."""
    gold: dict[str, set[str]] = {}
    for code, cell in catalogue.select("code", "work_types").iter_rows():
        for work_type in split_work_types(cell):
            gold.setdefault(work_type, set()).add(code)
    queries = list(gold)
    return Task("T1", queries, [frozenset(gold[q]) for q in queries], ("name", "definition", "tasks"))


def t2_task(catalogue: pl.DataFrame, sample: int = T2_SAMPLE, seed: int = SEED) -> Task:
    """T2: a seeded sample of distinct task lines → their occupations; index fields name + definition."""
    gold: dict[str, set[str]] = {}
    for code, cell in catalogue.select("code", "tasks").iter_rows():
        for line in split_tasks(cell):
            gold.setdefault(line, set()).add(code)
    lines = sorted(gold)
    chosen = random.Random(seed).sample(lines, min(sample, len(lines)))
    return Task("T2", chosen, [frozenset(gold[q]) for q in chosen], ("name", "definition"))


def realistic_rows(path: Path = REALISTIC_PATH) -> list[dict]:
    """The realistic set's rows: text, codes (every acceptable one), source (order/profile),
    register (title, posting, spoken, typo, pinyin, dialect) and split (dev/test, drawn once with
    a fixed seed and stored, so adding texts never moves old ones)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def realistic_task(
    path: Path = REALISTIC_PATH,
    fields: tuple[str, ...] = ("name", "definition", "tasks"),
    split: str | None = None,
) -> Task:
    """Hand-written noisy order/profile texts: one JSON object per line with "text" and "codes";
    ``split`` "dev" or "test" keeps that split only (None: all)."""
    rows = [r for r in realistic_rows(path) if split is None or r["split"] == split]
    name = "realistic" if split is None else f"realistic-{split}"
    return Task(name, [r["text"] for r in rows], [frozenset(r["codes"]) for r in rows], fields)


def split_half(task: Task, seed: int = SEED) -> tuple[Task, Task]:
    """Split a task by query string into a fixed (train, test) pair of halves."""
    order = sorted(range(len(task.queries)), key=lambda i: task.queries[i])
    random.Random(seed).shuffle(order)
    half = len(order) // 2
    parts = []
    for suffix, chosen in (("train", sorted(order[:half])), ("test", sorted(order[half:]))):
        parts.append(
            Task(
                f"{task.name}-{suffix}",
                [task.queries[i] for i in chosen],
                [task.gold[i] for i in chosen],
                task.fields,
            )
        )
    return parts[0], parts[1]


def rank_of_gold(scores: np.ndarray, codes: list[str], gold: list[frozenset[str]]) -> np.ndarray:
    """Pessimistic 1-based rank of the best gold document per query.

    ``scores`` (q, n) float32 with columns in ``codes`` order; ``-inf``/NaN count as the worst
    score. Rank = 1 + number of non-gold documents scoring ≥ the best gold document. Returns (q,) int64;
    a query whose gold code is not in ``codes`` gets rank n + 1.
    """
    column = {c: i for i, c in enumerate(codes)}
    scores = np.where(np.isfinite(scores), scores, -np.inf)
    ranks = np.full(scores.shape[0], len(codes) + 1, dtype=np.int64)
    for row, golds in enumerate(gold):
        cols = [column[c] for c in golds if c in column]
        if not cols:
            continue
        best = scores[row, cols].max()
        # other gold documents scoring as high are not counted against the method
        rank = (
            1 + int(np.count_nonzero(scores[row] >= best)) - int(np.count_nonzero(scores[row, cols] >= best))
        )
        ranks[row] = rank
    return ranks


def recall_mrr(ranks: np.ndarray) -> dict[str, float]:
    """Recall@1, Recall@10 and MRR@10 of pessimistic ranks (q,) int."""
    ranks = np.asarray(ranks)
    if ranks.size == 0:
        return {"R@1": float("nan"), "R@10": float("nan"), "MRR@10": float("nan"), "n": 0}
    return {
        "R@1": round(float(np.mean(ranks <= 1)), 4),
        "R@10": round(float(np.mean(ranks <= 10)), 4),
        "MRR@10": round(float(np.mean(np.where(ranks <= 10, 1.0 / ranks, 0.0))), 4),
        "n": int(ranks.size),
    }
