"""Seeded randomness and vectorised picking shared by the generators.

Every generator draws from its own stream, ``stream(seed, part, chunk)``, so that adding draws in
one part never shifts another and a chunk of workers is the same whatever else is generated.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

#: Stream keys, one per part of the world.
INSTITUTIONS, PROGRAMMES, ORDERS, WORKERS = 1, 2, 3, 4


def stream(seed: int, part: int, chunk: int = 0) -> np.random.Generator:
    """An independent generator for (seed, part, chunk)."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(part, chunk))))


def weighted(rng: np.random.Generator, weights: Sequence[float] | np.ndarray, n: int) -> np.ndarray:
    """(n,) int64 indices drawn with probability proportional to ``weights``."""
    w = np.asarray(weights, dtype=np.float64)
    cdf = np.cumsum(w / w.sum())
    cdf[-1] = 1.0
    return np.searchsorted(cdf, rng.random(n), side="right").astype(np.int64)


def weighted_rows(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """One draw per row of a (n, k) weight matrix: (n,) int64 column indices."""
    cdf = np.cumsum(weights, axis=1)
    total = cdf[:, -1:]
    u = rng.random((weights.shape[0], 1)) * total
    return np.minimum((cdf <= u).sum(axis=1), weights.shape[1] - 1).astype(np.int64)


def pick(rng: np.random.Generator, pool: Sequence[str], n: int) -> np.ndarray:
    """(n,) str drawn uniformly from ``pool``."""
    return np.asarray(pool, dtype=str)[rng.integers(0, len(pool), n)]


class PhrasePool:
    """Per-trade phrase lists flattened into one polars Series, for vectorised gathering.

    ``PhrasePool([["a", "b"], ["c"]])`` then ``pool.draw(rng, trade_idx, mask)`` returns a
    (n,) Utf8 Series: a uniformly chosen phrase of each row's trade, null where ``mask`` is False
    or the trade has no phrase."""

    def __init__(self, lists: Sequence[Sequence[str]]) -> None:
        flat = [p for phrases in lists for p in phrases]
        self.counts = np.array([len(p) for p in lists], dtype=np.int64)
        self.offsets = np.concatenate([[0], np.cumsum(self.counts)[:-1]]).astype(np.int64)
        self.null_index = len(flat)
        self.series = pl.Series("phrase", [*flat, None], dtype=pl.Utf8)

    def draw(self, rng: np.random.Generator, trade: np.ndarray, mask: np.ndarray | None = None) -> pl.Series:
        u = rng.random(len(trade))
        safe = np.where(trade >= 0, trade, 0)
        count = self.counts[safe]
        idx = self.offsets[safe] + np.minimum((u * count).astype(np.int64), np.maximum(count - 1, 0))
        ok = (trade >= 0) & (count > 0)
        if mask is not None:
            ok &= mask
        return self.series.gather(np.where(ok, idx, self.null_index))


def uniform_pool(pool: Sequence[str]) -> PhrasePool:
    """A pool whose every row draws from the same list (use trade index 0)."""
    return PhrasePool([pool])


def draw_from(rng: np.random.Generator, pool: Sequence[str], mask: np.ndarray) -> pl.Series:
    """(n,) Utf8 Series: a phrase of ``pool`` where ``mask``, else null."""
    return uniform_pool(pool).draw(rng, np.zeros(len(mask), dtype=np.int64), mask)


def fill(template: pl.Series, **values: pl.Series | str) -> pl.Series:
    """Replace each ``{key}`` in ``template`` rows by the row's value (literal, first occurrence)."""
    frame = pl.DataFrame({"t": template, **{k: v for k, v in values.items() if isinstance(v, pl.Series)}})
    expr = pl.col("t")
    for key, value in values.items():
        expr = expr.str.replace(
            "{" + key + "}", pl.col(key) if isinstance(value, pl.Series) else value, literal=True
        )
    return frame.select(expr).to_series().alias(template.name)


def masked(name: str, values: np.ndarray | Sequence, mask: np.ndarray | None = None) -> pl.Series:
    """(n,) Series of numpy ``values`` (str, int or float), null where ``mask`` is False."""
    arr = np.asarray(values)
    series = pl.Series(name, arr.astype(str) if arr.dtype == object else arr)
    if mask is None:
        return series
    return series.zip_with(pl.Series(np.asarray(mask, dtype=bool)), series.clear(len(series)))


def join_columns(parts: Sequence[pl.Series], separator: str) -> pl.Series:
    """Row-wise join of the non-null values of several (n,) Utf8 Series; "" where all are null."""
    frame = pl.DataFrame([p.alias(f"_{i}") for i, p in enumerate(parts)])
    return frame.select(pl.concat_str(pl.all(), separator=separator, ignore_nulls=True)).to_series()


CN_NUMBERS = [
    "零",
    "一",
    "两",
    "三",
    "四",
    "五",
    "六",
    "七",
    "八",
    "九",
    "十",
    "十一",
    "十二",
    "十三",
    "十四",
    "十五",
    "十六",
    "十七",
    "十八",
    "十九",
    "二十",
]


def years_text(rng: np.random.Generator, years: np.ndarray) -> pl.Series:
    """How people say a number of years: "3", "三", "十来", "二十多"."""
    y = np.clip(years, 1, 40)
    cn = np.asarray(CN_NUMBERS + ["二十多"] * 20, dtype=str)[y]
    cn = np.where((y >= 10) & (y < 13) & (rng.random(len(y)) < 0.4), "十来", cn)
    return pl.Series("n", np.where(rng.random(len(y)) < 0.5, cn, y.astype(str)))
