"""Paying twice is held by the database and by compare-and-set state changes, even when requests
arrive at the same moment — on SQLite and PostgreSQL.

Each job runs in its own thread with its own service and sessions and waits at a barrier at the
point where a race would hurt (after reading the records, before writing), so that only the
database can stop the second one. Barriers have no time limit; the joins have a generous hang
guard only (no timing is asserted).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

from sqlalchemy import Engine, event, select

from api.services.subsidy import ClaimOutcome, SubsidyService
from data.db.models import AuditEvent, SubsidyClaim
from data.db.session import transaction
from data.policy_loader import load_city_policy
from tests.subsidy_factories import (
    CARER,
    add_enrollment,
    add_group,
    add_institution,
    add_programme,
    add_worker,
    seed_reference,
)

TODAY = dt.date(2026, 12, 1)
AFTER = dt.date(2024, 6, 10)
HANG_GUARD_S = 600


def _run(jobs: list[Callable[[], ClaimOutcome]]) -> list[ClaimOutcome]:
    results: list[ClaimOutcome | None] = [None] * len(jobs)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            results[i] = jobs[i]()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(HANG_GUARD_S)
    assert not any(t.is_alive() for t in threads), "a job hung"
    assert not errors, errors
    return [r for r in results if r is not None]


def _services_meeting_after_reading(engine: Engine, n: int) -> list[SubsidyService]:
    """Services whose policy look-up (after the records are read, before the claim is written)
    waits until all ``n`` have read."""
    barrier = threading.Barrier(n)

    def policies(city: str):  # type: ignore[no-untyped-def]
        barrier.wait()
        return load_city_policy(city)

    return [SubsidyService(engine, policies, clock=lambda: TODAY) for _ in range(n)]


def _world(engine: Engine) -> tuple[int, int]:
    """W1 (防返贫监测对象) completed two 2024 courses: P1 砌筑工 初级 5-06..5-25 and P2 砌筑工 初级
    5-20..6-05, which overlap for six days."""
    with transaction(engine) as s:
        seed_reference(s)
        add_worker(s, "W1")
        add_group(s, "W1", "防返贫监测对象")
        add_institution(s)
        add_programme(s, "P1")
        add_programme(s, "P2", start=dt.date(2024, 5, 20), end=dt.date(2024, 6, 5))
        a = add_enrollment(s, "W1", "P1", completed_on=dt.date(2024, 5, 25))
        b = add_enrollment(s, "W1", "P2", completed_on=dt.date(2024, 6, 5))
    return a, b


def _claims(engine: Engine) -> list[SubsidyClaim]:
    with transaction(engine) as s:
        return list(s.scalars(select(SubsidyClaim).order_by(SubsidyClaim.id)))


def test_concurrent_training_claims_of_one_year_exactly_one_passes(engine: Engine) -> None:
    """十: two claims for the same occupation, level and year fired at once → exactly one passes;
    the worker is paid 1000 元 once, and the refusal is logged as the database's."""
    a, b = _world(engine)
    one, two = _services_meeting_after_reading(engine, 2)
    outs = _run(
        [
            lambda: one.submit(worker_id="W1", kind="training", actor="clerk1", enrollment_id=a, on=AFTER),
            lambda: two.submit(worker_id="W1", kind="training", actor="clerk2", enrollment_id=b, on=AFTER),
        ]
    )
    accepted = [o for o in outs if o.accepted]
    refused = [o for o in outs if not o.accepted]
    assert len(accepted) == 1 and len(refused) == 1
    assert sum(o.to_worker for o in accepted) == 1000 and sum(o.to_employer for o in accepted) == 0
    assert refused[0].rule == "no_duplicate"
    assert refused[0].message.endswith("该劳动者同一年度已有砌筑工初级工的补贴申领")
    assert len(_claims(engine)) == 1
    with transaction(engine) as s:
        actions = sorted(
            e.payload["inputs"].get("refused_by", e.action) for e in s.scalars(select(AuditEvent))
        )
    assert actions == ["database:no_duplicate", "subsidy_claim.submitted"]


def test_concurrent_living_allowances_for_overlapping_courses_never_pay_a_day_twice(engine: Engine) -> None:
    """九: the allowance is per day of training: two claims for overlapping courses fired at once
    both count the six shared days; the database takes them once — one claim of 600 元 passes and
    the other is refused (to be filed again for its remaining days)."""
    with transaction(engine) as s:
        seed_reference(s)
        add_worker(s, "W1")
        add_group(s, "W1", "脱贫劳动力")
        add_institution(s)
        add_programme(s, "P1")
        add_programme(s, "P2", occupation_code=CARER, start=dt.date(2024, 5, 20), end=dt.date(2024, 6, 5))
        a = add_enrollment(s, "W1", "P1", completed_on=dt.date(2024, 5, 25))
        b = add_enrollment(s, "W1", "P2", completed_on=dt.date(2024, 6, 5))
    one, two = _services_meeting_after_reading(engine, 2)
    outs = _run(
        [
            lambda: one.submit(worker_id="W1", kind="living", actor="clerk1", enrollment_id=a, on=AFTER),
            lambda: two.submit(worker_id="W1", kind="living", actor="clerk2", enrollment_id=b, on=AFTER),
        ]
    )
    accepted = [o for o in outs if o.accepted]
    assert len(accepted) == 1 and accepted[0].to_worker == 600
    (refused,) = [o for o in outs if not o.accepted]
    assert refused.rule == "once_per_day" and "同一天不重复发放" in refused.message
    # filed again, the refused course now pays only its days that are still free: P2 after P1 has
    # 5-26..6-05 (11 days, 440 元); P1 after P2 has 5-06..5-19 (14 days, 560 元)
    first_won = outs[0].accepted
    retry = SubsidyService(engine, clock=lambda: TODAY).submit(
        worker_id="W1", kind="living", actor="clerk3", enrollment_id=b if first_won else a, on=AFTER
    )
    assert retry.accepted and retry.to_worker == (440 if first_won else 560)
    assert sum(c.amount for c in _claims(engine)) == 600 + retry.to_worker


def _approved_claim(engine: Engine) -> int:
    a, _ = _world(engine)
    svc = SubsidyService(engine, clock=lambda: TODAY)
    out = svc.submit(worker_id="W1", kind="training", actor="clerk", enrollment_id=a, on=AFTER)
    assert out.claim_id is not None
    assert svc.advance(out.claim_id, "审核", actor="reviewer").accepted
    assert svc.advance(out.claim_id, "通过", actor="chief").accepted
    return out.claim_id


def _racing(engine: Engine, jobs: list[Callable[[], ClaimOutcome]]) -> list[ClaimOutcome]:
    """Run ``jobs`` so that the first read of a claim in each waits until all have arrived: the
    state changes race (PostgreSQL's row lock then orders them; SQLite's compare-and-set does)."""
    barrier = threading.Barrier(len(jobs))
    seen = threading.local()

    def meet(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        reads_claim = statement.lstrip().upper().startswith("SELECT") and "FROM subsidy_claims" in statement
        if reads_claim and not getattr(seen, "met", False):
            seen.met = True
            barrier.wait()

    event.listen(engine, "before_cursor_execute", meet)
    try:
        return _run(jobs)
    finally:
        event.remove(engine, "before_cursor_execute", meet)


def test_two_payers_at_once_pay_exactly_once(engine: Engine) -> None:
    """十三 "资金安全": two finance clerks paying the same approved claim at the same moment: one pays,
    the other is told it was already changed — 1000 元 paid once."""
    claim_id = _approved_claim(engine)
    svc = SubsidyService(engine, clock=lambda: TODAY)
    outs = _racing(
        engine,
        [
            lambda: svc.advance(claim_id, "发放", actor="finance1"),
            lambda: svc.advance(claim_id, "发放", actor="finance2"),
        ],
    )
    assert sorted(o.accepted for o in outs) == [False, True]
    assert sum(o.to_worker for o in outs if o.accepted) == 1000
    (refused,) = [o for o in outs if not o.accepted]
    assert refused.message in (
        "补贴申领状态不能从“发放”变更为“发放”",
        "补贴申领已被他人变更为“发放”，本次操作未执行",
    )
    (claim,) = _claims(engine)
    assert claim.status == "发放" and claim.paid_by in ("finance1", "finance2")
    with transaction(engine) as s:
        paid = list(s.scalars(select(AuditEvent).where(AuditEvent.action == "subsidy_claim.发放")))
    assert len(paid) == 1


def test_a_reviewer_cannot_pay_even_racing_a_finance_clerk(engine: Engine) -> None:
    """Separation of duties holds under concurrency: the reviewer's attempt to pay is refused
    whatever the order; the finance clerk's goes through."""
    claim_id = _approved_claim(engine)
    svc = SubsidyService(engine, clock=lambda: TODAY)
    by_reviewer, by_finance = _racing(
        engine,
        [
            lambda: svc.advance(claim_id, "发放", actor="reviewer"),
            lambda: svc.advance(claim_id, "发放", actor="finance"),
        ],
    )
    assert not by_reviewer.accepted and by_finance.accepted and by_finance.to_worker == 1000
    (claim,) = _claims(engine)
    assert claim.paid_by == "finance"
