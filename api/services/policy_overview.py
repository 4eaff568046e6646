"""The policy versions of the cities in an administrator's region, as the administrator reads them
(/admin/policies): each version with its dates, its content hash and rule version, whether
decisions used it (and whether its file still holds what they used), what changed from the
version before, and its subsidised occupations and amounts.

Read through the policy loader (:func:`data.policy_loader.load_city_policy`, the files every
decision reads) and :mod:`api.services.policy_versions` (the versions decisions used). A city
whose file is invalid shows the loader's Chinese error instead of its versions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from api.services.policy_versions import changed_versions, used_versions
from data.policy_errors import PolicyFileError
from data.policy_loader import PolicyNotFound, available_cities, load_city_policy
from matcher.subsidy import CityPolicy
from matcher.subsidy.policy import LevelAmounts
from matcher.types import SHORT_LEVEL_NAMES

__all__ = ["CityPolicies", "PolicyVersionView", "city_policies", "version_changes"]

PAY_ON = {"certification": "取得证书后发放", "completion": "结业后发放"}


@dataclass(frozen=True, slots=True)
class OccupationAmounts:
    code: str
    name: str
    work_types: tuple[str, ...]
    #: (level name, yuan), 专项职业能力 first, then 初级工 up to 高级技师
    amounts: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class PolicyVersionView:
    version: str
    rule_version: str
    effective_from: dt.date
    #: the day before the next version starts (``None``: open-ended)
    effective_to: dt.date | None
    in_force: bool
    content_hash: str
    source: str
    note: str
    example: bool
    #: a subsidy decision recorded this version; ``edited``: its file no longer holds what was used
    used: bool
    edited: bool
    #: what changed from the version before (Chinese sentences; empty for the first)
    changes: tuple[str, ...]
    pay_on: str
    training_types: tuple[tuple[str, int], ...]
    living_per_day: int
    living_cap: int
    occupations: tuple[OccupationAmounts, ...]


@dataclass(frozen=True, slots=True)
class CityPolicies:
    code: str
    name: str
    versions: tuple[PolicyVersionView, ...]
    #: the loader's error when the city's file is invalid ("" otherwise)
    problem: str = ""

    @property
    def in_force(self) -> PolicyVersionView | None:
        return next((v for v in self.versions if v.in_force), None)


def _level(level: int) -> str:
    return SHORT_LEVEL_NAMES.get(level, str(level))


def _ordered(amounts: LevelAmounts) -> tuple[tuple[str, int], ...]:
    return tuple((_level(lv), yuan) for lv, yuan in sorted(amounts.pairs, key=lambda p: (p[0] != 0, -p[0])))


def _amounts_change(what: str, old: LevelAmounts, new: LevelAmounts) -> list[str]:
    out = []
    for level in sorted(set(old.levels) | set(new.levels), key=lambda lv: (lv != 0, -lv)):
        before, after = old.get(level), new.get(level)
        if before == after:
            continue
        if before is None:
            out.append(f"{what}{_level(level)} 新增 {after} 元")
        elif after is None:
            out.append(f"{what}{_level(level)} 取消（原 {before} 元）")
        else:
            out.append(f"{what}{_level(level)} {before} → {after} 元")
    return out


def version_changes(old: CityPolicy, new: CityPolicy) -> tuple[str, ...]:
    """What ``new`` changes from ``old``, in Chinese: subsidised occupations added or dropped,
    amounts per occupation and level, the share per training type, the living allowance, the
    evaluation subsidy, when the subsidy is paid and the amount ceiling."""
    out: list[str] = []
    before = {o.code: o for o in old.occupations}
    after = {o.code: o for o in new.occupations}
    added = [after[c].name for c in after if c not in before]
    dropped = [before[c].name for c in before if c not in after]
    if added:
        out.append("新增补贴职业：" + "、".join(added))
    if dropped:
        out.append("不再补贴：" + "、".join(dropped))
    # occupations whose amounts changed alike are named together ("砌筑工、电工：初级工 1200 → 1400 元；…")
    alike: dict[tuple[str, ...], list[str]] = {}
    for code, rule in after.items():
        if code in before:
            changed = tuple(_amounts_change("", before[code].amounts, rule.amounts))
            if changed:
                alike.setdefault(changed, []).append(rule.name)
            if before[code].work_types != rule.work_types:
                out.append(f"{rule.name} 限定工种改为：{'、'.join(rule.work_types) or '不限'}")
    out += [f"{'、'.join(names)}：{'；'.join(changed)}" for changed, names in alike.items()]
    old_types, new_types = dict(old.training_types), dict(new.training_types)
    for name in [*new_types, *(t for t in old_types if t not in new_types)]:
        if old_types.get(name) != new_types.get(name):
            was, now = old_types.get(name), new_types.get(name)
            out.append(
                f"{name}：不再补贴"
                if now is None
                else f"{name}：按 {now}% 补贴（新增）"
                if was is None
                else f"{name}：{was}% → {now}%"
            )
    if old.living.per_day != new.living.per_day:
        out.append(f"生活费补贴每天 {old.living.per_day} → {new.living.per_day} 元")
    if old.living.cap != new.living.cap:
        out.append(f"生活费补贴每期上限 {old.living.cap} → {new.living.cap} 元")
    out += _amounts_change(
        "评价补贴 ", old.certification.evaluation_amounts, new.certification.evaluation_amounts
    )
    if old.certification.pay_on != new.certification.pay_on:
        out.append(f"培训补贴改为{PAY_ON.get(new.certification.pay_on, new.certification.pay_on)}")
    if old.amount_ceiling != new.amount_ceiling:
        out.append(f"金额上限 {old.amount_ceiling} → {new.amount_ceiling} 元")
    return tuple(out)


def _in_region(city: str, region: str) -> bool:
    return city.startswith(region) or region.startswith(city)


def city_policies(
    engine: Engine, region: str, today: dt.date, *, policy_dir: Path | None = None
) -> list[CityPolicies]:
    """Every city of ``region`` (an adcode prefix: the province, a city or a county) that has a
    policy file in ``policy_dir`` (default: the shipped ``data/policy``), with all its versions,
    the one in force on ``today`` marked."""
    out = []
    for city in available_cities(policy_dir):
        if not _in_region(city, region):
            continue
        try:
            book = load_city_policy(city, policy_dir)
        except (PolicyFileError, PolicyNotFound) as exc:
            out.append(CityPolicies(city, city, (), problem=str(exc)))
            continue
        used = used_versions(engine, city)
        edited = {e.version for e in changed_versions(engine, book)}
        current = book.find(today)
        views = []
        for i, v in enumerate(book.versions):
            following = book.versions[i + 1] if i + 1 < len(book.versions) else None
            views.append(
                PolicyVersionView(
                    version=v.version,
                    rule_version=v.rule_version,
                    effective_from=v.effective_from,
                    effective_to=following.effective_from - dt.timedelta(days=1) if following else None,
                    in_force=current is not None and v.version == current.version,
                    content_hash=v.content_hash,
                    source=v.source,
                    note=v.note,
                    example=v.example,
                    used=v.version in used,
                    edited=v.version in edited,
                    changes=version_changes(book.versions[i - 1], v) if i else (),
                    pay_on=PAY_ON.get(v.certification.pay_on, v.certification.pay_on),
                    training_types=v.training_types,
                    living_per_day=v.living.per_day,
                    living_cap=v.living.cap,
                    occupations=tuple(
                        OccupationAmounts(o.code, o.name, o.work_types, _ordered(o.amounts))
                        for o in v.occupations
                    ),
                )
            )
        # newest first: the version an administrator looks for is the latest
        out.append(CityPolicies(city, book.city_name, tuple(reversed(views))))
    return out
