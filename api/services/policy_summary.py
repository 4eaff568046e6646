"""What a city subsidises and how much, read from its policy files (data/policy/*.toml): the
public summary anyone may read before signing in."""

from __future__ import annotations

import datetime as dt

from api.errors import NotFound
from api.schemas.policy import PolicySummary, SubsidisedOccupation
from data.policy_loader import PolicyNotFound, load_city_policy
from matcher.subsidy.policy import PolicyNotInForce

__all__ = ["policy_summary"]


def policy_summary(city: str, day: dt.date) -> PolicySummary:
    """The version of ``city``'s policy in force on ``day``. Raises :class:`NotFound` for a
    city without a policy file, or a day before its first version."""
    try:
        policy = load_city_policy(city).at(day)
    except PolicyNotFound:
        raise NotFound(f"未找到城市 {city} 的补贴政策") from None
    except PolicyNotInForce:
        raise NotFound(f"城市 {city} 在 {day.isoformat()} 没有生效的补贴政策") from None
    return PolicySummary(
        city_code=policy.city_code,
        city_name=policy.city_name,
        version=policy.version,
        effective_from=policy.effective_from,
        example=policy.example,
        training_types=dict(policy.training_types),
        occupations=[
            SubsidisedOccupation(
                code=o.code,
                name=o.name,
                work_types=list(o.work_types),
                amounts={str(level): yuan for level, yuan in o.amounts.pairs},
            )
            for o in policy.occupations
        ],
    )
