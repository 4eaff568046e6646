"""Enrollments through the service, on SQLite and PostgreSQL: who may enroll whom, seats taken
and given back, no double enrollment, and the audit line of every step (issue 12)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, func, select

from api.errors import Conflict, Forbidden, NotFound
from api.services import enrollments
from data.db.models import AuditEvent, Enrollment, Programme
from data.db.session import transaction
from tests.record_factories import COUNSELOR, ELSEWHERE, OTHER_SCHOOL, SCHOOL, TODAY, caller, small_world
from tests.subsidy_factories import add_worker

HANG_GUARD_S = 600


def _seats(engine: Engine, programme_id: str = "P1") -> int:
    with transaction(engine) as s:
        return s.get(Programme, programme_id).seats_left


def _trail(engine: Engine) -> list[tuple[str, str, str]]:
    with transaction(engine) as s:
        return [
            (e.actor, e.action, e.entity_id) for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id))
        ]


def test_a_counselor_enrolls_a_worker_of_their_county_and_takes_one_seat(engine: Engine) -> None:
    small_world(engine)
    out = enrollments.enroll(engine, COUNSELOR, worker_id="W1", programme_id="P1", today=TODAY)
    assert (out.worker_id, out.programme_id, out.status, out.fee_payer) == ("W1", "P1", "报名", "worker")
    assert out.seats_left == 9 and _seats(engine) == 9
    assert _trail(engine) == [("lin-counselor", "enrollment.enrolled", str(out.id))]


def test_a_counselor_of_another_city_gets_not_found_and_takes_no_seat(engine: Engine) -> None:
    small_world(engine)
    with pytest.raises(NotFound, match="未找到劳动者 W1"):
        enrollments.enroll(engine, ELSEWHERE, worker_id="W1", programme_id="P1", today=TODAY)
    with pytest.raises(Forbidden):
        enrollments.enroll(engine, SCHOOL, worker_id="W1", programme_id="P1", today=TODAY)
    assert _seats(engine) == 10 and _trail(engine) == []


def test_a_deactivated_worker_is_not_enrolled(engine: Engine) -> None:
    from data.db.models import Worker

    small_world(engine)
    with transaction(engine) as s:
        s.get(Worker, "W1").active = False
    with pytest.raises(Conflict, match="劳动者 W1 已停用，不能报名"):
        enrollments.enroll(engine, COUNSELOR, worker_id="W1", programme_id="P1", today=TODAY)
    assert _seats(engine) == 10


def test_one_worker_is_enrolled_once_in_one_programme(engine: Engine) -> None:
    small_world(engine)
    enrollments.enroll(engine, COUNSELOR, worker_id="W1", programme_id="P1", today=TODAY)
    with pytest.raises(Conflict, match="该劳动者已报名培训项目 P1，不能重复报名"):
        enrollments.enroll(engine, COUNSELOR, worker_id="W1", programme_id="P1", today=TODAY)
    assert _seats(engine) == 9


def test_a_full_programme_refuses_and_an_ended_one_too(engine: Engine) -> None:
    small_world(engine, seats=1)
    enrollments.enroll(engine, COUNSELOR, worker_id="W1", programme_id="P1", today=TODAY)
    with pytest.raises(Conflict, match="培训项目 P1 名额已满"):
        enrollments.enroll(engine, COUNSELOR, worker_id="W2", programme_id="P1", today=TODAY)
    with pytest.raises(Conflict, match="已于 2024-05-25 结束"):
        enrollments.enroll(engine, COUNSELOR, worker_id="W2", programme_id="P2", today=dt.date(2024, 6, 1))
    assert _seats(engine) == 0


def test_a_workers_request_takes_no_seat_until_a_counselor_confirms_it(engine: Engine) -> None:
    small_world(engine)
    me = caller("worker", "w1", worker_id="W1")
    asked = enrollments.request(engine, me, programme_id="P1", today=TODAY)
    assert asked.status == "待确认" and _seats(engine) == 10
    with pytest.raises(Conflict, match="您已申请或报名培训项目 P1"):
        enrollments.request(engine, me, programme_id="P1", today=TODAY)
    done = enrollments.enroll(engine, COUNSELOR, worker_id="W1", programme_id="P1", today=TODAY)
    assert (done.id, done.status, _seats(engine)) == (asked.id, "报名", 9)
    assert _trail(engine) == [
        ("w1", "enrollment.requested", str(asked.id)),
        ("lin-counselor", "enrollment.request_confirmed", str(asked.id)),
    ]


def test_the_institution_confirms_and_withdraws_only_its_own_enrollments(engine: Engine) -> None:
    small_world(engine)
    e = enrollments.enroll(engine, COUNSELOR, worker_id="W1", programme_id="P1", today=TODAY)
    with pytest.raises(NotFound, match=f"未找到报名记录 {e.id}"):
        enrollments.confirm(engine, OTHER_SCHOOL, e.id)
    assert enrollments.confirm(engine, SCHOOL, e.id).status == "在训"
    with pytest.raises(Conflict, match="只有“报名”可以确认"):
        enrollments.confirm(engine, SCHOOL, e.id)
    with pytest.raises(NotFound):
        enrollments.withdraw(engine, OTHER_SCHOOL, e.id, reason="个人原因")
    out = enrollments.withdraw(engine, SCHOOL, e.id, reason="个人原因")
    assert (out.status, out.seats_left) == ("退出", 10)
    # withdrawn, the worker can be enrolled again: the same row, one seat
    again = enrollments.enroll(engine, COUNSELOR, worker_id="W1", programme_id="P1", today=TODAY)
    assert (again.id, again.status, _seats(engine)) == (e.id, "报名", 9)
    assert [a for _, a, _ in _trail(engine)] == [
        "enrollment.enrolled",
        "enrollment.confirmed",
        "enrollment.withdrawn",
        "enrollment.enrolled",
    ]


def _run(jobs: list[Callable[[], object]]) -> list[object]:
    """Run ``jobs`` in threads that all start together (a barrier before any database work)."""
    barrier = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = jobs[i]()
        except Exception as exc:  # noqa: BLE001 - the answer under test
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(HANG_GUARD_S)
    assert not any(t.is_alive() for t in threads), "a job hung"
    return results


def test_fifty_concurrent_enrollments_into_ten_seats_give_exactly_ten(engine: Engine) -> None:
    small_world(engine, workers=0, seats=10)
    with transaction(engine) as s:
        for i in range(50):
            add_worker(s, f"X{i:02d}")
    results = _run(
        [
            (
                lambda i=i: enrollments.enroll(
                    engine, COUNSELOR, worker_id=f"X{i:02d}", programme_id="P1", today=TODAY
                )
            )
            for i in range(50)
        ]
    )
    done = [r for r in results if isinstance(r, enrollments.EnrollmentView)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(done) == 10 and len(refused) == 40, [
        r for r in results if not isinstance(r, (Conflict, enrollments.EnrollmentView))
    ]
    assert {str(r) for r in refused} == {"培训项目 P1 名额已满"}
    assert _seats(engine) == 0
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(Enrollment)) == 10
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == 10


def test_the_same_worker_enrolled_by_five_counselors_at_once_is_enrolled_once(engine: Engine) -> None:
    small_world(engine)
    counselors = [caller("counselor", f"c{i}", region="1411") for i in range(5)]
    results = _run(
        [
            (lambda c=c: enrollments.enroll(engine, c, worker_id="W1", programme_id="P1", today=TODAY))
            for c in counselors
        ]
    )
    done = [r for r in results if isinstance(r, enrollments.EnrollmentView)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(done) == 1 and len(refused) == 4, results
    assert {str(r) for r in refused} == {"该劳动者已报名培训项目 P1，不能重复报名"}
    assert _seats(engine) == 9
