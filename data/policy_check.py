"""What a city policy file means, checked against the occupation catalogue and the notice.

Form is checked by :mod:`data.policy_loader`; here, for each loaded version:

- every occupation code exists in 职业分类大典 2022 (``data/reference/occupations-2022.csv``) under
  the name the file gives, and every 工种 is one of that occupation's 工种 (a misspelt 工种 would
  silently pay nothing);
- clause 九's living-allowance groups (:data:`MANDATED_LIVING_GROUPS`) and employer kinds in scope
  (:data:`MANDATED_EMPLOYER_KINDS`) are neither narrowed nor widened, and the scope is not limited
  to listed groups, unless the table gives ``override = "…reason…"`` (``skillbridge policy check``
  prints it);
- no amount exceeds the version's ``amount_ceiling``.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from data.policy_errors import PolicyFileError
from matcher.subsidy.policy import MANDATED_EMPLOYER_KINDS, MANDATED_LIVING_GROUPS, CityPolicy
from matcher.types import SHORT_LEVEL_NAMES

CATALOGUE = Path(__file__).resolve().parent / "reference" / "occupations-2022.csv"


@lru_cache(maxsize=2)
def occupation_catalogue(path: Path = CATALOGUE) -> dict[str, tuple[str, frozenset[str]]]:
    """code → (name, 工种 names) of the shipped catalogue."""
    out: dict[str, tuple[str, frozenset[str]]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            kinds = frozenset(w.strip() for w in (row.get("work_types") or "").split("|") if w.strip())
            out[row["code"]] = (row["name"], kinds)
    return out


def _fail(policy: CityPolicy, field: str, message: str) -> PolicyFileError:
    return PolicyFileError(policy.source, message, version=policy.version, field=field)


def overrides(policy: CityPolicy) -> list[tuple[str, str]]:
    """(field, reason) of each departure from the notice the version declares."""
    out = []
    if policy.scope.override:
        out.append(("scope.override", policy.scope.override))
    if policy.living.override:
        out.append(("living_allowance.override", policy.living.override))
    return out


def check_meaning(policy: CityPolicy) -> None:
    """Raise :class:`PolicyFileError` for the first thing in ``policy`` that means something wrong."""
    catalogue = occupation_catalogue()
    for i, occ in enumerate(policy.occupations):
        where = f"occupations[{i}]"
        known = catalogue.get(occ.code)
        if known is None:
            raise _fail(policy, f"{where}.code", f"职业编码 {occ.code} 不在职业分类大典（2022年版）中")
        name, work_types = known
        if occ.name != name:
            raise _fail(
                policy, f"{where}.name", f"职业 {occ.code} 在职业分类大典中名为“{name}”，不是“{occ.name}”"
            )
        for work_type in occ.work_types:
            if work_type not in work_types:
                allowed = "、".join(sorted(work_types)) or "（该职业未设工种）"
                raise _fail(
                    policy, f"{where}.work_types", f"“{work_type}”不是{name}的工种（大典所列：{allowed}）"
                )
    _check_mandated(policy)
    _check_ceiling(policy)


_OVERRIDE = '（如确需调整，请以 override = "理由" 说明）'


def _check_mandated(policy: CityPolicy) -> None:
    living = policy.living
    if not living.override:
        missing = "、".join(g for g in MANDATED_LIVING_GROUPS if g not in living.groups)
        extra = "、".join(sorted(living.groups - set(MANDATED_LIVING_GROUPS)))
        if missing:
            message = f"缺少通知第九条规定的生活费补贴对象：{missing}{_OVERRIDE}"
            raise _fail(policy, "living_allowance.groups", message)
        if extra:
            message = f"{extra}不是通知第九条规定的生活费补贴对象{_OVERRIDE}"
            raise _fail(policy, "living_allowance.groups", message)
    scope = policy.scope
    if not scope.override:
        missing = "、".join(k for k in MANDATED_EMPLOYER_KINDS if k not in scope.employer_kinds)
        if missing:
            message = f"通知第九条将{missing}用工纳入职业培训补贴范围，不能删去{_OVERRIDE}"
            raise _fail(policy, "scope.employer_kinds", message)
        if scope.groups:
            message = f"通知第九条对农民工普遍给予职业培训补贴，不能只限定部分人员类别{_OVERRIDE}"
            raise _fail(policy, "scope.groups", message)


def _check_ceiling(policy: CityPolicy) -> None:
    ceiling = policy.amount_ceiling
    amounts: list[tuple[str, int]] = []
    for i, occ in enumerate(policy.occupations):
        amounts += [
            (f"occupations[{i}].amounts.{SHORT_LEVEL_NAMES[lv]}", yuan) for lv, yuan in occ.amounts.pairs
        ]
    amounts += [
        (f"certification.evaluation_amounts.{SHORT_LEVEL_NAMES[lv]}", y)
        for lv, y in policy.certification.evaluation_amounts.pairs
    ]
    amounts += [
        (f"skill_upgrade.amounts.{SHORT_LEVEL_NAMES[lv]}", y) for lv, y in policy.skill_upgrade.amounts.pairs
    ]
    amounts += [
        ("living_allowance.per_day", policy.living.per_day),
        ("living_allowance.cap", policy.living.cap),
    ]
    for field, yuan in amounts:
        if yuan > ceiling:
            raise _fail(policy, field, f"金额{yuan}元超过本版本设定的上限 amount_ceiling = {ceiling}元")
