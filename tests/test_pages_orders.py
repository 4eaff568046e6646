"""The employer's order pages over HTTP, on SQLite and PostgreSQL, over the factory sample: post an
order through the form (errors by field, typed values kept, nothing stored), land on its
candidates, edit and close it; the nearby-worker counts (counts only)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from data.db.models import AuditEvent, Employer, Order, Worker
from data.db.session import transaction
from tests.auth_helpers import make_user

DAY = dt.date(2026, 12, 1)


@pytest.fixture
def client(sample_apps, tmp_path):  # type: ignore[no-untyped-def]
    with sample_apps.client(tmp_path, today=DAY) as c:
        yield c


def _employer(client) -> str:  # type: ignore[no-untyped-def]
    with transaction(client.app.state.engine) as s:
        employer_id = s.scalar(select(Order.employer_id).where(Order.id == "O1"))
    assert employer_id
    username, password = make_user(client.app.state.engine, "employer", employer_id=employer_id)
    r = client.post(
        "/login/employer", data={"username": username, "password": password}, follow_redirects=False
    )
    assert r.status_code == 303
    return employer_id


def _orders(client) -> int:  # type: ignore[no-untyped-def]
    with transaction(client.app.state.engine) as s:
        return s.scalar(select(func.count()).select_from(Order)) or 0


GOOD = {
    "occupation": "砌筑工",
    "head_count": "20",
    "county": "140105",
    "wage_min": "6000",
    "wage_max": "8000",
    "start_date": "2027-01-04",
    "required_skills": "会砌砖，能吃苦",
    "employer_trains": "1",
}


def test_a_wrong_form_comes_back_by_field_with_what_was_typed(client) -> None:  # type: ignore[no-untyped-def]
    _employer(client)
    before = _orders(client)
    bad = GOOD | {
        "occupation": "会盖房子的",
        "head_count": "0",
        "wage_max": "5000",
        "start_date": "2027-13-01",
    }
    r = client.post("/employer/orders/new", data=bad)
    assert r.status_code == 200
    msgs = dict(re.findall(r'<span class="msg" id="e-([a-z_]+)">([^<]+)</span>', r.text))
    assert set(msgs) == {"occupation", "head_count", "start_date"}
    assert "未找到职业“会盖房子的”" in msgs["occupation"]
    assert 'value="会盖房子的"' in r.text and "会砌砖，能吃苦" in r.text
    assert '<option value="140105" selected>' in r.text
    # the range is checked by the loaders once every field has its shape
    r = client.post("/employer/orders/new", data=GOOD | {"wage_max": "5000"})
    assert re.search(r'id="e-wage_max">最高工资 5000 低于最低工资 6000<', r.text)
    assert _orders(client) == before


def test_an_ambiguous_occupation_lists_the_ones_it_could_be(client) -> None:  # type: ignore[no-untyped-def]
    _employer(client)
    r = client.post("/employer/orders/new", data=GOOD | {"occupation": "工"})
    msg = re.search(r'id="e-occupation">([^<]+)<', r.text).group(1)
    assert msg.startswith("“工”对应多个职业")


def test_posting_lands_on_the_candidates_then_edit_and_close(client) -> None:  # type: ignore[no-untyped-def]
    employer_id = _employer(client)
    r = client.post("/employer/orders/new", data=GOOD, follow_redirects=False)
    assert r.status_code == 303
    order_id = re.fullmatch(r"/employer/orders/(O[0-9A-F]+)\?posted=1", r.headers["location"]).group(1)
    with transaction(client.app.state.engine) as s:
        order = s.get(Order, order_id)
        assert order is not None
        assert (order.employer_id, order.occupation_code, order.head_count, order.adcode) == (
            employer_id,
            "6-29-01-01",
            20,
            "140105",
        )
        assert (order.wage_min, order.wage_max, order.start_date, order.employer_trains) == (
            6000,
            8000,
            dt.date(2027, 1, 4),
            True,
        )
        assert s.scalar(select(AuditEvent.action).where(AuditEvent.entity_id == order_id)) == "order.create"
    page = client.get(r.headers["location"])
    assert page.status_code == 200 and "订单已发布" in page.text
    home = client.get("/employer")
    assert order_id in re.findall(r'data-order="([^"]+)"', home.text)

    edit = client.get(f"/employer/orders/{order_id}/edit")
    assert 'value="20"' in edit.text and "砌筑工（6-29-01-01）" in edit.text
    bad = client.post(
        f"/employer/orders/{order_id}/edit",
        data={"head_count": "", "wage_min": "6500", "wage_max": "9000", "start_date": "2027-01-04"},
    )
    assert re.search(r'id="e-head_count">请填写此项<', bad.text) and 'value="6500"' in bad.text
    done = client.post(
        f"/employer/orders/{order_id}/edit",
        data={"head_count": "25", "wage_min": "6500", "wage_max": "9000", "start_date": "2027-01-11"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    closed = client.post(f"/employer/orders/{order_id}/close", follow_redirects=False)
    assert closed.headers["location"] == f"/employer?closed={order_id}"
    with transaction(client.app.state.engine) as s:
        order = s.get(Order, order_id)
        assert order is not None
        assert (order.head_count, order.wage_max, order.start_date, order.status) == (
            25,
            9000,
            dt.date(2027, 1, 11),
            "closed",
        )
    assert f"订单 {order_id} 已关闭" in client.get(closed.headers["location"]).text


def test_another_employers_order_cannot_be_edited_or_closed(client) -> None:  # type: ignore[no-untyped-def]
    with transaction(client.app.state.engine) as s:
        s.add(Employer(id="EOTHER1", name="另一家公司", kind="企业", adcode="140105"))
    username, password = make_user(client.app.state.engine, "employer", employer_id="EOTHER1")
    client.post("/login/employer", data={"username": username, "password": password})
    assert client.get("/employer/orders/O1/edit").status_code == 404
    assert client.post("/employer/orders/O1/close").status_code == 404
    with transaction(client.app.state.engine) as s:
        assert s.scalar(select(Order.status).where(Order.id == "O1")) == "open"


def test_nearby_workers_are_counts_of_consenting_workers_only(client) -> None:  # type: ignore[no-untyped-def]
    from api.services.nearby import nearby_workers

    employer_id = _employer(client)
    engine = client.app.state.engine

    def wishers(consent: bool) -> tuple[int, int]:
        with transaction(engine) as s:
            w2 = s.get(Worker, "W2")
            employer = s.get(Employer, employer_id)
            assert w2 is not None and employer is not None
            w2.home_adcode, w2.consent_share = employer.adcode, consent
            w2.desired_occupations = ["6-29-01-01"]
        with transaction(engine) as s:
            row = next(r for r in nearby_workers(s, employer_id).rows if r.occupation_code == "6-29-01-01")
        return row.county_wish, row.city_wish

    shared, withdrawn = wishers(True), wishers(False)
    assert shared == (withdrawn[0] + 1, withdrawn[1] + 1)
    wishers(True)
    page = client.get("/employer")
    table = re.search(r'<table id="nearby">(.*?)</table>', page.text, re.S)
    assert table is not None and "砌筑工" in table.group(1)
    # counts only: no worker id or name on the employer's page
    assert "W2" not in page.text and not re.search(r"W\d", table.group(1))
