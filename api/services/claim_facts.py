"""Registry facts behind a subsidy decision, read from the database (clause 十二: "对可通过大数据等
信息化手段比对确认信息的，不再要求提供纸质证明材料").

Maps storage rows to the core's frozen records and gathers, for one claim, everything the rules
read: the worker, the programme, completion and certification, the hiring employer, the worker's
earlier claims. Used by :mod:`api.services.subsidy` and :mod:`api.services.risk`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.services import records as recommend_records
from data.db.models import Certificate, Enrollment, Institution, Order, Programme, SubsidyClaim, Worker
from matcher.policy_model import TRAINING_CLAIM_KINDS, city_code_of
from matcher.types import PastClaim, ProgrammeRecord, WorkerProfile


class ClaimInputError(ValueError):
    """A claim refers to records that do not exist or do not belong together (Chinese message)."""


def programme_record(programme: Programme, institution: Institution) -> ProgrammeRecord:
    """The core record of a stored programme (the same mapping the recommender uses)."""
    return recommend_records.programme_record(programme, recommend_records.institution_info(institution), {})


def worker_profile(
    worker: Worker, past_claims: tuple[PastClaim, ...] = (), employer_kind: str | None = None
) -> WorkerProfile:
    """The core record of a stored worker (the same mapping the recommender uses)."""
    return recommend_records.worker_record(worker, {}, past_claims, employer_kind=employer_kind)


def past_claims_of(
    session: Session,
    worker_id: str,
    *,
    exclude_claim_id: int | None = None,
    exclude_enrollment_id: int | None = None,
) -> tuple[PastClaim, ...]:
    """The worker's claims that were not rejected, oldest first, as core records."""
    stmt = (
        select(SubsidyClaim)
        .where(SubsidyClaim.worker_id == worker_id, SubsidyClaim.status != "驳回")
        .order_by(SubsidyClaim.claim_date, SubsidyClaim.id)
    )
    out: list[PastClaim] = []
    for c in session.scalars(stmt):
        if c.id == exclude_claim_id:
            continue
        if exclude_enrollment_id is not None and c.enrollment_id == exclude_enrollment_id:
            continue
        out.append(PastClaim(c.occupation_code, c.level, c.claim_year, c.kind))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class ClaimFacts:
    """Everything the rules read for one claim."""

    worker: WorkerProfile
    programme: ProgrammeRecord | None
    enrollment_id: int | None
    occupation_code: str
    work_type: str | None
    level: int
    city: str
    completed: bool | None
    certified: bool | None
    employer_trains: bool
    employer_kind: str
    payee_name: str | None

    def inputs(self) -> dict[str, object]:
        """The facts as a JSON-serialisable dict for the audit log (no names, no ID numbers)."""
        return {
            "worker_id": self.worker.id,
            "birth_year": self.worker.birth_year,
            "groups": sorted(self.worker.groups),
            "past_claims": [[c.occupation_code, c.level, c.year, c.kind] for c in self.worker.past_claims],
            "programme_id": self.programme.id if self.programme else None,
            "programme_start": self.programme.start_date.isoformat() if self.programme else None,
            "enrollment_id": self.enrollment_id,
            "occupation_code": self.occupation_code,
            "level": self.level,
            "city": self.city,
            "completed": self.completed,
            "certified": self.certified,
            "employer_trains": self.employer_trains,
            "employer_kind": self.employer_kind if self.employer_trains else None,
        }


def gather_facts(
    session: Session,
    *,
    worker_id: str,
    kind: str,
    claim_year: int,
    enrollment_id: int | None = None,
    occupation_code: str | None = None,
    level: int | None = None,
    exclude_claim_id: int | None = None,
) -> ClaimFacts:
    """Read the facts of one claim. ``training`` and ``living`` claims need an enrollment;
    evaluation and skill-upgrade claims need an enrollment or an occupation and level.

    Certification is read from the registry: the enrollment's ``certified`` mark, or a certificate
    of that occupation and level held by the worker and issued no later than ``claim_year``.
    """
    worker = session.get(Worker, worker_id)
    if worker is None:
        raise ClaimInputError(f"未找到劳动者 {worker_id}")
    enrollment = session.get(Enrollment, enrollment_id) if enrollment_id is not None else None
    if enrollment_id is not None and (enrollment is None or enrollment.worker_id != worker_id):
        raise ClaimInputError(f"报名记录 {enrollment_id} 不存在或不属于该劳动者")
    if kind in ("training", "living") and enrollment is None:
        raise ClaimInputError("职业培训补贴和生活费补贴须关联培训报名记录")

    programme = record = None
    order: Order | None = None
    if enrollment is not None:
        programme = session.get(Programme, enrollment.programme_id)
        assert programme is not None  # foreign key
        institution = session.get(Institution, programme.institution_id)
        assert institution is not None  # foreign key
        record = programme_record(programme, institution)
        if enrollment.employer_order_id:
            order = session.get(Order, enrollment.employer_order_id)
    occ = occupation_code or (programme.occupation_code if programme else None)
    lv = level if level is not None else (programme.level if programme else None)
    if occ is None or lv is None:
        raise ClaimInputError("请指明申领补贴的职业（工种）和等级")

    held = session.scalar(
        select(Certificate.id).where(
            Certificate.worker_id == worker_id,
            Certificate.occupation_code == occ,
            Certificate.level == lv,
            Certificate.year <= claim_year,
        )
    )
    certified: bool | None = bool(held) or bool(enrollment and enrollment.certified)
    completed = None if enrollment is None else bool(enrollment.completed or enrollment.status == "结业")

    exclude_enrollment = enrollment_id if kind not in TRAINING_CLAIM_KINDS else None
    past = past_claims_of(
        session, worker_id, exclude_claim_id=exclude_claim_id, exclude_enrollment_id=exclude_enrollment
    )
    employer_trains = bool(order and order.employer_trains)
    employer_kind = order.employer_kind if order else "企业"
    return ClaimFacts(
        worker=worker_profile(worker, past, employer_kind=order.employer_kind if order else None),
        programme=record,
        enrollment_id=enrollment_id,
        occupation_code=occ,
        work_type=programme.work_type if programme else None,
        level=lv,
        city=city_code_of(programme.adcode if programme else worker.home_adcode),
        completed=completed,
        certified=certified,
        employer_trains=employer_trains,
        employer_kind=employer_kind,
        payee_name=order.employer_name if employer_trains and order else None,
    )
