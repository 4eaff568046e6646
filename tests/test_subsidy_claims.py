"""Subsidy claims on SQLite and PostgreSQL, decided on registry records (issue 13's audit cases).

Every money case asserts what is paid to the worker and to the employer. Golden amounts are
literals from the example files: 吕梁 1411/2024.1 pays 砌筑工 初级工 1000 元 on completion,
养老护理员 初级工 1000 元, 评价补贴 初级工 150 元, 技能提升补贴 初级工 1000 元 (参保 ≥ 12 months), a living
allowance of 40 元 a day counted as hours ÷ 8 (120 hours → 15 days → 600 元); 太原 1401/2024.1 pays
砌筑工 初级工 1200 元 after certification.

The factory course P1: 砌筑工 初级工 in 离石区 (吕梁), 2024-05-06 to 2024-05-25, 120 hours, fee 1500 元.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from api.services.claim_facts import ClaimInputError
from api.services.subsidy import ClaimOutcome, SubsidyService
from data.db.models import AuditEvent, Enrollment, GroupFact, LivingAllowanceDay, PolicyVersion, SubsidyClaim
from data.db.session import transaction
from tests.subsidy_factories import (
    BRICKLAYER,
    CARER,
    EMPLOYER,
    add_certificate,
    add_enrollment,
    add_group,
    add_hire,
    add_institution,
    add_insurance,
    add_order,
    add_programme,
    add_worker,
    seed_reference,
)

TODAY = dt.date(2026, 12, 1)
AFTER = dt.date(2024, 6, 10)  # a day after the course ended


def service(engine: Engine) -> SubsidyService:
    return SubsidyService(engine, clock=lambda: TODAY)


def paid(*outcomes: ClaimOutcome) -> tuple[int, int]:
    """Total (to the worker, to the employer) of the accepted outcomes."""
    return sum(o.to_worker for o in outcomes if o.accepted), sum(
        o.to_employer for o in outcomes if o.accepted
    )


def _world(engine: Engine, *, groups: tuple[str, ...] = (), birth_year: int = 1985) -> int:
    """W1 enrolled in P1 and completed it on 2024-05-25; returns the enrollment id."""
    with transaction(engine) as s:
        seed_reference(s)
        add_worker(s, "W1", birth_year=birth_year)
        add_institution(s)
        add_programme(s, "P1")
        enr = add_enrollment(s, "W1", "P1", completed_on=dt.date(2024, 5, 25))
        for g in groups:
            add_group(s, "W1", g)
    return enr


def _claims(engine: Engine) -> list[SubsidyClaim]:
    with transaction(engine) as s:
        return list(s.scalars(select(SubsidyClaim).order_by(SubsidyClaim.id)))


def _audit(engine: Engine) -> list[AuditEvent]:
    with transaction(engine) as s:
        return list(s.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def test_training_claim_is_decided_on_records_and_logged(engine: Engine) -> None:
    """九: "农民工参加职业技能培训，符合条件的按规定给予职业培训补贴"; 十二: facts from the registry;
    the decision, its inputs, the policy version and its content hash are stored and logged."""
    enr = _world(engine)
    out = service(engine).submit(worker_id="W1", kind="training", actor="clerk", enrollment_id=enr, on=AFTER)
    assert out.accepted and out.status == "申请" and paid(out) == (1000, 0)
    (claim,) = _claims(engine)
    assert (claim.occupation_code, claim.level, claim.duplicate_key) == (BRICKLAYER, 5, BRICKLAYER)
    assert (claim.event_date, claim.event_year, claim.claim_date) == (dt.date(2024, 5, 25), 2024, AFTER)
    assert (claim.city, claim.rule_version, claim.submitted_by, claim.counts_as_training) == (
        "1411",
        "1411/2024.1",
        "clerk",
        True,
    )
    with transaction(engine) as s:
        (version,) = s.scalars(select(PolicyVersion))
    assert (version.city_code, version.version, version.content_hash) == ("1411", "2024.1", claim.policy_hash)
    (event,) = _audit(engine)
    assert (event.actor, event.action, event.rule_version) == (
        "clerk",
        "subsidy_claim.submitted",
        "1411/2024.1",
    )
    assert event.payload["inputs"]["enrollment"]["completed_on"] == "2024-05-25"
    assert event.payload["decision"]["to_worker"] == 1000
    assert "1411**" not in str(event.payload)


def test_the_caller_cannot_name_occupation_level_or_amount(engine: Engine) -> None:
    """十 (the audit's override case): a claim on a 砌筑工 初级 enrollment filed "as 养老护理员 中级"
    cannot be: the service takes no occupation or level, and a second 砌筑工 初级 claim in 2024 is
    refused — one payment of 1000 元."""
    enr = _world(engine)
    with transaction(engine) as s:
        add_programme(s, "P2", start=dt.date(2024, 7, 1), end=dt.date(2024, 7, 20))
        second = add_enrollment(s, "W1", "P2", completed_on=dt.date(2024, 7, 20))
    svc = service(engine)
    with pytest.raises(TypeError):
        svc.submit(  # type: ignore[call-arg]
            worker_id="W1", kind="training", actor="clerk", enrollment_id=enr, occupation_code=CARER, level=4
        )
    first = svc.submit(worker_id="W1", kind="training", actor="clerk", enrollment_id=enr, on=AFTER)
    again = svc.submit(
        worker_id="W1", kind="training", actor="clerk", enrollment_id=second, on=dt.date(2024, 8, 1)
    )
    assert not again.accepted and again.rule == "no_duplicate"
    assert paid(first, again) == (1000, 0)
    assert [(c.occupation_code, c.level) for c in _claims(engine)] == [(BRICKLAYER, 5)]


def test_the_year_is_the_year_of_the_course_not_of_the_claim(engine: Engine) -> None:
    """十: "同一年度…不可重复申领" — two 2025 courses of 砌筑工 初级 claimed on 2025-12-31 and 2026-01-01:
    both completed in 2025, so the second is refused; one payment."""
    with transaction(engine) as s:
        seed_reference(s)
        add_worker(s, "W1")
        add_institution(s)
        add_programme(s, "A", start=dt.date(2025, 5, 5), end=dt.date(2025, 5, 24))
        add_programme(s, "B", start=dt.date(2025, 11, 3), end=dt.date(2025, 11, 22))
        a = add_enrollment(s, "W1", "A", completed_on=dt.date(2025, 5, 24))
        b = add_enrollment(s, "W1", "B", completed_on=dt.date(2025, 11, 22))
    svc = service(engine)
    first = svc.submit(
        worker_id="W1", kind="training", actor="clerk", enrollment_id=a, on=dt.date(2025, 12, 31)
    )
    second = svc.submit(
        worker_id="W1", kind="training", actor="clerk", enrollment_id=b, on=dt.date(2026, 1, 1)
    )
    assert first.accepted and not second.accepted and second.rule == "no_duplicate"
    assert "2025年已享受过砌筑工初级工的培训补贴" in second.message
    assert paid(first, second) == (1000, 0)
    assert [c.event_year for c in _claims(engine)] == [2025]


@pytest.mark.parametrize(
    ("on", "message"),
    [
        (dt.date(2023, 1, 1), "培训尚未结束（2024-05-25结束），结业后方可申领职业培训补贴"),
        (dt.date(2024, 5, 20), "培训尚未结束（2024-05-25结束），结业后方可申领职业培训补贴"),
    ],
)
def test_a_claim_before_the_course_ends_is_refused(engine: Engine, on: dt.date, message: str) -> None:
    """十: the subsidy follows the training ("培训后"): a claim back-dated to 2023 for a May-2024
    course, or filed during the course, is refused with that reason and stores nothing."""
    enr = _world(engine)
    out = service(engine).submit(worker_id="W1", kind="training", actor="clerk", enrollment_id=enr, on=on)
    assert not out.accepted and out.rule == "completion" and out.message == message
    assert paid(out) == (0, 0) and _claims(engine) == []
    with pytest.raises(ClaimInputError, match="晚于今天"):
        service(engine).submit(
            worker_id="W1", kind="training", actor="clerk", enrollment_id=enr, on=TODAY + dt.timedelta(1)
        )


def test_an_unfinished_enrollment_is_refused(engine: Engine) -> None:
    enr = _world(engine)
    with transaction(engine) as s:
        e = s.get(Enrollment, enr)
        e.status, e.completed, e.completed_on = "退出", False, None
    out = service(engine).submit(worker_id="W1", kind="training", actor="clerk", enrollment_id=enr, on=AFTER)
    assert not out.accepted and out.message == "报名记录显示未结业（状态：退出），不能申领职业培训补贴"


def test_an_evaluation_subsidy_is_paid_once_per_certificate_within_its_window(engine: Engine) -> None:
    """十: "对取得职业资格证书或职业技能等级证书的，按规定落实补贴政策" — a 2022 certificate pays its
    150 元 once, within 365 days of its issue (the audit saw it paid in 2024, 2025 and 2026)."""
    with transaction(engine) as s:
        seed_reference(s)
        add_worker(s, "W1")
        cert = add_certificate(s, "W1", issued_on=dt.date(2022, 6, 1), number="S000014110000220001")
    svc = SubsidyService(
        engine, clock=lambda: TODAY, policies=lambda city: _lvliang_from(dt.date(2022, 1, 1))
    )
    first = svc.submit(
        worker_id="W1", kind="certification", actor="clerk", certificate_id=cert, on=dt.date(2022, 7, 1)
    )
    again = svc.submit(
        worker_id="W1", kind="certification", actor="clerk", certificate_id=cert, on=dt.date(2023, 3, 1)
    )
    late = [
        svc.submit(
            worker_id="W1", kind="certification", actor="clerk", certificate_id=cert, on=dt.date(y, 7, 1)
        )
        for y in (2024, 2025, 2026)
    ]
    assert first.accepted and paid(first, again, *late) == (150, 0)
    assert again.message == "该证书已申领过职业技能评价补贴，每张证书只能申领一次"
    assert all(o.message == "职业技能评价补贴须在发证后365天内（2023-06-01前）申领" for o in late)
    (claim,) = _claims(engine)
    assert (claim.certificate_id, claim.event_date, claim.counts_as_training) == (
        cert,
        dt.date(2022, 6, 1),
        False,
    )


def _lvliang_from(day: dt.date):  # type: ignore[no-untyped-def]
    """吕梁's book with its 2024.1 version also in force from ``day`` (for certificates of 2022)."""
    import dataclasses

    from data.policy_loader import load_city_policy
    from matcher.subsidy import CityPolicyBook

    book = load_city_policy("1411")
    return CityPolicyBook(
        "1411", book.city_name, (dataclasses.replace(book.versions[0], effective_from=day),)
    )


def test_a_certificate_from_before_the_course_does_not_certify_it(engine: Engine) -> None:
    """十 (太原 pays after certification): a 2019 certificate of 砌筑工 初级 does not make a 2024 course
    "certified" (the audit saw 1200 元 paid); one issued on 2024-06-05 after the course does."""
    with transaction(engine) as s:
        seed_reference(s)
        add_worker(s, "W1", home_adcode="140105", address="太原市小店区北格镇北格村")
        add_institution(s, "IT", adcode="140105", name="太原示例职业培训学校")
        add_programme(s, "PT", institution_id="IT", adcode="140105")
        enr = add_enrollment(s, "W1", "PT", completed_on=dt.date(2024, 5, 25), certified=False)
        add_certificate(s, "W1", issued_on=dt.date(2019, 9, 1), number="S000014010000190001")
    svc = service(engine)
    old = svc.submit(worker_id="W1", kind="training", actor="clerk", enrollment_id=enr, on=AFTER)
    assert not old.accepted and old.rule == "payment_basis" and paid(old) == (0, 0)
    assert "未取得职业资格证书或职业技能等级证书" in old.message
    with transaction(engine) as s:
        add_certificate(
            s, "W1", issued_on=dt.date(2024, 6, 5), number="S000014010000240001", enrollment_id=enr
        )
    new = svc.submit(worker_id="W1", kind="training", actor="clerk", enrollment_id=enr, on=AFTER)
    assert new.accepted and paid(new) == (1200, 0)


def test_the_evaluation_subsidy_is_not_blocked_by_the_training_subsidy(engine: Engine) -> None:
    """十: "同一年度同一职业（工种）的同一等级不可重复申领培训补贴（含参保职工技能提升补贴）" — the bracket
    names the skill-upgrade subsidy only: a trainee paid 1000 元 of training subsidy still gets the
    150 元 evaluation subsidy of the same occupation, level and year."""
    enr = _world(engine)
    with transaction(engine) as s:
        cert = add_certificate(s, "W1", enrollment_id=enr)
    svc = service(engine)
    training = svc.submit(worker_id="W1", kind="training", actor="clerk", enrollment_id=enr, on=AFTER)
    evaluation = svc.submit(
        worker_id="W1", kind="certification", actor="clerk", certificate_id=cert, on=AFTER
    )
    assert training.accepted and evaluation.accepted
    assert paid(training, evaluation) == (1150, 0)


def test_skill_upgrade_subsidy_needs_insurance_facts_and_shares_the_yearly_rule(engine: Engine) -> None:
    """十: "（含参保职工技能提升补贴）" — for insured workers (吕梁: 参保 at least 12 months), counted with
    the training subsidy: after 1000 元 of 技能提升补贴 on a 2024 砌筑工 初级 certificate, a training
    subsidy for a 2024 砌筑工 初级 course is refused."""
    enr = _world(engine)
    with transaction(engine) as s:
        cert = add_certificate(s, "W1", issued_on=dt.date(2024, 6, 5))
        add_insurance(s, "W1", months=6, as_of=dt.date(2024, 6, 1))
    svc = service(engine)
    short = svc.submit(worker_id="W1", kind="skill_upgrade", actor="clerk", certificate_id=cert, on=AFTER)
    assert not short.accepted and short.rule == "insurance"
    assert (
        short.message
        == "技能提升补贴面向参保职工（吕梁市要求参保满12个月），您2024-06-01参保状态为参保、累计6个月"
    )
    with transaction(engine) as s:
        add_insurance(s, "W1", months=24, as_of=dt.date(2024, 6, 8))
    upgrade = svc.submit(worker_id="W1", kind="skill_upgrade", actor="clerk", certificate_id=cert, on=AFTER)
    training = svc.submit(worker_id="W1", kind="training", actor="clerk", enrollment_id=enr, on=AFTER)
    assert upgrade.accepted and not training.accepted and training.rule == "no_duplicate"
    assert paid(short, upgrade, training) == (1000, 0)
    (claim,) = _claims(engine)
    assert (claim.kind, claim.counts_as_training, claim.insurance_fact_id) == ("skill_upgrade", True, 2)


def _employer_course(
    engine: Engine,
    *,
    order_occupation: str = BRICKLAYER,
    linked: bool = True,
    fee_payer="employer",
    hire=True,
):  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        seed_reference(s)
        add_worker(s, "W1")
        add_institution(s)
        add_programme(s, "P1")
        add_order(s, "O1", occupation_code=order_occupation, programme_id="P1" if linked else None)
        if hire:
            add_hire(s, "W1", start=dt.date(2024, 5, 1))
        return add_enrollment(
            s, "W1", "P1", completed_on=dt.date(2024, 5, 25), order_id="O1", fee_payer=fee_payer
        )


def test_enterprise_that_hires_and_trains_at_its_cost_is_paid_directly(engine: Engine) -> None:
    """九: "对于企业吸纳农民工就业，直接组织其培训且承担培训成本的，可按规定将培训补贴直补企业。" — a
    recorded hire, an order for 砌筑工, the order's own course, the fee paid by the employer."""
    enr = _employer_course(engine)
    out = service(engine).submit(worker_id="W1", kind="training", actor="clerk", enrollment_id=enr, on=AFTER)
    assert out.accepted and out.payee == "enterprise" and paid(out) == (0, 1000)
    (claim,) = _claims(engine)
    assert (claim.payee, claim.payee_name, claim.hire_id) == ("enterprise", EMPLOYER, 1)


@pytest.mark.parametrize(
    ("setup", "accepted", "to_worker", "reason"),
    [
        # the audit's case: an order for 砌筑工 paid the enterprise for a course of another occupation
        (
            dict(order_occupation=CARER, fee_payer="employer"),
            False,
            0,
            "订单的职业与本课程不同，不能直补企业",
        ),
        (
            dict(order_occupation=CARER, fee_payer="worker"),
            True,
            1000,
            "订单的职业与本课程不同，补贴按个人申领",
        ),
        (dict(linked=False, fee_payer="employer"), False, 0, "既非订单关联项目，也非企业自有培训机构"),
        (dict(hire=False), False, 0, f"未查到{EMPLOYER}录用您的记录，不能直补企业"),
        (dict(fee_payer="worker"), True, 1000, "培训费用由本人缴纳，补贴发给本人"),
        (dict(fee_payer=None), False, 0, "报名记录未登记培训费用由谁承担，不能直补企业"),
    ],
)
def test_direct_payment_needs_hire_matching_order_own_course_and_cost(
    engine: Engine, setup: dict, accepted: bool, to_worker: int, reason: str
) -> None:
    """九: 直补企业 only when the enterprise "吸纳农民工就业，直接组织其培训且承担培训成本"; otherwise the
    subsidy goes to the worker who paid, or to no one, with the reason."""
    enr = _employer_course(engine, **setup)
    out = service(engine).submit(worker_id="W1", kind="training", actor="clerk", enrollment_id=enr, on=AFTER)
    assert out.accepted is accepted and reason in out.message
    assert paid(out) == (to_worker, 0)


def test_living_allowance_is_never_paid_twice_for_the_same_day(engine: Engine) -> None:
    """九 "在培训期间可按规定给予生活费补贴": two overlapping offline courses (5-06..5-25 and a 养老护理员
    course 5-20..6-05) — the first pays 15 days (600 元), the second only its 11 days not already
    covered (5-26..6-05): 440 元, not another 600."""
    enr = _world(engine, groups=("防返贫监测对象",))
    with transaction(engine) as s:
        add_programme(s, "P2", occupation_code=CARER, start=dt.date(2024, 5, 20), end=dt.date(2024, 6, 5))
        second = add_enrollment(s, "W1", "P2", completed_on=dt.date(2024, 6, 5))
    svc = service(engine)
    first = svc.submit(worker_id="W1", kind="living", actor="clerk", enrollment_id=enr, on=AFTER)
    other = svc.submit(worker_id="W1", kind="living", actor="clerk", enrollment_id=second, on=AFTER)
    assert (first.amount, other.amount) == (600, 440) and paid(first, other) == (1040, 0)
    assert "其中6天已由另一期培训发放过，不重复发放" in other.message
    assert other.decision is not None and (other.decision.living_days, other.decision.day_count) == (
        11,
        "hours",
    )
    with transaction(engine) as s:
        days = sorted(s.scalars(select(LivingAllowanceDay.day)))
    assert len(days) == 20 + 11 and len(set(days)) == len(days)
    again = svc.submit(worker_id="W1", kind="living", actor="clerk", enrollment_id=enr, on=AFTER)
    assert not again.accepted and again.rule == "allowance_days" and paid(again) == (0, 0)
    assert again.message == "培训期间的每一天均已发放过生活费补贴，同一天不重复发放"


def test_the_database_refuses_a_day_paid_twice_written_around_the_service(engine: Engine) -> None:
    enr = _world(engine, groups=("脱贫劳动力",))
    assert (
        service(engine)
        .submit(worker_id="W1", kind="living", actor="clerk", enrollment_id=enr, on=AFTER)
        .accepted
    )
    with pytest.raises(IntegrityError), transaction(engine) as s:
        s.add(LivingAllowanceDay(worker_id="W1", day=dt.date(2024, 5, 10), claim_id=1))


@pytest.mark.parametrize(
    ("fact", "allowance", "reason"),
    [
        (dict(graduation_year=2023), 600, ""),
        (dict(graduation_year=2020), 0, "2020届毕业生的应届身份适用于2020-06-01至2021-05-31开训的培训"),
        (dict(graduation_year=None), 0, "未升学应届初高中毕业生（农村）须登记毕业年份"),
        (dict(graduation_year=2023, source="登记"), 0, "身份来源为“登记”，须经名单导入、大数据比对确认"),
    ],
)
def test_fresh_graduate_status_has_a_cohort_and_a_source(
    engine: Engine, fact: dict, allowance: int, reason: str
) -> None:
    """九: "城乡未继续升学应届初高中毕业生中的农村学员" — 应届 for one cohort (吕梁: 12 months from 1 June
    of the graduation year), verified by a registry source (十二), never a label that never expires
    (the audit paid a worker born in 1985)."""
    enr = _world(engine, birth_year=2005)
    with transaction(engine) as s:
        s.add(
            GroupFact(
                worker_id="W1",
                group="未升学应届初高中毕业生(农村)",
                source=fact.get("source", "名单导入"),
                graduation_year=fact["graduation_year"],
                version=1,
            )
        )
    out = service(engine).submit(worker_id="W1", kind="living", actor="clerk", enrollment_id=enr, on=AFTER)
    assert paid(out) == (allowance, 0) and reason in out.message
    if allowance:
        (claim,) = _claims(engine)
        assert claim.group_fact_id == 1 and claim.days == 15


def test_a_living_allowance_claim_during_training_gets_the_right_reason(engine: Engine) -> None:
    enr = _world(engine, groups=("就业困难人员",))
    out = service(engine).submit(
        worker_id="W1", kind="living", actor="clerk", enrollment_id=enr, on=dt.date(2024, 5, 15)
    )
    assert (
        not out.accepted
        and out.message == "培训尚未结束（2024-05-25结束），结业后方可按实际培训天数申领生活费补贴"
    )


def test_state_machine_with_separation_of_duties_and_audit(engine: Engine) -> None:
    """十三 "规范职权行为": the submitter cannot review; neither submitter nor reviewer can pay; every
    attempt logged with its actor. 申请 → 审核 → 通过 → 发放."""
    enr = _world(engine)
    svc = service(engine)
    claim_id = svc.submit(
        worker_id="W1", kind="training", actor="clerk", enrollment_id=enr, on=AFTER
    ).claim_id
    assert claim_id is not None
    refused = svc.advance(claim_id, "审核", actor="clerk")
    assert not refused.accepted and refused.message == "职责分离：提交补贴申领的经办人不能审核本人提交的申领"
    assert svc.advance(claim_id, "发放", actor="finance").message == "补贴申领状态不能从“申请”变更为“发放”"
    assert svc.advance(claim_id, "审核", actor="reviewer").status == "审核"
    assert not svc.advance(claim_id, "驳回", actor="reviewer").accepted  # a rejection needs a note
    approved = svc.advance(claim_id, "通过", actor="chief")
    assert approved.accepted and approved.decision is not None and approved.decision.eligible
    for actor in ("clerk", "reviewer", "chief"):
        assert (
            svc.advance(claim_id, "发放", actor=actor).message
            == "职责分离：提交或审核该补贴申领的经办人不能办理发放"
        )
    done = svc.advance(claim_id, "发放", actor="finance")
    assert done.accepted and done.status == "发放" and paid(done) == (1000, 0)
    (claim,) = _claims(engine)
    assert (claim.submitted_by, claim.reviewed_by, claim.approved_by, claim.paid_by) == (
        "clerk",
        "reviewer",
        "chief",
        "finance",
    )
    assert [(e.actor, e.action) for e in _audit(engine)] == [
        ("clerk", "subsidy_claim.submitted"),
        ("clerk", "subsidy_claim.change_refused"),
        ("finance", "subsidy_claim.change_refused"),
        ("reviewer", "subsidy_claim.审核"),
        ("reviewer", "subsidy_claim.change_refused"),
        ("chief", "subsidy_claim.通过"),
        ("clerk", "subsidy_claim.change_refused"),
        ("reviewer", "subsidy_claim.change_refused"),
        ("chief", "subsidy_claim.change_refused"),
        ("finance", "subsidy_claim.发放"),
    ]


def test_actor_is_required(engine: Engine) -> None:
    enr = _world(engine)
    with pytest.raises(TypeError):
        service(engine).submit(worker_id="W1", kind="training", enrollment_id=enr, on=AFTER)  # type: ignore[call-arg]
    with pytest.raises(ClaimInputError, match="须注明经办人"):
        service(engine).submit(worker_id="W1", kind="training", actor=" ", enrollment_id=enr, on=AFTER)


def test_approval_rechecks_the_registry(engine: Engine) -> None:
    """十二: decisions rest on registry data; an approval re-reads it (here: the trainee withdrew)."""
    enr = _world(engine)
    svc = service(engine)
    claim_id = svc.submit(
        worker_id="W1", kind="training", actor="clerk", enrollment_id=enr, on=AFTER
    ).claim_id
    assert claim_id is not None
    svc.advance(claim_id, "审核", actor="reviewer")
    with transaction(engine) as s:
        e = s.get(Enrollment, enr)
        e.status, e.completed = "退出", False
    out = svc.advance(claim_id, "通过", actor="chief")
    assert not out.accepted and out.status == "审核" and "未结业" in out.message


def test_rejection_frees_the_days_and_the_year(engine: Engine) -> None:
    enr = _world(engine, groups=("零就业家庭成员",))
    svc = service(engine)
    living = svc.submit(worker_id="W1", kind="living", actor="clerk", enrollment_id=enr, on=AFTER)
    assert living.claim_id is not None
    assert svc.advance(living.claim_id, "驳回", actor="reviewer", note="台账显示缺勤").accepted
    with transaction(engine) as s:
        assert list(s.scalars(select(LivingAllowanceDay))) == []
    again = svc.submit(worker_id="W1", kind="living", actor="clerk", enrollment_id=enr, on=AFTER)
    assert again.accepted and paid(again) == (600, 0)


def test_unknown_records_are_input_errors(engine: Engine) -> None:
    enr = _world(engine)
    svc = service(engine)
    with pytest.raises(ClaimInputError, match="未找到劳动者"):
        svc.submit(worker_id="W404", kind="training", actor="clerk", enrollment_id=enr, on=AFTER)
    with pytest.raises(ClaimInputError, match="须关联培训报名记录"):
        svc.submit(worker_id="W1", kind="training", actor="clerk", on=AFTER)
    with pytest.raises(ClaimInputError, match="须关联证书记录"):
        svc.submit(worker_id="W1", kind="certification", actor="clerk", enrollment_id=enr, on=AFTER)


def test_the_database_refuses_duplicates_written_around_the_service(engine: Engine) -> None:
    """The rules live in the database: a second live training or skill-upgrade row for the same
    worker, 职业（工种）, level and event year, or a second 评价补贴 on one certificate, cannot be
    inserted, whatever code writes it; an 评价补贴 row beside a training row can."""
    _world(engine)
    with transaction(engine) as s:
        cert = add_certificate(s, "W1")
    row = dict(
        worker_id="W1",
        kind="training",
        occupation_code=BRICKLAYER,
        duplicate_key=BRICKLAYER,
        level=5,
        event_year=2024,
        event_date=dt.date(2024, 5, 25),
        claim_date=AFTER,
        amount=1000,
        city="1411",
    )
    with transaction(engine) as s:
        s.add(SubsidyClaim(**row))
    with pytest.raises(IntegrityError), transaction(engine) as s:
        s.add(SubsidyClaim(**{**row, "kind": "skill_upgrade"}))
    with transaction(engine) as s:  # a rejected one, and an evaluation subsidy, are allowed alongside
        s.add(SubsidyClaim(**{**row, "status": "驳回"}))
        s.add(
            SubsidyClaim(
                **{**row, "kind": "certification", "counts_as_training": False, "certificate_id": cert}
            )
        )
    with pytest.raises(IntegrityError), transaction(engine) as s:
        s.add(
            SubsidyClaim(
                **{**row, "kind": "certification", "counts_as_training": False, "certificate_id": cert}
            )
        )
