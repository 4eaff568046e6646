"""Signed-in pages over HTTP (no browser), on SQLite and PostgreSQL, over the factory sample:
the token cookie, sign-in errors by the field, the worker page, the counselor workbench with its
scope, why-not and the printable sheet, sign-out revoking the token."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.auth_helpers import make_user

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
