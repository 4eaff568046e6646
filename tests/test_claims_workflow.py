"""The claims workflow for signed-in callers, over the services, on SQLite and PostgreSQL
(issue 12): a counselor files on records the institution recorded, admin A reviews and approves,
admin B pays; separation of duties between people; paying twice refused, also at the same
moment; the worker's audit trail holds every step with its actor."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, event, select

from api.errors import Conflict, Forbidden, Invalid, NotFound
from api.services import audit_trail, claims, enrollments, outcomes
from api.services.subsidy import SubsidyService
from data.db.models import SubsidyClaim
from data.db.session import transaction
from tests.record_factories import COUNSELOR, ELSEWHERE, SCHOOL, TODAY, caller, small_world
from tests.subsidy_factories import BRICKLAYER

CLAIM_DAY = dt.date(2024, 6, 10)
ADMIN_A = caller("admin", "admin-a", region="1411")
ADMIN_B = caller("admin", "admin-b", region="14")
ADMIN_C = caller("admin", "admin-c", region="1411")
TAIYUAN_ADMIN = caller("admin", "admin-ty", region="1401")
HANG_GUARD_S = 600


def _service(engine: Engine) -> SubsidyService:
    return SubsidyService(engine, clock=lambda: CLAIM_DAY)


def _completed_and_certified(engine: Engine) -> tuple[int, int]:
    small_world(engine)
    e = enrollments.enroll(engine, COUNSELOR, worker_id="W1", programme_id="P1", today=TODAY)
    enrollments.confirm(engine, SCHOOL, e.id)
    outcomes.record_completion(
        engine, SCHOOL, e.id, completed_on=dt.date(2024, 5, 25), hours_attended=118, today=dt.date(2024, 6, 1)
    )
    cert = outcomes.record_certificate(
        engine,
        SCHOOL,
        e.id,
        occupation_code=BRICKLAYER,
        level=5,
        number="S1411000024000001",
        issued_on=dt.date(2024, 6, 5),
        today=dt.date(2024, 6, 5),
    )
    return e.id, cert.id


def _approved(engine: Engine) -> int:
    eid, _ = _completed_and_certified(engine)
    svc = _service(engine)
    filed = claims.file_claim(svc, COUNSELOR, worker_id="W1", kind="training", enrollment_id=eid)
    claims.advance(svc, ADMIN_A, filed.id, "review")
    claims.advance(svc, ADMIN_A, filed.id, "approve")
    return filed.id


def test_a_claim_goes_from_filing_to_payment_by_three_people_and_the_trail_shows_them(engine: Engine) -> None:
    eid, _ = _completed_and_certified(engine)
    svc = _service(engine)
    filed = claims.file_claim(svc, COUNSELOR, worker_id="W1", kind="training", enrollment_id=eid)
    assert (filed.status, filed.amount, filed.to_worker, filed.submitted_by) == (
        "申请",
        1000,
        1000,
        "lin-counselor",
    )
    with pytest.raises(Forbidden, match="只有人社部门管理员"):
        claims.advance(svc, COUNSELOR, filed.id, "review")
    assert claims.advance(svc, ADMIN_A, filed.id, "review").reviewed_by == "admin-a"
    assert claims.advance(svc, ADMIN_A, filed.id, "approve").approved_by == "admin-a"
    with pytest.raises(Forbidden, match="职责分离：提交或审核该补贴申领的经办人不能办理发放"):
        claims.advance(svc, ADMIN_A, filed.id, "pay")
    paid = claims.advance(svc, ADMIN_B, filed.id, "pay")
    assert (paid.status, paid.paid_by, paid.to_worker) == ("发放", "admin-b", 1000)
    with pytest.raises(Conflict, match="补贴申领状态不能从“发放”变更为“发放”"):
        claims.advance(svc, ADMIN_C, filed.id, "pay")
    _, trail = audit_trail.worker_trail(engine, COUNSELOR, "W1")
    assert [(e.actor, e.action) for e in trail] == [
        ("lin-counselor", "enrollment.enrolled"),
        ("school", "enrollment.confirmed"),
        ("school", "enrollment.completed"),
        ("school", "certificate.recorded"),
        ("lin-counselor", "subsidy_claim.submitted"),
        ("admin-a", "subsidy_claim.审核"),
        ("admin-a", "subsidy_claim.通过"),
        ("admin-a", "subsidy_claim.change_refused"),
        ("admin-b", "subsidy_claim.发放"),
        ("admin-c", "subsidy_claim.change_refused"),
    ]


def test_out_of_scope_callers_get_not_found(engine: Engine) -> None:
    eid, _ = _completed_and_certified(engine)
    svc = _service(engine)
    with pytest.raises(NotFound, match="未找到劳动者 W1"):
        claims.file_claim(svc, ELSEWHERE, worker_id="W1", kind="training", enrollment_id=eid)
    filed = claims.file_claim(svc, COUNSELOR, worker_id="W1", kind="training", enrollment_id=eid)
    with pytest.raises(NotFound, match=f"未找到补贴申领 {filed.id}"):
        claims.advance(svc, TAIYUAN_ADMIN, filed.id, "review")
    with pytest.raises(NotFound):
        claims.get_claim(svc, ELSEWHERE, filed.id)
    with pytest.raises(NotFound):
        audit_trail.worker_trail(engine, ELSEWHERE, "W1")
    with pytest.raises(Forbidden):
        audit_trail.worker_trail(engine, SCHOOL, "W1")
    assert claims.list_claims(svc, TAIYUAN_ADMIN)[0] == 0
    assert claims.list_claims(svc, ADMIN_B)[0] == 1


def test_a_second_claim_on_the_same_records_and_a_wrong_record_are_refused(engine: Engine) -> None:
    eid, cert_id = _completed_and_certified(engine)
    svc = _service(engine)
    claims.file_claim(svc, COUNSELOR, worker_id="W1", kind="training", enrollment_id=eid)
    with pytest.raises(Conflict, match="^补贴申领未受理："):
        claims.file_claim(svc, COUNSELOR, worker_id="W1", kind="training", enrollment_id=eid)
    with pytest.raises(Invalid, match="须关联证书记录"):
        claims.file_claim(svc, COUNSELOR, worker_id="W1", kind="certification", enrollment_id=eid)
    assert (
        claims.file_claim(svc, COUNSELOR, worker_id="W1", kind="certification", certificate_id=cert_id).kind
        == "certification"
    )
    with transaction(engine) as s:
        assert len(list(s.scalars(select(SubsidyClaim)))) == 2


def test_rejection_needs_a_reason(engine: Engine) -> None:
    eid, _ = _completed_and_certified(engine)
    svc = _service(engine)
    filed = claims.file_claim(svc, COUNSELOR, worker_id="W1", kind="training", enrollment_id=eid)
    with pytest.raises(Conflict, match="驳回补贴申领须注明理由"):
        claims.advance(svc, ADMIN_A, filed.id, "reject")
    out = claims.advance(svc, ADMIN_A, filed.id, "reject", note="材料不全")
    assert (out.status, out.approved_by) == ("驳回", "admin-a")


def _racing(engine: Engine, jobs: list[Callable[[], object]]) -> list[object]:
    """Each job's first read of a claim waits until all jobs have read it."""
    barrier = threading.Barrier(len(jobs))
    seen = threading.local()
    results: list[object] = [None] * len(jobs)

    def meet(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if "FROM subsidy_claims" in statement and not getattr(seen, "met", False):
            seen.met = True
            barrier.wait()

    def run(i: int) -> None:
        try:
            results[i] = jobs[i]()
        except Exception as exc:  # noqa: BLE001 - the answer under test
            results[i] = exc

    event.listen(engine, "before_cursor_execute", meet)
    try:
        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(HANG_GUARD_S)
        assert not any(t.is_alive() for t in threads), "a job hung"
    finally:
        event.remove(engine, "before_cursor_execute", meet)
    return results


def test_two_admins_paying_at_once_pay_once(engine: Engine) -> None:
    claim_id = _approved(engine)
    svc = _service(engine)
    results = _racing(
        engine,
        [
            lambda: claims.advance(svc, ADMIN_B, claim_id, "pay"),
            lambda: claims.advance(svc, ADMIN_C, claim_id, "pay"),
        ],
    )
    paid = [r for r in results if isinstance(r, claims.ClaimView)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(paid) == 1 and len(refused) == 1, results
    assert paid[0].to_worker == 1000
    assert str(refused[0]) in (
        "补贴申领状态不能从“发放”变更为“发放”",
        "补贴申领已被他人变更为“发放”，本次操作未执行",
    )
    with transaction(engine) as s:
        (claim,) = s.scalars(select(SubsidyClaim))
    assert claim.status == "发放" and claim.paid_by == paid[0].paid_by
