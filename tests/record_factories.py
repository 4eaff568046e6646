"""Callers and a small world for the records tests (enrollments, outcomes, claims over services).

:func:`caller` builds an actor shaped like the signed-in caller (``api.security.Caller``); the
world is the subsidy factories' (:mod:`tests.subsidy_factories`): workers in 临县, an institution
and programmes in 离石区."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine

from data.db.session import transaction
from tests.subsidy_factories import add_institution, add_programme, add_worker, seed_reference

TODAY = dt.date(2024, 5, 1)


@dataclass(frozen=True)
class TestCaller:
    """An actor with a role and scope, as :class:`api.security.Caller` has them."""

    __test__ = False  # not a test class

    username: str
    role: str
    region: str = "14"
    institution_id: str | None = None
    employer_id: str | None = None
    worker_id: str | None = None
    user_id: int = 0

    def covers(self, adcode: str | None) -> bool:
        return adcode is not None and adcode.startswith(self.region)


def caller(role: str, name: str | None = None, **scope: str) -> TestCaller:
    return TestCaller(username=name or role, role=role, **scope)


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
