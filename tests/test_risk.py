"""Risk flags of clause 十三, each with its evidence, and the city report on SQLite and PostgreSQL.

Clause 十三: "各市要定期组织开展补贴经办流程风险防控和排查，建立风险隐患清单，明确日常监督重点 …
对套取骗取、虚报冒领职业培训补贴资金等违纪违法问题发现一起，查处一起，决不姑息。"
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from api.commands.risk import COMMANDS as RISK_COMMANDS
from api.services.risk import risk_report
from api.settings import get_settings
from data.db.models import Enrollment, SubsidyClaim
from data.db.session import transaction
from data.policy_loader import load_city_policy
from matcher.policy import Decision, RiskThresholds
from matcher.risk import (
    AGE_OVER_LIMIT,
    CLAIM_OUTSIDE_RULES,
    FAR_FROM_HOME,
    INSTITUTION_PATTERN,
    OVERLAP,
    ClaimCheck,
    TraineeRecord,
    distance_km,
    flag_age_over_limit,
    flag_claims_outside_rules,
    flag_far_from_home,
    flag_institution_patterns,
    flag_overlapping_enrollments,
    village_of,
)
from matcher.types import Place
from tests.subsidy_factories import (
    BRICKLAYER,
    PHILOSOPHER,
    add_enrollment,
    add_institution,
    add_programme,
    add_worker,
    seed_reference,
)

LVLIANG = load_city_policy("1411")
HOME = Place("141124", 37.951, 110.993)
LISHI = Place("141102", 37.518, 111.151)
AS_OF = dt.date(2024, 7, 1)


def trainee(**kw: object) -> TraineeRecord:
    base: dict[str, object] = dict(
        enrollment_id=1,
        worker_id="W1",
        programme_id="P1",
        institution_id="I1",
        institution_name="示例学校",
        delivery="线下",
        start_date=dt.date(2024, 5, 6),
        end_date=dt.date(2024, 5, 25),
        status="结业",
        completed=True,
        certified=True,
        birth_year=1985,
        home=HOME,
        programme_place=LISHI,
        village="前青塘村",
    )
    base.update(kw)
    return TraineeRecord(**base)  # type: ignore[arg-type]


def test_village_and_distance_helpers() -> None:
    assert village_of("山西省吕梁市临县城庄镇前青塘村3号") == "前青塘村"
    assert village_of("离石区滨河街道") is None and village_of(None) is None
    assert 10 < distance_km(HOME, LISHI) < 60


def test_overlapping_enrollments_of_one_worker() -> None:
    """十三 "风险隐患": one worker in two classes at the same time (a sign of 虚报冒领)."""
    a = trainee(programme_id="P1")
    b = trainee(
        enrollment_id=2, programme_id="P2", start_date=dt.date(2024, 5, 20), end_date=dt.date(2024, 6, 5)
    )
    c = trainee(
        enrollment_id=3, programme_id="P3", start_date=dt.date(2024, 7, 1), end_date=dt.date(2024, 7, 9)
    )
    (flag,) = flag_overlapping_enrollments([a, b, c])
    assert flag.kind == OVERLAP and flag.subject == "worker:W1"
    assert flag.evidence_dict()["programmes"] == ["P1", "P2"] and flag.evidence_dict()["overlap_days"] == 6
    assert flag_overlapping_enrollments([a, dataclasses.replace(b, status="退出")]) == []


def test_claims_outside_the_rules() -> None:
    """十三: "套取骗取、虚报冒领职业培训补贴资金" — live claims the rules refuse or that claim too much."""
    refused = Decision("catalogue", "十", False, 0, "1411/2024.1", "不在目录内")
    allowed = Decision("training_subsidy", "九", True, 1000, "1411/2024.1", "可享补贴1000元")
    checks = [
        ClaimCheck(1, "W1", "training", "通过", 1000, "1411/2024.1", refused),
        ClaimCheck(2, "W2", "training", "发放", 5000, "1411/2024.1", allowed),
        ClaimCheck(3, "W3", "training", "申请", 1000, "1411/2024.1", allowed),
        ClaimCheck(4, "W4", "training", "驳回", 9000, "1411/2024.1", refused),
    ]
    flags = flag_claims_outside_rules(checks)
    assert [f.subject for f in flags] == ["claim:1", "claim:2"]
    assert flags[0].evidence_dict()["rule"] == "catalogue"
    assert (
        flags[1].evidence_dict()["claimed_amount"] == 5000
        and flags[1].evidence_dict()["allowed_amount"] == 1000
    )


def test_institution_with_near_full_rates_and_one_village_class() -> None:
    """十三 "明确日常监督重点": near-100% completion and certification with many same-village trainees."""
    rows = [trainee(enrollment_id=i, worker_id=f"W{i}") for i in range(6)]
    (flag,) = flag_institution_patterns(rows, RiskThresholds(), AS_OF)
    ev = flag.evidence_dict()
    assert flag.kind == INSTITUTION_PATTERN and flag.subject == "institution:I1"
    assert ev["completion_rate"] == 1.0 and ev["same_village_trainees"] == 6 and ev["village"] == "前青塘村"
    # Mixed villages, a dropout-free but uncertified class, or an unfinished class: no flag.
    mixed = [dataclasses.replace(r, village=f"{i}村") for i, r in enumerate(rows)]
    assert flag_institution_patterns(mixed, RiskThresholds(), AS_OF) == []
    uncertified = [dataclasses.replace(r, certified=i % 2 == 0) for i, r in enumerate(rows)]
    assert flag_institution_patterns(uncertified, RiskThresholds(), AS_OF) == []
    assert flag_institution_patterns(rows, RiskThresholds(), dt.date(2024, 5, 1)) == []


def test_trainee_older_than_allowed() -> None:
    """十三: trainees outside the programme's or the city's age range (example 16–60)."""
    old = trainee(birth_year=1955)
    (flag,) = flag_age_over_limit([old, trainee(worker_id="W2")], LVLIANG)
    assert flag.kind == AGE_OVER_LIMIT and flag.evidence_dict()["age_at_start"] == 69
    assert flag.evidence_dict()["limit_source"] == "1411/2024.1"
    strict = trainee(worker_id="W3", birth_year=1970, programme_max_age=50)
    (flag,) = flag_age_over_limit([strict], LVLIANG)
    assert flag.evidence_dict()["limit_source"] == "programme" and flag.evidence_dict()["max_age"] == 50


def test_worker_enrolled_far_from_home_offline() -> None:
    """十三: an offline course far from the worker's home (example threshold for 吕梁: 120 km)."""
    shenzhen = Place("440304", 22.541, 114.055)
    far = trainee(home=shenzhen)
    thresholds = LVLIANG.versions[0].risk
    (flag,) = flag_far_from_home([far, trainee(worker_id="W2")], thresholds)
    assert flag.kind == FAR_FROM_HOME and flag.evidence_dict()["distance_km"] > 1000
    assert flag_far_from_home([dataclasses.replace(far, delivery="线上")], thresholds) == []


def _seed_city(engine: Engine) -> None:
    with transaction(engine) as s:
        seed_reference(s)
        add_institution(s, "I1")
        add_institution(s, "I2", name="吕梁示例技能培训中心")
        add_programme(s, "P1")
        add_programme(s, "P2", start=dt.date(2024, 5, 20), end=dt.date(2024, 6, 5))
        add_programme(s, "P3", institution_id="I2")
        add_worker(s, "W1")
        add_enrollment(s, "W1", "P1")
        add_enrollment(s, "W1", "P2")  # overlaps P1
        add_worker(s, "W2", birth_year=1955, address=None)
        add_enrollment(s, "W2", "P1")  # 69 years old
        add_worker(s, "W3", home_adcode="440304", address="深圳市福田区某街道")
        add_enrollment(s, "W3", "P1")  # far from home
        for i in range(6):  # one village fills class P3, all completed and certified
            add_worker(s, f"V{i}")
            add_enrollment(s, f"V{i}", "P3")
        add_programme(
            s, "P4", occupation_code=PHILOSOPHER, start=dt.date(2024, 3, 1), end=dt.date(2024, 3, 20)
        )
        add_worker(s, "W4")
        philosophy = add_enrollment(s, "W4", "P4")
        row = dict(
            kind="training",
            level=5,
            claim_year=2024,
            claim_date=dt.date(2024, 6, 1),
            city="1411",
            status="通过",
            rule_version="1411/2024.1",
        )
        # Approved for an occupation outside 吕梁's list:
        s.add(
            SubsidyClaim(
                **row,
                worker_id="W4",
                occupation_code=PHILOSOPHER,
                amount=1000,
                enrollment_id=philosophy,
                programme_id="P4",
            )
        )
        # Paid far above the standard:
        s.add(
            SubsidyClaim(
                **row,
                worker_id="V0",
                occupation_code=BRICKLAYER,
                amount=9000,
                programme_id="P3",
                enrollment_id=s.scalar(select(Enrollment.id).where(Enrollment.worker_id == "V0")),
            )
        )
        # Filed without any enrollment in the registry:
        s.add(
            SubsidyClaim(**{**row, "status": "申请"}, worker_id="V1", occupation_code=BRICKLAYER, amount=1000)
        )


def test_city_report_lists_each_flag_with_evidence(engine: Engine) -> None:
    _seed_city(engine)
    report = risk_report(engine, "1411", as_of=AS_OF)
    kinds = sorted({f.kind for f in report.flags})
    assert kinds == sorted([OVERLAP, CLAIM_OUTSIDE_RULES, INSTITUTION_PATTERN, AGE_OVER_LIMIT, FAR_FROM_HOME])
    by_subject = {(f.kind, f.subject) for f in report.flags}
    assert (OVERLAP, "worker:W1") in by_subject
    assert (AGE_OVER_LIMIT, "worker:W2") in by_subject
    assert (FAR_FROM_HOME, "worker:W3") in by_subject
    assert (INSTITUTION_PATTERN, "institution:I2") in by_subject
    claim_flags = {f.subject: f for f in report.flags if f.kind == CLAIM_OUTSIDE_RULES}
    assert sorted(claim_flags) == ["claim:1", "claim:2", "claim:3"]
    assert claim_flags["claim:1"].evidence_dict()["rule"] == "catalogue"
    assert "不在吕梁市职业培训补贴职业（工种）目录内" in claim_flags["claim:1"].message
    assert claim_flags["claim:2"].evidence_dict()["allowed_amount"] == 1000
    assert "申领金额9000元高于规定标准1000元" in claim_flags["claim:2"].message
    assert claim_flags["claim:3"].evidence_dict()["rule"] == "registry"
    assert report.rule_version == "1411/2024.1" and report.example_policy
    assert risk_report(engine, "1411", as_of=AS_OF) == report  # deterministic
    assert risk_report(engine, "1401", as_of=AS_OF).flags == ()


def test_risk_report_command(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    _seed_city(engine)
    monkeypatch.setenv("SKILLBRIDGE_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    try:
        (command,) = RISK_COMMANDS
        runner = CliRunner()
        result = runner.invoke(command, ["report", "--city", "1411", "--as-of", "2024-07-01", "--json"])
        assert result.exit_code == 0, result.output
        data = json.loads(result.output)
        assert data["city_name"] == "吕梁市" and data["counts"][OVERLAP] == 1
        assert all(flag["evidence"] for flag in data["flags"])
        text = runner.invoke(command, ["report", "--city", "1411", "--as-of", "2024-07-01"])
        assert text.exit_code == 0 and "同一人报名的培训时间重叠：1 条" in text.output
        bad = runner.invoke(command, ["report", "--city", "14"])
        assert bad.exit_code != 0
    finally:
        get_settings.cache_clear()
