"""Transparent scoring: score = Σ weight_f × feature_f + kind bonus.

Weights, scales and thresholds come from configuration per city (``data/ranking/*.toml``, read by
``data.ranking_config``); :class:`RankingWeights` validates them on construction.

A score reads as a 0–100 *match* (:meth:`RankingWeights.match`): the score as a share of the best
score any pathway could reach under the same weights (every rewarding feature at its best, no
penalty, the largest kind bonus). One scale for every kind, so a higher match is always a higher
rank.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType

import numpy as np

from matcher.features import FEATURES

__all__ = ["KINDS", "KIND_FEATURES", "PRIORITY_GROUPS", "RankingWeights", "contributions", "score_matrix"]

#: Pathway kinds, in the order used to break exact score ties before ids.
KINDS: tuple[str, ...] = ("job", "train_then_job", "train", "start_up")
#: The rewarding features (best value 1) each kind of pathway can score on; the others are 0 for
#: it, or penalties (net cost, gap) whose best value is 0.
KIND_FEATURES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "job": ("semantic", "occupation", "distance", "timing", "wage", "priority"),
        "train_then_job": (
            "semantic", "occupation", "distance", "timing", "wage", "allowance", "institution", "priority",
        ),
        "train": ("semantic", "occupation", "distance", "timing", "allowance", "institution"),
        "start_up": ("semantic", "occupation", "distance", "timing", "allowance", "institution"),
    }
)  # fmt: skip
#: Groups the notice's clause 二 puts first for training (应培尽培): 脱贫劳动力 (with 防返贫监测对象),
#: 就业困难人员 and 零就业家庭成员. The default of :attr:`RankingWeights.priority_groups`.
PRIORITY_GROUPS: frozenset[str] = frozenset(
    {"脱贫劳动力", "防返贫监测对象", "就业困难人员", "零就业家庭成员"}
)


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
    gap: float = 0.3
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
    #: idle days between the end of a course and the job's first day that cost nothing, and the
    #: wait at which the gap penalty is full (see :func:`matcher.features.gap_value`)
    gap_free_days: float = 14.0
    gap_full_days: float = 120.0
    #: 应培尽培 (clause 二): a worker in one of ``priority_groups`` who has a subsidised pathway at
    #: all sees one among the first ``subsidised_within`` (0: no such guarantee)
    priority_groups: frozenset[str] = PRIORITY_GROUPS
    subsidised_within: int = 5
    source: str = "built-in defaults"
    #: the feature weights as a read-only array, built once (see :attr:`vector`)
    _vector: np.ndarray = field(init=False, repr=False, compare=False)
    _best: float = field(init=False, repr=False, compare=False)

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
        for name in ("train_semantic_top", "subsidised_within"):
            top = getattr(self, name)
            if isinstance(top, bool) or not isinstance(top, int) or top < 0:
                raise ValueError(f"{self.source}: {name} must be an integer ≥ 0, got {top!r}")
        free, full = self.gap_free_days, self.gap_full_days
        for name, value in (("gap_free_days", free), ("gap_full_days", full)):
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise ValueError(f"{self.source}: {name} must be a finite number, got {value!r}")
        if not 0 <= free < full:
            raise ValueError(
                f"{self.source}: gap thresholds need 0 ≤ gap_free_days < gap_full_days, got {free} and {full}"
            )
        groups = self.priority_groups
        if isinstance(groups, str) or not all(isinstance(g, str) and g for g in groups):
            raise ValueError(f"{self.source}: priority_groups must be a list of group names, got {groups!r}")
        object.__setattr__(self, "priority_groups", frozenset(groups))
        if not -1.0 <= self.train_min_semantic <= 1.0:
            raise ValueError(
                f"{self.source}: train_min_semantic must be in [-1, 1], got {self.train_min_semantic}"
            )
        vector = np.asarray([getattr(self, f) for f in FEATURES], dtype=np.float64)
        vector.flags.writeable = False
        object.__setattr__(self, "_vector", vector)
        best = max(sum(getattr(self, f) for f in KIND_FEATURES[k]) + self.kind_bonus[k] for k in KINDS)
        if best <= 0:
            raise ValueError(f"{self.source}: no pathway can score above 0 with these weights")
        object.__setattr__(self, "_best", float(best))

    @property
    def vector(self) -> np.ndarray:
        """Feature weights in :data:`~matcher.features.FEATURES` order, (10,) float64, read-only."""
        return self._vector

    def bonus(self, kind: str) -> float:
        return self.kind_bonus[kind]

    @property
    def best_score(self) -> float:
        """The highest score any pathway can reach: its kind's rewarding features
        (:data:`KIND_FEATURES`) all at 1, no penalty, its kind bonus; the largest over kinds."""
        return self._best

    def match(self, score: float) -> int:
        """``score`` as a 0–100 match: ``round(100 × score / best_score)``, clipped to [0, 100].
        Never decreases when the score grows, so the match order is the rank order."""
        return int(min(max(round(100.0 * score / self._best), 0), 100))

    def points(self, contribution: float) -> float:
        """A score difference in match points (100 × difference / best score), unrounded."""
        return 100.0 * contribution / self._best

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls) if f.init)


def score_matrix(features: np.ndarray, weights: RankingWeights, kind: str) -> np.ndarray:
    """Scores for rows of a (n, 10) feature matrix of one pathway kind. (n,) float64."""
    return features @ weights.vector + weights.bonus(kind)


def contributions(row: np.ndarray, weights: RankingWeights, kind: str) -> dict[str, float]:
    """Per-feature contributions weight × value for one (10,) feature row, plus ``kind_bonus``.
    Their sum is the pathway's score."""
    out = dict(zip(FEATURES, (weights.vector * row).tolist(), strict=True))
    out["kind_bonus"] = weights.bonus(kind)
    return out
