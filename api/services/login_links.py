"""One-time sign-in links for workers (a QR code on the printed recommendation sheet).

A worker rarely has a password. Their counselor issues a link instead; opening it signs the
worker's account in once, with the same bearer token and cookie every other sign-in gets
(:func:`api.services.auth.issue_token`: no second session mechanism).

- :func:`issue_link` — for a worker in the counselor's region: a fresh random code (192 bits),
  of which only the SHA-256 is stored; every earlier live link of the worker is revoked; the
  worker account (role ``worker``, bound to the worker) is created on the first issue;
- :func:`link_is_live` — whether a code would sign in now (the confirm page; consumes nothing);
- :func:`redeem_link` — sign in with a code: marks it used in the same statement that checks it
  is unused, unexpired and unrevoked (so two requests racing with one code cannot both win),
  and issues the session token;
- :func:`revoke_worker_links` — every live link of a worker (on deactivation).

An unknown, used, revoked or expired code are one answer (:class:`LinkRefused`), so a code cannot
be probed. The issue and the use are audited with their actor; the code is never logged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from api.errors import Conflict, NotFound
from api.security import Caller
from api.services.auth import IssuedToken, hash_password, issue_token
from api.services.users import add_user
from api.settings import Settings
from data.db.base import _now
from data.db.models import AuditEvent, LoginLink, User, Worker
from data.db.session import transaction

__all__ = [
    "IssuedLink",
    "LinkRefused",
    "code_hash",
    "issue_link",
    "link_is_live",
    "redeem_link",
    "revoke_worker_links",
]

#: what a refused link says: the same for a code never issued and one used, revoked or expired
REFUSED = "该登录链接无效或已失效（每个链接只能使用一次，并有有效期）。请到就业服务站重新领取登录二维码。"
_CODE_BYTES = 24


class LinkRefused(Exception):
    """The code signs nobody in (unknown, used, revoked or expired: one answer for all)."""

    message = REFUSED


@dataclass(frozen=True, slots=True)
class IssuedLink:
    """A new link's code (shown once, never stored), when it expires, the account it signs in
    and whether that account was created by this issue."""

    code: str
    expires_at: dt.datetime
    username: str
    account_created: bool


def code_hash(code: str) -> str:
    """SHA-256 (hex) of a link's code, as stored. The code is random, so no salt is needed."""
    return hashlib.sha256(b"skillbridge-login-link\x1f" + code.encode()).hexdigest()


def _account(session: Session, worker: Worker, actor: str) -> tuple[User, bool]:
    """The worker's account, created (with an unusable random password) when there is none."""
    user = session.scalar(
        select(User).where(User.role == "worker", User.worker_id == worker.id).order_by(User.id).limit(1)
    )
    if user is not None:
        if not user.active:
            raise Conflict(f"劳动者 {worker.id} 的账号已停用，不能生成登录链接")
        return user, False
    username = f"worker-{worker.id.lower()}"
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"用户名 {username} 已被其他账号使用")
    # nobody knows this password: the account signs in through its links
    password_hash = hash_password(secrets.token_urlsafe(32))
    user = add_user(
        session,
        username,
        password_hash,
        "worker",
        worker.home_adcode,
        actor=actor,
        via="login_link",
        worker_id=worker.id,
    )
    return user, True


def _revoke_live(session: Session, worker_id: str, now: dt.datetime) -> int:
    result = session.execute(
        update(LoginLink)
        .where(LoginLink.worker_id == worker_id, LoginLink.used_at.is_(None), LoginLink.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return result.rowcount  # type: ignore[attr-defined,no-any-return]


def issue_link(engine: Engine, caller: Caller, worker_id: str, *, settings: Settings) -> IssuedLink:
    """A new one-time link for ``worker_id``, issued by ``caller`` (a counselor whose region
    covers the worker's home). Raises :class:`NotFound` for a worker out of scope (as for one
    that does not exist), :class:`Conflict` for a deactivated worker or account."""
    now = _now()
    code = secrets.token_urlsafe(_CODE_BYTES)
    expires = now + dt.timedelta(hours=settings.login_link_hours)
    with transaction(engine) as session:
        worker = session.get(Worker, worker_id)
        if worker is None or not caller.covers(worker.home_adcode):
            raise NotFound(f"未找到劳动者 {worker_id}")
        if not worker.active:
            raise Conflict(f"劳动者 {worker_id} 的档案已停用，不能生成登录链接")
        user, created = _account(session, worker, caller.username)
        revoked = _revoke_live(session, worker_id, now)
        link = LoginLink(
            code_hash=code_hash(code),
            user_id=user.id,
            worker_id=worker_id,
            issued_by=caller.username[:64],
            issued_at=now,
            expires_at=expires,
        )
        session.add(link)
        session.flush()
        session.add(
            AuditEvent(
                actor=caller.username,
                action="login_link.issue",
                entity="worker",
                entity_id=worker_id,
                payload={
                    "link_id": link.id,
                    "user_id": user.id,
                    "expires_at": expires.isoformat(timespec="seconds"),
                    "account_created": created,
                    "revoked_earlier": revoked,
                },
            )
        )
        return IssuedLink(code, expires, user.username, created)


def _live(now: dt.datetime):  # type: ignore[no-untyped-def]
    return (LoginLink.used_at.is_(None), LoginLink.revoked_at.is_(None), LoginLink.expires_at > now)


def link_is_live(engine: Engine, code: str) -> bool:
    """Whether ``code`` would sign in now (nothing is consumed: a link preview may call it)."""
    now = _now()
    with engine.connect() as conn:
        row = conn.execute(
            select(LoginLink.id)
            .join(User, User.id == LoginLink.user_id)
            .join(Worker, Worker.id == LoginLink.worker_id)
            .where(LoginLink.code_hash == code_hash(code), *_live(now), User.active, Worker.active)
        ).first()
    return row is not None


def redeem_link(engine: Engine, code: str, *, settings: Settings) -> IssuedToken:
    """Sign in with ``code``: the link is marked used and a session token issued, in one
    transaction. Raises :class:`LinkRefused` (unknown, used, revoked or expired; or an account or
    worker deactivated since)."""
    now = _now()
    with transaction(engine) as session:
        link_id = session.scalar(
            update(LoginLink)
            .where(LoginLink.code_hash == code_hash(code), *_live(now))
            .values(used_at=now)
            .returning(LoginLink.id)
        )
        if link_id is None:
            raise LinkRefused()
        link = session.get(LoginLink, link_id)
        assert link is not None
        user = session.get(User, link.user_id)
        worker = session.get(Worker, link.worker_id)
        if user is None or not user.active or worker is None or not worker.active:
            # the transaction rolls back: the link stays as it was, and refuses again next time
            raise LinkRefused()
        token = issue_token(session, user, settings=settings, now=now)
        session.add(
            AuditEvent(
                actor=user.username,
                action="login_link.use",
                entity="worker",
                entity_id=link.worker_id,
                payload={"link_id": link.id, "user_id": user.id, "issued_by": link.issued_by},
            )
        )
        return token


def revoke_worker_links(session: Session, actor: str, worker_id: str) -> int:
    """Revoke every live link of ``worker_id`` in ``session`` (audited when there was one); how
    many were revoked."""
    revoked = _revoke_live(session, worker_id, _now())
    if revoked:
        session.add(
            AuditEvent(
                actor=actor,
                action="login_link.revoke",
                entity="worker",
                entity_id=worker_id,
                payload={"revoked": revoked, "reason": "worker.deactivate"},
            )
        )
    return revoked
