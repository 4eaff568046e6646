"""Abstention: whether a ranked occupation list has a clear winner, and if not, why.

Colloquial text is ambiguous ("师傅", "普工", "在厂里上班"); a wrong occupation would offer a
worker jobs he cannot do, so a caller that needs one occupation asks :func:`decide`, which names
the best one only when it beats the runner-up by a margin and clears a floor, and otherwise says
that it abstains and why (in Chinese, for the people who read it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Abstention", "OccupationDecision", "decide"]


@dataclass(frozen=True)
class Abstention:
    """The rule: the runner-up must score below ``margin`` × best, and the best above ``floor``.

    Scores are the matcher's fused scores (0–1, 1 = best on every signal). ``margin`` 0.7 is what
    the recommender's skill recognition runs at; ``eval/occupation_realistic.py`` reports the
    precision and coverage this gives on the realistic test split.
    """

    margin: float = 0.7
    floor: float = 0.0


@dataclass(frozen=True)
class OccupationDecision:
    """One query's decision: ``code``/``name`` of the winner, or ``abstain`` with a ``reason``."""

    code: str | None
    name: str | None
    score: float
    abstain: bool
    reason: str | None


def decide(found: Sequence[tuple[str, str, float]], rule: Abstention = Abstention()) -> OccupationDecision:
    """Decide on ``found`` — (code, name, score) best first, as :meth:`OccupationMatcher.match`
    returns (at least the top two)."""
    if not found or found[0][2] <= 0:
        return OccupationDecision(None, None, 0.0, True, "没有匹配到任何职业")
    code, name, best = found[0]
    if best <= rule.floor:
        return OccupationDecision(None, None, best, True, f"最佳匹配“{name}”得分过低（{best:.2f}）")
    if len(found) > 1 and found[1][2] >= rule.margin * best:
        other = found[1][1]
        return OccupationDecision(
            None,
            None,
            best,
            True,
            f"“{name}”与“{other}”得分接近（{best:.2f} 对 {found[1][2]:.2f}），无法确定",
        )
    return OccupationDecision(code, name, best, False, None)
