"""Institutions' completion, certification and 6-month employment rates, computed from the
records (enrollments, certificates, hires) instead of typed in (DESIGN §2, issue 12).

For one institution, over the enrollments into its programmes that a counselor confirmed
(a worker's unconfirmed request is not counted):

- completion rate — of the enrollments in programmes that have ended, the share completed
  (结业); withdrawals count against it;
- certification rate — of the completers, the share with a certificate recorded on the course
  (or an imported enrollment marked certified);
- 6-month employment rate — of the completers whose six months after completion have passed, the
  share with a recorded hire that started within those six months and had not ended before the
  completion.

A rate whose basis is empty is None: the institution's typed-in value (from the catalogue
import) stands until there is a record to compute it from. The ranking reads the computed value
through :func:`api.services.records.institution_info`.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.db.models import Certificate, Enrollment, Hire, Programme

__all__ = ["InstitutionOutcomes", "add_months", "institution_outcomes"]

_CHUNK = 10_000
#: enrollments counted: confirmed by a counselor (not a pending request)
_COUNTED = ("报名", "在训", "结业", "退出")


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months (the 31st becomes the month's last day)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True, slots=True)
class InstitutionOutcomes:
    """Rates (0–1, None when their basis is empty) and the counts they were computed from."""

    finished: int = 0
    completed: int = 0
    certified: int = 0
    followed: int = 0
    employed: int = 0

    @property
    def completion_rate(self) -> float | None:
        return round(self.completed / self.finished, 3) if self.finished else None

    @property
    def certification_rate(self) -> float | None:
        return round(self.certified / self.completed, 3) if self.completed else None

    @property
    def employment_rate_6m(self) -> float | None:
        return round(self.employed / self.followed, 3) if self.followed else None


def institution_outcomes(
    session: Session, today: dt.date, institution_ids: Collection[str] | None = None
) -> dict[str, InstitutionOutcomes]:
    """Institution id → its outcomes as of ``today`` (all institutions, or those in
    ``institution_ids``; those without records are absent). One query for the enrollments, then
    the completers' certificates and hires in chunks."""
    stmt = (
        select(
            Programme.institution_id,
            Programme.end_date,
            Enrollment.id,
            Enrollment.worker_id,
            Enrollment.status,
            Enrollment.completed_on,
            Enrollment.certified,
        )
        .join(Programme, Enrollment.programme_id == Programme.id)
        .where(Enrollment.status.in_(_COUNTED))
    )
    if institution_ids is not None:
        stmt = stmt.where(Programme.institution_id.in_(sorted(institution_ids)))
    rows = session.execute(stmt).all()
    if not rows:
        return {}
    enrollment_ids = [r.id for r in rows if r.status == "结业"]
    certified: set[int | None] = set()
    for start in range(0, len(enrollment_ids), _CHUNK):
        certified.update(
            session.scalars(
                select(Certificate.enrollment_id).where(
                    Certificate.enrollment_id.in_(enrollment_ids[start : start + _CHUNK])
                )
            )
        )
    completers = sorted({r.worker_id for r in rows if r.status == "结业"})
    hires: dict[str, list[tuple[dt.date, dt.date | None]]] = defaultdict(list)
    for start in range(0, len(completers), _CHUNK):
        for worker_id, began, ended in session.execute(
            select(Hire.worker_id, Hire.start_date, Hire.end_date).where(
                Hire.worker_id.in_(completers[start : start + _CHUNK])
            )
        ):
            hires[worker_id].append((began, ended))
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for inst, end_date, enrollment_id, worker_id, status, completed_on, flagged in rows:
        c = counts[inst]
        done = status == "结业"
        if end_date < today or done:
            c[0] += 1
        if not done:
            continue
        c[1] += 1
        c[2] += bool(flagged) or enrollment_id in certified
        finished_on = completed_on or end_date
        window_end = add_months(finished_on, 6)
        if window_end <= today:
            c[3] += 1
            c[4] += any(
                start <= window_end and (end is None or end >= finished_on) for start, end in hires[worker_id]
            )
    return {inst: InstitutionOutcomes(*c) for inst, c in counts.items()}
