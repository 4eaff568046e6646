"""Load and validate the per-city subsidy policy files in ``data/policy/``.

One TOML file per city (``1401-taiyuan.toml``) or per city and version (``1401-2025.toml``); a
file holds ``city_code``, ``city_name``, ``example`` and one or more ``[[versions]]``, each with an
``effective_from`` date. See ``data/policy/README.md`` for the fields. A file is checked for form
here and for meaning (:mod:`data.policy_check`: the occupation catalogue, the notice's groups and
scope, the amount ceiling); every error names the file, the version and the field, in Chinese::

    1401-taiyuan.toml: 版本 "2024.1": living_allowance.per_day: 应为不小于0的整数（元），实际为 int -5

Each version gets a content hash (:attr:`CityPolicy.content_hash`), recorded with every decision.
Files are read on every call (they are small), so editing a city's file changes the next decision
without a restart — and a version already used by a decision cannot be edited in place
(:mod:`api.services.policy_versions`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from data.policy_check import check_meaning
from data.policy_errors import PolicyFileError
from data.policy_reader import Reader, show
from matcher.subsidy.policy import (
    DAY_COUNTS,
    DUPLICATE_BY,
    GROUP_SOURCES,
    LEVEL_BY_NAME,
    CertificationRule,
    CityPolicy,
    CityPolicyBook,
    EnterpriseDirectRule,
    LevelAmounts,
    LivingAllowanceRule,
    OccupationRule,
    RiskThresholds,
    ScopeRule,
    SkillUpgradeRule,
    city_code_of,
)
from matcher.types import DELIVERIES, EMPLOYER_KINDS, GROUPS, TRAINING_TYPES

__all__ = [
    "DEFAULT_POLICY_DIR",
    "PolicyFileError",
    "PolicyNotFound",
    "available_cities",
    "load_city_policy",
    "load_policy_file",
    "load_policy_for_adcode",
    "policy_files",
]

DEFAULT_POLICY_DIR = Path(__file__).resolve().parent / "policy"
_OCCUPATION_CODE = re.compile(r"^\d-\d{2}-\d{2}-\d{2}$")
_CITY_CODE = re.compile(r"^\d{4}$")
#: The largest ``amount_ceiling`` a file may set (a sanity bound on the input, not a policy value).
CEILING_LIMIT = 100_000


class PolicyNotFound(LookupError):
    """No policy file exists for a city."""


def _occupations(reader: Reader, default_amounts: LevelAmounts) -> tuple[OccupationRule, ...]:
    raw = reader.raw("occupations", required=True)
    if not isinstance(raw, list) or not raw:
        raise reader.fail("occupations", "至少应有一个 [[versions.occupations]]")
    rules: list[OccupationRule] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise reader.fail(f"occupations[{i}]", f"应为表（table），实际为 {show(item)}")
        occ = Reader(reader.file, item, reader.field(f"occupations[{i}]"), reader.version)
        occ.check_keys({"code", "name", "amounts", "work_types"})
        code = occ.text("code")
        if not _OCCUPATION_CODE.match(code):
            raise occ.fail("code", f"应为职业编码（如 6-29-01-01），实际为 {code!r}")
        if code in seen:
            raise occ.fail("code", f"职业 {code} 重复列出")
        seen.add(code)
        amounts = occ.level_amounts("amounts") if occ.has("amounts") else default_amounts
        if not amounts.pairs:
            raise occ.fail("amounts", "没有补贴标准：请在此处或 versions.default_amounts 中给出")
        work_types = occ.raw("work_types", [])
        if not isinstance(work_types, list) or not all(isinstance(w, str) and w for w in work_types):
            raise occ.fail("work_types", f"应为工种名称列表，实际为 {show(work_types)}")
        rules.append(OccupationRule(code, occ.text("name"), amounts, tuple(work_types)))
    return tuple(rules)


_VERSION_KEYS = {
    "version",
    "effective_from",
    "note",
    "cap_at_fee",
    "duplicate_by",
    "amount_ceiling",
    "scope",
    "training_types",
    "default_amounts",
    "occupations",
    "certification",
    "living_allowance",
    "enterprise_direct",
    "skill_upgrade",
    "risk",
}


def _scope(r: Reader) -> ScopeRule:
    scope_r = r.sub("scope")
    scope_r.check_keys({"min_age", "max_age", "employer_kinds", "groups", "override"})
    scope = ScopeRule(
        min_age=scope_r.integer("min_age", 16, hi=100),
        max_age=scope_r.integer("max_age", 60, hi=100),
        employer_kinds=scope_r.choices("employer_kinds", EMPLOYER_KINDS, EMPLOYER_KINDS),
        groups=scope_r.choices("groups", GROUPS, ()),
        override=scope_r.optional_text("override"),
    )
    if scope.min_age > scope.max_age:
        raise scope_r.fail("min_age", f"最低年龄{scope.min_age}高于最高年龄{scope.max_age}")
    return scope


def _certification(r: Reader) -> CertificationRule:
    cert_r = r.sub("certification")
    cert_r.check_keys(
        {"pay_on", "uncertified_percent", "evaluation_amounts", "window_days", "claim_days", "fee_advance"}
    )
    return CertificationRule(
        pay_on=cert_r.choice("pay_on", ("completion", "certification"), "certification"),
        uncertified_percent=cert_r.integer("uncertified_percent", 0, hi=100),
        evaluation_amounts=cert_r.level_amounts("evaluation_amounts"),
        window_days=cert_r.integer("window_days", 180, hi=3650),
        claim_days=cert_r.integer("claim_days", 365, lo=1, hi=3650),
        fee_advance=cert_r.choice("fee_advance", ("worker", "institution"), "worker"),
    )


def _living(r: Reader) -> LivingAllowanceRule:
    living_r = r.sub("living_allowance", required=True)
    living_r.check_keys(
        {
            "groups",
            "per_day",
            "cap",
            "deliveries",
            "hours_per_day",
            "day_count",
            "graduate_months",
            "sources",
            "override",
        }
    )
    return LivingAllowanceRule(
        groups=living_r.choices("groups", GROUPS),
        per_day=living_r.integer("per_day"),
        cap=living_r.integer("cap"),
        deliveries=living_r.choices("deliveries", DELIVERIES, ("线下", "混合")),
        hours_per_day=living_r.integer("hours_per_day", 8, lo=1, hi=24),
        day_count=living_r.choice("day_count", DAY_COUNTS, "training_days"),
        graduate_months=living_r.integer("graduate_months", 12, lo=1, hi=60),
        sources=living_r.choices("sources", GROUP_SOURCES, ("大数据比对", "名单导入")),
        override=living_r.optional_text("override"),
    )


def _version(
    file: str, city_code: str, city_name: str, example: bool, note: str, item: Any, i: int
) -> CityPolicy:
    if not isinstance(item, dict):
        raise PolicyFileError(file, f"应为表（table），实际为 {show(item)}", field=f"versions[{i}]")
    label = item.get("version")
    if not isinstance(label, str) or not label.strip():
        raise PolicyFileError(file, "缺少必填字段或为空", field=f"versions[{i}].version")
    r = Reader(file, item, version=label)
    r.check_keys(_VERSION_KEYS)

    types_r = r.sub("training_types", required=True)
    training_types: list[tuple[str, int]] = []
    for name in types_r.table:
        if name not in TRAINING_TYPES:
            raise types_r.fail(name, f"未知的培训类型（允许：{'、'.join(TRAINING_TYPES)}）")
        training_types.append((name, types_r.integer(name, hi=100)))
    if not training_types:
        raise types_r.fail(None, "至少应有一个培训类型及其补贴比例")

    direct_r = r.sub("enterprise_direct")
    direct_r.check_keys({"enabled", "employer_kinds"})
    direct = EnterpriseDirectRule(
        enabled=direct_r.boolean("enabled", True),
        employer_kinds=direct_r.choices("employer_kinds", EMPLOYER_KINDS, ("企业",)),
    )
    upgrade_r = r.sub("skill_upgrade")
    upgrade_r.check_keys({"amounts", "min_insured_months"})
    upgrade = SkillUpgradeRule(
        amounts=upgrade_r.level_amounts("amounts"),
        min_insured_months=upgrade_r.integer("min_insured_months", 12, hi=600),
    )
    risk_r = r.sub("risk")
    risk_r.check_keys({"near_full_rate", "village_share", "village_min_trainees", "far_from_home_km"})
    risk = RiskThresholds(
        near_full_rate=risk_r.number("near_full_rate", 0.98, lo=0.0, hi=1.0),
        village_share=risk_r.number("village_share", 0.5, lo=0.0, hi=1.0),
        village_min_trainees=risk_r.integer("village_min_trainees", 5, lo=1),
        far_from_home_km=risk_r.number("far_from_home_km", 150.0, lo=0.0),
    )
    default_amounts = r.level_amounts("default_amounts")
    ceiling = r.integer("amount_ceiling", lo=1, hi=CEILING_LIMIT)
    for level, yuan in default_amounts.pairs:
        if yuan > ceiling:
            name = next(k for k, v in LEVEL_BY_NAME.items() if v == level)
            raise r.fail(
                f"default_amounts.{name}", f"金额{yuan}元超过本版本设定的上限 amount_ceiling = {ceiling}元"
            )
    return CityPolicy(
        city_code=city_code,
        city_name=city_name,
        version=label,
        effective_from=r.date("effective_from"),
        occupations=_occupations(r, default_amounts),
        training_types=tuple(training_types),
        living=_living(r),
        scope=_scope(r),
        certification=_certification(r),
        enterprise_direct=direct,
        skill_upgrade=upgrade,
        risk=risk,
        cap_at_fee=r.boolean("cap_at_fee", True),
        duplicate_by=r.choice("duplicate_by", DUPLICATE_BY, "work_type"),
        amount_ceiling=ceiling,
        example=example,
        note=r.text("note") if r.has("note") else note,
        source=file,
        content_hash=content_hash(city_code, city_name, example, item),
    )


def _canonical(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    return value


def content_hash(city_code: str, city_name: str, example: bool, table: Mapping[str, Any]) -> str:
    """SHA-256 of one version's content: its TOML table (keys sorted, dates as ISO text) and the
    file's city fields. Comments and layout do not count; any value does."""
    doc = {
        "city_code": city_code,
        "city_name": city_name,
        "example": example,
        "version": _canonical(dict(table)),
    }
    text = json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_policy_file(path: Path) -> CityPolicyBook:
    """Read and validate one policy file, form and meaning. Raises :class:`PolicyFileError`
    naming what is wrong."""
    name = path.name
    try:
        with path.open("rb") as fh:
            doc = tomllib.load(fh)
    except FileNotFoundError:
        raise PolicyFileError(name, "文件不存在") from None
    except tomllib.TOMLDecodeError as exc:
        raise PolicyFileError(name, f"不是有效的 TOML：{exc}") from None
    top = Reader(name, doc)
    top.check_keys({"city_code", "city_name", "example", "note", "versions"})
    city_code = top.text("city_code")
    if not _CITY_CODE.match(city_code):
        raise top.fail("city_code", f'应为4位城市代码（如 "1401"），实际为 {city_code!r}')
    if not (name.startswith(f"{city_code}-") or name == f"{city_code}.toml"):
        raise top.fail("city_code", f"城市代码{city_code}与文件名不符（文件名应为 {city_code}-*.toml）")
    city_name = top.text("city_name")
    example = top.boolean("example")
    note = top.text("note") if top.has("note") else ""
    raw_versions = top.raw("versions", required=True)
    if not isinstance(raw_versions, list) or not raw_versions:
        raise top.fail("versions", "至少应有一个 [[versions]]")
    versions = [_version(name, city_code, city_name, example, note, v, i) for i, v in enumerate(raw_versions)]
    book = _book(name, city_code, city_name, versions)
    for version in book.versions:
        check_meaning(version)
    return book


def _book(where: str, city_code: str, city_name: str, versions: list[CityPolicy]) -> CityPolicyBook:
    versions.sort(key=lambda v: v.effective_from)
    for prev, cur in zip(versions, versions[1:], strict=False):
        if prev.effective_from == cur.effective_from:
            raise PolicyFileError(
                where,
                f"版本“{prev.version}”和“{cur.version}”都从{cur.effective_from.isoformat()}起施行",
                version=cur.version,
                field="effective_from",
            )
    labels = [v.version for v in versions]
    for label in labels:
        if labels.count(label) > 1:
            raise PolicyFileError(where, "版本号重复使用", version=label, field="version")
    return CityPolicyBook(city_code, city_name, tuple(versions))


def policy_files(city_code: str, policy_dir: Path | None = None) -> list[Path]:
    """The files of one city in ``policy_dir`` (default ``data/policy``), sorted by name."""
    folder = policy_dir or DEFAULT_POLICY_DIR
    return sorted(
        p for p in folder.glob("*.toml") if p.name.startswith(f"{city_code}-") or p.stem == city_code
    )


def available_cities(policy_dir: Path | None = None) -> list[str]:
    """City codes that have at least one policy file."""
    folder = policy_dir or DEFAULT_POLICY_DIR
    return sorted({p.name[:4] for p in folder.glob("*.toml") if _CITY_CODE.match(p.name[:4])})


def load_city_policy(city_code: str, policy_dir: Path | None = None) -> CityPolicyBook:
    """All versions of a city's policy, merged from its files; ``.at(date)`` picks the one in force.

    Raises :class:`PolicyNotFound` when the city has no file, :class:`PolicyFileError` when a file
    is invalid or two files give versions with the same start date.
    """
    files = policy_files(city_code, policy_dir)
    if not files:
        folder = policy_dir or DEFAULT_POLICY_DIR
        raise PolicyNotFound(f"no subsidy policy file for city {city_code} in {folder}")
    books = [load_policy_file(f) for f in files]
    names = {b.city_name for b in books}
    if len(names) > 1:
        raise PolicyFileError(", ".join(f.name for f in files), f"各文件的城市名称不一致：{sorted(names)}")
    versions = [v for b in books for v in b.versions]
    return _book(", ".join(f.name for f in files), city_code, books[0].city_name, versions)


def load_policy_for_adcode(adcode: str, policy_dir: Path | None = None) -> CityPolicyBook:
    """The policy of the city an administrative code belongs to (``"141124"`` → city ``"1411"``)."""
    return load_city_policy(city_code_of(adcode), policy_dir)
