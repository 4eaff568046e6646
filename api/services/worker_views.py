"""Workers as each caller sees them (issue 12 item 6).

The worker themself and an in-scope counselor (``full``) see the record as stored — 身份证号 and
phone already masked (first 3 and last 4), the free text of skills and history. Everyone else
(an admin, and any list beyond the caller's own workers) sees a view from which the 身份证号 cannot
be narrowed below 10,000 candidates with everything else in the same response: the ID without
its tail (the county and birth year stay, leaving every day of the year times the sequence
numbers of the gender, about 180,000), the phone with at most 3+2 digits, no free text. Names
are shown without their length in both (:func:`data.personal.name_for_view`).
"""

from __future__ import annotations

from api.schemas.catalogue import CertificateOut, WorkerOut, WorkerSummary
from data.db.models import Worker
from data.personal import id_number_for_view, name_for_view, phone_for_view

__all__ = ["worker_out", "worker_summary"]


def worker_out(w: Worker, *, full: bool) -> WorkerOut:
    return WorkerOut(
        id=w.id,
        id_number_masked=w.id_number_masked if full else id_number_for_view(w.id_number_masked),
        phone_masked=w.phone_masked if full else phone_for_view(w.phone_masked),
        name_masked=name_for_view(w.name_masked),
        birth_year=w.birth_year,
        gender=w.gender,
        education=w.education,
        home_adcode=w.home_adcode,
        skills_text=w.skills_text if full else None,
        work_history=w.work_history if full else None,
        desired_occupations=list(w.desired_occupations),
        desired_place=w.desired_place,
        max_commute_km=w.max_commute_km,
        expected_wage=w.expected_wage,
        entrepreneurship=w.entrepreneurship,
        groups=list(w.groups),
        consent_share=w.consent_share,
        active=w.active,
        certificates=[CertificateOut.model_validate(c) for c in w.certificates],
    )


def worker_summary(w: Worker, *, full: bool) -> WorkerSummary:
    return WorkerSummary(
        id=w.id,
        name_masked=name_for_view(w.name_masked),
        id_number_masked=w.id_number_masked if full else id_number_for_view(w.id_number_masked),
        home_adcode=w.home_adcode,
        groups=list(w.groups),
        active=w.active,
    )
