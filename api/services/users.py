"""Accounts: create, list and revoke (the ``skillbridge users`` commands and admin tools).

An account's role says what it may do and ``region`` (an adcode prefix) what it may see; an
``institution`` account acts for one institution, an ``employer`` account for one employer and
a ``worker`` account for one worker, each of which must exist.
"""

from __future__ import annotations

import re

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from api.errors import Conflict, FieldError, Invalid, NotFound
from api.schemas.auth import UserOut
from api.services.auth import ROLES, hash_password, revoke_user
from data.db.models import AuditEvent, Employer, Institution, User, Worker
from data.db.session import transaction

__all__ = ["create_user", "deactivate_user", "list_users", "set_password"]

_USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{3,64}$")
_REGION = re.compile(r"^\d{2}(\d{2}){0,2}$")
MIN_PASSWORD = 8

#: the id each role acts for: (argument name, model, Chinese name)
_ACTS_FOR = {
    "institution": ("institution_id", Institution, "培训机构"),
    "employer": ("employer_id", Employer, "用人单位"),
    "worker": ("worker_id", Worker, "劳动者"),
}


def _problems(
    username: str, password: str, role: str, region: str, ids: dict[str, str | None]
) -> list[FieldError]:
    out: list[FieldError] = []

    def bad(field: str, msg: str) -> None:
        out.append(FieldError(loc=[field], type="value_error", msg=msg))

    if not _USERNAME.match(username):
        bad("username", "用户名应为3至64个字母、数字或 _ . @ -")
    if len(password) < MIN_PASSWORD:
        bad("password", f"密码至少{MIN_PASSWORD}个字符")
    if role not in ROLES:
        bad("role", f"角色应为 {'、'.join(ROLES)} 之一")
    if not _REGION.match(region):
        bad("region", "区域应为行政区划代码前缀：省 14、市 1401、县 141124")
    needed = _ACTS_FOR.get(role)
    for field, value in ids.items():
        if needed and field == needed[0]:
            if not value:
                bad(field, f"{role} 账号须指定所代表的{needed[2]}")
        elif value:
            bad(field, f"{role} 账号不代表此类对象")
    return out


def add_user(
    session: Session,
    username: str,
    password_hash: str,
    role: str,
    region: str,
    *,
    actor: str,
    via: str | None = None,
    **ids: str | None,
) -> User:
    """Store a new active account in ``session`` (checked already) with its ``user.create``
    audit event; ``via`` names the path that created it when it is not an administrator's."""
    user = User(username=username, password_hash=password_hash, role=role, region=region, active=True, **ids)
    session.add(user)
    session.flush()
    payload: dict[str, object] = {"username": username, "role": role, "region": region, **ids}
    if via is not None:
        payload["via"] = via
    session.add(
        AuditEvent(actor=actor, action="user.create", entity="user", entity_id=str(user.id), payload=payload)
    )
    return user


def create_user(
    engine: Engine,
    username: str,
    password: str,
    role: str,
    region: str,
    *,
    institution_id: str | None = None,
    employer_id: str | None = None,
    worker_id: str | None = None,
    actor: str = "cli",
) -> UserOut:
    """A new active account. Raises :class:`Invalid` (every problem with its field),
    :class:`NotFound` when the institution/employer/worker does not exist, :class:`Conflict`
    when the username is taken."""
    ids = {"institution_id": institution_id, "employer_id": employer_id, "worker_id": worker_id}
    problems = _problems(username, password, role, region, ids)
    if problems:
        raise Invalid("账号信息有误：" + "；".join(f"{p.loc[0]}：{p.msg}" for p in problems), problems)
    with transaction(engine) as session:
        if role in _ACTS_FOR:
            field, model, name = _ACTS_FOR[role]
            if session.get(model, ids[field]) is None:
                raise NotFound(f"{name} {ids[field]} 不存在")
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            raise Conflict(f"用户名 {username} 已被使用")
        user = add_user(session, username, hash_password(password), role, region, actor=actor, **ids)
        return UserOut.model_validate(user)


def list_users(engine: Engine) -> list[UserOut]:
    with transaction(engine) as session:
        return [UserOut.model_validate(u) for u in session.scalars(select(User).order_by(User.username))]


def deactivate_user(engine: Engine, username: str, *, actor: str = "cli") -> int:
    """Deactivate ``username`` and revoke every token it holds (refused from the next request
    on); how many tokens were revoked. Raises :class:`NotFound`."""
    with transaction(engine) as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(f"用户 {username} 不存在")
        user.active = False
        user_id = user.id
        session.add(
            AuditEvent(actor=actor, action="user.revoke", entity="user", entity_id=str(user_id), payload={})
        )
    return revoke_user(engine, user_id)


def set_password(engine: Engine, username: str, password: str, *, actor: str = "cli") -> None:
    """Give ``username`` a new password (and reactivate it); its old tokens are revoked.
    Raises :class:`NotFound`, :class:`Invalid` for a password shorter than the minimum."""
    if len(password) < MIN_PASSWORD:
        msg = f"密码至少{MIN_PASSWORD}个字符"
        raise Invalid(msg, [FieldError(loc=["password"], type="value_error", msg=msg)])
    with transaction(engine) as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(f"用户 {username} 不存在")
        user.password_hash = hash_password(password)
        user.active = True
        user_id = user.id
        session.add(
            AuditEvent(actor=actor, action="user.password", entity="user", entity_id=str(user_id), payload={})
        )
    revoke_user(engine, user_id)
