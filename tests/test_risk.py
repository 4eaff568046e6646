"""Risk flags of clause 十三 an auditor can act on: evidence, Chinese labels, follow-up states, a
scheduled scan, and confirmed flags that weigh on the institution's ranking — pure rules, and the
city list on SQLite and PostgreSQL.

Clause 十三: "各市要定期组织开展补贴经办流程风险防控和排查，建立风险隐患清单，明确日常监督重点 …
对套取骗取、虚报冒领职业培训补贴资金等违纪违法问题发现一起，查处一起，决不姑息。"
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from api.commands.risk import COMMANDS as RISK_COMMANDS
from api.services.records import load_programmes
from api.services.risk import FlagStateError, risk_report, scan, set_state, stored_flags
from api.settings import get_settings
from data.db.models import AuditEvent, Enrollment, SubsidyClaim
from data.db.session import transaction
from data.policy_loader import load_city_policy
from matcher.explain import pathway_reasons
from matcher.features import institution_value
from matcher.subsidy import RiskThresholds, SubsidyDecision
from matcher.subsidy.places import distance_km, village_of
from matcher.subsidy.risk import (
    AGE_OVER_LIMIT,
    CLAIM_OUTSIDE_RULES,
    EVIDENCE_LABELS,
    FAR_FROM_HOME,
    INSTITUTION_PATTERN,
    OVERLAP,
    ClaimCheck,
    TraineeRecord,
    flag_age_over_limit,
    flag_claims_outside_rules,
    flag_far_from_home,
    flag_institution_patterns,
    flag_overlapping_enrollments,
)
from matcher.tables import institution_outcome
from matcher.types import InstitutionInfo, Place
from tests.subsidy_factories import (
    BRICKLAYER,
    PHILOSOPHER,
    add_enrollment,
    add_institution,
    add_programme,
    add_worker,
    programme_record,
    seed_reference,
    worker_record,
)

LVLIANG = load_city_policy("1411")
HOME = Place("141124", 37.951, 110.993)
LISHI = Place("141102", 37.518, 111.151)
SHENZHEN = Place("440304", 22.541, 114.055)
AS_OF = dt.date(2024, 7, 1)
COUNTIES = ("临县", "昔阳县", "平顺县", "小店区", "天镇县", "芮城县", "左权县", "五台县", "乡宁县", "离石区")


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


@pytest.mark.parametrize(
    ("address", "village"),
    [
        ("山西省吕梁市临县城庄镇前青塘村3号", "前青塘村"),
        ("临县城庄镇红旗村", "红旗村"),  # 旗 inside the village name
        ("临县安业乡县川村二组", "县川村"),  # 县 inside the village name
        ("五台县台城镇镇川村", "镇川村"),  # 镇 inside the village name
        ("山西省晋中市昔阳县大寨镇大寨村", "大寨村"),
        ("长治市平顺县西沟乡西沟村", "西沟村"),
        ("山西省大同市天镇县新平堡镇新平堡村", "新平堡村"),
        ("运城市芮城县风陵渡镇西王村村委会", "西王村"),
        ("左权县麻田镇上麻田村", "上麻田村"),
        ("临汾市乡宁县昌宁镇城关村", "城关村"),  # 乡 opening the county's name
        ("红旗村", "红旗村"),
        ("太原市小店区坞城街道新村小区5号楼", None),  # a compound named 新村, not a village
        ("吕梁市离石区凤山街道工人新村3号楼", None),
        ("太原市杏花岭区新村路12号", None),  # a street
        ("离石区滨河街道", None),
        ("临县城庄镇", None),
        ("深圳市福田区某街道", None),
        (None, None),
    ],
)
def test_village_parser_on_real_village_and_community_names(address: str | None, village: str | None) -> None:
    """十三's "同村学员集中" needs the village: read whole even when its name holds 旗/县/镇/乡, never
    a 小区 or a street."""
    assert village_of(address) == village
    assert village_of(address, COUNTIES) == village


def test_distance() -> None:
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
    assert flag.kind == OVERLAP and flag.subject == "worker:W1" and flag.key == f"{OVERLAP}|worker:W1|P1+P2"
    assert flag.evidence_dict()["programmes"] == ["P1", "P2"] and flag.evidence_dict()["overlap_days"] == 6
    assert flag_overlapping_enrollments([a, dataclasses.replace(b, status="退出")]) == []
    # a worker's own request no counselor confirmed yet (待确认) is no enrollment either
    assert flag_overlapping_enrollments([a, dataclasses.replace(b, status="待确认")]) == []


def test_claims_outside_the_rules_but_never_imported_history() -> None:
    """十三: "套取骗取、虚报冒领职业培训补贴资金" — live claims the rules refuse or that claim too much;
    imported history (decided elsewhere, before) raises nothing."""
    refused = SubsidyDecision(rule="catalogue", clause="十", reason="不在目录内", rule_version="1411/2024.1")
    allowed = SubsidyDecision(1000, kind="training", eligible=True, payee="worker", rule="training_subsidy")
    checks = [
        ClaimCheck(1, "W1", "training", "通过", 1000, "1411/2024.1", refused, institution_id="I1"),
        ClaimCheck(2, "W2", "training", "发放", 5000, "1411/2024.1", allowed),
        ClaimCheck(3, "W3", "training", "申请", 1000, "1411/2024.1", allowed),
        ClaimCheck(4, "W4", "training", "驳回", 9000, "1411/2024.1", refused),
        ClaimCheck(5, "W5", "training", "发放", 0, "imported-history", refused, history=True),
    ]
    flags = flag_claims_outside_rules(checks)
    assert [f.subject for f in flags] == ["claim:1", "claim:2"]
    assert flags[0].institution_id == "I1" and flags[0].evidence_dict()["rule"] == "catalogue"
    assert (
        flags[1].evidence_dict()["claimed_amount"] == 5000
        and flags[1].evidence_dict()["allowed_amount"] == 1000
    )


def test_institution_with_near_full_rates_and_one_village_class() -> None:
    """十三 "明确日常监督重点": near-100% completion and certification with many same-village trainees."""
    rows = [trainee(enrollment_id=i, worker_id=f"W{i}") for i in range(6)]
    (flag,) = flag_institution_patterns(rows, RiskThresholds(), AS_OF)
    ev = flag.evidence_dict()
    assert (
        flag.kind == INSTITUTION_PATTERN and flag.subject == "institution:I1" and flag.institution_id == "I1"
    )
    assert ev["completion_rate"] == 1.0 and ev["same_village_trainees"] == 6 and ev["village"] == "前青塘村"
    mixed = [dataclasses.replace(r, village=f"{i}村") for i, r in enumerate(rows)]
    assert flag_institution_patterns(mixed, RiskThresholds(), AS_OF) == []
    uncertified = [dataclasses.replace(r, certified=i % 2 == 0) for i, r in enumerate(rows)]
    assert flag_institution_patterns(uncertified, RiskThresholds(), AS_OF) == []
    assert flag_institution_patterns(rows, RiskThresholds(), dt.date(2024, 5, 1)) == []


def test_trainee_older_than_allowed() -> None:
    """十三: trainees outside the programme's or the city's age range (example 16–60)."""
    (flag,) = flag_age_over_limit([trainee(birth_year=1955), trainee(worker_id="W2")], LVLIANG)
    assert flag.kind == AGE_OVER_LIMIT and flag.evidence_dict()["age_at_start"] == 69
    assert flag.evidence_dict()["limit_source"] == "1411/2024.1"
    (flag,) = flag_age_over_limit([trainee(worker_id="W3", birth_year=1970, programme_max_age=50)], LVLIANG)
    assert flag.evidence_dict()["limit_source"] == "培训项目" and flag.evidence_dict()["max_age"] == 50


def test_far_from_home_counts_where_the_worker_lives_now() -> None:
    """十三, and the notice's 输入地 (二): training where one works now is normal. A worker registered
    in 深圳 but living in 离石 trains in 离石 unflagged; one living in 深圳 too is flagged (吕梁: 120 km)."""
    thresholds = LVLIANG.versions[0].risk
    moved = trainee(home=SHENZHEN, current=LISHI)
    away = trainee(worker_id="W2", home=SHENZHEN, current=SHENZHEN)
    unknown = trainee(worker_id="W3", home=SHENZHEN)
    flags = flag_far_from_home([moved, away, unknown, trainee(worker_id="W4")], thresholds)
    assert [f.subject for f in flags] == ["worker:W2", "worker:W3"]
    assert flags[0].evidence_dict()["current_distance_km"] > 1000 and "距现居住地约" in flags[0].message
    assert "现居住地未登记" in flags[1].message
    assert flag_far_from_home([dataclasses.replace(away, delivery="线上")], thresholds) == []


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
        add_enrollment(s, "W3", "P1")  # far from home and no current place
        add_worker(s, "W5", home_adcode="440304", address="深圳市福田区某街道", current_adcode="141102")
        add_enrollment(s, "W5", "P1")  # lives in 离石 now: not flagged
        for i in range(6):  # one village fills class P3, all completed and certified
            add_worker(s, f"V{i}", address="吕梁市临县城庄镇红旗村")
            add_enrollment(s, f"V{i}", "P3")
        add_programme(
            s, "P4", occupation_code=PHILOSOPHER, start=dt.date(2024, 3, 1), end=dt.date(2024, 3, 20)
        )
        add_worker(s, "W4")
        philosophy = add_enrollment(s, "W4", "P4", completed_on=dt.date(2024, 3, 20))
        row = dict(
            kind="training",
            level=5,
            event_year=2024,
            event_date=dt.date(2024, 3, 20),
            claim_date=dt.date(2024, 6, 1),
            city="1411",
            status="通过",
            rule_version="1411/2024.1",
        )
        claim = dict(row, occupation_code=BRICKLAYER, duplicate_key=BRICKLAYER)
        # approved for an occupation outside 吕梁's list (claim 1)
        s.add(
            SubsidyClaim(
                **{**claim, "occupation_code": PHILOSOPHER, "duplicate_key": PHILOSOPHER},
                worker_id="W4",
                amount=1000,
                enrollment_id=philosophy,
                programme_id="P4",
            )
        )
        # paid far above the standard (claim 2)
        v0 = s.scalar(select(Enrollment.id).where(Enrollment.worker_id == "V0"))
        s.add(SubsidyClaim(**claim, worker_id="V0", amount=9000, programme_id="P3", enrollment_id=v0))
        # filed without any enrollment in the registry (claim 3)
        s.add(SubsidyClaim(**{**claim, "status": "申请"}, worker_id="V1", amount=1000))
        # imported history without an enrollment: decided elsewhere, never flagged (claim 4)
        history = {**claim, "status": "发放", "rule_version": "imported-history"}
        s.add(SubsidyClaim(**history, worker_id="V2", amount=0, history=True))


def test_city_report_lists_each_flag_with_evidence_in_chinese(engine: Engine) -> None:
    _seed_city(engine)
    report = risk_report(engine, "1411", as_of=AS_OF)
    by_subject = {(f.flag.kind, f.flag.subject) for f in report.flags}
    assert by_subject == {
        (OVERLAP, "worker:W1"),
        (AGE_OVER_LIMIT, "worker:W2"),
        (FAR_FROM_HOME, "worker:W3"),
        (INSTITUTION_PATTERN, "institution:I2"),
        (CLAIM_OUTSIDE_RULES, "claim:1"),
        (CLAIM_OUTSIDE_RULES, "claim:2"),
        (CLAIM_OUTSIDE_RULES, "claim:3"),
    }
    claims = {f.flag.subject: f.flag for f in report.flags if f.flag.kind == CLAIM_OUTSIDE_RULES}
    assert "不在吕梁市职业培训补贴职业（工种）目录内" in claims["claim:1"].message
    assert claims["claim:1"].institution_id == "I1"
    assert "申领金额9000元高于规定标准1000元" in claims["claim:2"].message
    assert claims["claim:3"].evidence_dict()["rule"] == "registry"
    (pattern,) = [f.flag for f in report.flags if f.flag.kind == INSTITUTION_PATTERN]
    assert pattern.evidence_dict()["village"] == "红旗村"
    assert all(f.state == "未登记" for f in report.flags)
    shown = report.as_dict()
    text = json.dumps(shown, ensure_ascii=False)
    labels = [k for f in shown["线索"] for k in f["证据"]] + [k for f in shown["线索"] for k in f]  # type: ignore[union-attr]
    assert labels and not [k for k in labels if re.search(r"[A-Za-z_]", k)], (
        "English field names in the report"
    )
    assert "补贴申领不符合规定" in text and report.rule_version == "1411/2024.1"
    assert risk_report(engine, "1411", as_of=AS_OF) == report  # deterministic
    assert risk_report(engine, "1401", as_of=AS_OF).flags == ()


def test_every_evidence_field_has_a_chinese_label() -> None:
    assert all(re.fullmatch(r"[^A-Za-z]+", label) for label in EVIDENCE_LABELS.values())


def test_scan_records_flags_and_their_follow_up(engine: Engine) -> None:
    """十三 "建立风险隐患清单 … 发现一起，查处一起": a scheduled scan records each new flag as 待核查
    once; an auditor moves it to 已核实 or 误报, and 已核实 to 已查处, with who and when."""
    _seed_city(engine)
    first = scan(engine, "1411", as_of=AS_OF)
    again = scan(engine, "1411", as_of=AS_OF + dt.timedelta(days=7))
    assert (first.found, first.new, again.found, again.new) == (7, 7, 7, 0)
    flags = stored_flags(engine, "1411")
    assert len(flags) == 7 and {f.state for f in flags} == {"待核查"}
    assert {f.last_seen for f in flags} == {AS_OF + dt.timedelta(days=7)} and {
        f.first_seen for f in flags
    } == {AS_OF}
    claim1 = next(f for f in flags if f.subject == "claim:1")
    with pytest.raises(FlagStateError, match="不能从“待核查”变更为“已查处”"):
        set_state(engine, claim1.id, "已查处", actor="auditor", note="x")
    with pytest.raises(FlagStateError, match="须注明核查情况"):
        set_state(engine, claim1.id, "误报", actor="auditor")
    checked = set_state(engine, claim1.id, "已核实", actor="auditor")
    assert (checked.state, checked.state_by) == ("已核实", "auditor") and checked.state_at is not None
    closed = set_state(engine, claim1.id, "已查处", actor="chief", note="追回补贴1000元，移交纪检")
    assert (closed.state, closed.state_by, closed.note) == ("已查处", "chief", "追回补贴1000元，移交纪检")
    report = risk_report(engine, "1411", as_of=AS_OF)
    assert next(f for f in report.flags if f.flag.subject == "claim:1").state == "已查处"
    with transaction(engine) as s:
        actions = [e.action for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions.count("risk_flag.raised") == 7 and actions[-2:] == ["risk_flag.已核实", "risk_flag.已查处"]


def test_confirmed_flags_lower_the_institution_feature_and_show_in_the_explanation(engine: Engine) -> None:
    """DESIGN §8.5 "risk flags on claims fed back into institution ranking": a flag an auditor
    confirmed halves the institution feature (0.5 → 0.25: both institutions' records give a
    certification rate of 1 and a 6-month employment rate of 0, no hire being recorded) and the
    explanation says so; a flag only suspected or cleared does not count."""
    _seed_city(engine)
    scan(engine, "1411", as_of=AS_OF)
    flags = {f.subject: f for f in stored_flags(engine, "1411")}
    set_state(engine, flags["claim:1"].id, "已核实", actor="auditor")  # I1's course P4
    set_state(
        engine, flags["worker:W2"].id, "误报", actor="auditor", note="出生年份登记错误，已更正"
    )  # I1's P1
    with transaction(engine) as s:
        programmes = {p.id: p for p in load_programmes(s, {})}
    assert (
        programmes["P1"].institution.confirmed_flags == 1
        and programmes["P3"].institution.confirmed_flags == 0
    )
    assert institution_outcome(programmes["P1"]) == 0.25 and institution_outcome(programmes["P3"]) == 0.5
    assert institution_value(0.9, 0.8, 2) == pytest.approx(0.2125)
    flagged = programme_record()
    flagged = dataclasses.replace(
        flagged, institution=InstitutionInfo("I1", "示例学校", "民办培训机构", confirmed_flags=1)
    )
    reasons = pathway_reasons(
        "train",
        worker_record(),
        programme=flagged,
        order=None,
        programme_reach=None,
        order_reach=None,
        support=None,
        contributions={},
        occupation_names={},
        today=dt.date(2026, 12, 1),
        match=50,
    )
    assert "该机构有1条经核实的补贴经办风险问题，机构评分已按规定下调" in reasons


def test_risk_commands(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    _seed_city(engine)
    monkeypatch.setenv("SKILLBRIDGE_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    try:
        (command,) = RISK_COMMANDS
        runner = CliRunner()
        result = runner.invoke(command, ["report", "--city", "1411", "--as-of", "2024-07-01", "--json"])
        assert result.exit_code == 0, result.output
        data = json.loads(result.output)
        assert data["城市"] == "吕梁市（1411）" and data["各类线索数"]["同一人报名的培训时间重叠"] == 1
        text = runner.invoke(command, ["report", "--city", "1411", "--as-of", "2024-07-01"])
        assert text.exit_code == 0 and "同一人报名的培训时间重叠：1 条" in text.output
        assert "重叠天数：6" in text.output and "overlap_days" not in text.output
        scanned = runner.invoke(command, ["scan", "--city", "1411", "--as-of", "2024-07-01"])
        assert scanned.exit_code == 0 and "发现风险线索7条，其中新登记7条" in scanned.output
        listed = runner.invoke(command, ["flags", "--city", "1411", "--state", "待核查"])
        assert listed.exit_code == 0 and listed.output.count("（待核查）") == 7
        first = int(re.search(r"线索(\d+)", listed.output).group(1))  # type: ignore[union-attr]
        marked = runner.invoke(command, ["set", str(first), "已核实", "--actor", "auditor"])
        assert marked.exit_code == 0 and "已标记为“已核实”（auditor）" in marked.output
        wrong = runner.invoke(command, ["set", str(first), "误报", "--actor", "auditor", "--note", "x"])
        assert wrong.exit_code != 0 and "不能从“已核实”变更为“误报”" in wrong.output
        assert runner.invoke(command, ["report", "--city", "14"]).exit_code != 0
    finally:
        get_settings.cache_clear()
