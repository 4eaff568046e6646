"""Loading a synthetic world's last year (:mod:`data.synth.claims`) into the database.

Records (past classes, enrollments with their completion facts, certificates, hires, insurance
and group facts) are written as the registry would hold them; legitimate claims are filed through
:class:`~api.services.subsidy.SubsidyService` (the rules decide; refusals store nothing) and moved
through review and payment by different actors; planted fraud is written as a corrupt clerk or a
forged import would — around the service. The truth's claim subjects are resolved to claim ids.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
from sqlalchemy import Engine, update

from api.services.subsidy import SubsidyService
from data.db.bulk import bulk_insert
from data.db.models import Certificate, Enrollment, GroupFact, Hire, InsuranceFact, Programme, SubsidyClaim
from data.db.session import transaction
from data.loaders import load_frame
from data.policy_loader import load_city_policy
from data.synth.claims import ClaimsWorld
from matcher.subsidy import city_code_of

ACTORS = ("synth-clerk", "synth-reviewer", "synth-chief", "synth-finance")


@dataclass(frozen=True, slots=True)
class ClaimsLoad:
    """What was loaded: counts, and the truth with every subject as the risk scan names it."""

    counts: dict[str, int]
    truth: pl.DataFrame


def _records(engine: Engine, world: ClaimsWorld) -> dict[int, int]:
    """Write the records; return enrollment key → enrollment id."""
    programmes = world.programmes.rename({"county": "adcode"}).to_dicts()
    with transaction(engine) as s:
        bulk_insert(s, Programme.__table__, programmes)  # type: ignore[arg-type]
        ids: dict[int, int] = {}
        for e in world.enrollments.to_dicts():
            row = Enrollment(**{k: v for k, v in e.items() if k != "key"})
            s.add(row)
            s.flush()
            ids[e["key"]] = row.id
        if world.certificates.height:
            bulk_insert(
                s,
                Certificate.__table__,  # type: ignore[arg-type]
                [
                    {
                        **{k: v for k, v in c.items() if k not in ("enrollment_key", "programme_id")},
                        "year": c["issued_on"].year,
                        "source": "registry",
                        "enrollment_id": ids[c["enrollment_key"]],
                    }  # fmt: skip
                    for c in world.certificates.to_dicts()
                ],
            )
        for table, frame in (
            (Hire, world.hires),
            (InsuranceFact, world.insurance),
            (GroupFact, world.group_facts),
        ):
            if frame.height:
                extra = (
                    {"source": "registry"} if table is Hire else {"version": 1} if table is GroupFact else {}
                )
                bulk_insert(s, table.__table__, [{**extra, **r} for r in frame.to_dicts()])  # type: ignore[arg-type]
    return ids


def load_claims_world(engine: Engine, world: ClaimsWorld, *, today: dt.date, secret_key: str) -> ClaimsLoad:
    """Load ``world`` into ``engine``'s database (catalogue and workers already loaded)."""
    if world.workers.height:  # the ghost classes' fabricated registrations, as a worker file
        load_frame(
            engine, "workers", world.workers, source="synth-ghost-registrations", secret_key=secret_key
        )
    ids = _records(engine, world)
    books: dict[str, object] = {}

    def policies(city: str):  # type: ignore[no-untyped-def]
        if city not in books:
            books[city] = load_city_policy(city)
        return books[city]

    service = SubsidyService(engine, policies, clock=lambda: today)  # type: ignore[arg-type]
    with transaction(engine) as s:
        cert_ids = dict(
            s.query(Certificate.number, Certificate.id).filter(Certificate.source == "registry").all()
        )
        programmes = {p.id: p for p in s.query(Programme).filter(Programme.id.like("H%")).all()}
        s.expunge_all()
    subjects: dict[str, str] = {}
    counts = {"filed": 0, "accepted": 0, "direct": 0}
    for c in world.claims.sort("on", "kind").to_dicts():
        if c["direct"]:
            claim_id = _direct(engine, c, ids, programmes, policies)
            counts["direct"] += 1
            key = (
                f"claim-of:{c['enrollment_key']}:{c['kind']}"
                if c["enrollment_key"]
                else f"phantom-of:{c['worker_id']}"
            )
            subjects[key] = f"claim:{claim_id}"
            continue
        counts["filed"] += 1
        enrollment = ids.get(c["enrollment_key"]) if c["enrollment_key"] is not None else None
        certificate = cert_ids.get(c["certificate"]) if c["certificate"] else None
        worker = _worker_of(engine, enrollment, certificate)
        out = service.submit(
            worker_id=worker,
            kind=c["kind"],
            actor=ACTORS[0],
            enrollment_id=enrollment,
            certificate_id=certificate,
            on=c["on"],
        )
        if not out.accepted or out.claim_id is None:
            continue
        counts["accepted"] += 1
        if c["enrollment_key"] is not None:
            subjects[f"claim-of:{c['enrollment_key']}:{c['kind']}"] = f"claim:{out.claim_id}"
        # older claims have moved on: reviewed, approved and (most) paid, by different people
        age = (today - c["on"]).days
        steps = ("审核", "通过", "发放")[: 3 if age > 90 else 2 if age > 45 else 1 if age > 15 else 0]
        for step, actor in zip(steps, ACTORS[1:], strict=False):
            if not service.advance(out.claim_id, step, actor=actor).accepted:
                break
        if c["inflate"]:  # tampered with after review, as the payment list goes out
            with transaction(engine) as s:
                tampered = update(SubsidyClaim).where(SubsidyClaim.id == out.claim_id)
                s.execute(tampered.values(amount=out.amount * c["inflate"]))
    truth = world.truth.with_columns(pl.col("subjects").list.eval(pl.element().replace(subjects)))
    # a case planted on a claim the rules refused was never planted: it is not counted
    planted = truth.filter(~pl.col("subjects").list.eval(pl.element().str.contains("-of:")).list.any())
    counts["cases_not_planted"] = truth.height - planted.height
    return ClaimsLoad({**world.counts, **counts}, planted)


def _worker_of(engine: Engine, enrollment: int | None, certificate: int | None) -> str:
    with transaction(engine) as s:
        row = s.get(Enrollment, enrollment) if enrollment is not None else s.get(Certificate, certificate)
        assert row is not None
        return row.worker_id


def _direct(engine: Engine, c: dict, ids: dict[int, int], programmes: dict, policies) -> int:  # type: ignore[no-untyped-def,type-arg]
    """A planted claim written around the service: approved, with the amount it names."""
    enrollment = ids.get(c["enrollment_key"]) if c["enrollment_key"] is not None else None
    with transaction(engine) as s:
        if enrollment is not None:
            e = s.get(Enrollment, enrollment)
            assert e is not None
            worker, programme = e.worker_id, programmes[e.programme_id]
        else:
            worker, programme = c["worker_id"], programmes[c["programme_id"]]
        city = city_code_of(programme.adcode)
        claim = SubsidyClaim(
            worker_id=worker,
            enrollment_id=enrollment,
            programme_id=programme.id if enrollment is not None else None,
            kind=c["kind"],
            counts_as_training=True,
            occupation_code=programme.occupation_code,
            work_type=programme.work_type,
            level=programme.level,
            duplicate_key=programme.occupation_code,
            event_date=programme.end_date,
            event_year=programme.end_date.year,
            claim_date=c["on"],
            amount=c["amount"],
            payee="worker",
            status="通过",
            city=city,
            rule_version=policies(city).at(programme.start_date).rule_version,
            submitted_by=ACTORS[0],
            approved_by=ACTORS[2],
        )
        s.add(claim)
        s.flush()
        return claim.id
