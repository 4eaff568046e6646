"""Risk flags on training and subsidy records (clause 十三), as pure functions.

Clause 十三: "各市要定期组织开展补贴经办流程风险防控和排查，建立风险隐患清单，明确日常监督重点 …
对套取骗取、虚报冒领职业培训补贴资金等违纪违法问题发现一起，查处一起。"

The service (:mod:`api.services.risk`) reads enrollments and claims, maps them to
:class:`TraineeRecord` and :class:`ClaimCheck`, calls :func:`risk_flags` and records each new flag
with its follow-up state (:data:`FLAG_STATES`). A flag is a lead for a human to check, never a
verdict; each carries its evidence and a stable ``key`` so that a later scan recognises it.
Imported history (records marked as such) raises no flag: it was decided elsewhere, before.
Output order is deterministic (by kind, then subject).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from matcher.subsidy.model import Fact, Facts, SubsidyDecision
from matcher.subsidy.places import distance_km
from matcher.subsidy.policy import CityPolicyBook, RiskThresholds
from matcher.types import Place

OVERLAP = "overlapping_enrollment"
CLAIM_OUTSIDE_RULES = "claim_outside_rules"
INSTITUTION_PATTERN = "institution_pattern"
AGE_OVER_LIMIT = "age_over_limit"
FAR_FROM_HOME = "far_from_home"

#: Chinese names of the flag kinds, for reports.
RISK_KIND_NAMES: dict[str, str] = {
    OVERLAP: "同一人报名的培训时间重叠",
    CLAIM_OUTSIDE_RULES: "补贴申领不符合规定",
    INSTITUTION_PATTERN: "机构结业率、取证率异常且同村学员集中",
    AGE_OVER_LIMIT: "学员年龄超出规定",
    FAR_FROM_HOME: "线下培训地点远离居住地和户籍地",
}
#: A flag's follow-up: 待核查 → 已核实 / 误报, and 已核实 → 已查处 (clause 十三 "发现一起，查处一起").
FLAG_STATES: tuple[str, ...] = ("待核查", "已核实", "误报", "已查处")
FLAG_TRANSITIONS: dict[str, tuple[str, ...]] = {
    "待核查": ("已核实", "误报"),
    "已核实": ("已查处",),
    "误报": (),
    "已查处": (),
}
#: States in which a flag counts against its institution's ranking (DESIGN §8.5).
CONFIRMED_STATES: tuple[str, ...] = ("已核实", "已查处")
#: Chinese labels of every evidence field, for the report (no English field names in it).
EVIDENCE_LABELS: dict[str, str] = {
    "programmes": "培训班",
    "institutions": "培训机构",
    "dates_a": "第一期日期",
    "dates_b": "第二期日期",
    "overlap_days": "重叠天数",
    "kind": "补贴类型",
    "status": "申领状态",
    "claimed_amount": "申领金额（元）",
    "allowed_amount": "规定金额（元）",
    "rule": "依据规则",
    "clause": "通知条款",
    "rule_version": "政策版本",
    "claim_rule_version": "申领时政策版本",
    "completion_rate": "结业率",
    "certification_rate": "取证率",
    "finished_trainees": "已结业学员数",
    "programme_id": "培训班",
    "class_size": "班级人数",
    "village": "村",
    "village_county": "村所在县",
    "same_village_trainees": "同村学员数",
    "same_village_share": "同村学员占比",
    "age_at_start": "开训时年龄",
    "min_age": "最低年龄",
    "max_age": "最高年龄",
    "limit_source": "年龄限制来源",
    "distance_km": "距户籍地（公里）",
    "current_distance_km": "距现居住地（公里）",
    "threshold_km": "阈值（公里）",
    "home_county": "户籍县",
    "current_county": "现居住县",
    "programme_county": "培训地县",
}
_KIND_ORDER = {kind: i for i, kind in enumerate(RISK_KIND_NAMES)}
_LIVE_CLAIM = ("申请", "审核", "通过", "发放")


@dataclass(frozen=True, slots=True)
class TraineeRecord:
    """One enrollment with the facts the risk rules read. ``village`` comes from
    :func:`matcher.subsidy.places.village_of` on the home address (the address never enters this
    record); ``current`` is where the worker lives or works now, when known."""

    enrollment_id: int
    worker_id: str
    programme_id: str
    institution_id: str
    institution_name: str
    delivery: str
    start_date: dt.date
    end_date: dt.date
    status: str
    completed: bool
    certified: bool
    birth_year: int
    home: Place
    programme_place: Place
    village: str | None = None
    programme_min_age: int | None = None
    programme_max_age: int | None = None
    current: Place | None = None


@dataclass(frozen=True, slots=True)
class ClaimCheck:
    """A stored claim and the decision the rules give today on the same records. ``history``:
    imported history, decided elsewhere (never flagged)."""

    claim_id: int
    worker_id: str
    kind: str
    status: str
    amount: int
    rule_version: str | None
    decision: SubsidyDecision
    history: bool = False
    institution_id: str | None = None


@dataclass(frozen=True, slots=True)
class RiskFlag:
    """One flag: its kind, what it is about (``"worker:W1"``, ``"institution:I1"``, ``"claim:7"``),
    a Chinese sentence, the evidence as ``(name, value)`` pairs, the institution it weighs on (if
    any) and ``anchor`` (what makes it this flag: a programme, a pair of programmes)."""

    kind: str
    subject: str
    message: str
    evidence: Facts
    institution_id: str | None = None
    anchor: str = ""

    @property
    def key(self) -> str:
        """Stable identity across scans: kind, subject and anchor."""
        return f"{self.kind}|{self.subject}|{self.anchor}"

    def evidence_dict(self) -> dict[str, object]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in self.evidence}

    def evidence_cn(self) -> dict[str, object]:
        """The evidence with Chinese labels."""
        return {EVIDENCE_LABELS.get(k, k): v for k, v in self.evidence_dict().items()}


def _active(trainees: Iterable[TraineeRecord]) -> list[TraineeRecord]:
    # a withdrawn enrollment, or a worker's request no counselor confirmed yet, is no trainee
    return [t for t in trainees if t.status not in ("退出", "待确认")]


def flag_overlapping_enrollments(trainees: Sequence[TraineeRecord]) -> list[RiskFlag]:
    """Two enrollments of one worker (not withdrawn) whose training dates overlap."""
    by_worker: dict[str, list[TraineeRecord]] = defaultdict(list)
    for t in _active(trainees):
        by_worker[t.worker_id].append(t)
    flags: list[RiskFlag] = []
    for worker_id, rows in sorted(by_worker.items()):
        rows.sort(key=lambda t: (t.start_date, t.programme_id))
        for i, a in enumerate(rows):
            for b in rows[i + 1 :]:
                if b.start_date > a.end_date:
                    break
                first, last = max(a.start_date, b.start_date), min(a.end_date, b.end_date)
                flags.append(
                    RiskFlag(
                        OVERLAP,
                        f"worker:{worker_id}",
                        f"同一学员同时报名两个培训班（{a.programme_id}、{b.programme_id}），"
                        f"{first.isoformat()}至{last.isoformat()}时间重叠",
                        (
                            ("programmes", (a.programme_id, b.programme_id)),
                            ("institutions", (a.institution_id, b.institution_id)),
                            ("dates_a", f"{a.start_date.isoformat()}~{a.end_date.isoformat()}"),
                            ("dates_b", f"{b.start_date.isoformat()}~{b.end_date.isoformat()}"),
                            ("overlap_days", (last - first).days + 1),
                        ),
                        institution_id=b.institution_id,
                        anchor=f"{a.programme_id}+{b.programme_id}",
                    )
                )
    return flags


def flag_claims_outside_rules(claims: Sequence[ClaimCheck]) -> list[RiskFlag]:
    """Live claims (申请/审核/通过/发放), not imported history, that today's rules refuse or whose
    amount exceeds what the rules allow."""
    flags: list[RiskFlag] = []
    for c in claims:
        if c.status not in _LIVE_CLAIM or c.history:
            continue
        d = c.decision
        evidence: Facts = (
            ("kind", c.kind),
            ("status", c.status),
            ("claimed_amount", c.amount),
            ("allowed_amount", d.amount if d.eligible else 0),
            ("rule", d.rule),
            ("clause", d.clause),
            ("rule_version", d.rule_version),
            ("claim_rule_version", c.rule_version),
        )
        if not d.eligible:
            message = f"补贴申领（状态：{c.status}）不符合规定：{d.reason}"
        elif c.amount > d.amount:
            message = f"申领金额{c.amount}元高于规定标准{d.amount}元"
        else:
            continue
        flags.append(
            RiskFlag(CLAIM_OUTSIDE_RULES, f"claim:{c.claim_id}", message, evidence, c.institution_id, "")
        )
    return flags


def flag_institution_patterns(
    trainees: Sequence[TraineeRecord], thresholds: RiskThresholds, as_of: dt.date
) -> list[RiskFlag]:
    """Institutions whose finished classes show near-100% completion *and* certification, with a
    class where unusually many trainees come from one village."""
    finished = [t for t in trainees if t.end_date <= as_of]
    by_inst: dict[str, list[TraineeRecord]] = defaultdict(list)
    for t in finished:
        by_inst[t.institution_id].append(t)
    flags: list[RiskFlag] = []
    for inst_id, rows in sorted(by_inst.items()):
        n = len(rows)
        if n < thresholds.village_min_trainees:
            continue
        completion = sum(t.completed for t in rows) / n
        certification = sum(t.certified for t in rows) / n
        if completion < thresholds.near_full_rate or certification < thresholds.near_full_rate:
            continue
        classes: dict[str, list[TraineeRecord]] = defaultdict(list)
        for t in rows:
            classes[t.programme_id].append(t)
        for programme_id, members in sorted(classes.items()):
            villages = Counter((t.home.adcode, t.village) for t in members if t.village)
            if not villages:
                continue
            (adcode, village), count = min(villages.items(), key=lambda kv: (-kv[1], kv[0]))
            share = count / len(members)
            if count < thresholds.village_min_trainees or share < thresholds.village_share:
                continue
            flags.append(
                RiskFlag(
                    INSTITUTION_PATTERN,
                    f"institution:{inst_id}",
                    f"{rows[0].institution_name}结业率{completion:.0%}、取证率{certification:.0%}，"
                    f"培训班{programme_id}的{len(members)}名学员中有{count}人来自{village}",
                    (
                        ("completion_rate", round(completion, 4)),
                        ("certification_rate", round(certification, 4)),
                        ("finished_trainees", n),
                        ("programme_id", programme_id),
                        ("class_size", len(members)),
                        ("village", village),
                        ("village_county", adcode),
                        ("same_village_trainees", count),
                        ("same_village_share", round(share, 4)),
                    ),
                    institution_id=inst_id,
                    anchor=programme_id,
                )
            )
    return flags


def flag_age_over_limit(trainees: Sequence[TraineeRecord], book: CityPolicyBook) -> list[RiskFlag]:
    """Trainees whose age at the start of training is outside the programme's limits or the city's
    training-subsidy age range."""
    flags: list[RiskFlag] = []
    for t in _active(trainees):
        age = t.start_date.year - t.birth_year
        policy = book.find(t.start_date)
        limits = [(t.programme_min_age, t.programme_max_age, "programme")]
        if policy is not None:
            limits.append((policy.scope.min_age, policy.scope.max_age, policy.rule_version))
        for lo, hi, source in limits:
            if (hi is not None and age > hi) or (lo is not None and age < lo):
                bound = (
                    f"{lo}至{hi}周岁"
                    if lo is not None and hi is not None
                    else (f"{lo}周岁以上" if lo is not None else f"{hi}周岁以下")
                )
                where = "培训项目" if source == "programme" else f"{book.city_name}补贴政策"
                flags.append(
                    RiskFlag(
                        AGE_OVER_LIMIT,
                        f"worker:{t.worker_id}",
                        f"学员开训时{age}岁，超出{where}规定的{bound}（培训班{t.programme_id}）",
                        (
                            ("programme_id", t.programme_id),
                            ("age_at_start", age),
                            ("min_age", lo),
                            ("max_age", hi),
                            ("limit_source", "培训项目" if source == "programme" else source),
                        ),
                        institution_id=t.institution_id,
                        anchor=t.programme_id,
                    )
                )
                break
    return flags


def flag_far_from_home(trainees: Sequence[TraineeRecord], thresholds: RiskThresholds) -> list[RiskFlag]:
    """Offline (线下) enrollments held farther than the city's threshold both from the worker's
    home and from where the worker lives or works now (training where one works — the notice's
    输入地 case — is normal)."""
    flags: list[RiskFlag] = []
    limit = thresholds.far_from_home_km
    for t in _active(trainees):
        if t.delivery != "线下":
            continue
        km = distance_km(t.home, t.programme_place)
        now_km = distance_km(t.current, t.programme_place) if t.current is not None else None
        if km <= limit or (now_km is not None and now_km <= limit):
            continue
        evidence: Facts = (
            ("programme_id", t.programme_id),
            ("distance_km", round(km, 1)),
            ("current_distance_km", round(now_km, 1) if now_km is not None else None),
            ("threshold_km", limit),
            ("home_county", t.home.adcode),
            ("current_county", t.current.adcode if t.current is not None else None),
            ("programme_county", t.programme_place.adcode),
        )
        where = f"、距现居住地约{now_km:.0f}公里" if now_km is not None else "（现居住地未登记）"
        flags.append(
            RiskFlag(
                FAR_FROM_HOME,
                f"worker:{t.worker_id}",
                f"学员报名的线下培训班{t.programme_id}距其户籍地约{km:.0f}公里{where}，超过{limit:.0f}公里",
                evidence,
                institution_id=t.institution_id,
                anchor=t.programme_id,
            )
        )
    return flags


def risk_flags(
    trainees: Sequence[TraineeRecord],
    claims: Sequence[ClaimCheck],
    book: CityPolicyBook,
    as_of: dt.date,
) -> list[RiskFlag]:
    """All clause 十三 flags, thresholds from the city's policy in force on ``as_of``."""
    policy = book.find(as_of) or (book.versions[0] if book.versions else None)
    thresholds = policy.risk if policy is not None else RiskThresholds()
    flags = [
        *flag_overlapping_enrollments(trainees),
        *flag_claims_outside_rules(claims),
        *flag_institution_patterns(trainees, thresholds, as_of),
        *flag_age_over_limit(trainees, book),
        *flag_far_from_home(trainees, thresholds),
    ]
    return sorted(flags, key=lambda f: (_KIND_ORDER[f.kind], f.subject, f.anchor, f.message))


def evidence_value(flag: RiskFlag, name: str) -> Fact:
    """One evidence value of ``flag`` by name (None when absent)."""
    return next((v for k, v in flag.evidence if k == name), None)


def programmes_of(flag: RiskFlag) -> tuple[str, ...]:
    """The programmes a flag names in its evidence (none for a claim flag)."""
    pair = evidence_value(flag, "programmes")
    if isinstance(pair, tuple):
        return pair
    one = evidence_value(flag, "programme_id")
    return (one,) if isinstance(one, str) else ()
