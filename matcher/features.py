"""Named ranking features. Each maps raw facts to a number on a fixed scale so that weights are
comparable across features:

==============  ===========  ==================================================================
feature         range        meaning
==============  ===========  ==================================================================
semantic        [0, 1]       cosine similarity of worker and item texts (negative clipped to 0)
occupation      [0, 1]       1 same occupation as desired/held/skilled, 0.6 same minor group,
                             0.3 same middle group, else 0
distance        (0, 1]       1 / (1 + km / scale): 家门口 first; online training counts as 0 km
timing          (0, 1]       exp(-days / scale): days until the pathway starts (the course, or
                             the job when there is no course)
wage            [-1, 1]      relative uplift of the order's mid wage over the expected wage
net_cost        [-1, 0]      -min(net cost to the worker / scale, 1): a penalty, 0 when free
allowance       [0, 1]       min(living allowance / scale, 1)
institution     [0, 1]       mean of certification and 6-month employment rates (0.5 if unknown),
                             halved for each risk flag an auditor confirmed (clause 十三, DESIGN §8.5)
priority        [0, 1]       order priority / cap
gap             [-1, 0]      a penalty for the idle wait between the end of the course and the
                             first day of the job (train→job only): 0 up to ``free`` days, then
                             falling linearly to -1 at ``full`` days (both per city)
==============  ===========  ==================================================================

All functions accept scalars or numpy arrays and return float64 arrays of the broadcast shape.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

__all__ = [
    "FEATURES",
    "FEATURE_LABELS",
    "allowance_value",
    "distance_value",
    "gap_value",
    "institution_value",
    "net_cost_value",
    "occupation_value",
    "occupation_values",
    "priority_value",
    "semantic_value",
    "timing_value",
    "wage_value",
]

FEATURES: tuple[str, ...] = (
    "semantic",
    "occupation",
    "distance",
    "timing",
    "wage",
    "net_cost",
    "allowance",
    "institution",
    "priority",
    "gap",
)

#: What each feature (and the kind bonus) is called when a counselor reads it out.
FEATURE_LABELS: dict[str, str] = {
    "semantic": "技能描述相近",
    "occupation": "职业对口",
    "distance": "离得近",
    "timing": "开始得早",
    "wage": "工资",
    "net_cost": "个人费用",
    "allowance": "生活费补贴",
    "institution": "机构质量",
    "priority": "订单优先",
    "gap": "结业后等待开工",
    "kind_bonus": "路径类型",
}


def semantic_value(similarity: float | np.ndarray) -> np.ndarray:
    return np.clip(np.asarray(similarity, dtype=np.float64), 0.0, 1.0)


def _segments(code: str) -> tuple[str, ...]:
    return tuple(code.split("-"))


def occupation_value(code: str, known: Iterable[str]) -> float:
    """How close occupation ``code`` (e.g. "6-29-01-01") is to any of the worker's ``known`` codes
    (desired, held certificates, recognised skills)."""
    target = _segments(code)
    best = 0.0
    for other in known:
        seg = _segments(other)
        if seg == target:
            return 1.0
        if seg[:3] == target[:3] and len(target) >= 3:
            best = max(best, 0.6)
        elif seg[:2] == target[:2] and len(target) >= 2:
            best = max(best, 0.3)
    return best


def occupation_values(codes: Iterable[str], known: Iterable[str]) -> np.ndarray:
    """:func:`occupation_value` for many codes (set look-ups on code prefixes). (n,) float64."""
    known = set(known)
    minors = {"-".join(_segments(k)[:3]) for k in known}
    middles = {"-".join(_segments(k)[:2]) for k in known}
    memo: dict[str, float] = {}
    out = []
    for c in codes:
        v = memo.get(c)
        if v is None:
            seg = _segments(c)
            if c in known:
                v = 1.0
            elif len(seg) >= 3 and "-".join(seg[:3]) in minors:
                v = 0.6
            elif len(seg) >= 2 and "-".join(seg[:2]) in middles:
                v = 0.3
            else:
                v = 0.0
            memo[c] = v
        out.append(v)
    return np.asarray(out, dtype=np.float64)


def distance_value(km: float | np.ndarray, scale_km: float) -> np.ndarray:
    return 1.0 / (1.0 + np.maximum(np.asarray(km, dtype=np.float64), 0.0) / scale_km)


def timing_value(days: float | np.ndarray, scale_days: float) -> np.ndarray:
    return np.exp(-np.maximum(np.asarray(days, dtype=np.float64), 0.0) / scale_days)


def wage_value(
    wage_min: float | np.ndarray, wage_max: float | np.ndarray, expected: int | None
) -> np.ndarray:
    """Uplift of the mid wage over ``expected``; 0 when the worker stated no expectation."""
    mid = (np.asarray(wage_min, dtype=np.float64) + np.asarray(wage_max, dtype=np.float64)) / 2.0
    if not expected or expected <= 0:
        return np.zeros_like(mid)
    return np.clip((mid - expected) / float(expected), -1.0, 1.0)


def institution_value(
    certification_rate: float | None, employment_rate_6m: float | None, confirmed_flags: int = 0
) -> float:
    """The institution feature: mean of the two outcome rates (a rate not reported counts 0.5,
    neutral), times 0.5 per confirmed risk flag (已核实 or 已查处): a lead an auditor has checked
    weighs on the ranking, one that is only suspected (待核查) or cleared (误报) does not."""
    vals = [
        0.5 if r is None else min(max(float(r), 0.0), 1.0) for r in (certification_rate, employment_rate_6m)
    ]
    return (sum(vals) / len(vals)) * 0.5 ** max(confirmed_flags, 0)


def net_cost_value(net_cost: float | np.ndarray, scale_yuan: float) -> np.ndarray:
    return -np.clip(np.asarray(net_cost, dtype=np.float64) / scale_yuan, 0.0, 1.0)


def allowance_value(allowance: float | np.ndarray, scale_yuan: float) -> np.ndarray:
    return np.clip(np.asarray(allowance, dtype=np.float64) / scale_yuan, 0.0, 1.0)


def priority_value(priority: float | np.ndarray, cap: float) -> np.ndarray:
    return np.clip(np.asarray(priority, dtype=np.float64), 0.0, cap) / cap


def gap_value(days: float | np.ndarray, free_days: float, full_days: float) -> np.ndarray:
    """Penalty for ``days`` idle days between the end of a course and the first day of work:
    0 up to ``free_days``, -1 from ``full_days`` on, linear in between."""
    d = np.asarray(days, dtype=np.float64)
    return -np.clip((d - free_days) / (full_days - free_days), 0.0, 1.0)
