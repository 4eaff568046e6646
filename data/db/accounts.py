"""Storage of who may sign in and of the employers orders belong to (migration 0006).

- :class:`Employer` — a 用人单位 as a record: name, kind (企业/个体工商户/民办非企业单位), its
  统一社会信用代码 (checked with GB 32100's check character), county and address;
- :class:`User` — an account: role, the region prefix it may see, and the institution, employer
  or worker it acts for;
- :class:`AuthToken` — every issued bearer token by its ``jti``; a request is served only while its
  row exists, is unexpired and not revoked, so revocation takes effect at once;
- :class:`LoginAttempt` — each sign-in attempt (account, address, success), so the rate limit
  holds across server processes;
- :class:`LoginLink` — a one-time sign-in link a counselor gives a worker (migration 0007): only
  the code's hash is stored; a link signs in once, before it expires, unless revoked.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from data.db.base import Base, _now


class Employer(Base):
    __tablename__ = "employers"

    #: ``data.credit_code.employer_id(name, kind)`` for employers first seen on an order
    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    #: 企业, 个体工商户, 民办非企业单位
    kind: Mapped[str] = mapped_column(String(16))
    #: 统一社会信用代码 (unique; unknown for employers migrated from old orders)
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    #: county (or city) adcode
    adcode: Mapped[str | None] = mapped_column(ForeignKey("regions.adcode"), index=True)
    address: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, onupdate=_now)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    #: argon2id hash (PHC string)
    password_hash: Mapped[str] = mapped_column(String(255))
    #: admin, counselor, institution, employer, worker
    role: Mapped[str] = mapped_column(String(16))
    #: adcode prefix the account may see: "14" (province), "1401" (太原), "141124" (临县)
    region: Mapped[str] = mapped_column(String(12))
    institution_id: Mapped[str | None] = mapped_column(ForeignKey("institutions.id"))
    employer_id: Mapped[str | None] = mapped_column(ForeignKey("employers.id"))
    worker_id: Mapped[str | None] = mapped_column(ForeignKey("workers.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class AuthToken(Base):
    __tablename__ = "auth_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class LoginAttempt(Base):
    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_username_at", "username", "at"),
        Index("ix_login_attempts_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    #: the name as typed (at most 64 characters), known account or not
    username: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    success: Mapped[bool] = mapped_column(Boolean)


class LoginLink(Base):
    __tablename__ = "login_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: SHA-256 (hex) of the code in the link; the code itself is never stored
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: the worker account the link signs in
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    worker_id: Mapped[str] = mapped_column(ForeignKey("workers.id", ondelete="CASCADE"), index=True)
    #: the counselor who issued it (username)
    issued_by: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    #: set when a newer link is issued or the worker is deactivated
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
