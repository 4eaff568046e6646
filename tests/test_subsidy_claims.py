"""Subsidy claims on SQLite and PostgreSQL: the state machine, the audit log, and the
no-duplicate rule held by the database even under concurrent claims.

Clause 十: "同一年度同一职业（工种）的同一等级不可重复申领培训补贴（含参保职工技能提升补贴）。"
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from api.services.claim_facts import ClaimInputError
from api.services.subsidy import SubsidyService
from data.db.models import AuditEvent, Certificate, SubsidyClaim
from data.db.session import transaction
from data.policy_loader import load_city_policy
from tests.subsidy_factories import (
    BRICKLAYER,
    add_enrollment,
    add_institution,
    add_order,
    add_programme,
    add_worker,
    seed_reference,
)

DAY = dt.date(2024, 6, 10)


def _setup(engine: Engine, *, groups: tuple[str, ...] = (), programmes: int = 1, level: int = 5) -> list[int]:
    """Worker W1 enrolled (completed, certified) in programmes P1..Pn in 吕梁; returns enrollment ids."""
    with transaction(engine) as s:
        seed_reference(s)
        add_worker(s, "W1", groups=groups)
        add_institution(s)
        ids = []
        for i in range(1, programmes + 1):
            add_programme(s, f"P{i}", level=level)
            ids.append(add_enrollment(s, "W1", f"P{i}"))
    return ids


def _audit(engine: Engine) -> list[AuditEvent]:
    with transaction(engine) as s:
        return list(s.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def _claims(engine: Engine) -> list[SubsidyClaim]:
    with transaction(engine) as s:
        return list(s.scalars(select(SubsidyClaim).order_by(SubsidyClaim.id)))


def test_training_claim_is_accepted_with_audit_of_inputs_and_rule_version(engine: Engine) -> None:
    """九: "农民工参加职业技能培训，符合条件的按规定给予职业培训补贴"; 十二: eligibility from registry
    data; every decision logged with its inputs."""
    (enr,) = _setup(engine)
    out = SubsidyService(engine).submit(worker_id="W1", kind="training", claim_date=DAY, enrollment_id=enr)
    assert out.accepted and out.status == "申请" and out.payee == "worker"
    assert out.amount == load_city_policy("1411").at(dt.date(2024, 5, 6)).occupation(BRICKLAYER).amounts.get(
        5
    )
    assert out.rule_version == "1411/2024.1"
    (claim,) = _claims(engine)
    assert (claim.claim_year, claim.city, claim.rule_version, claim.counts_as_training) == (
        2024,
        "1411",
        "1411/2024.1",
        True,
    )
    (event,) = _audit(engine)
    assert event.action == "subsidy_claim.submitted" and event.rule_version == "1411/2024.1"
    assert event.payload["inputs"]["worker_id"] == "W1"
    assert event.payload["inputs"]["certified"] is True
    assert event.payload["decision"]["rule"] == "training_subsidy"
    assert "id_number" not in str(event.payload) and "1411**" not in str(event.payload)


def test_duplicate_same_year_is_refused_and_logged(engine: Engine) -> None:
    """十: "同一年度同一职业（工种）的同一等级不可重复申领培训补贴"."""
    a, b = _setup(engine, programmes=2)
    svc = SubsidyService(engine)
    assert svc.submit(worker_id="W1", kind="training", claim_date=DAY, enrollment_id=a).accepted
    second = svc.submit(worker_id="W1", kind="training", claim_date=DAY, enrollment_id=b)
    assert not second.accepted and second.rule == "no_duplicate"
    assert "不可重复申领" in second.message
    assert len(_claims(engine)) == 1
    assert [e.action for e in _audit(engine)] == ["subsidy_claim.submitted", "subsidy_claim.refused"]


def test_claims_on_31_december_and_1_january_both_pass(engine: Engine) -> None:
    """十: "同一年度" is the calendar year of the claim."""
    a, b = _setup(engine, programmes=2)
    svc = SubsidyService(engine)
    assert svc.submit(
        worker_id="W1", kind="training", claim_date=dt.date(2024, 12, 31), enrollment_id=a
    ).accepted
    assert svc.submit(
        worker_id="W1", kind="training", claim_date=dt.date(2025, 1, 1), enrollment_id=b
    ).accepted
    assert [c.claim_year for c in _claims(engine)] == [2024, 2025]


def test_same_occupation_at_a_different_level_passes(engine: Engine) -> None:
    """十: only "同一等级" is barred."""
    (a,) = _setup(engine)
    with transaction(engine) as s:
        add_programme(s, "P9", level=4, fee=3000)
        b = add_enrollment(s, "W1", "P9")
    svc = SubsidyService(engine)
    assert svc.submit(worker_id="W1", kind="training", claim_date=DAY, enrollment_id=a).accepted
    assert svc.submit(worker_id="W1", kind="training", claim_date=DAY, enrollment_id=b).accepted


def test_skill_upgrade_counts_toward_the_duplicate_rule(engine: Engine) -> None:
    """十: "不可重复申领培训补贴（含参保职工技能提升补贴）"."""
    (enr,) = _setup(engine)
    with transaction(engine) as s:
        s.add(Certificate(worker_id="W1", occupation_code=BRICKLAYER, level=5, year=2024))
    svc = SubsidyService(engine)
    # 技能提升补贴 is for employed (insured) workers: the hire by an enterprise comes from the order.
    with transaction(engine) as s:
        add_order(s, "O1", employer_trains=False)
        add_programme(s, "P2")
        upgrade_enr = add_enrollment(s, "W1", "P2", order_id="O1")
    up = svc.submit(worker_id="W1", kind="skill_upgrade", claim_date=DAY, enrollment_id=upgrade_enr)
    assert up.accepted, up.message
    refused = svc.submit(worker_id="W1", kind="training", claim_date=DAY, enrollment_id=enr)
    assert not refused.accepted and refused.rule == "no_duplicate"


def test_rejected_claim_no_longer_blocks_a_new_one(engine: Engine) -> None:
    a, b = _setup(engine, programmes=2)
    svc = SubsidyService(engine)
    first = svc.submit(worker_id="W1", kind="training", claim_date=DAY, enrollment_id=a)
    assert svc.advance(first.claim_id, "驳回", actor="reviewer", note="材料与台账不符").accepted
    assert svc.submit(worker_id="W1", kind="training", claim_date=DAY, enrollment_id=b).accepted


def test_state_machine_and_audit_of_each_step(engine: Engine) -> None:
    """申请 → 审核 → 通过 → 发放; other moves refused; every attempt logged."""
    (enr,) = _setup(engine)
    svc = SubsidyService(engine)
    claim_id = svc.submit(worker_id="W1", kind="training", claim_date=DAY, enrollment_id=enr).claim_id
    assert not svc.advance(claim_id, "发放", actor="clerk").accepted
    assert svc.advance(claim_id, "审核", actor="clerk").status == "审核"
    assert not svc.advance(claim_id, "驳回", actor="clerk").accepted  # a rejection needs a note
    approved = svc.advance(claim_id, "通过", actor="chief")
    assert approved.accepted and approved.decision is not None and approved.decision.eligible
    assert svc.advance(claim_id, "发放", actor="finance").status == "发放"
    assert not svc.advance(claim_id, "驳回", actor="clerk", note="x").accepted
    actions = [e.action for e in _audit(engine)]
    assert actions == [
        "subsidy_claim.submitted",
        "subsidy_claim.change_refused",
        "subsidy_claim.审核",
        "subsidy_claim.change_refused",
        "subsidy_claim.通过",
        "subsidy_claim.发放",
        "subsidy_claim.change_refused",
    ]
    assert all(e.rule_version == "1411/2024.1" for e in _audit(engine))


def test_approval_rechecks_the_registry(engine: Engine) -> None:
    """十二: decisions rest on registry data; an approval re-reads it (here: the trainee withdrew)."""
    (enr,) = _setup(engine)
    svc = SubsidyService(engine)
    claim_id = svc.submit(worker_id="W1", kind="training", claim_date=DAY, enrollment_id=enr).claim_id
    svc.advance(claim_id, "审核", actor="clerk")
    with transaction(engine) as s:
        from data.db.models import Enrollment

        e = s.get(Enrollment, enr)
        e.status, e.completed = "退出", False
    out = svc.advance(claim_id, "通过", actor="chief")
    assert not out.accepted and out.status == "审核" and "结业" in out.message


def test_enterprise_trained_hire_subsidy_is_paid_to_the_enterprise(engine: Engine) -> None:
    """九: "对于企业吸纳农民工就业，直接组织其培训且承担培训成本的，可按规定将培训补贴直补企业。" """
    _setup(engine, programmes=0)
    with transaction(engine) as s:
        add_order(s, "O1", employer_trains=True)
        add_programme(s, "P1")
        enr = add_enrollment(s, "W1", "P1", order_id="O1")
    out = SubsidyService(engine).submit(worker_id="W1", kind="training", claim_date=DAY, enrollment_id=enr)
    assert out.accepted and out.payee == "enterprise"
    (claim,) = _claims(engine)
    assert claim.payee == "enterprise" and claim.payee_name == "吕梁示例建筑有限公司"


def test_anti_poverty_monitoring_object_claims_living_allowance_once(engine: Engine) -> None:
    """九: "脱贫（含防返贫监测对象）…在培训期间可按规定给予生活费补贴"; one allowance per course."""
    (enr,) = _setup(engine, groups=("防返贫监测对象",))
    svc = SubsidyService(engine)
    assert svc.submit(worker_id="W1", kind="training", claim_date=DAY, enrollment_id=enr).accepted
    living = svc.submit(worker_id="W1", kind="living", claim_date=DAY, enrollment_id=enr)
    assert living.accepted and living.amount == 15 * 40  # 吕梁 example: 40 yuan a day, 15 days
    again = svc.submit(worker_id="W1", kind="living", claim_date=DAY, enrollment_id=enr)
    assert not again.accepted and again.rule == "once_per_enrollment"


def test_living_allowance_refused_for_worker_outside_the_groups(engine: Engine) -> None:
    (enr,) = _setup(engine, groups=("返乡农民工",))
    out = SubsidyService(engine).submit(worker_id="W1", kind="living", claim_date=DAY, enrollment_id=enr)
    assert not out.accepted and out.rule == "living_allowance"
    (event,) = _audit(engine)
    assert event.action == "subsidy_claim.refused" and event.payload["decision"]["eligible"] is False


def test_unknown_records_are_input_errors(engine: Engine) -> None:
    _setup(engine)
    svc = SubsidyService(engine)
    with pytest.raises(ClaimInputError, match="未找到劳动者"):
        svc.submit(worker_id="W404", kind="training", claim_date=DAY, enrollment_id=1)
    with pytest.raises(ClaimInputError, match="须关联培训报名记录"):
        svc.submit(worker_id="W1", kind="training", claim_date=DAY)


def test_database_refuses_a_duplicate_written_around_the_service(engine: Engine) -> None:
    """The rule lives in the database: a second live row for the same worker, occupation, level and
    year cannot be inserted, whatever code writes it."""
    _setup(engine)
    row = dict(
        worker_id="W1",
        kind="training",
        occupation_code=BRICKLAYER,
        level=5,
        claim_year=2024,
        claim_date=DAY,
        amount=1000,
        city="1411",
    )
    with transaction(engine) as s:
        s.add(SubsidyClaim(**row))
    with pytest.raises(IntegrityError), transaction(engine) as s:
        s.add(SubsidyClaim(**{**row, "kind": "skill_upgrade"}))
    with transaction(engine) as s:  # a rejected one is allowed alongside
        s.add(SubsidyClaim(**{**row, "status": "驳回"}))


def _fire_together(
    engine: Engine, jobs: list[Callable[[SubsidyService], object]], policy_dir: Path | None = None
):
    """Run ``jobs`` in threads, each with its own service and sessions; every thread waits at a barrier
    after reading the registry and before writing, so both pass the rules' own duplicate check and
    only the database can stop one of them."""
    barrier = threading.Barrier(len(jobs), timeout=20)

    def policies(city: str):
        barrier.wait()
        return load_city_policy(city, policy_dir)

    results: list[object] = [None] * len(jobs)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            results[i] = jobs[i](SubsidyService(engine, policies))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    return results


def test_concurrent_duplicate_claims_exactly_one_passes(engine: Engine) -> None:
    """十: two claims for the same occupation, level and year fired at once → exactly one passes."""
    a, b = _setup(engine, programmes=2)
    outs = _fire_together(
        engine,
        [
            lambda svc: svc.submit(worker_id="W1", kind="training", claim_date=DAY, enrollment_id=a),
            lambda svc: svc.submit(worker_id="W1", kind="training", claim_date=DAY, enrollment_id=b),
        ],
    )
    accepted = [o for o in outs if o.accepted]  # type: ignore[attr-defined]
    refused = [o for o in outs if not o.accepted]  # type: ignore[attr-defined]
    assert len(accepted) == 1 and len(refused) == 1
    assert refused[0].rule == "no_duplicate" and "不可重复申领" in refused[0].message
    assert "2024年已有砌筑工初级工的补贴申领" in refused[0].message
    assert len(_claims(engine)) == 1
    audit = _audit(engine)
    assert sorted(e.action for e in audit) == ["subsidy_claim.refused", "subsidy_claim.submitted"]
    assert next(e for e in audit if e.action == "subsidy_claim.refused").payload["inputs"]["refused_by"] == (
        "database:no_duplicate"
    )
