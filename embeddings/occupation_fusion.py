"""How the occupation matcher's signals are fused into one score (pure numpy).

Text and name signals are min-max normalised per query (:func:`embeddings.hybrid.weighted_fusion`):
their scales differ and only their order within a query means something. The lexicon signals are
already on an absolute 0–1 scale — the share of an alias the query contains, and an alias cosine
above a floor — and are added as they are: a query that barely touches the best alias must not
get a full lexicon vote for it.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from embeddings.hybrid import weighted_fusion

__all__ = ["ABSOLUTE_SIGNALS", "absolute_scale", "fuse"]

#: signals already on an absolute 0–1 scale, fused as they are rather than min-max normalised
#: per query: a weak best alias must stay weak, or it would decide every query it barely touches
#: (it did: min-max lexicon fields took T1 from R@1 0.664 to 0.234)
ABSOLUTE_SIGNALS = frozenset({"bm25_lexicon", "dense_lexicon"})


def absolute_scale(name: str, scores: np.ndarray, *, cosine_floor: float = 0.85) -> np.ndarray:
    """An absolute signal on 0–1: ``bm25_lexicon`` clipped, ``dense_lexicon`` cosines as
    (cos − floor) / (1 − floor) clipped; -inf (no alias) is 0. (q, n) float32 → (q, n) float32."""
    values = np.where(np.isfinite(scores), scores, 0.0 if name == "bm25_lexicon" else cosine_floor)
    if name == "dense_lexicon":
        values = (values - cosine_floor) / (1.0 - cosine_floor)
    return np.clip(values, 0.0, 1.0).astype(np.float32)


def fuse(
    signals: Mapping[str, np.ndarray],
    weights: Mapping[str, float],
    *,
    norm_top: int = 100,
    cosine_floor: float = 0.85,
) -> np.ndarray:
    """Weighted fusion of named signals (q, n) → (q, n) float32 in [0, 1]: min-max normalised
    per query, except :data:`ABSOLUTE_SIGNALS` (:func:`absolute_scale`).

    Weights are rescaled to sum to 1 so a fused score reads the same whatever the method: 1 means
    "best on every signal used" (see :mod:`embeddings.hybrid`).
    """
    names = [n for n in weights if n in signals and weights[n]]
    if not names:
        raise ValueError(f"none of the signals {sorted(weights)} is available")
    total = float(sum(weights[n] for n in names))
    relative = [n for n in names if n not in ABSOLUTE_SIGNALS]
    first = np.atleast_2d(np.asarray(signals[names[0]], dtype=np.float32))
    fused = np.zeros_like(first)
    if relative:
        fused += weighted_fusion(
            [signals[n] for n in relative], [weights[n] / total for n in relative], norm_top=norm_top
        )
    for n in names:
        if n in ABSOLUTE_SIGNALS:
            scaled = absolute_scale(n, np.atleast_2d(signals[n]), cosine_floor=cosine_floor)
            fused += np.float32(weights[n] / total) * scaled
    return fused
