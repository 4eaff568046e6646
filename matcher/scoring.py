"""Transparent scoring: score = Σ weight_f × feature_f + kind bonus.

Weights, scales and thresholds come from configuration per city (``data/ranking/*.toml``, read by
``data.ranking_config``); :class:`RankingWeights` validates them on construction.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType

import numpy as np

from matcher.features import FEATURES

__all__ = ["KINDS", "RankingWeights", "contributions", "score_matrix"]

#: Pathway kinds, in the order used to break exact score ties before ids.
KINDS: tuple[str, ...] = ("job", "train_then_job", "train", "start_up")


@dataclass(frozen=True, slots=True)
class RankingWeights:
    """Feature weights (≥ 0), per-kind bonuses, feature scales and candidate thresholds."""

    semantic: float = 1.0
    occupation: float = 1.0
    distance: float = 0.8
    timing: float = 0.3
    wage: float = 0.5
    net_cost: float = 0.6
    allowance: float = 0.3
    institution: float = 0.4
    priority: float = 0.2
    kind_bonus: Mapping[str, float] = field(
        default_factory=lambda: MappingProxyType(
            {"job": 0.3, "train_then_job": 0.2, "train": 0.0, "start_up": 0.1}
        )
    )
    distance_scale_km: float = 10.0
    timing_scale_days: float = 30.0
    cost_scale_yuan: float = 2000.0
    allowance_scale_yuan: float = 1000.0
    priority_cap: float = 3.0
    #: a programme with no close occupation link to the worker (same occupation or minor group)
    #: is a ``train`` pathway only when it is among the ``train_semantic_top`` most similar
    #: retrieved programmes and its cosine similarity reaches ``train_min_semantic``
    train_min_semantic: float = 0.2
    train_semantic_top: int = 5
    source: str = "built-in defaults"
    #: the feature weights as a read-only array, built once (see :attr:`vector`)
    _vector: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in FEATURES:
            value = getattr(self, name)
            if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
                raise ValueError(f"{self.source}: weight {name!r} must be a finite number, got {value!r}")
            if value < 0:
                raise ValueError(f"{self.source}: weight {name!r} must be ≥ 0, got {value}")
        unknown = set(self.kind_bonus) - set(KINDS)
        if unknown:
            raise ValueError(
                f"{self.source}: unknown pathway kind(s) {sorted(unknown)}; known: {list(KINDS)}"
            )
        for kind, value in self.kind_bonus.items():
            if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
                raise ValueError(f"{self.source}: kind_bonus {kind!r} must be a finite number, got {value!r}")
        object.__setattr__(
            self, "kind_bonus", MappingProxyType({k: float(self.kind_bonus.get(k, 0.0)) for k in KINDS})
        )
        for name in (
            "distance_scale_km",
            "timing_scale_days",
            "cost_scale_yuan",
            "allowance_scale_yuan",
            "priority_cap",
        ):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
                raise ValueError(f"{self.source}: scale {name!r} must be a positive number, got {value!r}")
        top = self.train_semantic_top
        if isinstance(top, bool) or not isinstance(top, int) or top < 0:
            raise ValueError(f"{self.source}: train_semantic_top must be an integer ≥ 0, got {top!r}")
        if not -1.0 <= self.train_min_semantic <= 1.0:
            raise ValueError(
                f"{self.source}: train_min_semantic must be in [-1, 1], got {self.train_min_semantic}"
            )
        vector = np.asarray([getattr(self, f) for f in FEATURES], dtype=np.float64)
        vector.flags.writeable = False
        object.__setattr__(self, "_vector", vector)

    @property
    def vector(self) -> np.ndarray:
        """Feature weights in :data:`~matcher.features.FEATURES` order, (9,) float64, read-only."""
        return self._vector

    def bonus(self, kind: str) -> float:
        return self.kind_bonus[kind]

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls) if f.init)


def score_matrix(features: np.ndarray, weights: RankingWeights, kind: str) -> np.ndarray:
    """Scores for rows of a (n, 9) feature matrix of one pathway kind. (n,) float64."""
    return features @ weights.vector + weights.bonus(kind)


def contributions(row: np.ndarray, weights: RankingWeights, kind: str) -> dict[str, float]:
    """Per-feature contributions weight × value for one (9,) feature row, plus ``kind_bonus``.
    Their sum is the pathway's score."""
    out = dict(zip(FEATURES, (weights.vector * row).tolist(), strict=True))
    out["kind_bonus"] = weights.bonus(kind)
    return out
