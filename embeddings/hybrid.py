"""Fusion of dense and lexical retrieval: pure functions on score arrays, no index or model.

All functions take dense score matrices ``(q, n) float32`` whose columns are the same documents in
the same order (use :func:`scatter` to turn an index's top-k answer into such a row), and return
the same shape. Missing scores are ``-inf`` (a document the ANN index did not return).

Two fusions are offered:

* :func:`weighted_fusion` — per-query normalisation then a weighted sum. Normalisation matters
  because BM25 scores are unbounded and grow with query length while cosine similarities live in a
  narrow band (e5: roughly 0.7–0.9), so raw sums would let whichever is larger win. The default,
  ``"minmax"`` over each query's top ``norm_top`` scores, maps the best document to 1 and the
  ``norm_top``-th to 0, which makes the weights mean "share of the decision" regardless of scale.
* :func:`rrf` — reciprocal-rank fusion (Cormack et al. 2009), scale-free and robust when one
  ranker is poor, at the cost of throwing away how *much* better the first hit is.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["normalise", "rrf", "scatter", "topk", "weighted_fusion"]


def topk(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Best ``k`` columns per row of ``scores`` (q, n): (index (q, k') int64, scores (q, k') float32).

    ``k' = min(k, n)``. Ties are broken by column order (lower index first) so the result is
    deterministic. Uses ``argpartition`` so the cost is O(n) per row plus O(k log k).
    """
    scores = np.atleast_2d(np.asarray(scores, dtype=np.float32))
    n = scores.shape[1]
    k = max(0, min(int(k), n))
    if k == 0:
        return np.zeros((scores.shape[0], 0), dtype=np.int64), np.zeros((scores.shape[0], 0), np.float32)
    # Sorting by (-score, column) with lexsort keeps ties in column order; argpartition first so
    # only a candidate set of size k (plus ties at the boundary) is sorted.
    index = np.empty((scores.shape[0], k), dtype=np.int64)
    for row, values in enumerate(scores):
        safe = np.where(np.isnan(values), -np.inf, values)
        if k < n:
            cut = np.partition(safe, n - k)[n - k]
            candidates = np.flatnonzero(safe >= cut)
        else:
            candidates = np.arange(n)
        order = np.lexsort((candidates, -safe[candidates]))[:k]
        index[row] = candidates[order]
    return index, np.take_along_axis(scores, index, axis=1)


def scatter(ids: np.ndarray, scores: np.ndarray, columns: dict[str, int], n: int) -> np.ndarray:
    """Top-k answers (ids (q, k) str, scores (q, k)) → dense (q, n) float32 with -inf where absent.

    ``columns`` maps a document id to its column; ids not in it (and "") are ignored.
    """
    out = np.full((ids.shape[0], n), -np.inf, dtype=np.float32)
    for row in range(ids.shape[0]):
        for doc_id, score in zip(ids[row], scores[row], strict=True):
            col = columns.get(doc_id)
            if col is not None:
                out[row, col] = score
    return out


def normalise(scores: np.ndarray, method: str = "minmax", *, norm_top: int | None = 100) -> np.ndarray:
    """Per-row normalised copy of ``scores`` (q, n) float32.

    ``"minmax"``: (s − floor) / (max − floor), where floor is the ``norm_top``-th best score of the
    row (the row minimum when ``norm_top`` is None); values below the floor clip to 0.
    ``"zscore"``: (s − mean) / std over the row. ``-inf`` (absent) maps to the row floor (0 for
    minmax). A constant row maps to 0.
    """
    scores = np.atleast_2d(np.asarray(scores, dtype=np.float32))
    finite = np.isfinite(scores)
    out = np.zeros_like(scores)
    for row in range(scores.shape[0]):
        values = scores[row][finite[row]]
        if values.size == 0:
            continue
        if method == "minmax":
            top = values.max()
            if norm_top is not None and values.size > norm_top:
                floor = np.partition(values, values.size - norm_top)[values.size - norm_top]
            else:
                floor = values.min()
            span = top - floor
            if span > 0:
                out[row] = np.clip((np.where(finite[row], scores[row], floor) - floor) / span, 0.0, None)
        elif method == "zscore":
            std = values.std()
            if std > 0:
                out[row] = (np.where(finite[row], scores[row], values.min()) - values.mean()) / std
        else:
            raise ValueError(f"unknown normalisation {method!r}; expected 'minmax' or 'zscore'")
    return out


def weighted_fusion(
    score_arrays: Sequence[np.ndarray],
    weights: Sequence[float],
    *,
    method: str = "minmax",
    norm_top: int | None = 100,
) -> np.ndarray:
    """Σ wᵢ · normalise(scoresᵢ): each array (q, n), weights of the same length; returns (q, n) float32."""
    if len(score_arrays) != len(weights) or not score_arrays:
        raise ValueError("need one weight per score array, and at least one array")
    fused = np.zeros_like(np.atleast_2d(np.asarray(score_arrays[0], dtype=np.float32)))
    for scores, weight in zip(score_arrays, weights, strict=True):
        if weight:
            fused += np.float32(weight) * normalise(scores, method, norm_top=norm_top)
    return fused


def rrf(
    score_arrays: Sequence[np.ndarray], *, k: int = 60, weights: Sequence[float] | None = None
) -> np.ndarray:
    """Reciprocal-rank fusion: Σ wᵢ / (k + rankᵢ), rank 1-based per row; -inf scores contribute 0.

    Ties share the best rank of their group, so equal inputs give equal fused scores.
    """
    weights = [1.0] * len(score_arrays) if weights is None else list(weights)
    first = np.atleast_2d(np.asarray(score_arrays[0], dtype=np.float32))
    fused = np.zeros_like(first)
    for scores, weight in zip(score_arrays, weights, strict=True):
        scores = np.atleast_2d(np.asarray(scores, dtype=np.float32))
        for row in range(scores.shape[0]):
            values = scores[row]
            # rank = 1 + number of strictly better documents (ties share a rank)
            sorted_desc = np.sort(values)[::-1]
            rank = 1 + np.searchsorted(-sorted_desc, -values, side="left")
            fused[row] += np.where(np.isfinite(values), weight / (k + rank), 0.0).astype(np.float32)
    return fused
