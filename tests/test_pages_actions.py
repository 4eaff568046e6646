"""The pages' buttons over the records services, on SQLite and PostgreSQL, over the factory sample:
a worker's 我想报名, a counselor's enrollment (which takes a seat), an institution's confirmation
and completion (errors by the field), an administrator's claim step with separation of duties."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from data.db.models import Enrollment, Programme, SubsidyClaim
from data.db.session import transaction
from tests.auth_helpers import make_user

DAY = dt.date(2026, 12, 1)


@pytest.fixture
def client(sample_apps, tmp_path):  # type: ignore[no-untyped-def]
    with sample_apps.client(tmp_path, today=DAY) as c:
        yield c


def _sign_in(client, role: str, **account: str) -> str:  # type: ignore[no-untyped-def]
    client.cookies.clear()
    username, password = make_user(client.app.state.engine, role, **account)
    r = client.post(
        f"/login/{role}", data={"username": username, "password": password}, follow_redirects=False
    )
    assert r.status_code == 303
    return username


def _enrollment(client, worker: str, programme: str) -> Enrollment:  # type: ignore[no-untyped-def]
    with transaction(client.app.state.engine) as s:
        row = s.query(Enrollment).filter_by(worker_id=worker, programme_id=programme).one()
        s.expunge(row)
        return row


def test_worker_asks_then_counselor_enrolls_taking_a_seat(client) -> None:  # type: ignore[no-untyped-def]
    _sign_in(client, "worker", worker_id="W1")
    r = client.post("/me/enroll/P2", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/me?requested=P2")
    assert _enrollment(client, "W1", "P2").status == "待确认"
    again = client.post("/me/enroll/P2")
    assert again.status_code == 200 and "您已申请或报名培训项目 P2" in again.text
    _sign_in(client, "counselor", region="14")
    done = client.post("/workbench/workers/W1/enroll", data={"programme_id": "P2"}, follow_redirects=False)
    assert done.headers["location"] == "/workbench/workers/W1?enrolled=P2"
    assert _enrollment(client, "W1", "P2").status == "报名"
    with transaction(client.app.state.engine) as s:
        assert s.get(Programme, "P2").seats_left == 29
    twice = client.post("/workbench/workers/W1/enroll", data={"programme_id": "P2"})
    assert twice.status_code == 200 and 'class="error-box"' in twice.text
    # a worker outside the counselor's region reads as missing
    _sign_in(client, "counselor", region="1409")
    assert client.post("/workbench/workers/W1/enroll", data={"programme_id": "P2"}).status_code == 404


def test_institution_confirms_and_records_a_completion(sample_apps, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with sample_apps.client(tmp_path, today=dt.date(2027, 3, 20)) as client:
        with transaction(client.app.state.engine) as s:
            s.add(
                Enrollment(worker_id="W2", programme_id="P2", status="报名", enrolled_on=dt.date(2027, 1, 20))
            )
        enrollment = _enrollment(client, "W2", "P2").id
        _sign_in(client, "institution", institution_id="I2")
        r = client.post(f"/institution/enrollments/{enrollment}/confirm", follow_redirects=False)
        assert r.headers["location"] == f"/institution/programmes/P2?done={enrollment}"
        assert _enrollment(client, "W2", "P2").status == "在训"
        early = client.post(
            f"/institution/enrollments/{enrollment}/complete",
            data={"completed_on": "2027-01-10", "hours_attended": "190"},
        )
        assert f'id="de-{enrollment}">结业日期 2027-01-10 早于开班日期 2027-02-01</span>' in early.text
        assert 'value="190"' in early.text
        too_many = client.post(
            f"/institution/enrollments/{enrollment}/complete",
            data={"completed_on": "2027-03-15", "hours_attended": "250"},
        )
        assert f'id="he-{enrollment}">出勤学时应在 0 至 200（课程总学时）之间</span>' in too_many.text
        bad_date = client.post(
            f"/institution/enrollments/{enrollment}/complete",
            data={"completed_on": "2027-02-30", "hours_attended": "190"},
        )
        assert f'id="de-{enrollment}">日期不存在，请检查年月日</span>' in bad_date.text
        assert _enrollment(client, "W2", "P2").status == "在训"
        ok = client.post(
            f"/institution/enrollments/{enrollment}/complete",
            data={"completed_on": "2027-03-15", "hours_attended": "190"},
            follow_redirects=False,
        )
        assert ok.status_code == 303
        row = _enrollment(client, "W2", "P2")
        assert (row.status, row.completed, row.completed_on, row.hours_attended) == (
            "结业",
            True,
            dt.date(2027, 3, 15),
            190,
        )
        # another institution's enrollment reads as missing
        _sign_in(client, "institution", institution_id="I1")
        assert client.post(f"/institution/enrollments/{enrollment}/confirm").status_code == 404


def test_admin_moves_a_claim_and_separation_of_duties_shows(client) -> None:  # type: ignore[no-untyped-def]
    with transaction(client.app.state.engine) as s:
        done = Enrollment(
            worker_id="W1",
            programme_id="P1",
            status="结业",
            enrolled_on=dt.date(2026, 10, 1),
            completed=True,
            completed_on=dt.date(2026, 11, 20),
            hours_attended=118,
            fee_payer="worker",
        )
        s.add(done)
        s.flush()
        claim = SubsidyClaim(
            enrollment_id=done.id,
            programme_id="P1",
            worker_id="W1",
            kind="training",
            occupation_code="6-29-01-01",
            level=5,
            duplicate_key="6-29-01-01",
            event_date=dt.date(2026, 11, 20),
            event_year=2026,
            claim_date=dt.date(2026, 11, 25),
            amount=1200,
            payee="worker",
            status="申请",
            city="1411",
            submitted_by="counselor-a",
        )
        s.add(claim)
        s.flush()
        claim_id = claim.id
    reviewer = _sign_in(client, "admin", region="14")
    r = client.post(f"/admin/claims/{claim_id}/review", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, f"/admin?done={claim_id}&step=review")
    with transaction(client.app.state.engine) as s:
        stored = s.get(SubsidyClaim, claim_id)
        assert (stored.status, stored.reviewed_by) == ("审核", reviewer)
    page = client.get(f"/admin?done={claim_id}")
    assert f"审核：{reviewer}" in page.text and f"申请 {claim_id} 已办理" in page.text
    approve = client.post(f"/admin/claims/{claim_id}/approve", follow_redirects=False)
    assert approve.status_code == 303
    # whoever reviewed or approved it may not also pay it: the page says so, nothing changes
    same = client.post(f"/admin/claims/{claim_id}/pay")
    assert same.status_code == 200
    assert f"申请 {claim_id}：职责分离：提交或审核该补贴申领的经办人不能办理发放" in same.text
    with transaction(client.app.state.engine) as s:
        assert s.get(SubsidyClaim, claim_id).status == "通过"
    payer = _sign_in(client, "admin", region="14")
    assert client.post(f"/admin/claims/{claim_id}/pay", follow_redirects=False).status_code == 303
    with transaction(client.app.state.engine) as s:
        stored = s.get(SubsidyClaim, claim_id)
        assert (stored.status, stored.approved_by, stored.paid_by) == ("发放", reviewer, payer)


def test_institution_records_a_certificate_and_suspends_a_course(sample_apps, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """After the completion, 登记证书 with the programme's occupation and level: errors by their
    field keep what was typed; the certificate is stored once; 暂停招生 takes the course out."""
    from data.db.models import Certificate

    with sample_apps.client(tmp_path, today=dt.date(2027, 3, 20)) as client:
        with transaction(client.app.state.engine) as s:
            s.add(
                Enrollment(worker_id="W2", programme_id="P2", status="报名", enrolled_on=dt.date(2027, 1, 20))
            )
        enrollment = _enrollment(client, "W2", "P2").id
        _sign_in(client, "institution", institution_id="I2")
        client.post(f"/institution/enrollments/{enrollment}/confirm")
        client.post(
            f"/institution/enrollments/{enrollment}/complete",
            data={"completed_on": "2027-03-15", "hours_attended": "190"},
        )
        page = client.get("/institution/programmes/P2").text
        assert f'action="/institution/enrollments/{enrollment}/certify"' in page
        bad = client.post(
            f"/institution/enrollments/{enrollment}/certify",
            data={"number": "ZS-1", "issued_on": "2027-02-30"},
        )
        assert f'id="ie-{enrollment}">日期不存在，请检查年月日</span>' in bad.text
        assert 'value="ZS-1"' in bad.text
        empty = client.post(
            f"/institution/enrollments/{enrollment}/certify", data={"issued_on": "2027-03-18"}
        )
        assert f'id="ne-{enrollment}">' in empty.text and 'value="2027-03-18"' in empty.text
        ok = client.post(
            f"/institution/enrollments/{enrollment}/certify",
            data={"number": "ZS-20270318-01", "issued_on": "2027-03-18"},
            follow_redirects=False,
        )
        assert ok.status_code == 303, ok.text[:500]
        with transaction(client.app.state.engine) as s:
            certs = s.scalars(select(Certificate).where(Certificate.enrollment_id == enrollment)).all()
            programme = s.get(Programme, "P2")
            assert programme is not None
            assert [(c.number, c.occupation_code, c.level, c.source) for c in certs] == [
                ("ZS-20270318-01", programme.occupation_code, programme.level, "registry")
            ]
        assert _enrollment(client, "W2", "P2").certified
        # a second certificate for the same enrollment is refused, not stored
        again = client.post(
            f"/institution/enrollments/{enrollment}/certify",
            data={"number": "ZS-20270318-02", "issued_on": "2027-03-18"},
        )
        assert again.status_code == 200
        with transaction(client.app.state.engine) as s:
            assert (
                s.scalar(
                    select(func.count())
                    .select_from(Certificate)
                    .where(Certificate.enrollment_id == enrollment)
                )
                == 1
            )
        # 暂停招生: the course leaves the public catalogue
        assert client.post("/institution/programmes/P2/suspend", follow_redirects=False).status_code == 303
        assert "已暂停招生" in client.get("/institution/programmes/P2").text
        with transaction(client.app.state.engine) as s:
            assert s.get(Programme, "P2").status == "suspended"  # type: ignore[union-attr]
        # another institution's course reads as missing
        _sign_in(client, "institution", institution_id="I1")
        assert client.post("/institution/programmes/P2/suspend").status_code == 404


def test_institution_posts_a_programme_and_edits_its_seats_and_dates(sample_apps, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """发布培训项目 and 修改名额和日期 through the catalogue-write service: errors by their field
    keep what was typed and store nothing; another institution's programme reads as missing."""
    from data.db.models import AuditEvent

    with sample_apps.client(tmp_path, today=DAY) as client:
        engine = client.app.state.engine
        _sign_in(client, "institution", institution_id="I1")
        desk = client.get("/institution").text
        assert (
            'href="/institution/programmes/new"' in desk and 'href="/institution/programmes/P1/edit"' in desk
        )
        form = {
            "title": "砌筑工（初级）冬季班",
            "occupation": "砌筑工",
            "level": "5",
            "training_type": "就业技能培训",
            "delivery": "线下",
            "start_date": "2027-02-01",
            "end_date": "2027-01-20",
            "hours": "120",
            "seats": "25",
            "fee": "0",
        }
        bad = client.post("/institution/programmes/new", data=form)
        assert bad.status_code == 200
        assert (
            '<span class="msg" id="e-end_date">结束日期 2027-01-20 早于开始日期 2027-02-01</span>' in bad.text
        )
        assert 'value="砌筑工（初级）冬季班"' in bad.text and 'value="25"' in bad.text
        with transaction(engine) as s:
            assert s.scalar(select(func.count()).select_from(Programme)) == 2
        ok = client.post(
            "/institution/programmes/new", data=form | {"end_date": "2027-02-28"}, follow_redirects=False
        )
        assert ok.status_code == 303
        pid = ok.headers["location"].removeprefix("/institution/programmes/").removesuffix("/edit?posted=1")
        with transaction(engine) as s:
            p = s.get(Programme, pid)
            assert p is not None
            assert (p.institution_id, p.occupation_code, p.level, p.seats, p.seats_left, p.end_date) == (
                "I1",
                "6-29-01-01",
                5,
                25,
                25,
                dt.date(2027, 2, 28),
            )
        # P1 has 40 seats, 12 left: 28 are taken
        page = client.get("/institution/programmes/P1/edit").text
        assert 'value="40"' in page and "已占用名额 28 个" in page
        fewer = client.post(
            "/institution/programmes/P1/edit",
            data={"seats": "20", "start_date": "2027-01-05", "end_date": "2027-01-25"},
        )
        assert (
            '<span class="msg" id="e-seats">总名额 20 少于已被占用的名额 28（已报名的学员）</span>'
            in fewer.text
        )
        assert 'value="20"' in fewer.text
        backwards = client.post(
            "/institution/programmes/P1/edit",
            data={"seats": "50", "start_date": "2027-01-05", "end_date": "2027-01-04"},
        )
        assert (
            '<span class="msg" id="e-end_date">结束日期 2027-01-04 早于开始日期 2027-01-05</span>'
            in backwards.text
        )
        with transaction(engine) as s:
            p1 = s.get(Programme, "P1")
            assert p1 is not None and (p1.seats, p1.seats_left, p1.end_date) == (40, 12, dt.date(2027, 1, 25))
        saved = client.post(
            "/institution/programmes/P1/edit",
            data={"seats": "50", "start_date": "2027-01-05", "end_date": "2027-01-30"},
            follow_redirects=False,
        )
        assert (saved.status_code, saved.headers["location"]) == (
            303,
            "/institution/programmes/P1/edit?saved=1",
        )
        with transaction(engine) as s:
            p1 = s.get(Programme, "P1")
            assert p1 is not None and (p1.seats, p1.seats_left, p1.end_date) == (50, 22, dt.date(2027, 1, 30))
            actions = s.scalars(
                select(AuditEvent.action).where(AuditEvent.entity_id.in_(["P1", pid])).order_by(AuditEvent.id)
            ).all()
            assert actions == ["programme.create", "programme.update"]
        # another institution's programme reads as missing, and is not changed
        _sign_in(client, "institution", institution_id="I2")
        assert client.get("/institution/programmes/P1/edit").status_code == 404
        theirs = client.post(
            "/institution/programmes/P1/edit",
            data={"seats": "60", "start_date": "2027-01-05", "end_date": "2027-01-30"},
        )
        assert theirs.status_code == 404
        with transaction(engine) as s:
            assert s.get(Programme, "P1").seats == 50  # type: ignore[union-attr]
