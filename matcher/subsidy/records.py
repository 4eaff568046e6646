"""The registry facts a claim is decided on, as frozen records (clause 十二: "对可通过大数据等
信息化手段比对确认信息的，不再要求提供纸质证明材料").

The service (:mod:`api.services.claim_facts`) reads these from the database; the caller of a claim
only names the enrollment or the certificate. Occupation, 工种, level, dates and amounts all come
from here, never from the caller.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from matcher.types import OrderRecord, PastClaim, ProgrammeRecord, WorkerProfile


@dataclass(frozen=True, slots=True)
class EnrollmentFacts:
    """One enrollment and its completion facts. ``completed_on`` is the 结业 date (the programme's
    end date when the registry did not record one); ``hours_attended`` None when not recorded;
    ``fee_payer``: ``"worker"``, ``"employer"`` or None (not recorded)."""

    id: int
    status: str
    completed: bool
    completed_on: dt.date | None = None
    hours_attended: int | None = None
    fee_payer: str | None = None


@dataclass(frozen=True, slots=True)
class CertificateFact:
    """A certificate with its provenance. ``source``: ``"registry"`` (reported by the evaluating
    body / 信息比对), ``"import"`` (a certificate file), ``"worker_file"`` (history typed into a
    worker file: no number, no body, no date — it pays nothing and certifies no course)."""

    id: int
    occupation_code: str
    level: int
    issued_on: dt.date | None
    number: str | None = None
    issuing_body: str | None = None
    work_type: str | None = None
    enrollment_id: int | None = None
    source: str = "registry"

    @property
    def has_provenance(self) -> bool:
        return bool(self.number and self.issuing_body and self.issued_on) and self.source != "worker_file"


@dataclass(frozen=True, slots=True)
class HireFact:
    """A recorded hire: who employed the worker, from when, through which order (if any)."""

    id: int
    employer_name: str
    employer_kind: str
    start_date: dt.date
    end_date: dt.date | None = None
    order_id: str | None = None
    monthly_wage: int | None = None

    def active_on(self, day: dt.date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


@dataclass(frozen=True, slots=True)
class InsuranceFact:
    """The worker's social insurance (参保) as of a date: status ``"参保"``, ``"停保"`` or
    ``"未参保"``, and months contributed."""

    id: int
    status: str
    months: int
    as_of: dt.date
    scheme: str = "失业保险"


@dataclass(frozen=True, slots=True)
class GroupFact:
    """A worker's membership of a group (脱贫劳动力 …) with where it came from and when.
    ``graduation_year`` is set for the 应届 groups; ``id`` None for a group typed into a profile
    (estimates only)."""

    group: str
    source: str
    effective_from: dt.date | None = None
    effective_until: dt.date | None = None
    graduation_year: int | None = None
    id: int | None = None
    version: int = 1

    def valid_on(self, day: dt.date) -> bool:
        return (self.effective_from is None or self.effective_from <= day) and (
            self.effective_until is None or day <= self.effective_until
        )


@dataclass(frozen=True, slots=True)
class ClaimRecords:
    """Everything the rules read for one claim.

    ``past_claims``: the worker's other live claims (the event year in ``year``);
    ``paid_days``: calendar days already covered by the worker's other live living-allowance
    claims; ``claimed_on_certificate``: kinds already claimed (live) on ``certificate``.
    ``order`` is the employer's order the enrollment names (直补企业), with ``hires`` the recorded
    hires of the worker.
    """

    worker: WorkerProfile
    programme: ProgrammeRecord | None = None
    enrollment: EnrollmentFacts | None = None
    certificate: CertificateFact | None = None
    certificates: tuple[CertificateFact, ...] = ()
    order: OrderRecord | None = None
    hires: tuple[HireFact, ...] = ()
    insurance: InsuranceFact | None = None
    groups: tuple[GroupFact, ...] = ()
    past_claims: tuple[PastClaim, ...] = ()
    paid_days: frozenset[dt.date] = frozenset()
    claimed_on_certificate: frozenset[str] = frozenset()
