"""Sign-in: passwords, bearer tokens, revocation and the login rate limit.

- passwords are stored as argon2id hashes (pwdlib);
- a successful :func:`authenticate` issues a short-lived JWT (HS256, signed with a key derived
  from ``Settings.secret_key``) whose ``jti`` is stored in ``auth_tokens``; :func:`verify` accepts
  a token only while its row is unexpired and unrevoked and its account active, so
  :func:`revoke_token` (logout) and :func:`revoke_user` take effect on the next request;
- every attempt is recorded in ``login_attempts``: an account with too many failures since its
  last success within the window, or an address with too many failures, is refused with 429
  before its password is checked. The database holds the counts, so the limit is the same across
  server processes.

Nothing here logs a password or a token.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass
from typing import Literal, get_args

import jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import Engine, bindparam, func, select, update
from sqlalchemy.orm import Session

from api.errors import TooManyRequests, Unauthorized
from api.settings import Settings, get_settings
from data.db.base import _now
from data.db.models import AuthToken, LoginAttempt, User
from data.db.session import transaction

__all__ = [
    "ROLES",
    "Caller",
    "IssuedToken",
    "Role",
    "authenticate",
    "hash_password",
    "issue_token",
    "revoke_token",
    "revoke_user",
    "verify",
]

Role = Literal["admin", "counselor", "institution", "employer", "worker"]
ROLES: tuple[Role, ...] = get_args(Role)

_HASHER = PasswordHash((Argon2Hasher(),))
#: verified against when the account does not exist, so that both cases take as long
_DUMMY_HASH = _HASHER.hash("skillbridge-no-such-account")
_ALGORITHM = "HS256"


@dataclass(frozen=True)
class Caller:
    """Who is calling: the account, its role and the region prefix it may see, and the
    institution, employer or worker it acts for (for those roles)."""

    user_id: int
    username: str
    role: Role
    region: str
    institution_id: str | None = None
    employer_id: str | None = None
    worker_id: str | None = None

    def covers(self, adcode: str | None) -> bool:
        """Whether ``adcode`` (a region code) lies within the caller's region."""
        return adcode is not None and adcode.startswith(self.region)


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_at: dt.datetime
    role: Role
    username: str


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def _key(settings: Settings) -> str:
    # a key of its own, so that a token never reveals anything about the personal-data salt
    return hashlib.sha256(b"skillbridge-token\x1f" + settings.secret_key.encode()).hexdigest()


def _check_rate(session, username: str, address: str, settings: Settings, now: dt.datetime) -> None:  # type: ignore[no-untyped-def]
    since = now - dt.timedelta(minutes=settings.login_window_minutes)
    last_ok = session.scalar(
        select(func.max(LoginAttempt.at)).where(LoginAttempt.username == username, LoginAttempt.success)
    )
    account_since = max(since, last_ok) if last_ok is not None else since
    failures = select(func.count()).select_from(LoginAttempt).where(~LoginAttempt.success)
    by_account = session.scalar(
        failures.where(LoginAttempt.username == username, LoginAttempt.at > account_since)
    )
    by_address = session.scalar(failures.where(LoginAttempt.address == address, LoginAttempt.at > since))
    if by_account >= settings.login_failures_per_account or by_address >= settings.login_failures_per_address:
        minutes = settings.login_window_minutes
        raise TooManyRequests(f"登录失败次数过多，请{minutes}分钟后再试", retry_after=minutes * 60)


def authenticate(
    engine: Engine, username: str, password: str, address: str, *, settings: Settings | None = None
) -> IssuedToken:
    """A new token for ``username`` when ``password`` is right. Raises :class:`TooManyRequests`
    (429) when the account or ``address`` is over the rate limit, :class:`Unauthorized` (401)
    for a wrong name or password or an inactive account (the same message for each)."""
    settings = settings or get_settings()
    username = username.strip()[:64]
    address = (address or "unknown")[:64]
    now = _now()
    with transaction(engine) as session:
        _check_rate(session, username, address, settings, now)
        user = session.scalar(select(User).where(User.username == username))
    if user is None:
        _HASHER.verify(password, _DUMMY_HASH)
        ok = False
    else:
        ok = _HASHER.verify(password, user.password_hash) and user.active
    with transaction(engine) as session:
        session.add(LoginAttempt(at=now, username=username, address=address, success=ok))
        if not ok:
            issued = None
        else:
            assert user is not None
            issued = issue_token(session, user, settings=settings, now=now)
    if issued is None:
        raise Unauthorized("用户名或密码错误")
    return issued


def issue_token(session: Session, user: User, *, settings: Settings, now: dt.datetime) -> IssuedToken:
    """A new bearer token for ``user``, its ``jti`` stored in ``session`` (committed with the
    caller's transaction). The one way a token is made: a password sign-in and a worker's
    one-time link (:mod:`api.services.login_links`) both come here."""
    expires = now + dt.timedelta(minutes=settings.token_minutes)
    jti = uuid.uuid4().hex
    session.add(AuthToken(jti=jti, user_id=user.id, issued_at=now, expires_at=expires))
    claims = {"sub": str(user.id), "jti": jti, "iat": _epoch(now), "exp": _epoch(expires)}
    token = jwt.encode(claims, _key(settings), _ALGORITHM)
    return IssuedToken(token, expires, user.role, user.username)  # type: ignore[arg-type]


def _epoch(moment: dt.datetime) -> int:
    return int(moment.replace(tzinfo=dt.UTC).timestamp())


def _claims(token: str, settings: Settings) -> dict:
    try:
        return jwt.decode(
            token, _key(settings), algorithms=[_ALGORITHM], options={"require": ["exp", "jti", "sub"]}
        )
    except jwt.ExpiredSignatureError:
        raise Unauthorized("登录已过期，请重新登录") from None
    except jwt.PyJWTError:
        raise Unauthorized("登录令牌无效，请重新登录") from None


# built once (its cache key memoised): every authenticated request runs it
_TOKEN_ROW = (
    select(
        AuthToken.expires_at,
        AuthToken.revoked_at,
        User.id,
        User.username,
        User.role,
        User.region,
        User.institution_id,
        User.employer_id,
        User.worker_id,
        User.active,
    )
    .join(User, User.id == AuthToken.user_id)
    .where(AuthToken.jti == bindparam("jti"))
)


def verify(engine: Engine, token: str, *, settings: Settings | None = None) -> Caller:
    """The caller a bearer token stands for. Raises :class:`Unauthorized` (401) for a malformed,
    expired or revoked token, or one whose account was deactivated."""
    settings = settings or get_settings()
    claims = _claims(token, settings)
    with engine.connect() as conn:
        row = conn.execute(_TOKEN_ROW, {"jti": str(claims["jti"])}).one_or_none()
    if row is None or str(row.id) != str(claims["sub"]):
        raise Unauthorized("登录令牌无效，请重新登录")
    if row.revoked_at is not None or not row.active:
        raise Unauthorized("登录已失效（已退出或账号被停用），请重新登录")
    if row.expires_at <= _now():
        raise Unauthorized("登录已过期，请重新登录")
    return Caller(
        user_id=row.id,
        username=row.username,
        role=row.role,
        region=row.region,
        institution_id=row.institution_id,
        employer_id=row.employer_id,
        worker_id=row.worker_id,
    )


def revoke_token(engine: Engine, token: str, *, settings: Settings | None = None) -> None:
    """Revoke one token (logout); it is refused from the next request on."""
    claims = _claims(token, settings or get_settings())
    with transaction(engine) as session:
        session.execute(
            update(AuthToken)
            .where(AuthToken.jti == str(claims["jti"]), AuthToken.revoked_at.is_(None))
            .values(revoked_at=_now())
        )


def revoke_user(engine: Engine, user_id: int) -> int:
    """Revoke every live token of an account; how many were revoked."""
    with transaction(engine) as session:
        result = session.execute(
            update(AuthToken)
            .where(AuthToken.user_id == user_id, AuthToken.revoked_at.is_(None))
            .values(revoked_at=_now())
        )
        return result.rowcount  # type: ignore[attr-defined,no-any-return]
