"""One-time sign-in links for workers (api/services/login_links.py), on SQLite and PostgreSQL, over
the factory sample (W1 lives in 临县 141124, W2 in 太原市小店区): single use, expiry, revocation
by a newer link and by deactivation, the account created on the first issue, one answer for every
refused code, the audit trail, and only the code's hash stored."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import Engine, func, select, update

from api.errors import Conflict, NotFound
from api.security import Caller
from api.services import auth, login_links
from api.services.worker_files import deactivate_worker
from api.settings import Settings
from data.db.models import AuditEvent, LoginLink, User
from data.db.session import transaction

SETTINGS = Settings(environment="test", secret_key="s", model="hash", login_link_hours=72)
COUNSELOR = Caller(user_id=0, username="counselor-linxian", role="counselor", region="141124")


def _issue(engine: Engine, worker: str = "W1") -> login_links.IssuedLink:
    return login_links.issue_link(engine, COUNSELOR, worker, settings=SETTINGS)


def test_a_link_signs_the_worker_in_once(sample_engine: Engine) -> None:
    link = _issue(sample_engine)
    assert login_links.link_is_live(sample_engine, link.code)
    # looking does not use it up
    assert login_links.link_is_live(sample_engine, link.code)
    issued = login_links.redeem_link(sample_engine, link.code, settings=SETTINGS)
    caller = auth.verify(sample_engine, issued.access_token, settings=SETTINGS)
    assert (caller.role, caller.worker_id, caller.username) == ("worker", "W1", link.username)
    # the session is an ordinary token: it lives token_minutes and logout revokes it
    assert issued.expires_at - dt.datetime.now(dt.UTC).replace(tzinfo=None) <= dt.timedelta(
        minutes=SETTINGS.token_minutes
    )
    assert not login_links.link_is_live(sample_engine, link.code)
    with pytest.raises(login_links.LinkRefused):
        login_links.redeem_link(sample_engine, link.code, settings=SETTINGS)


def test_the_account_is_made_on_the_first_issue_only(sample_engine: Engine) -> None:
    first = _issue(sample_engine)
    second = _issue(sample_engine)
    assert first.account_created and not second.account_created
    assert first.username == second.username == "worker-w1"
    with transaction(sample_engine) as s:
        users = s.scalars(select(User).where(User.worker_id == "W1")).all()
        assert [(u.role, u.region, u.active) for u in users] == [("worker", "141124", True)]
    # nobody knows its password: a password sign-in fails
    with pytest.raises(auth.Unauthorized):
        auth.authenticate(sample_engine, "worker-w1", "", "127.0.0.1", settings=SETTINGS)


def test_an_existing_worker_account_is_reused(sample_engine: Engine) -> None:
    from tests.auth_helpers import make_user

    username, _password = make_user(sample_engine, "worker", region="141124", worker_id="W1")
    link = _issue(sample_engine)
    assert (link.username, link.account_created) == (username, False)


def test_a_newer_link_revokes_the_earlier_one(sample_engine: Engine) -> None:
    old = _issue(sample_engine)
    new = _issue(sample_engine)
    assert not login_links.link_is_live(sample_engine, old.code)
    with pytest.raises(login_links.LinkRefused):
        login_links.redeem_link(sample_engine, old.code, settings=SETTINGS)
    assert login_links.redeem_link(sample_engine, new.code, settings=SETTINGS).role == "worker"


def test_an_expired_link_is_refused(sample_engine: Engine) -> None:
    link = _issue(sample_engine)
    stored = login_links.code_hash(link.code)
    with transaction(sample_engine) as s:
        row = s.scalar(select(LoginLink).where(LoginLink.code_hash == stored))
        assert row is not None
        assert row.expires_at - row.issued_at == dt.timedelta(hours=72)
        s.execute(
            update(LoginLink)
            .where(LoginLink.id == row.id)
            .values(expires_at=dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(seconds=1))
        )
    assert not login_links.link_is_live(sample_engine, link.code)
    with pytest.raises(login_links.LinkRefused):
        login_links.redeem_link(sample_engine, link.code, settings=SETTINGS)


def test_deactivating_the_worker_revokes_the_link(sample_engine: Engine) -> None:
    link = _issue(sample_engine)
    deactivate_worker(sample_engine, COUNSELOR, "W1")
    assert not login_links.link_is_live(sample_engine, link.code)
    with pytest.raises(login_links.LinkRefused):
        login_links.redeem_link(sample_engine, link.code, settings=SETTINGS)
    with transaction(sample_engine) as s:
        assert s.scalar(select(LoginLink.revoked_at)) is not None
    # and no new link for a deactivated worker
    with pytest.raises(Conflict, match="已停用"):
        _issue(sample_engine)


def test_a_deactivated_account_gets_no_link_and_its_link_signs_in_no_more(sample_engine: Engine) -> None:
    from api.services.users import deactivate_user

    link = _issue(sample_engine)
    deactivate_user(sample_engine, link.username, actor="test")
    with pytest.raises(login_links.LinkRefused):
        login_links.redeem_link(sample_engine, link.code, settings=SETTINGS)
    with pytest.raises(Conflict, match="账号已停用"):
        _issue(sample_engine)


def test_a_worker_outside_the_counselors_region_is_not_found(sample_engine: Engine) -> None:
    with pytest.raises(NotFound, match="未找到劳动者 W2"):
        _issue(sample_engine, "W2")
    with pytest.raises(NotFound, match="未找到劳动者 W404"):
        _issue(sample_engine, "W404")
    with transaction(sample_engine) as s:
        assert s.scalar(select(func.count()).select_from(LoginLink)) == 0


def test_unknown_and_used_codes_get_the_same_answer(sample_engine: Engine) -> None:
    link = _issue(sample_engine)
    login_links.redeem_link(sample_engine, link.code, settings=SETTINGS)
    answers = []
    for code in (link.code, "x" * 32, ""):
        with pytest.raises(login_links.LinkRefused) as refused:
            login_links.redeem_link(sample_engine, code, settings=SETTINGS)
        answers.append(refused.value.message)
    assert answers == [login_links.REFUSED] * 3


def test_only_the_hash_is_stored_and_the_trail_names_the_actors(sample_engine: Engine) -> None:
    link = _issue(sample_engine)
    login_links.redeem_link(sample_engine, link.code, settings=SETTINGS)
    with transaction(sample_engine) as s:
        row = s.scalars(select(LoginLink)).one()
        assert row.code_hash == login_links.code_hash(link.code) != link.code
        assert link.code not in row.code_hash
        assert (row.issued_by, row.worker_id) == ("counselor-linxian", "W1")
        events = s.execute(
            select(AuditEvent.actor, AuditEvent.action, AuditEvent.payload)
            .where(AuditEvent.action.startswith("login_link."))
            .order_by(AuditEvent.id)
        ).all()
    assert [(a, act) for a, act, _ in events] == [
        ("counselor-linxian", "login_link.issue"),
        ("worker-w1", "login_link.use"),
    ]
    assert all(link.code not in str(p) for _, _, p in events)


def test_two_requests_racing_with_one_code_sign_in_once(sample_engine: Engine) -> None:
    link = _issue(sample_engine)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def redeem() -> None:
        barrier.wait()
        try:
            login_links.redeem_link(sample_engine, link.code, settings=SETTINGS)
            outcomes.append("signed in")
        except login_links.LinkRefused:
            outcomes.append("refused")

    threads = [threading.Thread(target=redeem) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["refused", "signed in"]
