"""A worker's contact reaches one order's employer only after the worker consented to that order
(issue 12), on SQLite and PostgreSQL, over HTTP.

The factory sample: W1 (张三, 13812345678, shares a masked profile, holds a 砌筑工 certificate) lives
in 临县; W2 has no phone and does not share. O1 is 山西晋建建筑工程有限公司's; the tests that read
candidates post that employer's own 砌筑工 orders in 临县, where W1 is a direct fit.
"""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from data.credit_code import employer_id
from data.db.models import AuditEvent, Employer, OrderConsent
from data.db.session import transaction
from tests.apps import engine_of, refresh
from tests.auth_helpers import bearer, make_user

O1_EMPLOYER = employer_id("山西晋建建筑工程有限公司", "企业")
NAME, PHONE = "张三", "13812345678"
CONTACT = {"name": NAME, "phone": PHONE}
DAY = {"today": "2026-12-01"}
CONSENT = "/api/v1/workers/W1/orders/{order}/consent"


def _as(client: TestClient, role: str, **account: str) -> tuple[str, dict[str, str]]:
    name, password = make_user(engine_of(client), role, **account)
    return name, bearer(client, name, password)


def _w1(client: TestClient, order: str, headers: dict[str, str]) -> dict:
    r = client.get(f"/api/v1/orders/{order}/candidates", params=DAY, headers=headers)
    assert r.status_code == 200, r.text
    (w1,) = [c for c in r.json()["candidates"] if c["worker_id"] == "W1"]
    return w1


def _masked(c: dict) -> bool:
    return (c["name"], c["phone"], c["contact"]) == ("张**", "138******78", False)


ORDER_BODY = {
    "occupation_code": "6-29-01-01",
    "head_count": 3,
    "county": "临县",
    "wage_min": 5000,
    "wage_max": 6000,
    "start_date": "2027-02-01",
}


def _orders(client: TestClient, boss: dict[str, str], n: int) -> list[str]:
    """``n`` new 临县 砌筑工 orders of the employer, in the snapshot with every profile stored."""
    ids = []
    for _ in range(n):
        r = client.post("/api/v1/orders", json=ORDER_BODY, headers=boss)
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    refresh(client, encode=True)
    return ids


def _trail(client: TestClient) -> list[tuple[str, str, dict]]:
    with transaction(engine_of(client)) as s:
        rows = s.execute(
            select(AuditEvent.actor, AuditEvent.action, AuditEvent.payload)
            .where(
                AuditEvent.entity_id == "W1",
                AuditEvent.action.like("%consent%") | AuditEvent.action.like("contact%"),
            )
            .order_by(AuditEvent.id)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


def test_only_that_orders_employer_sees_the_contact_and_only_while_consent_stands(
    client: TestClient, logs: pytest.LogCaptureFixture
) -> None:
    boss_name, boss = _as(client, "employer", region="1401", employer_id=O1_EMPLOYER)
    worker_name, worker = _as(client, "worker", region="141124", worker_id="W1")
    _, counselor = _as(client, "counselor", region="14")
    _, admin = _as(client, "admin", region="14")
    order, other_order = _orders(client, boss, 2)  # two orders of the same employer, same trade
    assert _masked(_w1(client, order, boss)) and _masked(_w1(client, other_order, boss))
    r = client.put(CONSENT.format(order=order), json=CONTACT, headers=worker)
    assert r.status_code == 200, r.text
    assert r.json() == {"worker_id": "W1", "order_id": order, "consented": True, "on_behalf": False}

    seen = _w1(client, order, boss)
    assert (seen["name"], seen["phone"], seen["contact"]) == (NAME, PHONE, True)
    # the same employer's other order, and every other role on this order: still masked
    assert _masked(_w1(client, other_order, boss))
    assert _masked(_w1(client, order, counselor)) and _masked(_w1(client, order, admin))

    r = client.delete(CONSENT.format(order=order), headers=worker)
    assert r.status_code == 200 and r.json()["consented"] is False
    assert _masked(_w1(client, order, boss))  # at once, no refresh in between
    with transaction(engine_of(client)) as s:
        (row,) = s.scalars(select(OrderConsent))
        assert (row.contact_name, row.contact_phone, row.withdrawn_by) == (None, None, worker_name)

    assert _trail(client) == [
        (
            worker_name,
            "order_consent.given",
            {"order_id": order, "on_behalf": False, "employer_id": O1_EMPLOYER},
        ),
        (boss_name, "contact.revealed", {"order_id": order}),
        (worker_name, "order_consent.withdrawn", {"order_id": order, "on_behalf": False}),
    ]
    assert logs.records, "the requests were logged"
    for record in logs.records:
        text = record.getMessage() + " " + str(record.__dict__)
        assert PHONE not in text and NAME not in text, record


def test_another_employer_never_sees_the_candidates(client: TestClient) -> None:
    with transaction(engine_of(client)) as s:
        s.add(Employer(id="EOTHER1", name="另一家公司", kind="企业", adcode="140105"))
    _, worker = _as(client, "worker", region="141124", worker_id="W1")
    _, stranger = _as(client, "employer", region="1401", employer_id="EOTHER1")
    assert client.put(CONSENT.format(order="O1"), json=CONTACT, headers=worker).status_code == 200
    r = client.get("/api/v1/orders/O1/candidates", params=DAY, headers=stranger)
    assert r.status_code == 404 and PHONE not in r.text


def test_a_counselor_consents_on_the_workers_behalf_and_that_is_recorded(client: TestClient) -> None:
    counselor_name, counselor = _as(client, "counselor", region="1411")
    _, boss = _as(client, "employer", region="1401", employer_id=O1_EMPLOYER)
    (order,) = _orders(client, boss, 1)
    r = client.put(CONSENT.format(order=order), json=CONTACT, headers=counselor)
    assert r.status_code == 200 and r.json()["on_behalf"] is True
    with transaction(engine_of(client)) as s:
        (row,) = s.scalars(select(OrderConsent))
        assert (row.given_by, row.on_behalf, row.contact_phone) == (counselor_name, True, PHONE)
    assert _w1(client, order, boss)["phone"] == PHONE
    # withdrawing the general consent ends every order's consent with it
    r = client.put("/api/v1/workers/W1/consent", json={"consent_share": False}, headers=counselor)
    assert r.status_code == 200
    with transaction(engine_of(client)) as s:
        (row,) = s.scalars(select(OrderConsent))
        assert row.withdrawn_at is not None and row.contact_phone is None
    assert [a for _, a, _ in _trail(client)] == [
        "order_consent.given",
        "contact.revealed",
        "order_consent.withdrawn",
    ]
    assert client.put(CONSENT.format(order=order), json=CONTACT, headers=counselor).status_code == 409


@pytest.mark.parametrize(
    ("path", "body", "status", "loc", "detail"),
    [
        (
            CONSENT.format(order="O1"),
            {"name": NAME, "phone": "13900000000"},
            422,
            "phone",
            "手机号与登记的不一致",
        ),
        (CONSENT.format(order="O1"), {"name": "张三丰", "phone": PHONE}, 422, "name", "姓名与登记的不一致"),
        (CONSENT.format(order="O1"), {"name": NAME, "phone": "12345"}, 422, "phone", None),
        (CONSENT.format(order="O404"), CONTACT, 404, None, "未找到用工订单 O404"),
        ("/api/v1/workers/W2/orders/O1/consent", CONTACT, 409, None, "请先同意向用人单位共享求职信息"),
    ],
)
def test_a_consent_carries_only_the_workers_own_contact(
    client: TestClient, path: str, body: dict, status: int, loc: str | None, detail: str | None
) -> None:
    _, counselor = _as(client, "counselor", region="14")
    r = client.put(path, json=body, headers=counselor)
    assert r.status_code == status, r.text
    if loc:
        assert r.json()["errors"][0]["loc"] == ["body", loc]
    if detail:
        assert detail in str(r.json())
    with transaction(engine_of(client)) as s:
        assert list(s.scalars(select(OrderConsent))) == []


def test_a_closed_order_takes_no_consent(client: TestClient) -> None:
    _, boss = _as(client, "employer", region="1401", employer_id=O1_EMPLOYER)
    _, worker = _as(client, "worker", region="141124", worker_id="W1")
    assert client.post("/api/v1/orders/O1/close", headers=boss).status_code == 200
    r = client.put(CONSENT.format(order="O1"), json=CONTACT, headers=worker)
    assert r.status_code == 409 and "已关闭" in r.json()["detail"]
