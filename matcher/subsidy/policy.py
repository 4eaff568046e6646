"""A city's subsidy policy as data (clause 十 of 晋人社办发〔2024〕2号).

Clause 十 lets each city set which occupations (工种) are subsidised and how much, and change both
over time. So none of these numbers live in code: a city's policy is a list of dated versions
(:class:`CityPolicyBook`), each a :class:`CityPolicy` read from a TOML file by
:mod:`data.policy_loader`. The version that applies to a course is the one in force on its start
date; to a certificate, the one in force on its issue date.

What the notice itself fixes (clause 九's groups and scope, clause 十's no-duplicate rule) is named
here as the notice's text, so that a city file can be checked against it.

Amounts are whole yuan (``int``). Levels are the integers of :mod:`matcher.types`
(5=初级工 … 1=高级技师, 0=专项职业能力).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from matcher.types import SHORT_LEVEL_NAMES

#: Level names used in policy files, e.g. ``"初级工" -> 5``.
LEVEL_BY_NAME: dict[str, int] = {name: level for level, name in SHORT_LEVEL_NAMES.items()}

#: training (职业培训补贴), certification (职业技能评价补贴), skill_upgrade (参保职工技能提升补贴),
#: living (生活费补贴).
CLAIM_KINDS: tuple[str, ...] = ("training", "certification", "skill_upgrade", "living")
#: Chinese names of the claim kinds.
KIND_NAMES: dict[str, str] = {
    "training": "职业培训补贴",
    "certification": "职业技能评价补贴",
    "skill_upgrade": "技能提升补贴",
    "living": "生活费补贴",
}
#: Clause 十: "同一年度同一职业（工种）的同一等级不可重复申领培训补贴（含参保职工技能提升补贴）" —
#: the kinds that share the once-per-year rule. 评价补贴 has its own once-per-certificate rule.
YEARLY_KINDS: frozenset[str] = frozenset({"training", "skill_upgrade"})
#: Kinds paid for a certificate: each at most once per certificate.
CERTIFICATE_KINDS: frozenset[str] = frozenset({"certification", "skill_upgrade"})

#: Clause 九: "脱贫（含防返贫监测对象）、就业困难、零就业家庭的农民工以及城乡未继续升学应届初高中
#: 毕业生中的农村学员和城市低保家庭学员，在培训期间可按规定给予生活费补贴。"
MANDATED_LIVING_GROUPS: tuple[str, ...] = (
    "脱贫劳动力",
    "防返贫监测对象",
    "就业困难人员",
    "零就业家庭成员",
    "未升学应届初高中毕业生(农村)",
    "未升学应届初高中毕业生(城市低保)",
)
#: The 应届 groups: members of one graduating cohort, for a time the city sets.
GRADUATE_GROUPS: frozenset[str] = frozenset(MANDATED_LIVING_GROUPS[4:])
#: Clause 九: enterprises, and "个体工商户用工、民办非企业单位用工 … 可按规定纳入职业培训补贴范围".
MANDATED_EMPLOYER_KINDS: tuple[str, ...] = ("企业", "个体工商户", "民办非企业单位")

#: How a living allowance counts the days of a course (``living_allowance.day_count``).
DAY_COUNTS: dict[str, str] = {
    "calendar": "按培训起止日历天数",
    "training_days": "按实际培训天数（日历天数与学时折算天数取小）",
    "hours": "按学时折算天数",
}
#: What "职业（工种）" of clause 十's no-duplicate rule means (``duplicate_by``): the 工种 where the
#: record names one, else the occupation (the notice's wording, the default); or the occupation
#: code whatever the 工种.
DUPLICATE_BY: dict[str, str] = {
    "work_type": "职业（工种）按工种区分",
    "occupation": "职业（工种）按职业编码区分",
}
#: Sources of a group fact (clause 十二: "对可通过大数据等信息化手段比对确认信息的，不再要求提供
#: 纸质证明材料"): 大数据比对 (data matching), 名单导入 (a registry list), 登记 (typed at registration).
GROUP_SOURCES: tuple[str, ...] = ("大数据比对", "名单导入", "登记")


class PolicyNotInForce(LookupError):
    """No version of a city's policy applies on the asked date."""


def city_code_of(adcode: str) -> str:
    """The 4-digit city code of an administrative code: ``"141124"`` → ``"1411"``.

    Accepts 4-, 6-, 9- or 12-digit codes; raises ``ValueError`` for anything else.
    """
    code = adcode.strip()
    if len(code) < 4 or not code[:4].isdigit():
        raise ValueError(f"not an administrative code: {adcode!r}")
    return code[:4]


@dataclass(frozen=True, slots=True)
class LevelAmounts:
    """Yuan by occupation level; a level that is absent is not paid. Sorted ``(level, yuan)``
    pairs, so that the record is hashable and its order deterministic."""

    pairs: tuple[tuple[int, int], ...] = ()

    @classmethod
    def of(cls, mapping: Mapping[int, int]) -> LevelAmounts:
        """Build from ``{level: yuan}``."""
        return cls(tuple(sorted(mapping.items(), key=lambda kv: -kv[0])))

    def get(self, level: int) -> int | None:
        """Yuan for ``level``, or ``None`` when that level is not paid."""
        for lv, amount in self.pairs:
            if lv == level:
                return amount
        return None

    @property
    def levels(self) -> tuple[int, ...]:
        return tuple(lv for lv, _ in self.pairs)


@dataclass(frozen=True, slots=True)
class OccupationRule:
    """One subsidised occupation. ``work_types`` non-empty restricts it to those 工种."""

    code: str
    name: str
    amounts: LevelAmounts
    work_types: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ScopeRule:
    """Who is in scope of the training subsidy (clause 九).

    ``groups`` empty means every registered 农民工; otherwise the worker needs one of them, or to be
    employed by one of ``employer_kinds``, or be a flexible worker (``flexible_group``).
    ``override`` is the city's stated reason for departing from clause 九's employer kinds.
    """

    min_age: int = 16
    max_age: int = 60
    employer_kinds: frozenset[str] = frozenset(MANDATED_EMPLOYER_KINDS)
    groups: frozenset[str] = frozenset()
    flexible_group: str = "灵活就业人员"
    override: str = ""


@dataclass(frozen=True, slots=True)
class CertificationRule:
    """When the training subsidy is paid, what a certificate is worth, and how long it counts.

    ``pay_on``: ``"completion"`` (结业即发) or ``"certification"`` (取得证书后发放); in the latter
    case a trainee who completes without a certificate gets ``uncertified_percent``.
    ``window_days``: a certificate makes a course "certified" when issued on or after the course's
    start and at most this many days after its end. ``claim_days``: 评价补贴 and 技能提升补贴 are
    claimed within this many days of the certificate's issue. ``fee_advance``: who pays the fee
    before the course — ``"worker"`` (学员先缴费，补贴发给本人) or ``"institution"`` (机构垫付，
    学员只缴差额，补贴拨付机构).
    """

    pay_on: str = "certification"
    uncertified_percent: int = 0
    evaluation_amounts: LevelAmounts = LevelAmounts()
    window_days: int = 180
    claim_days: int = 365
    fee_advance: str = "worker"


@dataclass(frozen=True, slots=True)
class LivingAllowanceRule:
    """Living allowance during training (clause 九): per day of training, capped per course.

    ``day_count`` is one of :data:`DAY_COUNTS`; ``hours_per_day`` turns hours into days.
    ``graduate_months``: how long after 1 July of the graduation year a 应届 graduate counts.
    ``sources``: group-fact sources a claim accepts. ``override``: the city's stated reason for
    departing from clause 九's groups.
    """

    groups: frozenset[str]
    per_day: int
    cap: int
    deliveries: frozenset[str] = frozenset({"线下", "混合"})
    hours_per_day: int = 8
    day_count: str = "training_days"
    graduate_months: int = 12
    sources: frozenset[str] = frozenset({"大数据比对", "名单导入"})
    override: str = ""


@dataclass(frozen=True, slots=True)
class EnterpriseDirectRule:
    """直补企业 (clause 九): an employer that hires and trains at its own cost is paid directly."""

    enabled: bool = True
    employer_kinds: frozenset[str] = frozenset({"企业"})


@dataclass(frozen=True, slots=True)
class SkillUpgradeRule:
    """参保职工技能提升补贴 (clause 十's bracket): by certificate level, for workers insured at least
    ``min_insured_months`` months (the registry's 参保 facts)."""

    amounts: LevelAmounts = LevelAmounts()
    min_insured_months: int = 12


@dataclass(frozen=True, slots=True)
class RiskThresholds:
    """Thresholds of the clause 十三 flags (what counts as "near 100%", "far", "many")."""

    near_full_rate: float = 0.98
    village_share: float = 0.5
    village_min_trainees: int = 5
    far_from_home_km: float = 150.0


@dataclass(frozen=True, slots=True)
class CityPolicy:
    """One version of one city's policy, in force from ``effective_from``.

    ``content_hash`` is the SHA-256 of the version's content (its TOML table and the file's city
    fields): a decision records it, and a used version whose content changed is refused.
    """

    city_code: str
    city_name: str
    version: str
    effective_from: dt.date
    occupations: tuple[OccupationRule, ...]
    #: training type → percent of the level amount paid; types absent are not subsidised
    training_types: tuple[tuple[str, int], ...]
    living: LivingAllowanceRule
    scope: ScopeRule = ScopeRule()
    certification: CertificationRule = CertificationRule()
    enterprise_direct: EnterpriseDirectRule = EnterpriseDirectRule()
    skill_upgrade: SkillUpgradeRule = SkillUpgradeRule()
    risk: RiskThresholds = RiskThresholds()
    cap_at_fee: bool = True
    duplicate_by: str = "work_type"
    #: no amount in this version may exceed this many yuan
    amount_ceiling: int = 10_000
    #: True when the values are examples shipped with the project, not an official standard
    example: bool = False
    note: str = ""
    source: str = ""
    content_hash: str = ""

    @property
    def rule_version(self) -> str:
        """Identifier written with every decision, e.g. ``"1401/2024.1"``."""
        return f"{self.city_code}/{self.version}"

    def occupation(self, code: str) -> OccupationRule | None:
        for rule in self.occupations:
            if rule.code == code:
                return rule
        return None

    def type_percent(self, training_type: str) -> int | None:
        for name, percent in self.training_types:
            if name == training_type:
                return percent
        return None


@dataclass(frozen=True, slots=True)
class CityPolicyBook:
    """All versions of one city's policy, sorted by ``effective_from``."""

    city_code: str
    city_name: str
    versions: tuple[CityPolicy, ...]

    def __post_init__(self) -> None:
        dates = [v.effective_from for v in self.versions]
        if dates != sorted(dates) or len(set(dates)) != len(dates):
            raise ValueError("policy versions must have distinct, increasing effective_from dates")

    def at(self, day: dt.date) -> CityPolicy:
        """The version in force on ``day`` (the latest with ``effective_from <= day``).

        Raises :class:`PolicyNotInForce` when ``day`` is before the first version.
        """
        found = self.find(day)
        if found is None:
            first = self.versions[0].effective_from if self.versions else None
            raise PolicyNotInForce(
                f"city {self.city_code}: no policy version in force on {day.isoformat()}"
                + (f" (first version starts {first.isoformat()})" if first else " (no versions)")
            )
        return found

    def find(self, day: dt.date) -> CityPolicy | None:
        """Like :meth:`at`, but ``None`` when no version applies."""
        current = None
        for version in self.versions:
            if version.effective_from <= day:
                current = version
        return current
