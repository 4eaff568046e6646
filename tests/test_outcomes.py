"""Completion, certification and institutions' rates computed from the records, on SQLite and
PostgreSQL (issue 12): only the institution records its own trainees' outcomes, bad input stores
nothing, every step is audited with its actor."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, func, select

from api.errors import Conflict, Invalid, NotFound
from api.services import enrollments, outcomes
from api.services.institution_outcomes import add_months, institution_outcomes
from api.services.records import load_programmes
from data.db.models import AuditEvent, Certificate, Enrollment
from data.db.session import transaction
from tests.record_factories import COUNSELOR, OTHER_SCHOOL, SCHOOL, TODAY, small_world
from tests.subsidy_factories import BRICKLAYER, add_hire, add_order

DONE = dt.date(2024, 5, 25)


def _trainee(engine: Engine, worker_id: str = "W1") -> int:
    e = enrollments.enroll(engine, COUNSELOR, worker_id=worker_id, programme_id="P1", today=TODAY)
    enrollments.confirm(engine, SCHOOL, e.id)
    return e.id


def _complete(engine: Engine, enrollment_id: int, hours: int = 118) -> None:
    outcomes.record_completion(
        engine, SCHOOL, enrollment_id, completed_on=DONE, hours_attended=hours, today=dt.date(2024, 6, 1)
    )


def _certify(
    engine: Engine, enrollment_id: int, number: str = "S1411000024000001"
) -> outcomes.CertificateView:
    return outcomes.record_certificate(
        engine,
        SCHOOL,
        enrollment_id,
        occupation_code=BRICKLAYER,
        level=5,
        number=number,
        issued_on=dt.date(2024, 6, 5),
        today=dt.date(2024, 6, 10),
    )


def test_the_institution_records_completion_of_its_trainee(engine: Engine) -> None:
    small_world(engine)
    eid = _trainee(engine)
    with pytest.raises(NotFound, match=f"未找到报名记录 {eid}"):
        outcomes.record_completion(engine, OTHER_SCHOOL, eid, completed_on=DONE, hours_attended=100)
    out = outcomes.record_completion(
        engine, SCHOOL, eid, completed_on=DONE, hours_attended=118, today=dt.date(2024, 6, 1)
    )
    assert (out.status, out.completed, out.completed_on, out.hours_attended) == ("结业", True, DONE, 118)
    with transaction(engine) as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "enrollment.completed")).one()
    assert (event.actor, event.entity_id, event.payload["hours_attended"]) == ("school", str(eid), 118)


@pytest.mark.parametrize(
    ("completed_on", "hours", "field", "message"),
    [
        (dt.date(2024, 5, 1), 100, "completed_on", "结业日期 2024-05-01 早于开班日期 2024-05-06"),
        (dt.date(2024, 6, 2), 100, "completed_on", "结业日期 2024-06-02 晚于今天 2024-06-01"),
        (DONE, 121, "hours_attended", "出勤学时应在 0 至 120（课程总学时）之间"),
    ],
)
def test_a_wrong_completion_names_its_field_and_stores_nothing(
    engine: Engine, completed_on: dt.date, hours: int, field: str, message: str
) -> None:
    small_world(engine)
    eid = _trainee(engine)
    with pytest.raises(Invalid) as err:
        outcomes.record_completion(
            engine, SCHOOL, eid, completed_on=completed_on, hours_attended=hours, today=dt.date(2024, 6, 1)
        )
    assert str(err.value) == message
    assert err.value.errors is not None and err.value.errors[0].loc == ["body", field]
    with transaction(engine) as s:
        assert s.get(Enrollment, eid).status == "在训"


def test_completion_needs_a_confirmed_trainee(engine: Engine) -> None:
    small_world(engine)
    e = enrollments.enroll(engine, COUNSELOR, worker_id="W1", programme_id="P1", today=TODAY)
    with pytest.raises(Conflict, match="须先确认报名"):
        outcomes.record_completion(engine, SCHOOL, e.id, completed_on=DONE, hours_attended=100)


def test_a_certificate_is_recorded_once_with_its_provenance(engine: Engine) -> None:
    small_world(engine)
    eid = _trainee(engine)
    with pytest.raises(Conflict, match="尚未登记结业"):
        _certify(engine, eid)
    _complete(engine, eid)
    cert = _certify(engine, eid)
    assert (cert.worker_id, cert.enrollment_id, cert.occupation_code, cert.level_name) == (
        "W1",
        eid,
        BRICKLAYER,
        "初级工",
    )
    assert cert.issuing_body == "吕梁示例职业培训学校"
    with transaction(engine) as s:
        row = s.get(Certificate, cert.id)
        assert (row.source, row.year, s.get(Enrollment, eid).certified) == ("registry", 2024, True)
    with pytest.raises(Conflict, match=f"报名记录 {eid} 已登记证书"):
        _certify(engine, eid, number="S1411000024000002")
    # another trainee cannot reuse the number
    other = _trainee(engine, "W2")
    _complete(engine, other)
    with pytest.raises(Conflict, match="证书编号 S1411000024000001 已登记"):
        _certify(engine, other)


def test_a_certificate_must_be_the_courses_occupation_and_level(engine: Engine) -> None:
    small_world(engine)
    eid = _trainee(engine)
    _complete(engine, eid)
    with pytest.raises(Invalid, match="证书等级 中级工 与培训项目的等级 初级工 不同"):
        outcomes.record_certificate(
            engine,
            SCHOOL,
            eid,
            occupation_code=BRICKLAYER,
            level=4,
            number="S14110001",
            issued_on=DONE,
            today=DONE,
        )
    with pytest.raises(Invalid, match="“育婴员”不是砌筑工的工种"):
        outcomes.record_certificate(
            engine,
            SCHOOL,
            eid,
            occupation_code=BRICKLAYER,
            level=5,
            number="S14110001",
            issued_on=DONE,
            work_type="育婴员",
            today=DONE,
        )
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(Certificate)) == 0


def test_rates_are_computed_from_enrollments_certificates_and_hires(engine: Engine) -> None:
    """Four trainees of I1's P1 (ended 2024-05-25): three complete, two are certified, one
    withdraws; W1 is hired within six months, W2 seven months after completion."""
    small_world(engine, workers=4)
    ids = [_trainee(engine, f"W{i}") for i in range(1, 5)]
    for eid in ids[:3]:
        _complete(engine, eid)
    _certify(engine, ids[0], "S1411000024000001")
    _certify(engine, ids[1], "S1411000024000002")
    enrollments.withdraw(engine, SCHOOL, ids[3], reason="外出务工")
    with transaction(engine) as s:
        add_order(s, "O1")
        add_hire(s, "W1", start=dt.date(2024, 7, 1))
        add_hire(s, "W2", start=dt.date(2024, 12, 26))
    with transaction(engine) as s:
        before = institution_outcomes(s, dt.date(2024, 11, 24))["I1"]
        after = institution_outcomes(s, dt.date(2025, 1, 1))["I1"]
        (p1,) = [p for p in load_programmes(s, {}, dt.date(2025, 1, 1)) if p.id == "P1"]
    assert (before.finished, before.completed, before.certified) == (4, 3, 2)
    assert (before.completion_rate, before.certification_rate) == (0.75, 0.667)
    # the six months after 2024-05-25 close on 2024-11-25: not yet followed up
    assert before.employment_rate_6m is None
    assert (after.followed, after.employed, after.employment_rate_6m) == (3, 1, 0.333)
    assert p1.institution.employment_rate_6m == 0.333 and p1.institution.completion_rate == 0.75


def test_an_institution_without_records_keeps_its_typed_in_rates(engine: Engine) -> None:
    small_world(engine)
    with transaction(engine) as s:
        from data.db.models import Institution

        s.get(Institution, "I2").employment_rate_6m = 0.8
    with transaction(engine) as s:
        (p2,) = [p for p in load_programmes(s, {}, dt.date(2025, 1, 1)) if p.id == "P2"]
    assert p2.institution.employment_rate_6m == 0.8


def test_add_months_keeps_the_day_or_takes_the_months_last() -> None:
    assert add_months(dt.date(2024, 5, 25), 6) == dt.date(2024, 11, 25)
    assert add_months(dt.date(2024, 8, 31), 6) == dt.date(2025, 2, 28)
    assert add_months(dt.date(2023, 12, 31), 2) == dt.date(2024, 2, 29)


def _employer_order(engine: Engine) -> None:
    from data.db.models import Employer, Order

    with transaction(engine) as s:
        s.add(Employer(id="E1", name="吕梁示例建筑有限公司", kind="企业"))
        s.add(Employer(id="E2", name="吕梁另一家公司", kind="企业"))
        s.flush()
        add_order(s, "O1")
        s.get(Order, "O1").employer_id = "E1"


def test_an_employer_records_a_hire_on_its_own_order_once(engine: Engine) -> None:
    from api.services.outcomes import record_hire
    from data.db.models import Hire, Institution
    from tests.record_factories import caller

    small_world(engine)
    _employer_order(engine)
    eid = _trainee(engine)
    _complete(engine, eid)
    with transaction(engine) as s:
        stamp = s.get(Institution, "I1").updated_at
    boss = caller("employer", "boss", employer_id="E1")
    with pytest.raises(NotFound, match="未找到用工订单 O1"):
        record_hire(
            engine,
            caller("employer", "other-boss", employer_id="E2"),
            "O1",
            worker_id="W1",
            start_date=dt.date(2024, 6, 3),
            monthly_wage=6500,
            today=dt.date(2024, 6, 10),
        )
    with pytest.raises(Invalid, match="入职日期 2024-06-11 晚于今天 2024-06-10"):
        record_hire(
            engine,
            boss,
            "O1",
            worker_id="W1",
            start_date=dt.date(2024, 6, 11),
            monthly_wage=6500,
            today=dt.date(2024, 6, 10),
        )
    hire = record_hire(
        engine,
        boss,
        "O1",
        worker_id="W1",
        start_date=dt.date(2024, 6, 3),
        monthly_wage=6500,
        today=dt.date(2024, 6, 10),
    )
    assert (hire.employer_name, hire.employer_kind, hire.order_id, hire.monthly_wage) == (
        "吕梁示例建筑有限公司",
        "企业",
        "O1",
        6500,
    )
    with pytest.raises(Conflict, match="已登记2024-06-03录用该劳动者"):
        record_hire(
            engine,
            boss,
            "O1",
            worker_id="W1",
            start_date=dt.date(2024, 6, 3),
            monthly_wage=7000,
            today=dt.date(2024, 6, 10),
        )
    with transaction(engine) as s:
        (row,) = s.scalars(select(Hire))
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "hire.recorded")).one()
        # the institution where W1 completed is touched, so the next snapshot reads its new rate
        assert s.get(Institution, "I1").updated_at > stamp
    assert (row.source, row.worker_id, event.actor, event.entity_id) == (
        "registry",
        "W1",
        "boss",
        str(hire.id),
    )
    with transaction(engine) as s:
        assert institution_outcomes(s, dt.date(2025, 1, 1))["I1"].employment_rate_6m == 1.0
