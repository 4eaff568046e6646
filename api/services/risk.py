"""Risk report of one city (clause 十三: "建立风险隐患清单，明确日常监督重点").

Reads the city's enrollments and claims, maps them to the core's records and runs
:func:`matcher.risk.risk_flags`. Enrollments are the city's when the programme is held in the city;
for the overlap check every enrollment of those trainees counts, wherever it is held. Claims are
the city's by their ``city`` column and are re-decided on today's registry facts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from api.services.claim_facts import ClaimInputError, gather_facts
from api.services.subsidy import SubsidyService
from data.db.models import Enrollment, Institution, Programme, SubsidyClaim, Worker
from data.db.session import transaction
from data.policy_loader import load_city_policy
from matcher.policy_model import CityPolicyBook, Decision
from matcher.risk import RISK_KIND_NAMES, ClaimCheck, RiskFlag, TraineeRecord, risk_flags, village_of
from matcher.types import Place


@dataclass(frozen=True, slots=True)
class RiskReport:
    """The flags of one city on one day, with the policy version whose thresholds applied."""

    city_code: str
    city_name: str
    as_of: dt.date
    rule_version: str | None
    example_policy: bool
    flags: tuple[RiskFlag, ...]

    def counts(self) -> dict[str, int]:
        out = {kind: 0 for kind in RISK_KIND_NAMES}
        for f in self.flags:
            out[f.kind] += 1
        return out

    def as_dict(self) -> dict[str, object]:
        return {
            "city_code": self.city_code,
            "city_name": self.city_name,
            "as_of": self.as_of.isoformat(),
            "rule_version": self.rule_version,
            "example_policy": self.example_policy,
            "counts": self.counts(),
            "flags": [f.as_dict() for f in self.flags],
        }


def _trainees(session: Session, city: str) -> list[TraineeRecord]:
    in_city = select(Enrollment.worker_id).join(Programme).where(Programme.adcode.startswith(city))
    rows = session.execute(
        select(Enrollment, Programme, Institution, Worker)
        .join(Programme, Enrollment.programme_id == Programme.id)
        .join(Institution, Programme.institution_id == Institution.id)
        .join(Worker, Enrollment.worker_id == Worker.id)
        .where(Enrollment.worker_id.in_(in_city))
        .order_by(Enrollment.id)
    )
    return [
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
            village=village_of(w.home_address),
            programme_min_age=p.min_age,
            programme_max_age=p.max_age,
        )
        for e, p, i, w in rows
    ]


def _claim_checks(session: Session, city: str, service: SubsidyService) -> list[ClaimCheck]:
    claims = session.scalars(
        select(SubsidyClaim)
        .where(SubsidyClaim.city == city, SubsidyClaim.status != "驳回")
        .order_by(SubsidyClaim.id)
    )
    checks: list[ClaimCheck] = []
    for c in claims:
        try:
            facts = gather_facts(
                session,
                worker_id=c.worker_id,
                kind=c.kind,
                claim_year=c.claim_year,
                enrollment_id=c.enrollment_id,
                occupation_code=c.occupation_code,
                level=c.level,
                exclude_claim_id=c.id,
            )
        except ClaimInputError as exc:
            decision = Decision("registry", "十二", False, 0, c.rule_version or "", str(exc))
        else:
            policy = service.policy_for(facts, c.claim_date)
            if isinstance(policy, str):
                decision = Decision("policy", "十", False, 0, c.rule_version or "", policy)
            else:
                decision = service.decide(c.kind, facts, policy, c.claim_year)
        checks.append(ClaimCheck(c.id, c.worker_id, c.kind, c.status, c.amount, c.rule_version, decision))
    return checks


def risk_report(
    engine: Engine,
    city: str,
    *,
    as_of: dt.date,
    policy_dir: Path | None = None,
    book: CityPolicyBook | None = None,
) -> RiskReport:
    """All risk flags of ``city`` (4-digit code) on ``as_of``, thresholds from the city's policy."""
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
    flags = [f for f in flags if _concerns_city(f, city_programmes)]
    policy = book.find(as_of)
    return RiskReport(
        city_code=city,
        city_name=book.city_name,
        as_of=as_of,
        rule_version=policy.rule_version if policy else None,
        example_policy=any(v.example for v in book.versions),
        flags=tuple(flags),
    )


def _concerns_city(flag: RiskFlag, city_programmes: set[str]) -> bool:
    evidence = flag.evidence_dict()
    if "programmes" in evidence:
        return any(p in city_programmes for p in evidence["programmes"])  # type: ignore[attr-defined]
    if "programme_id" in evidence:
        return evidence["programme_id"] in city_programmes
    return True
