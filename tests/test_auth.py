"""Sign-in on SQLite and PostgreSQL: login, who am I, logout and revocation at once, expired and
forged tokens, the rate limit per account and per address (shared through the database), the
OpenAPI security scheme, and the ``skillbridge users`` commands."""

from __future__ import annotations

import datetime as dt

import jwt
import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, func, select, update

from api.cli import main
from api.services import auth
from api.settings import get_settings
from data.db.models import AuditEvent, AuthToken, LoginAttempt, User
from data.db.session import session_factory
from tests.apps import engine_of
from tests.auth_helpers import bearer, make_user

LOGIN = "/api/v1/auth/login"
ME = "/api/v1/auth/me"


def test_login_me_logout(client) -> None:  # type: ignore[no-untyped-def]
    engine = engine_of(client)
    name, password = make_user(engine, "counselor", region="141124")
    r = client.post(LOGIN, json={"username": name, "password": password})
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "bearer" and body["role"] == "counselor"
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    me = client.get(ME, headers=headers)
    assert me.status_code == 200
    assert me.json() == {
        "username": name,
        "role": "counselor",
        "region": "141124",
        "institution_id": None,
        "employer_id": None,
        "worker_id": None,
    }
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    after = client.get(ME, headers=headers)
    assert after.status_code == 401
    assert after.headers["www-authenticate"] == "Bearer"
    assert after.json()["detail"] == "登录已失效（已退出或账号被停用），请重新登录"


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({}, "请先登录：请求头应带 Authorization: Bearer <令牌>"),
        ({"Authorization": "Basic Zm9vOmJhcg=="}, "请先登录：请求头应带 Authorization: Bearer <令牌>"),
        ({"Authorization": "Bearer junk"}, "登录令牌无效，请重新登录"),
    ],
)
def test_missing_or_junk_token_is_401(client, headers, detail) -> None:  # type: ignore[no-untyped-def]
    r = client.get(ME, headers=headers)
    assert r.status_code == 401
    assert r.json()["detail"] == detail
    assert r.headers["www-authenticate"] == "Bearer"


def test_forged_and_expired_tokens_are_refused(client) -> None:  # type: ignore[no-untyped-def]
    engine = engine_of(client)
    name, password = make_user(engine, "admin")
    headers = bearer(client, name, password)
    token = headers["Authorization"].split()[1]
    claims = jwt.decode(token, options={"verify_signature": False})
    forged = jwt.encode(claims, "another-key-" * 4, algorithm="HS256")
    r = client.get(ME, headers={"Authorization": f"Bearer {forged}"})
    assert (r.status_code, r.json()["detail"]) == (401, "登录令牌无效，请重新登录")
    # the database row decides expiry too: shorten it and the same token is refused at once
    with engine.begin() as conn:
        conn.execute(update(AuthToken).values(expires_at=dt.datetime(2020, 1, 1)))
    r = client.get(ME, headers=headers)
    assert (r.status_code, r.json()["detail"]) == (401, "登录已过期，请重新登录")


def test_wrong_password_and_unknown_user_read_alike(client) -> None:  # type: ignore[no-untyped-def]
    engine = engine_of(client)
    name, _ = make_user(engine, "admin")
    wrong = client.post(LOGIN, json={"username": name, "password": "not-the-password"})
    nobody = client.post(LOGIN, json={"username": "nobody-here", "password": "whatever1"})
    assert wrong.status_code == nobody.status_code == 401
    assert wrong.json()["detail"] == nobody.json()["detail"] == "用户名或密码错误"
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(LoginAttempt).where(~LoginAttempt.success)) == 2


def test_rate_limit_per_account(client) -> None:  # type: ignore[no-untyped-def]
    engine = engine_of(client)
    name, password = make_user(engine, "admin")
    for _ in range(5):
        assert client.post(LOGIN, json={"username": name, "password": "wrong-pass"}).status_code == 401
    blocked = client.post(LOGIN, json={"username": name, "password": password})
    assert blocked.status_code == 429
    assert blocked.json()["detail"] == "登录失败次数过多，请15分钟后再试"
    assert blocked.headers["retry-after"] == "900"
    # another account from the same address still signs in
    other, other_pw = make_user(engine, "admin")
    assert client.post(LOGIN, json={"username": other, "password": other_pw}).status_code == 200


def test_rate_limit_per_address_holds_across_processes(client) -> None:  # type: ignore[no-untyped-def]
    """The counts live in the database: failures recorded by 'another process' (written straight
    into login_attempts) count for this one."""
    engine = engine_of(client)
    name, password = make_user(engine, "admin")
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with engine.begin() as conn:
        conn.execute(
            LoginAttempt.__table__.insert(),
            [{"at": now, "username": f"u{i}", "address": "testclient", "success": False} for i in range(20)],
        )
    assert client.post(LOGIN, json={"username": name, "password": password}).status_code == 429
    # failures older than the window no longer count
    with engine.begin() as conn:
        conn.execute(update(LoginAttempt).values(at=now - dt.timedelta(minutes=16)))
    assert client.post(LOGIN, json={"username": name, "password": password}).status_code == 200


def test_success_resets_the_account_count(engine: Engine) -> None:
    settings = get_settings().model_copy(update={"secret_key": "k"})
    name, password = make_user(engine, "admin")
    for _ in range(4):
        with pytest.raises(auth.Unauthorized):
            auth.authenticate(engine, name, "wrong-pass", "a1", settings=settings)
    token = auth.authenticate(engine, name, password, "a1", settings=settings)
    for _ in range(4):
        with pytest.raises(auth.Unauthorized):
            auth.authenticate(engine, name, "wrong-pass", "a1", settings=settings)
    assert auth.authenticate(engine, name, password, "a1", settings=settings).role == "admin"
    caller = auth.verify(engine, token.access_token, settings=settings)
    assert (caller.username, caller.role, caller.region) == (name, "admin", "14")
    assert caller.covers("141124") and not caller.covers("150100") and not caller.covers(None)


def test_openapi_declares_bearer(client) -> None:  # type: ignore[no-untyped-def]
    doc = client.get("/openapi.json").json()
    assert doc["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "POST /api/v1/auth/login 取得的访问令牌：Authorization: Bearer <access_token>",
    }
    assert doc["paths"]["/api/v1/auth/me"]["get"]["security"] == [{"bearer": []}]
    assert "security" not in doc["paths"]["/api/v1/auth/login"]["post"]


def test_users_commands(engine: Engine, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from data.reference import load_reference

    load_reference(engine)
    monkeypatch.setenv("SKILLBRIDGE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SKILLBRIDGE_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("SKILLBRIDGE_SECRET_KEY", "cli-test")
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        made = runner.invoke(
            main,
            ["users", "create", "linxian", "--role", "counselor", "--region", "141124"],
            input="pass-word-1\npass-word-1\n",
        )
        assert made.exit_code == 0, made.output
        assert "已创建账号 linxian（counselor，范围 141124）" in made.output
        again = runner.invoke(
            main,
            ["users", "create", "linxian", "--role", "admin", "--region", "14", "--password", "12345678"],
        )
        assert again.exit_code == 1 and "用户名 linxian 已被使用" in again.output
        bad = runner.invoke(
            main,
            ["users", "create", "inst1", "--role", "institution", "--region", "14", "--password", "short"],
        )
        assert bad.exit_code == 1
        assert "password：密码至少8个字符" in bad.output
        assert "institution_id：institution 账号须指定所代表的培训机构" in bad.output
        token = auth.authenticate(engine, "linxian", "pass-word-1", "cli", settings=get_settings())
        listed = runner.invoke(main, ["users", "list"])
        assert "linxian\tcounselor\t141124\t" in listed.output and "共 1 个账号" in listed.output
        revoked = runner.invoke(main, ["users", "revoke", "linxian"])
        assert revoked.exit_code == 0 and "撤销令牌 1 个" in revoked.output
        with pytest.raises(auth.Unauthorized):
            auth.verify(engine, token.access_token, settings=get_settings())
        with pytest.raises(auth.Unauthorized):
            auth.authenticate(engine, "linxian", "pass-word-1", "cli", settings=get_settings())
        with session_factory(engine)() as s:
            user = s.scalar(select(User))
            assert user is not None and user.password_hash.startswith("$argon2id$")
            actions = list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
        assert actions == ["user.create", "user.revoke"]
    finally:
        get_settings.cache_clear()
