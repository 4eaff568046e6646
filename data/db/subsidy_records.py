"""Storage of the registry facts subsidy claims are read from, and of their follow-up (issue 13).

- :class:`Hire` — who employed a worker, from when, at what wage (直补企业 needs one);
- :class:`InsuranceFact` — 参保 status and months as of a date (技能提升补贴), importable;
- :class:`GroupFact` — a worker's membership of a group with its source and dates, versioned
  (生活费补贴; a claim records the version it used), importable;
- :class:`LivingAllowanceDay` — each calendar day a living-allowance claim takes: the primary key
  (worker, day) holds "never twice for the same day" in the database;
- :class:`RiskFlagRecord` — a clause 十三 flag with its follow-up state and who moved it;
- :class:`PolicyVersion` — the content hash of each policy version when a decision first used it.

Certificates (with provenance) and completion facts are columns of ``certificates`` and
``enrollments`` in :mod:`data.db.models`. All created by migration 0003.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from data.db.base import Base, _now


class Hire(Base):
    """A recorded hire: the worker, the employer (name and kind 企业/个体工商户/民办非企业单位), the
    order it filled (if any), from ``start_date`` to ``end_date`` (None: still employed)."""

    __tablename__ = "hires"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    worker_id: Mapped[str] = mapped_column(ForeignKey("workers.id", ondelete="CASCADE"), index=True)
    order_id: Mapped[str | None] = mapped_column(ForeignKey("orders.id"), index=True)
    employer_name: Mapped[str] = mapped_column(String(128))
    employer_kind: Mapped[str] = mapped_column(String(16))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    monthly_wage: Mapped[int | None] = mapped_column(Integer)
    #: "registry" (recorded by the employer or counselor), "import"
    source: Mapped[str] = mapped_column(String(16), default="registry")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class InsuranceFact(Base):
    """A worker's social insurance as of ``as_of``: ``status`` 参保/停保/未参保 and ``months`` paid,
    under ``scheme`` (失业保险, 企业职工基本养老保险 …). One row per worker, scheme and date."""

    __tablename__ = "insurance_facts"
    __table_args__ = (UniqueConstraint("worker_id", "scheme", "as_of", name="uq_insurance_fact"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    worker_id: Mapped[str] = mapped_column(ForeignKey("workers.id", ondelete="CASCADE"), index=True)
    scheme: Mapped[str] = mapped_column(String(32), default="失业保险")
    status: Mapped[str] = mapped_column(String(8))
    months: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[dt.date] = mapped_column(Date)
    employer_name: Mapped[str | None] = mapped_column(String(128))
    #: "大数据比对", "名单导入" (an imported list)
    source: Mapped[str] = mapped_column(String(16))
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class GroupFact(Base):
    """A worker's membership of ``group`` (脱贫劳动力 …) from ``effective_from`` to
    ``effective_until`` (None: open), from ``source`` (大数据比对, 名单导入, 登记). A later fact on
    the same worker and group gets the next ``version``; ``graduation_year`` is set for the 应届
    groups."""

    __tablename__ = "group_facts"
    __table_args__ = (UniqueConstraint("worker_id", "group", "version", name="uq_group_fact_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    worker_id: Mapped[str] = mapped_column(ForeignKey("workers.id", ondelete="CASCADE"), index=True)
    group: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))
    effective_from: Mapped[dt.date | None] = mapped_column(Date)
    effective_until: Mapped[dt.date | None] = mapped_column(Date)
    graduation_year: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class LivingAllowanceDay(Base):
    """One calendar day taken by a live living-allowance claim. The primary key refuses a second
    claim on the same worker and day, whatever code writes it; a rejected claim's days are freed."""

    __tablename__ = "living_allowance_days"

    worker_id: Mapped[str] = mapped_column(ForeignKey("workers.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("subsidy_claims.id", ondelete="CASCADE"), index=True)


class RiskFlagRecord(Base):
    """A clause 十三 risk flag with its follow-up: ``state`` 待核查 → 已核实 / 误报, 已核实 → 已查处,
    the last move by ``state_by`` at ``state_at`` (every move is also an audit event). ``key`` is
    the flag's stable identity, so a later scan updates ``last_seen`` instead of adding a copy."""

    __tablename__ = "risk_flags"
    __table_args__ = (Index("ix_risk_flags_institution_state", "institution_id", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(160), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(64))
    city: Mapped[str] = mapped_column(String(8), index=True)
    institution_id: Mapped[str | None] = mapped_column(ForeignKey("institutions.id"))
    message: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(8), default="待核查")
    state_by: Mapped[str | None] = mapped_column(String(64))
    state_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    note: Mapped[str] = mapped_column(Text, default="")
    first_seen: Mapped[dt.date] = mapped_column(Date)
    last_seen: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class PolicyVersion(Base):
    """A city policy version as first used by a decision: its content hash from then on. A file
    whose version is here with another hash is refused (make a new version instead)."""

    __tablename__ = "policy_versions"

    city_code: Mapped[str] = mapped_column(String(4), primary_key=True)
    version: Mapped[str] = mapped_column(String(32), primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(256))
    first_used_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    first_used_by: Mapped[str] = mapped_column(String(64))
