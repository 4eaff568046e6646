"""Signed-in pages over HTTP (no browser), on SQLite and PostgreSQL, over the factory sample:
the token cookie, sign-in errors by the field, the worker page, the counselor workbench with its
scope, why-not and the printable sheet, sign-out revoking the token."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.auth_helpers import make_user
from tests.factories import id_number

DAY = dt.date(2026, 12, 1)


@pytest.fixture
def client(sample_apps, tmp_path):  # type: ignore[no-untyped-def]
    with sample_apps.client(tmp_path, today=DAY) as c:
        yield c


def _engine(client):  # type: ignore[no-untyped-def]
    return client.app.state.engine


def _expected(client, worker_id: str, top: int) -> list[str]:  # type: ignore[no-untyped-def]
    """The ids of the worker's pathways, from the recommender the JSON API reads."""
    rec = client.app.state.recommender.recommend_worker(worker_id, top=top, today=DAY)
    return [p.programme_id or p.order_id for p in rec.pathways]


def _sign_in(client, role: str, **account: str) -> str:  # type: ignore[no-untyped-def]
    username, password = make_user(_engine(client), role, **account)
    r = client.post(
        f"/login/{role}", data={"username": username, "password": password}, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    return r.headers["set-cookie"]


def test_a_page_without_sign_in_sends_to_the_roles_sign_in(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/workbench?q=5678", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login/counselor?next=%2Fworkbench%3Fq%3D5678"
    assert client.get("/me", follow_redirects=False).headers["location"] == "/login/worker?next=%2Fme"


def test_sign_in_errors_are_by_the_field_and_keep_the_name(client) -> None:  # type: ignore[no-untyped-def]
    username, _password = make_user(_engine(client), "counselor")
    wrong = client.post("/login/counselor", data={"username": username, "password": "nope"})
    assert wrong.status_code == 200
    assert '<span class="msg" id="e-password">用户名或密码错误</span>' in wrong.text
    assert f'value="{username}"' in wrong.text
    assert 'value="nope"' not in wrong.text
    empty = client.post("/login/counselor", data={"username": "", "password": ""})
    assert '<span class="msg" id="e-username">请填写此项</span>' in empty.text
    assert '<span class="msg" id="e-password">请填写此项</span>' in empty.text


def test_an_account_signs_in_only_at_its_roles_page(client) -> None:  # type: ignore[no-untyped-def]
    username, password = make_user(_engine(client), "counselor")
    r = client.post(
        "/login/worker", data={"username": username, "password": password}, follow_redirects=False
    )
    assert r.status_code == 200
    assert "该账号是就业服务专员账号，请从就业服务专员登录入口登录" in r.text
    assert "set-cookie" not in r.headers


def test_the_cookie_is_http_only_strict_and_goes_where_asked(client) -> None:  # type: ignore[no-untyped-def]
    username, password = make_user(_engine(client), "counselor")
    r = client.post(
        "/login/counselor",
        data={"username": username, "password": password, "next": "/workbench?q=W1"},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/workbench?q=W1"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("sb_token=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    # a "next" off this site is ignored
    username, password = make_user(_engine(client), "counselor")
    away = client.post(
        "/login/counselor",
        data={"username": username, "password": password, "next": "//evil.example/x"},
        follow_redirects=False,
    )
    assert away.headers["location"] == "/workbench"


def test_workbench_finds_workers_of_the_region_only(client) -> None:  # type: ignore[no-untyped-def]
    _sign_in(client, "counselor", region="1411")
    by_tail = client.get("/workbench", params={"q": "5678"})  # W1's phone 138****5678
    assert re.findall(r'data-worker="([^"]+)"', by_tail.text) == ["W1"]
    assert "138****5678" in by_tail.text
    by_village = client.get("/workbench", params={"q": "城庄镇"})
    assert re.findall(r'data-worker="([^"]+)"', by_village.text) == ["W1"]
    # W2 lives in 太原市小店区, outside 1411: not listed, and its page answers 404
    everyone = client.get("/workbench")
    assert re.findall(r'data-worker="([^"]+)"', everyone.text) == ["W1"]
    outside = client.get("/workbench/workers/W2")
    assert outside.status_code == 404
    assert "未找到劳动者 W2" in outside.text and outside.headers["content-type"].startswith("text/html")


def test_workbench_worker_pathways_why_not_and_sheet(client) -> None:  # type: ignore[no-untyped-def]
    _sign_in(client, "counselor", region="14")
    page = client.get("/workbench/workers/W1")
    assert page.status_code == 200
    # W1 already holds 砌筑工 初级 (the sample's only course at that level): nothing to offer, and
    # the page says so in the service's words
    assert re.findall(r'data-pathway="([^"]+)"', page.text) == _expected(client, "W1", 10) == []
    assert "暂未找到您能参加的培训或岗位，可放宽通勤距离或补充求职意向" in page.text
    why = client.get("/workbench/workers/W1", params={"item": "P1"})
    assert 'id="why-answer"' in why.text
    assert "<li>您已持有该职业同级或更高等级的证书</li>" in why.text
    unknown = client.get("/workbench/workers/W1", params={"item": "P999"})
    assert '<span class="msg" id="e-item">未找到培训项目或用工订单 P999</span>' in unknown.text
    sheet = client.get("/workbench/workers/W1/sheet")
    assert sheet.status_code == 200 and "技能通 培训与就业推荐单" in sheet.text
    # opening the sheet issues nothing: its QR code (a one-time link) comes from its button,
    # see tests/test_pages_worker_link.py
    assert "<svg" not in sheet.text and 'id="sheet-link"' in sheet.text


def test_worker_page_and_sign_out(client) -> None:  # type: ignore[no-untyped-def]
    _sign_in(client, "worker", worker_id="W1")
    me = client.get("/me")
    assert me.status_code == 200
    # nothing to offer W1 in the sample (see above): plain words on what to do, no empty numbers
    assert re.findall(r'data-pathway="([^"]+)"', me.text) == _expected(client, "W1", 5) == []
    assert "请联系就业服务站的工作人员，补充您的技能和想做的工作" in me.text
    assert "我要花" not in me.text
    # a worker may not open the workbench
    assert client.get("/workbench").status_code == 403
    token = client.cookies["sb_token"]
    out = client.post("/logout", follow_redirects=False)
    assert out.status_code == 303 and 'sb_token=""' in out.headers["set-cookie"]
    assert client.get("/me", follow_redirects=False).status_code == 303
    # the token itself is revoked, not only forgotten by this browser
    client.cookies.set("sb_token", token)
    assert client.get("/me", follow_redirects=False).status_code == 303


def _register(client, **fields: str | list[str]):  # type: ignore[no-untyped-def]
    form: dict[str, str | list[str]] = {
        "name": "王五",
        "id_number": id_number("141124", "19880808", "551"),
        "phone": "13912345678",
        "home_address": "山西省吕梁市临县城庄镇",
        "education": "初中",
        "desired_place": "local",
        "max_commute_km": "40",
        "skills_text": "在工地干过八年钢筋工，会看图纸",
        "work_history": "想学电焊",
        "groups": ["脱贫劳动力", "返乡农民工"],
        "consent_share": "1",
        **fields,
    }
    return client.post("/workbench/register", data=form, follow_redirects=False)


def test_counselor_registers_a_worker_from_free_text(client) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from data.db.models import AuditEvent, Worker
    from data.db.session import transaction

    _sign_in(client, "counselor", region="1411")
    r = _register(client)
    assert r.status_code == 303
    worker_id = r.headers["location"].split("/")[3].split("?")[0]
    with transaction(_engine(client)) as s:
        w = s.get(Worker, worker_id)
        assert w is not None
        row = (w.name_masked, w.id_number_masked, w.phone_masked, w.home_adcode, w.birth_year, w.gender)
        assert row == (
            "王*",
            "141***********" + id_number("141124", "19880808", "551")[-4:],
            "139****5678",
            "141124",
            1988,
            "男",
        )
        assert (w.groups, w.consent_share, w.max_commute_km) == (["脱贫劳动力", "返乡农民工"], True, 40.0)
        assert w.skills_text == "在工地干过八年钢筋工，会看图纸"
        actors = s.scalars(select(AuditEvent.actor).where(AuditEvent.entity_id == worker_id)).all()
        assert len(actors) == 1 and actors[0].startswith("counselor-")
    page = client.get(r.headers["location"])
    assert page.status_code == 200 and "已登记" in page.text
    # the same 身份证号 again is refused by its field
    again = _register(client, name="王五五")
    assert '<span class="msg" id="e-id_number">该身份证号已登记，请用身份证号后四位查找</span>' in again.text


def test_a_worker_registered_with_a_desired_city_has_it_stored_and_shown(client) -> None:  # type: ignore[no-untyped-def]
    from data.db.models import Worker
    from data.db.session import transaction

    _sign_in(client, "counselor", region="1411")
    # "指定城市" without a city is refused by the city's box, what was typed kept
    none = _register(client, desired_place="city")
    assert none.status_code == 200
    assert '<span class="msg" id="e-desired_city">求职地点为指定城市时必须填写城市</span>' in none.text
    assert '<option value="city" selected>' in none.text
    r = _register(client, desired_place="city", desired_city="140100")
    assert r.status_code == 303
    worker_id = r.headers["location"].split("/")[3].split("?")[0]
    with transaction(_engine(client)) as s:
        w = s.get(Worker, worker_id)
        assert w is not None and (w.desired_place, w.desired_city_adcode) == ("city", "140100")
    page = client.get(f"/workbench/workers/{worker_id}")
    assert '<dd id="wish-place">指定城市：太原市</dd>' in page.text
    edit = client.get(f"/workbench/workers/{worker_id}/edit")
    assert '<option value="140100" selected>太原市</option>' in edit.text


def test_registration_errors_by_the_field_keep_what_was_typed(client) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from data.db.models import Worker
    from data.db.session import transaction

    _sign_in(client, "counselor", region="1411")
    with transaction(_engine(client)) as s:
        before = s.scalar(select(func.count()).select_from(Worker))
    bad = _register(client, id_number="141124198808085519", phone="1391234", home_address="太原市小店区")
    assert bad.status_code == 200
    assert '<span class="msg" id="e-id_number">身份证号校验位错误</span>' in bad.text
    assert (
        '<span class="msg" id="e-home_address">该地址不在您负责的地区，请由户籍地的就业服务站登记</span>'
        in bad.text
    )
    assert '<span class="msg" id="e-phone">手机号应为以1开头的11位数字</span>' in bad.text
    assert 'value="1391234"' in bad.text and "在工地干过八年钢筋工，会看图纸</textarea>" in bad.text
    assert 'value="脱贫劳动力" checked' in bad.text and 'value="零就业家庭成员" checked' not in bad.text
    empty = client.post("/workbench/register", data={"name": ""})
    assert '<span class="msg" id="e-name">请填写姓名</span>' in empty.text
    assert '<span class="msg" id="e-id_number">请填写身份证号</span>' in empty.text
    with transaction(_engine(client)) as s:
        assert s.scalar(select(func.count()).select_from(Worker)) == before
