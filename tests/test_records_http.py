"""The records side end to end over HTTP, on SQLite and PostgreSQL (issue 12): a counselor enrolls
a worker from one of the worker's pathways, the institution confirms and records completion and
certification, the counselor files the claim, admin A reviews and approves, admin B pays; the
worker's audit trail shows every step with its actor; a second payment and a submitter's review
are refused; the catalogue shows the institution's rates computed from the records."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from data.db.models import Institution, Programme
from data.db.session import transaction
from tests.apps import engine_of, refresh
from tests.auth_helpers import bearer, make_user

START = dt.date.today() + dt.timedelta(days=20)
END = START + dt.timedelta(days=20)


def _headers(client: TestClient, role: str, **scope: str) -> tuple[str, dict[str, str]]:
    username, password = make_user(engine_of(client), role, **scope)  # type: ignore[arg-type]
    return username, bearer(client, username, password)


def _add_course(client: TestClient) -> None:
    """P3: I1's 砌筑工 中级 course in 临县, starting in 20 days (W1 holds the 初级 certificate, so
    the sample's P1 is no pathway of W1's; P3 raises W1's level)."""
    with transaction(engine_of(client)) as s:
        i1 = s.get(Institution, "I1")
        assert i1 is not None
        s.add(
            Programme(
                id="P3",
                institution_id="I1",
                title="砌筑工（中级）技能提升培训",
                occupation_code="6-29-01-01",
                level=4,
                training_type="就业技能培训",
                delivery="线下",
                adcode=i1.adcode,
                lat=i1.lat,
                lon=i1.lon,
                start_date=START,
                end_date=END,
                hours=160,
                seats=30,
                seats_left=30,
                fee=1800,
            )
        )
    refresh(client)


def test_from_pathway_to_payment_with_every_step_in_the_trail(client: TestClient) -> None:
    _add_course(client)
    counselor, as_counselor = _headers(client, "counselor", region="141124")
    school, as_school = _headers(client, "institution", region="141124", institution_id="I1")
    admin_a, as_admin_a = _headers(client, "admin", region="1411")
    admin_b, as_admin_b = _headers(client, "admin", region="14")

    rec = client.get("/api/v1/workers/W1/recommendations", headers=as_counselor)
    assert rec.status_code == 200, rec.text
    pathway = next(p for p in rec.json()["pathways"] if p["programme_id"] == "P3")
    r = client.post(
        "/api/v1/enrollments",
        json={"worker_id": "W1", "programme_id": pathway["programme_id"], "order_id": pathway["order_id"]},
        headers=as_counselor,
    )
    assert r.status_code == 201, r.text
    enrollment = r.json()
    assert (enrollment["status"], enrollment["seats_left"]) == ("报名", 29)
    eid = enrollment["id"]

    assert client.post(f"/api/v1/enrollments/{eid}/confirm", headers=as_school).json()["status"] == "在训"
    # the service's day moves a week past the course's end
    claim_day = END + dt.timedelta(days=7)
    client.app.state.clock = lambda: claim_day  # type: ignore[attr-defined]
    r = client.post(
        f"/api/v1/enrollments/{eid}/completion",
        json={"completed_on": END.isoformat(), "hours_attended": 156},
        headers=as_school,
    )
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["hours_attended"]) == ("结业", 156)
    r = client.post(
        f"/api/v1/enrollments/{eid}/certificate",
        json={
            "occupation_code": "6-29-01-01",
            "level": 4,
            "number": "S1411240270001",
            "issued_on": (END + dt.timedelta(days=3)).isoformat(),
        },
        headers=as_school,
    )
    assert r.status_code == 201, r.text
    assert (r.json()["level_name"], r.json()["issuing_body"]) == ("中级工", "临县职业技能培训学校")
    certificate_id = r.json()["id"]

    r = client.post(
        "/api/v1/claims",
        json={"worker_id": "W1", "kind": "training", "enrollment_id": eid},
        headers=as_counselor,
    )
    assert r.status_code == 201, r.text
    claim = r.json()
    assert (claim["status"], claim["submitted_by"], claim["claim_date"]) == (
        "申请",
        counselor,
        claim_day.isoformat(),
    )
    # 吕梁's example policy (data/policy/1411-lvliang.toml, 2024.1): 中级工 1400 元, under the 1800 元 fee
    amount = claim["amount"]
    assert (amount, claim["to_worker"], claim["payee"], claim["kind_name"]) == (
        1400,
        1400,
        "worker",
        "职业培训补贴",
    )
    cid = claim["id"]

    # the submitter is no admin: reviewing is refused by role; an admin outside 吕梁 does not see it
    assert client.post(f"/api/v1/claims/{cid}/review", headers=as_counselor).status_code == 403
    _, as_taiyuan = _headers(client, "admin", region="1401")
    assert client.post(f"/api/v1/claims/{cid}/review", headers=as_taiyuan).status_code == 404

    assert client.post(f"/api/v1/claims/{cid}/review", headers=as_admin_a).json()["reviewed_by"] == admin_a
    assert client.post(f"/api/v1/claims/{cid}/approve", headers=as_admin_a).json()["approved_by"] == admin_a
    refused = client.post(f"/api/v1/claims/{cid}/pay", headers=as_admin_a)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "职责分离：提交或审核该补贴申领的经办人不能办理发放"
    paid = client.post(f"/api/v1/claims/{cid}/pay", headers=as_admin_b)
    assert paid.status_code == 200, paid.text
    assert (paid.json()["status"], paid.json()["paid_by"], paid.json()["to_worker"]) == (
        "发放",
        admin_b,
        amount,
    )
    again = client.post(f"/api/v1/claims/{cid}/pay", headers=as_admin_b)
    assert again.status_code == 409
    assert again.json()["detail"] == "补贴申领状态不能从“发放”变更为“发放”"

    trail = client.get("/api/v1/workers/W1/audit", headers=as_counselor)
    assert trail.status_code == 200, trail.text
    steps = [(e["actor"], e["action"]) for e in trail.json()["items"] if e["entity"] != "worker"]
    assert steps == [
        (counselor, "enrollment.enrolled"),
        (school, "enrollment.confirmed"),
        (school, "enrollment.completed"),
        (school, "certificate.recorded"),
        (counselor, "subsidy_claim.submitted"),
        (admin_a, "subsidy_claim.审核"),
        (admin_a, "subsidy_claim.通过"),
        (admin_a, "subsidy_claim.change_refused"),
        (admin_b, "subsidy_claim.发放"),
        (admin_b, "subsidy_claim.change_refused"),
    ]
    assert client.get("/api/v1/workers/W1/audit", headers=as_school).status_code == 403

    # the certificate pays its own 评价补贴 once (吕梁's example: 中级工 200 元)
    r = client.post(
        "/api/v1/claims",
        json={"worker_id": "W1", "kind": "certification", "certificate_id": certificate_id},
        headers=as_counselor,
    )
    assert r.status_code == 201, r.text
    assert (r.json()["kind_name"], r.json()["amount"], r.json()["to_worker"]) == (
        "职业技能评价补贴",
        200,
        200,
    )
    r = client.post(
        "/api/v1/claims",
        json={"worker_id": "W1", "kind": "certification", "certificate_id": certificate_id},
        headers=as_counselor,
    )
    assert r.status_code == 409 and r.json()["detail"].startswith("补贴申领未受理：")

    # I1's completion rate is now its records' (1 of 1), no longer the typed-in 0.92
    institutions = {i["id"]: i for i in client.get("/api/v1/institutions").json()["items"]}
    assert (institutions["I1"]["completion_rate"], institutions["I1"]["certification_rate"]) == (1.0, 1.0)
    # and the ranking reads them: recording the outcomes touched I1, so the next snapshot re-reads it
    refresh(client)
    snap = client.app.state.recommender.snapshot  # type: ignore[attr-defined]
    p3 = snap.programmes.records[snap.programmes.row_of["P3"]]
    assert (p3.institution.completion_rate, p3.institution.certification_rate) == (1.0, 1.0)


def test_a_body_naming_an_actor_is_refused(client: TestClient) -> None:
    _, as_counselor = _headers(client, "counselor", region="141124")
    r = client.post(
        "/api/v1/enrollments",
        json={"worker_id": "W1", "programme_id": "P2", "actor": "someone-else"},
        headers=as_counselor,
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["loc"] == ["body", "actor"]


def test_a_workers_request_a_counselors_confirmation_and_an_employers_hire(client: TestClient) -> None:
    from sqlalchemy import select

    from data.db.models import Order

    _add_course(client)
    with transaction(engine_of(client)) as s:
        employer_id = s.scalar(select(Order.employer_id).where(Order.id == "O1"))
    _, as_worker = _headers(client, "worker", region="141124", worker_id="W1")
    _, as_counselor = _headers(client, "counselor", region="141124")
    boss, as_employer = _headers(client, "employer", employer_id=employer_id)

    asked = client.post("/api/v1/enrollments/requests", json={"programme_id": "P3"}, headers=as_worker)
    assert asked.status_code == 201, asked.text
    assert (asked.json()["status"], asked.json()["seats_left"]) == ("待确认", 30)
    again = client.post("/api/v1/enrollments/requests", json={"programme_id": "P3"}, headers=as_worker)
    assert (again.status_code, again.json()["detail"]) == (409, "您已申请或报名培训项目 P3")
    done = client.post(
        "/api/v1/enrollments", json={"worker_id": "W1", "programme_id": "P3"}, headers=as_counselor
    )
    assert done.status_code == 201, done.text
    assert (done.json()["id"], done.json()["status"], done.json()["seats_left"]) == (
        asked.json()["id"],
        "报名",
        29,
    )
    mine = client.get("/api/v1/workers/W1/enrollments", headers=as_worker).json()
    assert [(e["programme_id"], e["status"]) for e in mine] == [("P3", "报名")]
    assert client.get("/api/v1/workers/W2/enrollments", headers=as_worker).status_code == 404

    hired = client.post(
        "/api/v1/orders/O1/hires",
        json={"worker_id": "W1", "start_date": dt.date.today().isoformat(), "monthly_wage": 6500},
        headers=as_employer,
    )
    assert hired.status_code == 201, hired.text
    assert (hired.json()["employer_name"], hired.json()["monthly_wage"]) == ("山西晋建建筑工程有限公司", 6500)
    wrong = client.post(
        "/api/v1/orders/O1/hires",
        json={"worker_id": "W1", "start_date": "2026-13-01", "monthly_wage": 6500},
        headers=as_employer,
    )
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["loc"] == ["body", "start_date"]
    trail = client.get("/api/v1/workers/W1/audit", headers=as_counselor).json()["items"]
    assert [(e["action"], e["actor"]) for e in trail if e["entity"] != "worker"][-1] == (
        "hire.recorded",
        boss,
    )
