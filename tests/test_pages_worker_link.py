"""The worker's one-time sign-in link through the pages, on SQLite and PostgreSQL, over the factory
sample: the counselor issues it (worker page, printed sheet), the worker opens it (a confirm page
that uses nothing up), signs in with its button and lands on /me; a used, unknown or malformed
code gets one Chinese page; pages carrying a code are neither cached nor sent as a referrer."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from api.pages.workbench import qr_svg
from api.services.login_links import REFUSED
from data.db.models import AuditEvent
from data.db.session import transaction
from tests.auth_helpers import make_user

DAY = dt.date(2026, 12, 1)
LINK = re.compile(r"http://testserver/login/link/([A-Za-z0-9_-]+)")


@pytest.fixture
def client(sample_apps, tmp_path):  # type: ignore[no-untyped-def]
    with sample_apps.client(tmp_path, today=DAY) as c:
        yield c


def _counselor(client, region: str = "1411") -> dict[str, str]:  # type: ignore[no-untyped-def]
    username, password = make_user(client.app.state.engine, "counselor", region=region)
    r = client.post(
        "/login/counselor", data={"username": username, "password": password}, follow_redirects=False
    )
    assert r.status_code == 303
    cookie = {"Cookie": f"sb_token={r.cookies['sb_token']}"}
    client.cookies.clear()
    return cookie


def _issue(client, counselor: dict[str, str], path: str = "/workbench/workers/W1/login-link") -> str:  # type: ignore[no-untyped-def]
    r = client.post(path, headers=counselor)
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store" and r.headers["referrer-policy"] == "no-referrer"
    codes = set(LINK.findall(r.text))
    assert len(codes) == 1
    code = codes.pop()
    # the QR code (an inline SVG, nothing fetched) encodes exactly the link shown
    assert qr_svg(f"http://testserver/login/link/{code}") in r.text
    return code


def test_the_worker_opens_the_link_confirms_and_lands_on_their_page(client) -> None:  # type: ignore[no-untyped-def]
    counselor = _counselor(client)
    code = _issue(client, counselor)
    confirm = client.get(f"/login/link/{code}")
    assert confirm.status_code == 200 and 'id="use-link"' in confirm.text
    assert f'action="/login/link/{code}"' in confirm.text
    assert confirm.headers["referrer-policy"] == "no-referrer"
    # a preview that only fetches the link uses nothing up
    assert client.get(f"/login/link/{code}").status_code == 200
    signed_in = client.post(f"/login/link/{code}", follow_redirects=False)
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/me"
    cookie = signed_in.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    me = client.get("/me")
    assert me.status_code == 200 and "我的推荐" in me.text and "worker-w1" in me.text
    client.cookies.clear()
    # used: the same page as for a code never issued, and nobody is signed in
    for method, path in (
        ("POST", f"/login/link/{code}"),
        ("GET", f"/login/link/{code}"),
        ("GET", "/login/link/" + "A" * 32),
        ("POST", "/login/link/" + "A" * 32),
        ("GET", "/login/link/short"),
        ("GET", "/login/link/" + "%3Cscript%3E" * 8),
    ):
        r = client.request(method, path, follow_redirects=False)
        assert (r.status_code, r.headers["content-type"][:9]) == (404, "text/html"), path
        assert REFUSED in r.text and "sb_token" not in r.headers.get("set-cookie", "")
    with transaction(client.app.state.engine) as s:
        actions = s.execute(
            select(AuditEvent.action, AuditEvent.actor)
            .where(AuditEvent.entity_id == "W1")
            .order_by(AuditEvent.id)
        ).all()
    assert [a for a, _ in actions] == ["login_link.issue", "login_link.use"]
    assert actions[0][1].startswith("counselor-") and actions[1][1] == "worker-w1"


def test_the_sheet_prints_a_new_link_and_voids_the_earlier_one(client) -> None:  # type: ignore[no-untyped-def]
    counselor = _counselor(client)
    first = _issue(client, counselor)
    sheet = client.get("/workbench/workers/W1/sheet", headers=counselor)
    assert sheet.status_code == 200 and "<svg" not in sheet.text
    assert client.get(f"/login/link/{first}").status_code == 200  # opening the sheet voids nothing
    second = _issue(client, counselor, "/workbench/workers/W1/sheet")
    printed = client.post("/workbench/workers/W1/sheet", headers=counselor)
    assert "技能通 培训与就业推荐单" in printed.text and "二维码只能使用一次" in printed.text
    assert client.get(f"/login/link/{first}").status_code == 404
    assert client.get(f"/login/link/{second}").status_code == 404  # voided by the last sheet
    third = LINK.findall(printed.text)[0]
    assert client.post(f"/login/link/{third}", follow_redirects=False).status_code == 303


def test_another_site_cannot_post_the_link(client) -> None:  # type: ignore[no-untyped-def]
    code = _issue(client, _counselor(client))
    r = client.post(f"/login/link/{code}", headers={"Sec-Fetch-Site": "cross-site"}, follow_redirects=False)
    assert r.status_code == 404 and "set-cookie" not in r.headers
    assert client.get(f"/login/link/{code}").status_code == 200  # still unused


def test_only_a_counselor_of_the_workers_region_issues(client) -> None:  # type: ignore[no-untyped-def]
    outside = _counselor(client, region="1401")
    r = client.post("/workbench/workers/W1/login-link", headers=outside)
    assert r.status_code == 404 and "未找到劳动者 W1" in r.text
    # a deactivated worker: the refusal as a Chinese page, no link
    inside = _counselor(client)
    from api.security import Caller
    from api.services.worker_files import deactivate_worker

    deactivate_worker(client.app.state.engine, Caller(0, "test", "counselor", "1411"), "W1")
    refused = client.post("/workbench/workers/W1/login-link", headers=inside)
    assert refused.status_code == 409 and "档案已停用，不能生成登录链接" in refused.text
    assert not LINK.findall(refused.text)
