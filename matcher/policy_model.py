"""A city's subsidy policy as data, and the structured result of every eligibility decision.

Clause 十 of 晋人社办发〔2024〕2号 lets each city set which occupations (工种) are subsidised and
how much, and change both over time. So none of these numbers live in code: a city's policy is a
list of dated versions (:class:`CityPolicyBook`), each a :class:`CityPolicy` read from a TOML file by
:mod:`data.policy_loader`. The version that applies to a programme is the one in force on the
programme's start date.

Amounts are whole yuan (``int``). Levels are the integers of :mod:`matcher.types`
(5=初级工 … 1=高级技师, 0=专项职业能力).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from matcher.types import SHORT_LEVEL_NAMES

#: Level names used in policy files, e.g. ``"初级工" -> 5``.
LEVEL_BY_NAME: dict[str, int] = {name: level for level, name in SHORT_LEVEL_NAMES.items()}

#: Claim kinds that count as training subsidy for the no-duplicate rule of clause 十
#: ("不可重复申领培训补贴（含参保职工技能提升补贴）"). Living allowance does not count.
TRAINING_CLAIM_KINDS: frozenset[str] = frozenset({"training", "certification", "skill_upgrade"})
CLAIM_KINDS: tuple[str, ...] = ("training", "certification", "skill_upgrade", "living")

#: A fact recorded with a decision: JSON-friendly scalars or a tuple of strings.
Fact = str | int | float | bool | None | tuple[str, ...]


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
    """Yuan by occupation level; a level that is absent is not paid.

    Stored as sorted ``(level, yuan)`` pairs so that the record stays hashable and its order is
    deterministic.
    """

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
    employed by one of ``employer_kinds`` (个体工商户用工、民办非企业单位用工 are in scope by clause 九),
    or be a flexible worker (``flexible_group``).
    """

    min_age: int = 16
    max_age: int = 60
    employer_kinds: frozenset[str] = frozenset({"企业", "个体工商户", "民办非企业单位"})
    groups: frozenset[str] = frozenset()
    flexible_group: str = "灵活就业人员"


@dataclass(frozen=True, slots=True)
class CertificationRule:
    """When the training subsidy is paid, and the evaluation subsidy (评价补贴) by level.

    ``pay_on`` is ``"completion"`` (结业即发) or ``"certification"`` (取得证书后发放);
    in the latter case a trainee who completes without a certificate gets ``uncertified_percent``.
    """

    pay_on: str = "certification"
    uncertified_percent: int = 0
    evaluation_amounts: LevelAmounts = LevelAmounts()


@dataclass(frozen=True, slots=True)
class LivingAllowanceRule:
    """Living allowance during training (clause 九): per training day, capped per programme."""

    groups: frozenset[str]
    per_day: int
    cap: int
    deliveries: frozenset[str] = frozenset({"线下", "混合"})
    hours_per_day: int = 8


@dataclass(frozen=True, slots=True)
class EnterpriseDirectRule:
    """直补企业 (clause 九): an employer that hires and trains at its own cost is paid directly."""

    enabled: bool = True
    employer_kinds: frozenset[str] = frozenset({"企业"})


@dataclass(frozen=True, slots=True)
class RiskThresholds:
    """Thresholds of the clause 十三 risk flags (what counts as "near 100%", "far", "many")."""

    near_full_rate: float = 0.98
    village_share: float = 0.5
    village_min_trainees: int = 5
    far_from_home_km: float = 150.0


@dataclass(frozen=True, slots=True)
class CityPolicy:
    """One version of one city's policy, in force from ``effective_from``."""

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
    skill_upgrade: LevelAmounts = LevelAmounts()
    risk: RiskThresholds = RiskThresholds()
    cap_at_fee: bool = True
    #: True when the values are examples shipped with the project, not an official standard
    example: bool = False
    note: str = ""
    source: str = ""

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


@dataclass(frozen=True, slots=True)
class Decision:
    """The structured result of one rule.

    ``rule``/``clause`` name the rule that decided (for a composite decision, the first rule that
    refused, or the last one that granted); ``facts`` are the inputs it used, as ``(name, value)``
    pairs; ``steps`` the sub-decisions in the order they were taken; ``reason`` one plain Chinese
    sentence a counselor can read out.
    """

    rule: str
    clause: str
    eligible: bool
    amount: int
    rule_version: str
    reason: str
    facts: tuple[tuple[str, Fact], ...] = ()
    payee: str = "worker"
    steps: tuple[Decision, ...] = field(default=())

    def facts_dict(self) -> dict[str, object]:
        """Facts of this decision and its steps as a JSON-serialisable dict (tuples → lists)."""
        out: dict[str, object] = {}
        for step in self.steps:
            out.update(step.facts_dict())
        for name, value in self.facts:
            out[name] = list(value) if isinstance(value, tuple) else value
        return out

    def as_dict(self) -> dict[str, object]:
        """A JSON-serialisable record of the decision for the audit log."""
        return {
            "rule": self.rule,
            "clause": self.clause,
            "eligible": self.eligible,
            "amount": self.amount,
            "payee": self.payee,
            "rule_version": self.rule_version,
            "reason": self.reason,
            "facts": self.facts_dict(),
            "steps": [f"{s.rule}:{'通过' if s.eligible else '不通过'}" for s in self.steps],
        }


def sorted_groups(groups: Iterable[str]) -> tuple[str, ...]:
    """Groups as a sorted tuple, for deterministic facts."""
    return tuple(sorted(groups))
