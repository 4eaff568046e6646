"""Registry facts behind a subsidy claim, read from the database (clause 十二: "对可通过大数据等
信息化手段比对确认信息的，不再要求提供纸质证明材料").

A claim names only the worker, its kind and one record — an enrollment (职业培训补贴, 生活费补贴) or
a certificate (评价补贴, 技能提升补贴). Everything else the rules read — occupation, 工种, level,
dates, the fee, completion, the certificate's provenance, the hire, insurance and group facts, the
worker's other claims and paid allowance days — is read here into the core's
:class:`~matcher.subsidy.records.ClaimRecords`. Used by :mod:`api.services.subsidy` and
:mod:`api.services.risk`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.services import records as core_records
from data.db.models import (
    Certificate,
    Enrollment,
    GroupFact,
    Hire,
    Institution,
    InsuranceFact,
    LivingAllowanceDay,
    Order,
    Programme,
    SubsidyClaim,
    Worker,
)
from matcher.subsidy import (
    CLAIM_KINDS,
    CertificateFact,
    ClaimRecords,
    EnrollmentFacts,
    HireFact,
    city_code_of,
)
from matcher.subsidy import (
    GroupFact as GroupRecord,
)
from matcher.subsidy import (
    InsuranceFact as InsuranceRecord,
)
from matcher.types import PastClaim

ENROLLMENT_KINDS = ("training", "living")
CERTIFICATE_KINDS = ("certification", "skill_upgrade")


class ClaimInputError(ValueError):
    """A claim refers to records that do not exist or do not belong together (Chinese message)."""


@dataclass(frozen=True, slots=True)
class ClaimContext:
    """The records of one claim, and what the service stores with it. ``policy_day`` picks the
    policy version: the course's start, or the certificate's issue."""

    kind: str
    records: ClaimRecords
    city: str
    policy_day: dt.date
    occupation_code: str
    work_type: str | None
    level: int
    enrollment_id: int | None = None
    programme_id: str | None = None
    certificate_id: int | None = None

    def inputs(self) -> dict[str, object]:
        """What the decision read, JSON-serialisable for the audit log (no names, no ID numbers)."""
        r = self.records
        return {
            "kind": self.kind,
            "worker_id": r.worker.id,
            "birth_year": r.worker.birth_year,
            "enrollment_id": self.enrollment_id,
            "programme_id": self.programme_id,
            "certificate_id": self.certificate_id,
            "occupation_code": self.occupation_code,
            "work_type": self.work_type,
            "level": self.level,
            "city": self.city,
            "policy_day": self.policy_day.isoformat(),
            "enrollment": None
            if r.enrollment is None
            else {
                "status": r.enrollment.status,
                "completed": r.enrollment.completed,
                "completed_on": r.enrollment.completed_on.isoformat() if r.enrollment.completed_on else None,
                "hours_attended": r.enrollment.hours_attended,
                "fee_payer": r.enrollment.fee_payer,
            },
            "certificates": [
                [c.id, c.occupation_code, c.level, c.issued_on.isoformat() if c.issued_on else None]
                for c in r.certificates
            ],
            "order_id": r.order.id if r.order else None,
            "hires": [[h.id, h.employer_kind, h.start_date.isoformat()] for h in r.hires],
            "insurance": None
            if r.insurance is None
            else [r.insurance.id, r.insurance.status, r.insurance.months],
            "groups": [[g.id, g.group, g.source, g.version] for g in r.groups],
            "past_claims": [[c.occupation_code, c.work_type, c.level, c.year, c.kind] for c in r.past_claims],
            "paid_days": len(r.paid_days),
            "claimed_on_certificate": sorted(r.claimed_on_certificate),
        }


def _past_claims(
    session: Session, worker_id: str, exclude_claim_id: int | None, exclude_enrollment_id: int | None
) -> tuple[PastClaim, ...]:
    stmt = (
        select(SubsidyClaim)
        .where(SubsidyClaim.worker_id == worker_id, SubsidyClaim.status != "驳回")
        .order_by(SubsidyClaim.event_date, SubsidyClaim.id)
    )
    out = []
    for c in session.scalars(stmt):
        if c.id == exclude_claim_id or (
            exclude_enrollment_id is not None and c.enrollment_id == exclude_enrollment_id
        ):
            continue
        out.append(PastClaim(c.occupation_code, c.level, c.event_year, c.kind, c.work_type))
    return tuple(out)


def certificate_fact(c: Certificate) -> CertificateFact:
    return CertificateFact(
        c.id,
        c.occupation_code,
        c.level,
        c.issued_on,
        c.number,
        c.issuing_body,
        c.work_type,
        c.enrollment_id,
        c.source,
    )


def _latest_groups(session: Session, worker_id: str) -> tuple[GroupRecord, ...]:
    """The latest version of each of the worker's group facts."""
    latest: dict[str, GroupFact] = {}
    for f in session.scalars(
        select(GroupFact).where(GroupFact.worker_id == worker_id).order_by(GroupFact.version)
    ):
        latest[f.group] = f
    return tuple(
        GroupRecord(
            f.group, f.source, f.effective_from, f.effective_until, f.graduation_year, f.id, f.version
        )
        for f in sorted(latest.values(), key=lambda f: f.id)
    )


def _insurance(session: Session, worker_id: str, on: dt.date) -> InsuranceRecord | None:
    """The worker's latest insurance fact on or before ``on``."""
    f = session.scalars(
        select(InsuranceFact)
        .where(InsuranceFact.worker_id == worker_id, InsuranceFact.as_of <= on)
        .order_by(InsuranceFact.as_of.desc(), InsuranceFact.id.desc())
    ).first()
    return None if f is None else InsuranceRecord(f.id, f.status, f.months, f.as_of, f.scheme)


def gather(
    session: Session,
    *,
    kind: str,
    worker_id: str,
    on: dt.date,
    enrollment_id: int | None = None,
    certificate_id: int | None = None,
    exclude_claim_id: int | None = None,
) -> ClaimContext:
    """Read the records of one claim of ``kind`` filed on ``on``. Raises :class:`ClaimInputError`
    when the named records are missing or not the worker's."""
    if kind not in CLAIM_KINDS:
        raise ClaimInputError(f"未知的补贴类型 {kind!r}")
    worker = session.get(Worker, worker_id)
    if worker is None:
        raise ClaimInputError(f"未找到劳动者 {worker_id}")
    if kind in ENROLLMENT_KINDS and (enrollment_id is None or certificate_id is not None):
        raise ClaimInputError("职业培训补贴和生活费补贴须关联培训报名记录（不填证书）")
    if kind in CERTIFICATE_KINDS and (certificate_id is None or enrollment_id is not None):
        raise ClaimInputError("职业技能评价补贴和技能提升补贴须关联证书记录（不填报名记录）")

    certificates = tuple(
        certificate_fact(c)
        for c in session.scalars(
            select(Certificate).where(Certificate.worker_id == worker_id).order_by(Certificate.id)
        )
    )
    hires = tuple(
        HireFact(h.id, h.employer_name, h.employer_kind, h.start_date, h.end_date, h.order_id, h.monthly_wage)
        for h in session.scalars(
            select(Hire).where(Hire.worker_id == worker_id).order_by(Hire.start_date, Hire.id)
        )
    )
    enrollment = programme = order = cert = None
    if enrollment_id is not None:
        enrollment = session.get(Enrollment, enrollment_id)
        if enrollment is None or enrollment.worker_id != worker_id:
            raise ClaimInputError(f"报名记录 {enrollment_id} 不存在或不属于该劳动者")
        programme = session.get(Programme, enrollment.programme_id)
        assert programme is not None  # foreign key
        if enrollment.employer_order_id:
            order = session.get(Order, enrollment.employer_order_id)
    if certificate_id is not None:
        cert = session.get(Certificate, certificate_id)
        if cert is None or cert.worker_id != worker_id:
            raise ClaimInputError(f"证书记录 {certificate_id} 不存在或不属于该劳动者")
        if cert.enrollment_id is not None:
            linked = session.get(Enrollment, cert.enrollment_id)
            programme = session.get(Programme, linked.programme_id) if linked is not None else None

    programme_record = None
    if programme is not None:
        institution = session.get(Institution, programme.institution_id)
        assert institution is not None  # foreign key
        programme_record = core_records.programme_record(
            programme, core_records.institution_info(institution), {}
        )
    claimed: frozenset[str] = frozenset()
    if cert is not None:
        claimed = frozenset(
            session.scalars(
                select(SubsidyClaim.kind).where(
                    SubsidyClaim.certificate_id == cert.id,
                    SubsidyClaim.status != "驳回",
                    SubsidyClaim.id != (exclude_claim_id or -1),
                )
            )
        )
    paid_days = frozenset(
        session.scalars(
            select(LivingAllowanceDay.day).where(
                LivingAllowanceDay.worker_id == worker_id,
                LivingAllowanceDay.claim_id != (exclude_claim_id or -1),
            )
        )
    )
    # the trainee's own training claim on this course is no duplicate of its living allowance
    past = _past_claims(session, worker_id, exclude_claim_id, enrollment_id if kind == "living" else None)
    records = ClaimRecords(
        worker=core_records.worker_record(worker, {}, past),
        # a living-allowance claim runs with the course, never inside the certificate's record
        programme=programme_record if kind in ENROLLMENT_KINDS else None,
        enrollment=None
        if enrollment is None
        else EnrollmentFacts(
            enrollment.id,
            enrollment.status,
            bool(enrollment.completed or enrollment.status == "结业"),
            enrollment.completed_on,
            enrollment.hours_attended,
            enrollment.fee_payer,
        ),
        certificate=certificate_fact(cert) if cert is not None else None,
        certificates=certificates,
        order=core_records.order_record(order, {}) if order is not None else None,
        hires=hires,
        insurance=_insurance(session, worker_id, on),
        groups=_latest_groups(session, worker_id),
        past_claims=past,
        paid_days=paid_days,
        claimed_on_certificate=claimed,
    )
    place = programme.adcode if programme is not None else worker.home_adcode
    if cert is not None:
        return ClaimContext(
            kind,
            records,
            city_code_of(place),
            cert.issued_on or on,
            cert.occupation_code,
            cert.work_type,
            cert.level,
            certificate_id=cert.id,
            programme_id=programme.id if programme is not None else None,
        )
    assert programme is not None and enrollment is not None
    return ClaimContext(
        kind,
        records,
        city_code_of(place),
        programme.start_date,
        programme.occupation_code,
        programme.work_type,
        programme.level,
        enrollment_id=enrollment.id,
        programme_id=programme.id,
    )
