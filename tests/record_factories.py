"""Callers and a small world for the records tests (enrollments, outcomes, claims over services).

:func:`caller` builds a signed-in caller (:class:`api.services.auth.Caller`); the
world is the subsidy factories' (:mod:`tests.subsidy_factories`): workers in 临县, an institution
and programmes in 离石区."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from api.services.auth import Caller
from data.db.session import transaction
from tests.subsidy_factories import add_institution, add_programme, add_worker, seed_reference

TODAY = dt.date(2024, 5, 1)


def caller(role: str, name: str | None = None, **scope: str) -> Caller:
    """A signed-in caller of ``role`` named ``name`` (default: the role), with ``scope``
    (``region`` defaults to the province)."""
    return Caller(
        user_id=0,
        username=name or role,
        role=role,  # type: ignore[arg-type]
        region=scope.pop("region", "14"),
        **scope,  # type: ignore[arg-type]
    )


COUNSELOR = caller("counselor", "lin-counselor", region="141124")
ELSEWHERE = caller("counselor", "taiyuan-counselor", region="1401")
SCHOOL = caller("institution", "school", institution_id="I1")
OTHER_SCHOOL = caller("institution", "other-school", institution_id="I2")


def small_world(engine: Engine, *, workers: int = 3, seats: int = 10) -> None:
    """Workers W1..Wn (临县), institutions I1 and I2, programme P1 of I1 (2024-05-06..05-25,
    ``seats`` seats, all free) and P2 of I2."""
    with transaction(engine) as s:
        seed_reference(s)
        for i in range(1, workers + 1):
            add_worker(s, f"W{i}")
        add_institution(s, "I1")
        add_institution(s, "I2", name="离石示例技工学校")
        p1 = add_programme(s, "P1")
        p1.seats = p1.seats_left = seats
        add_programme(s, "P2", institution_id="I2")
