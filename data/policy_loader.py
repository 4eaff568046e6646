"""Load and validate the per-city subsidy policy files in ``data/policy/``.

One TOML file per city (``1401-taiyuan.toml``) or per city and version (``1401-2025.toml``); a
file holds ``city_code``, ``city_name``, ``example`` and one or more ``[[versions]]``, each with an
``effective_from`` date. See ``data/policy/README.md`` for the fields. Every error names the file,
the version and the field, e.g.::

    1401-taiyuan.toml: version "2024.1": living_allowance.per_day: expected a whole number of yuan ≥ 0, got -5

Files are read on every call (they are small), so editing a city's file changes the next decision
without a restart or a code change.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from matcher.policy_model import (
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
    city_code_of,
)
from matcher.types import DELIVERIES, EMPLOYER_KINDS, GROUPS, TRAINING_TYPES

DEFAULT_POLICY_DIR = Path(__file__).resolve().parent / "policy"
_OCCUPATION_CODE = re.compile(r"^\d-\d{2}-\d{2}-\d{2}$")
_CITY_CODE = re.compile(r"^\d{4}$")


class PolicyFileError(ValueError):
    """A policy file is missing, unreadable or invalid. The message names file, version and field."""

    def __init__(self, file: str, message: str, *, version: str | None = None, field: str | None = None):
        self.file = file
        self.version = version
        self.field = field
        where = file
        if version is not None:
            where += f': version "{version}"'
        if field is not None:
            where += f": {field}"
        super().__init__(f"{where}: {message}")


class PolicyNotFound(LookupError):
    """No policy file exists for a city."""


class _Reader:
    """Typed access to one TOML table that reports errors with file, version and field path."""

    def __init__(self, file: str, table: Mapping[str, Any], path: str = "", version: str | None = None):
        self.file = file
        self.table = table
        self.path = path
        self.version = version

    def _field(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def fail(self, key: str | None, message: str) -> PolicyFileError:
        return PolicyFileError(
            self.file, message, version=self.version, field=self._field(key) if key else (self.path or None)
        )

    def check_keys(self, allowed: set[str]) -> None:
        unknown = sorted(set(self.table) - allowed)
        if unknown:
            raise self.fail(unknown[0], f"unknown field (allowed: {', '.join(sorted(allowed))})")

    def has(self, key: str) -> bool:
        return key in self.table

    def raw(self, key: str, default: Any = ..., *, required: bool = False) -> Any:
        if key not in self.table:
            if required or default is ...:
                raise self.fail(key, "required field is missing")
            return default
        return self.table[key]

    def sub(self, key: str, *, required: bool = False) -> _Reader:
        value = self.raw(key, {}, required=required)
        if not isinstance(value, dict):
            raise self.fail(key, f"expected a table, got {_show(value)}")
        return _Reader(self.file, value, self._field(key), self.version)

    def text(self, key: str, default: str | None = None) -> str:
        value = self.raw(key, default, required=default is None)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"expected a non-empty string, got {_show(value)}")
        return value

    def boolean(self, key: str, default: bool | None = None) -> bool:
        value = self.raw(key, default, required=default is None)
        if not isinstance(value, bool):
            raise self.fail(key, f"expected true or false, got {_show(value)}")
        return value

    def integer(self, key: str, default: int | None = None, *, lo: int = 0, hi: int | None = None) -> int:
        value = self.raw(key, default, required=default is None)
        if type(value) is not int or value < lo or (hi is not None and value > hi):
            span = f"between {lo} and {hi}" if hi is not None else f"≥ {lo}"
            raise self.fail(key, f"expected a whole number {span}, got {_show(value)}")
        return value

    def number(self, key: str, default: float, *, lo: float, hi: float | None = None) -> float:
        value = self.raw(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < lo:
            raise self.fail(key, f"expected a number ≥ {lo}, got {_show(value)}")
        if hi is not None and value > hi:
            raise self.fail(key, f"expected a number ≤ {hi}, got {_show(value)}")
        return float(value)

    def date(self, key: str) -> dt.date:
        value = self.raw(key, required=True)
        if isinstance(value, dt.datetime):
            raise self.fail(key, f"expected a date like 2024-03-01, got a date-time {value.isoformat()}")
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        raise self.fail(key, f"expected a date like 2024-03-01, got {_show(value)}")

    def choices(
        self, key: str, allowed: tuple[str, ...], default: tuple[str, ...] | None = None
    ) -> frozenset[str]:
        value = self.raw(key, list(default) if default is not None else ..., required=default is None)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, f"expected a list of strings, got {_show(value)}")
        for item in value:
            if item not in allowed:
                raise self.fail(key, f"unknown value {item!r} (allowed: {'、'.join(allowed)})")
        return frozenset(value)

    def level_amounts(self, key: str, *, required: bool = False) -> LevelAmounts:
        table = self.sub(key, required=required)
        amounts: dict[int, int] = {}
        for name in table.table:
            if name not in LEVEL_BY_NAME:
                raise table.fail(name, f"unknown level (allowed: {'、'.join(LEVEL_BY_NAME)})")
            amounts[LEVEL_BY_NAME[name]] = table.integer(name)
        return LevelAmounts.of(amounts)


def _show(value: Any) -> str:
    if value is ...:
        return "nothing"
    return f"{type(value).__name__} {value!r}"


def _occupations(reader: _Reader, default_amounts: LevelAmounts) -> tuple[OccupationRule, ...]:
    raw = reader.raw("occupations", required=True)
    if not isinstance(raw, list) or not raw:
        raise reader.fail("occupations", "expected at least one [[versions.occupations]] entry")
    rules: list[OccupationRule] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise reader.fail(f"occupations[{i}]", f"expected a table, got {_show(item)}")
        occ = _Reader(reader.file, item, reader._field(f"occupations[{i}]"), reader.version)
        occ.check_keys({"code", "name", "amounts", "work_types"})
        code = occ.text("code")
        if not _OCCUPATION_CODE.match(code):
            raise occ.fail("code", f"expected an occupation code like 6-29-01-01, got {code!r}")
        if code in seen:
            raise occ.fail("code", f"occupation {code} is listed twice")
        seen.add(code)
        amounts = occ.level_amounts("amounts") if occ.has("amounts") else default_amounts
        if not amounts.pairs:
            raise occ.fail("amounts", "no amounts: give amounts here or in versions.default_amounts")
        work_types = occ.raw("work_types", [])
        if not isinstance(work_types, list) or not all(isinstance(w, str) and w for w in work_types):
            raise occ.fail("work_types", f"expected a list of 工种 names, got {_show(work_types)}")
        rules.append(OccupationRule(code, occ.text("name"), amounts, tuple(work_types)))
    return tuple(rules)


_VERSION_KEYS = {
    "version",
    "effective_from",
    "note",
    "cap_at_fee",
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


def _version(
    file: str, city_code: str, city_name: str, example: bool, note: str, item: Any, i: int
) -> CityPolicy:
    if not isinstance(item, dict):
        raise PolicyFileError(file, f"expected a table, got {_show(item)}", field=f"versions[{i}]")
    label = item.get("version")
    if not isinstance(label, str) or not label.strip():
        raise PolicyFileError(file, "required field is missing or empty", field=f"versions[{i}].version")
    r = _Reader(file, item, version=label)
    r.check_keys(_VERSION_KEYS)

    scope_r = r.sub("scope")
    scope_r.check_keys({"min_age", "max_age", "employer_kinds", "groups"})
    scope = ScopeRule(
        min_age=scope_r.integer("min_age", 16, hi=100),
        max_age=scope_r.integer("max_age", 60, hi=100),
        employer_kinds=scope_r.choices("employer_kinds", EMPLOYER_KINDS, EMPLOYER_KINDS),
        groups=scope_r.choices("groups", GROUPS, ()),
    )
    if scope.min_age > scope.max_age:
        raise scope_r.fail("min_age", f"min_age {scope.min_age} is above max_age {scope.max_age}")

    types_r = r.sub("training_types", required=True)
    training_types: list[tuple[str, int]] = []
    for name in types_r.table:
        if name not in TRAINING_TYPES:
            raise types_r.fail(name, f"unknown training type (allowed: {'、'.join(TRAINING_TYPES)})")
        training_types.append((name, types_r.integer(name, hi=100)))
    if not training_types:
        raise types_r.fail(None, "expected at least one training type with its percent")

    cert_r = r.sub("certification")
    cert_r.check_keys({"pay_on", "uncertified_percent", "evaluation_amounts"})
    pay_on = cert_r.text("pay_on", "certification")
    if pay_on not in ("completion", "certification"):
        raise cert_r.fail("pay_on", f'expected "completion" or "certification", got {pay_on!r}')
    certification = CertificationRule(
        pay_on=pay_on,
        uncertified_percent=cert_r.integer("uncertified_percent", 0, hi=100),
        evaluation_amounts=cert_r.level_amounts("evaluation_amounts"),
    )

    living_r = r.sub("living_allowance", required=True)
    living_r.check_keys({"groups", "per_day", "cap", "deliveries", "hours_per_day"})
    living = LivingAllowanceRule(
        groups=living_r.choices("groups", GROUPS),
        per_day=living_r.integer("per_day"),
        cap=living_r.integer("cap"),
        deliveries=living_r.choices("deliveries", DELIVERIES, ("线下", "混合")),
        hours_per_day=living_r.integer("hours_per_day", 8, lo=1, hi=24),
    )

    direct_r = r.sub("enterprise_direct")
    direct_r.check_keys({"enabled", "employer_kinds"})
    direct = EnterpriseDirectRule(
        enabled=direct_r.boolean("enabled", True),
        employer_kinds=direct_r.choices("employer_kinds", EMPLOYER_KINDS, ("企业",)),
    )

    upgrade_r = r.sub("skill_upgrade")
    upgrade_r.check_keys({"amounts"})

    risk_r = r.sub("risk")
    risk_r.check_keys({"near_full_rate", "village_share", "village_min_trainees", "far_from_home_km"})
    risk = RiskThresholds(
        near_full_rate=risk_r.number("near_full_rate", 0.98, lo=0.0, hi=1.0),
        village_share=risk_r.number("village_share", 0.5, lo=0.0, hi=1.0),
        village_min_trainees=risk_r.integer("village_min_trainees", 5, lo=1),
        far_from_home_km=risk_r.number("far_from_home_km", 150.0, lo=0.0),
    )

    default_amounts = r.level_amounts("default_amounts")
    return CityPolicy(
        city_code=city_code,
        city_name=city_name,
        version=label,
        effective_from=r.date("effective_from"),
        occupations=_occupations(r, default_amounts),
        training_types=tuple(training_types),
        living=living,
        scope=scope,
        certification=certification,
        enterprise_direct=direct,
        skill_upgrade=upgrade_r.level_amounts("amounts"),
        risk=risk,
        cap_at_fee=r.boolean("cap_at_fee", True),
        example=example,
        note=r.text("note") if r.has("note") else note,
        source=file,
    )


def load_policy_file(path: Path) -> CityPolicyBook:
    """Read and validate one policy file. Raises :class:`PolicyFileError` naming what is wrong."""
    name = path.name
    try:
        with path.open("rb") as fh:
            doc = tomllib.load(fh)
    except FileNotFoundError:
        raise PolicyFileError(name, "file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise PolicyFileError(name, f"not valid TOML: {exc}") from None
    top = _Reader(name, doc)
    top.check_keys({"city_code", "city_name", "example", "note", "versions"})
    city_code = top.text("city_code")
    if not _CITY_CODE.match(city_code):
        raise top.fail("city_code", f'expected a 4-digit city code like "1401", got {city_code!r}')
    if not (name.startswith(f"{city_code}-") or name == f"{city_code}.toml"):
        raise top.fail("city_code", f"{city_code} does not match the file name (expected {city_code}-*.toml)")
    city_name = top.text("city_name")
    example = top.boolean("example")
    note = top.text("note") if top.has("note") else ""
    raw_versions = top.raw("versions", required=True)
    if not isinstance(raw_versions, list) or not raw_versions:
        raise top.fail("versions", "expected at least one [[versions]] table")
    versions = [_version(name, city_code, city_name, example, note, v, i) for i, v in enumerate(raw_versions)]
    return _book(name, city_code, city_name, versions)


def _book(where: str, city_code: str, city_name: str, versions: list[CityPolicy]) -> CityPolicyBook:
    versions.sort(key=lambda v: v.effective_from)
    for prev, cur in zip(versions, versions[1:], strict=False):
        if prev.effective_from == cur.effective_from:
            raise PolicyFileError(
                where,
                f'versions "{prev.version}" and "{cur.version}" both start on '
                f"{cur.effective_from.isoformat()}",
                version=cur.version,
                field="effective_from",
            )
    labels = [v.version for v in versions]
    for label in labels:
        if labels.count(label) > 1:
            raise PolicyFileError(where, "version label used twice", version=label, field="version")
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
        raise PolicyFileError(
            ", ".join(f.name for f in files), f"city_name differs between files: {sorted(names)}"
        )
    versions = [v for b in books for v in b.versions]
    return _book(", ".join(f.name for f in files), city_code, books[0].city_name, versions)


def load_policy_for_adcode(adcode: str, policy_dir: Path | None = None) -> CityPolicyBook:
    """The policy of the city an administrative code belongs to (``"141124"`` → city ``"1411"``)."""
    return load_city_policy(city_code_of(adcode), policy_dir)
