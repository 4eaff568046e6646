"""The write API end to end over HTTP on the 300-worker world, on SQLite and PostgreSQL: a
counselor registers a worker from free text and gets pathways at once, finds them again and
edits them; an employer posts an order and gets candidates, trainable ones with the course that
closes the gap; an institution publishes, edits and suspends a course. Bad input answers 422
with the field and a Chinese message and stores nothing; every write is audited with its caller;
no log line carries a 身份证号 or a phone number."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from data.credit_code import credit_code_check_char
from data.db.models import AuditEvent, Order, Programme, Worker
from data.db.session import transaction
from tests import factories
from tests.apps import TODAY, engine_of, refresh
from tests.auth_helpers import bearer, make_user

DAY = {"today": TODAY.isoformat()}
ID_NUMBER = factories.id_number("141124", "19850303", "335")
PHONE = "13912345678"
CREDIT = "91140100MA0K" + "12345"  # 17 characters; the check character is appended
CREDIT += credit_code_check_char(CREDIT)


def _as(client: TestClient, role: str, **account: str) -> dict[str, str]:
    return bearer(client, *make_user(engine_of(client), role, **account))


def _worker_body(**over: object) -> dict:
    return {
        "id_number": ID_NUMBER,
        "name": "王建军",
        "phone": PHONE,
        "education": "初中",
        "home_address": "山西省吕梁市临县城庄镇寨则村",
        "skills_text": "在工地干过十年瓦工，会贴砖，想学电工",
        "consent_share": True,
        **over,
    }


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


def _no_personal_data_logged(logs: pytest.LogCaptureFixture) -> None:
    assert logs.records, "the requests were logged"
    for record in logs.records:
        text = record.getMessage() + " " + str(record.__dict__)
        assert ID_NUMBER not in text and PHONE not in text, record


def test_counselor_registers_finds_edits_a_worker(world_client: TestClient, logs) -> None:  # type: ignore[no-untyped-def]
    counselor = _as(world_client, "counselor", region="1411")
    r = world_client.post("/api/v1/workers", json=_worker_body(), headers=counselor)
    assert r.status_code == 201, r.text
    wid = r.json()["id"]
    # cold start: pathways on the very next request, no stored profile needed
    rec = world_client.get(f"/api/v1/workers/{wid}/recommendations", params=DAY, headers=counselor)
    assert rec.status_code == 200
    assert rec.json()["status"] == "ok" and len(rec.json()["pathways"]) > 0
    assert any(p["programme_id"] for p in rec.json()["pathways"])
    # found again by each key, within the region only
    for q in (ID_NUMBER, ID_NUMBER[-4:], PHONE, PHONE[-4:], "寨则村", "王建军"):
        hits = world_client.post("/api/v1/workers/search", json={"q": q}, headers=counselor).json()
        assert wid in [h["id"] for h in hits], q
    taiyuan = _as(world_client, "counselor", region="1401")
    assert world_client.post("/api/v1/workers/search", json={"q": ID_NUMBER}, headers=taiyuan).json() == []
    assert world_client.get(f"/api/v1/workers/{wid}", headers=taiyuan).status_code == 404
    # the file as stored: masked, never in clear
    body = world_client.get(f"/api/v1/workers/{wid}", headers=counselor).json()
    assert (
        body["id_number_masked"] == "141***********" + ID_NUMBER[-4:]
        and body["phone_masked"] == "139****5678"
    )
    assert body["home_adcode"] == "141124" and body["name_masked"] == "王**"
    # edit, then deactivate: no longer recommended
    r = world_client.patch(f"/api/v1/workers/{wid}", json={"expected_wage": 7000}, headers=counselor)
    assert r.status_code == 200
    assert (
        world_client.patch(f"/api/v1/workers/{wid}", json={"expected_wage": 1}, headers=taiyuan).status_code
        == 404
    )
    assert world_client.post(f"/api/v1/workers/{wid}/deactivate", headers=counselor).status_code == 200
    assert world_client.get(f"/api/v1/workers/{wid}", headers=counselor).json()["active"] is False
    gone = world_client.get(f"/api/v1/workers/{wid}/recommendations", params=DAY, headers=counselor)
    assert gone.status_code == 404
    with transaction(engine_of(world_client)) as s:
        trail = s.execute(
            select(AuditEvent.action, AuditEvent.actor)
            .where(AuditEvent.entity_id == wid)
            .order_by(AuditEvent.id)
        ).all()
    name = world_client.get("/api/v1/auth/me", headers=counselor).json()["username"]
    assert [tuple(t) for t in trail] == [
        ("worker.create", name),
        ("worker.update", name),
        ("worker.deactivate", name),
    ]
    _no_personal_data_logged(logs)


@pytest.mark.parametrize(
    ("over", "field", "msg"),
    [
        (
            {"id_number": ID_NUMBER[:-1] + ("0" if ID_NUMBER[-1] != "0" else "1")},
            "id_number",
            "身份证号校验位错误",
        ),
        ({"phone": "12345"}, "phone", "手机号应为以1开头的11位数字"),
        ({"home_address": "北京市朝阳区"}, "home_address", None),
        ({"home_address": "山西省太原市小店区"}, "home_address", "该地址不在您的辖区（1411）内"),
        ({"groups": ["不存在的类别"]}, "groups", "未知的人员类别: 不存在的类别"),
    ],
)
def test_bad_registrations_say_where_and_store_nothing(world_client: TestClient, over, field, msg) -> None:  # type: ignore[no-untyped-def]
    counselor = _as(world_client, "counselor", region="1411")
    with transaction(engine_of(world_client)) as s:
        before = s.scalar(select(func.count()).select_from(Worker))
    r = world_client.post("/api/v1/workers", json=_worker_body(**over), headers=counselor)
    assert r.status_code == 422, r.text
    error = r.json()["errors"][0]
    assert error["loc"] == ["body", field]
    if msg:
        assert error["msg"] == msg
    assert not error["msg"].isascii()
    with transaction(engine_of(world_client)) as s:
        assert s.scalar(select(func.count()).select_from(Worker)) == before


def test_one_person_one_file(world_client: TestClient) -> None:
    counselor = _as(world_client, "counselor", region="1411")
    first = world_client.post("/api/v1/workers", json=_worker_body(), headers=counselor)
    again = world_client.post("/api/v1/workers", json=_worker_body(), headers=counselor)
    assert first.status_code == 201 and again.status_code == 422
    assert again.json()["errors"][0]["msg"] == f"该身份证号已登记为劳动者 {first.json()['id']}"


def test_employer_posts_an_order_and_gets_candidates(world_client: TestClient, logs) -> None:  # type: ignore[no-untyped-def]
    counselor = _as(world_client, "counselor", region="1401")
    body = {
        "name": "太原市晋阳建筑劳务有限公司",
        "kind": "企业",
        "credit_code": CREDIT,
        "county": "太原市小店区",
    }
    bad = world_client.post(
        "/api/v1/employers", json={**body, "credit_code": CREDIT[:-1] + "0"}, headers=counselor
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["body", "credit_code"]
    r = world_client.post("/api/v1/employers", json=body, headers=counselor)
    assert r.status_code == 201, r.text
    eid = r.json()["id"]
    assert world_client.post("/api/v1/employers", json=body, headers=counselor).status_code == 409
    employer = _as(world_client, "employer", region="1401", employer_id=eid)
    assert world_client.get(f"/api/v1/employers/{eid}", headers=employer).json()["credit_code"] == CREDIT
    start = (TODAY.replace(day=1) + dt.timedelta(days=40)).replace(day=5)  # next month
    order = {
        "occupation_code": "6-29-01-01",
        "head_count": 20,
        "county": "太原市",
        "wage_min": 6000,
        "wage_max": 8000,
        "start_date": start.isoformat(),
        "description": "招聘砌筑工20名，包吃住",
    }
    wrong = world_client.post("/api/v1/orders", json={**order, "wage_max": 5000}, headers=employer)
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["loc"] == ["body", "wage_max"]
    r = world_client.post("/api/v1/orders", json=order, headers=employer)
    assert r.status_code == 201, r.text
    oid = r.json()["id"]
    refresh(world_client, encode=True)
    got = world_client.get(f"/api/v1/orders/{oid}/candidates", params={**DAY, "top": 100}, headers=employer)
    assert got.status_code == 200, got.text
    candidates = got.json()["candidates"]
    assert candidates, got.json()["message"]
    trainable = [c for c in candidates if c["kind"] == "trainable"]
    assert trainable and all(c["programme_id"] for c in trainable)
    for c in candidates:  # masked for an employer: at most 3+2 digits, no name length
        assert c["phone"] is None or (c["phone"].count("*") == 6 and len(c["phone"]) == 11)
        assert c["name"] is None or c["name"].endswith("**") and len(c["name"]) == 3
    # the order is the employer's own: another employer cannot touch it
    other = _as(world_client, "employer", region="1401", employer_id=_other_employer(world_client))
    assert (
        world_client.patch(f"/api/v1/orders/{oid}", json={"head_count": 1}, headers=other).status_code == 404
    )
    assert (
        world_client.patch(f"/api/v1/orders/{oid}", json={"head_count": 25}, headers=employer).status_code
        == 200
    )
    assert world_client.post(f"/api/v1/orders/{oid}/close", headers=employer).status_code == 200
    with transaction(engine_of(world_client)) as s:
        row = s.get(Order, oid)
        assert row is not None and (row.head_count, row.status, row.employer_id) == (25, "closed", eid)
    _no_personal_data_logged(logs)


def _other_employer(client: TestClient) -> str:
    with transaction(engine_of(client)) as s:
        return str(
            s.scalar(select(Order.employer_id).where(Order.employer_id.is_not(None)).order_by(Order.id))
        )


def test_institution_publishes_edits_and_suspends_a_course(world_client: TestClient) -> None:
    admin = _as(world_client, "admin", region="1411")
    r = world_client.post(
        "/api/v1/institutions",
        json={"name": "临县新希望职业培训学校", "kind": "民办培训机构", "county": "临县"},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    iid = r.json()["id"]
    inst = _as(world_client, "institution", region="141124", institution_id=iid)
    course = {
        "title": "电工（初级）就业技能培训",
        "occupation_code": "6-31-01-03",
        "level": 5,
        "training_type": "就业技能培训",
        "delivery": "线下",
        "county": "临县",
        "start_date": "2027-01-10",
        "end_date": "2027-02-10",
        "hours": 120,
        "seats": 30,
        "fee": 1800,
    }
    backwards = world_client.post(
        "/api/v1/programmes", json={**course, "end_date": "2027-01-01"}, headers=inst
    )
    assert backwards.status_code == 422
    r = world_client.post("/api/v1/programmes", json=course, headers=inst)
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    assert (
        world_client.patch(f"/api/v1/programmes/{pid}", json={"seats": 40}, headers=inst).status_code == 200
    )
    with transaction(engine_of(world_client)) as s:
        p = s.get(Programme, pid)
        assert p is not None and (p.seats, p.seats_left, p.institution_id) == (40, 40, iid)
        theirs = s.scalar(select(Programme.id).where(Programme.institution_id != iid).order_by(Programme.id))
    assert (
        world_client.patch(f"/api/v1/programmes/{theirs}", json={"seats": 1}, headers=inst).status_code == 404
    )
    listed = world_client.get("/api/v1/programmes", params={"city": "141124", "limit": 500}).json()["items"]
    assert pid in [p["id"] for p in listed]
    assert world_client.post(f"/api/v1/programmes/{pid}/suspend", headers=inst).status_code == 200
    listed = world_client.get("/api/v1/programmes", params={"city": "141124", "limit": 500}).json()["items"]
    assert pid not in [p["id"] for p in listed]
