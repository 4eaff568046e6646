"""Risk list of one city (clause 十三: "定期组织开展补贴经办流程风险防控和排查，建立风险隐患清单").

- :func:`risk_report` reads the city's enrollments and claims, maps them to the core's records and
  runs :func:`matcher.subsidy.risk.risk_flags`; each flag shows its stored follow-up state.
- :func:`scan` (``skillbridge risk scan``, meant to run on a schedule) records the flags it finds:
  a new one as 待核查, a known one (same key) gets its ``last_seen`` moved on.
- :func:`set_state` moves a flag along 待核查 → 已核实 / 误报, 已核实 → 已查处, with who and when;
  confirmed flags (已核实, 已查处) lower the institution's ranking feature.

Enrollments are the city's when the programme is held in the city; for the overlap check every
enrollment of those trainees counts, wherever it is held. Claims are the city's by their ``city``
column and are re-decided on today's records; imported history is not flagged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from api.services.subsidy import SubsidyService
from data.db.models import (
    AuditEvent,
    Enrollment,
    Hire,
    Institution,
    Order,
    Programme,
    Region,
    RiskFlagRecord,
    SubsidyClaim,
    Worker,
)
from data.db.session import transaction
from data.policy_loader import load_city_policy
from data.regions import shanxi_regions
from matcher.subsidy import CityPolicyBook, SubsidyDecision
from matcher.subsidy.places import village_of
from matcher.subsidy.risk import (
    FLAG_TRANSITIONS,
    RISK_KIND_NAMES,
    ClaimCheck,
    RiskFlag,
    TraineeRecord,
    programmes_of,
    risk_flags,
)
from matcher.types import Place

#: The decision shown for imported history in a check (never re-decided, never flagged).
_HISTORY = SubsidyDecision(kind="history", eligible=True, rule="imported_history", reason="导入的历史记录")


@dataclass(frozen=True, slots=True)
class ReportedFlag:
    """A flag as the report shows it: the flag, and its stored record (None until scanned)."""

    flag: RiskFlag
    flag_id: int | None = None
    state: str = "未登记"
    state_by: str | None = None
    state_at: dt.datetime | None = None

    def as_dict(self) -> dict[str, object]:
        """The flag for the report, its labels in Chinese."""
        return {
            "编号": self.flag_id,
            "类型": RISK_KIND_NAMES[self.flag.kind],
            "对象": self.flag.subject,
            "说明": self.flag.message,
            "证据": self.flag.evidence_cn(),
            "状态": self.state,
            "经办人": self.state_by,
            "经办时间": self.state_at.isoformat(timespec="seconds") if self.state_at else None,
        }


@dataclass(frozen=True, slots=True)
class RiskReport:
    """The flags of one city on one day, with the policy version whose thresholds applied."""

    city_code: str
    city_name: str
    as_of: dt.date
    rule_version: str | None
    example_policy: bool
    flags: tuple[ReportedFlag, ...]

    def counts(self) -> dict[str, int]:
        out = {kind: 0 for kind in RISK_KIND_NAMES}
        for f in self.flags:
            out[f.flag.kind] += 1
        return out

    def as_dict(self) -> dict[str, object]:
        """The report with Chinese labels throughout (what an auditor reads)."""
        return {
            "城市": f"{self.city_name}（{self.city_code}）",
            "截至日期": self.as_of.isoformat(),
            "政策版本": self.rule_version,
            "示例政策": self.example_policy,
            "各类线索数": {RISK_KIND_NAMES[k]: n for k, n in self.counts().items()},
            "线索": [f.as_dict() for f in self.flags],
        }


def _places(session: Session) -> dict[str, Place]:
    return {r.adcode: Place(r.adcode, r.lat, r.lon, r.name) for r in session.scalars(select(Region))}


def _current_places(session: Session, worker_ids: set[str]) -> dict[str, list[tuple[Hire, Place]]]:
    """Worker id → (hire, place of its order) for recorded hires with an order."""
    out: dict[str, list[tuple[Hire, Place]]] = {}
    if not worker_ids:
        return out
    rows = session.execute(
        select(Hire, Order)
        .join(Order, Hire.order_id == Order.id)
        .where(Hire.worker_id.in_(sorted(worker_ids)))
    )
    for hire, order in rows:
        out.setdefault(hire.worker_id, []).append((hire, Place(order.adcode, order.lat, order.lon)))
    return out


def _trainees(session: Session, city: str) -> list[TraineeRecord]:
    in_city = select(Enrollment.worker_id).join(Programme).where(Programme.adcode.startswith(city))
    rows = list(
        session.execute(
            select(Enrollment, Programme, Institution, Worker)
            .join(Programme, Enrollment.programme_id == Programme.id)
            .join(Institution, Programme.institution_id == Institution.id)
            .join(Worker, Enrollment.worker_id == Worker.id)
            .where(Enrollment.worker_id.in_(in_city))
            .order_by(Enrollment.id)
        )
    )
    regions = _places(session)
    counties = tuple(r.name for r in shanxi_regions() if r.level == "county") + tuple(
        n for r in shanxi_regions() for n in r.former_names
    )
    hires = _current_places(session, {w.id for _, _, _, w in rows})
    out = []
    for e, p, i, w in rows:
        current = regions.get(w.current_adcode) if w.current_adcode else None
        for hire, place in hires.get(w.id, ()):
            if hire.start_date <= p.start_date and (hire.end_date is None or hire.end_date >= p.start_date):
                current = place
        out.append(
            TraineeRecord(
                enrollment_id=e.id,
                worker_id=w.id,
                programme_id=p.id,
                institution_id=i.id,
                institution_name=i.name,
                delivery=p.delivery,
                start_date=p.start_date,
                end_date=p.end_date,
                status=e.status,
                completed=bool(e.completed),
                certified=bool(e.certified),
                birth_year=w.birth_year,
                home=Place(w.home_adcode, w.home_lat, w.home_lon),
                programme_place=Place(p.adcode, p.lat, p.lon),
                village=village_of(w.home_address, counties),
                programme_min_age=p.min_age,
                programme_max_age=p.max_age,
                current=current,
            )
        )
    return out


def _claim_checks(session: Session, city: str, service: SubsidyService) -> list[ClaimCheck]:
    claims = session.scalars(
        select(SubsidyClaim)
        .where(SubsidyClaim.city == city, SubsidyClaim.status != "驳回")
        .order_by(SubsidyClaim.id)
    )
    institutions = dict(session.execute(select(Programme.id, Programme.institution_id)).all())
    checks: list[ClaimCheck] = []
    for c in claims:
        # imported history was decided elsewhere, before: not re-decided, never flagged
        decision = None if c.history else service.redecide(session, c)
        checks.append(
            ClaimCheck(
                c.id,
                c.worker_id,
                c.kind,
                c.status,
                c.amount,
                c.rule_version,
                decision if decision is not None else _HISTORY,
                history=c.history,
                institution_id=institutions.get(c.programme_id) if c.programme_id else None,
            )
        )
    return checks


def find_flags(
    engine: Engine,
    city: str,
    *,
    as_of: dt.date,
    policy_dir: Path | None = None,
    book: CityPolicyBook | None = None,
) -> tuple[CityPolicyBook, list[RiskFlag]]:
    """The flags the rules raise on ``city``'s records today (nothing stored)."""
    book = book or load_city_policy(city, policy_dir)
    service = SubsidyService(
        engine, lambda code: book if code == city else load_city_policy(code, policy_dir)
    )
    with transaction(engine) as s:
        trainees = _trainees(s, city)
        checks = _claim_checks(s, city, service)
    flags = risk_flags(trainees, checks, book, as_of)
    # Only flags about the city's own programmes and claims; other cities report their own.
    city_programmes = {t.programme_id for t in trainees if t.programme_place.adcode.startswith(city)}
    return book, [
        f for f in flags if not programmes_of(f) or any(p in city_programmes for p in programmes_of(f))
    ]


def risk_report(
    engine: Engine,
    city: str,
    *,
    as_of: dt.date,
    policy_dir: Path | None = None,
    book: CityPolicyBook | None = None,
) -> RiskReport:
    """All risk flags of ``city`` (4-digit code) on ``as_of``, with their stored states."""
    book, flags = find_flags(engine, city, as_of=as_of, policy_dir=policy_dir, book=book)
    with transaction(engine) as s:
        stored = {r.key: r for r in s.scalars(select(RiskFlagRecord).where(RiskFlagRecord.city == city))}
    reported = tuple(
        ReportedFlag(f, r.id, r.state, r.state_by, r.state_at)
        if (r := stored.get(f.key))
        else ReportedFlag(f)
        for f in flags
    )
    policy = book.find(as_of)
    return RiskReport(
        city_code=city,
        city_name=book.city_name,
        as_of=as_of,
        rule_version=policy.rule_version if policy else None,
        example_policy=any(v.example for v in book.versions),
        flags=reported,
    )


@dataclass(frozen=True, slots=True)
class ScanResult:
    city_code: str
    as_of: dt.date
    found: int
    new: int


def scan(
    engine: Engine, city: str, *, as_of: dt.date, actor: str = "risk-scan", policy_dir: Path | None = None
) -> ScanResult:
    """Record the flags found today: new ones as 待核查 (with an audit event), known ones seen again."""
    _book, flags = find_flags(engine, city, as_of=as_of, policy_dir=policy_dir)
    new = 0
    with transaction(engine) as s:
        stored = {
            r.key: r
            for r in s.scalars(select(RiskFlagRecord).where(RiskFlagRecord.key.in_([f.key for f in flags])))
        }
        for f in flags:
            record = stored.get(f.key)
            if record is not None:
                record.last_seen = max(record.last_seen, as_of)
                record.message, record.evidence = f.message, f.evidence_dict()
                continue
            record = RiskFlagRecord(
                key=f.key,
                kind=f.kind,
                subject=f.subject,
                city=city,
                institution_id=f.institution_id,
                message=f.message,
                evidence=f.evidence_dict(),
                state="待核查",
                note="",
                first_seen=as_of,
                last_seen=as_of,
            )
            s.add(record)
            s.flush()
            s.add(
                AuditEvent(
                    actor=actor,
                    action="risk_flag.raised",
                    entity="risk_flag",
                    entity_id=str(record.id),
                    payload={"key": f.key, "message": f.message},
                )
            )
            new += 1
    return ScanResult(city, as_of, len(flags), new)


class FlagStateError(ValueError):
    """A flag that does not exist, or a state change the follow-up does not allow (Chinese)."""


def set_state(engine: Engine, flag_id: int, to_state: str, *, actor: str, note: str = "") -> RiskFlagRecord:
    """Move a flag to ``to_state`` (待核查 → 已核实/误报, 已核实 → 已查处) by ``actor``; 误报 and
    已查处 need a ``note``. Records who and when on the flag and in the audit log."""
    if not actor.strip():
        raise FlagStateError("须注明经办人")
    with transaction(engine) as s:
        record = s.scalars(
            select(RiskFlagRecord).where(RiskFlagRecord.id == flag_id).with_for_update()
        ).first()
        if record is None:
            raise FlagStateError(f"未找到风险线索 {flag_id}")
        if to_state not in FLAG_TRANSITIONS.get(record.state, ()):
            raise FlagStateError(f"风险线索状态不能从“{record.state}”变更为“{to_state}”")
        if to_state in ("误报", "已查处") and not note.strip():
            raise FlagStateError(f"标记为“{to_state}”须注明核查情况")
        before = record.state
        record.state, record.state_by, record.state_at = (
            to_state,
            actor,
            dt.datetime.now(dt.UTC).replace(tzinfo=None),
        )
        record.note = note
        s.add(
            AuditEvent(
                actor=actor,
                action=f"risk_flag.{to_state}",
                entity="risk_flag",
                entity_id=str(record.id),
                payload={"from": before, "to": to_state, "note": note},
            )
        )
        s.flush()
        s.expunge(record)
    return record


def stored_flags(engine: Engine, city: str, state: str | None = None) -> list[RiskFlagRecord]:
    """The city's recorded flags (optionally in one state), oldest first."""
    with transaction(engine) as s:
        stmt = select(RiskFlagRecord).where(RiskFlagRecord.city == city)
        if state is not None:
            stmt = stmt.where(RiskFlagRecord.state == state)
        rows = list(s.scalars(stmt.order_by(RiskFlagRecord.id)))
        for r in rows:
            s.expunge(r)
    return rows
