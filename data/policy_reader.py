"""Typed access to a policy file's TOML tables, every error naming file, version and field in
Chinese (:class:`data.policy_errors.PolicyFileError`). Used by :mod:`data.policy_loader`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from data.policy_errors import PolicyFileError
from matcher.subsidy.policy import LEVEL_BY_NAME, LevelAmounts


class Reader:
    """Typed access to one TOML table that reports errors with file, version and field path."""

    def __init__(self, file: str, table: Mapping[str, Any], path: str = "", version: str | None = None):
        self.file = file
        self.table = table
        self.path = path
        self.version = version

    def field(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def fail(self, key: str | None, message: str) -> PolicyFileError:
        return PolicyFileError(
            self.file, message, version=self.version, field=self.field(key) if key else (self.path or None)
        )

    def check_keys(self, allowed: set[str]) -> None:
        unknown = sorted(set(self.table) - allowed)
        if unknown:
            raise self.fail(unknown[0], f"未知的字段（允许：{'、'.join(sorted(allowed))}）")

    def has(self, key: str) -> bool:
        return key in self.table

    def raw(self, key: str, default: Any = ..., *, required: bool = False) -> Any:
        if key not in self.table:
            if required or default is ...:
                raise self.fail(key, "缺少必填字段")
            return default
        return self.table[key]

    def sub(self, key: str, *, required: bool = False) -> Reader:
        value = self.raw(key, {}, required=required)
        if not isinstance(value, dict):
            raise self.fail(key, f"应为表（table），实际为 {show(value)}")
        return Reader(self.file, value, self.field(key), self.version)

    def text(self, key: str, default: str | None = None) -> str:
        value = self.raw(key, default, required=default is None)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"应为非空文字，实际为 {show(value)}")
        return value

    def optional_text(self, key: str) -> str:
        value = self.raw(key, "")
        if not isinstance(value, str):
            raise self.fail(key, f"应为文字，实际为 {show(value)}")
        return value.strip()

    def boolean(self, key: str, default: bool | None = None) -> bool:
        value = self.raw(key, default, required=default is None)
        if not isinstance(value, bool):
            raise self.fail(key, f"应为 true 或 false，实际为 {show(value)}")
        return value

    def integer(self, key: str, default: int | None = None, *, lo: int = 0, hi: int | None = None) -> int:
        value = self.raw(key, default, required=default is None)
        if type(value) is not int or value < lo or (hi is not None and value > hi):
            span = f"{lo}至{hi}之间的整数" if hi is not None else f"不小于{lo}的整数"
            raise self.fail(key, f"应为{span}，实际为 {show(value)}")
        return value

    def number(self, key: str, default: float, *, lo: float, hi: float | None = None) -> float:
        value = self.raw(key, default)
        bad = isinstance(value, bool) or not isinstance(value, int | float) or value < lo
        if bad or (hi is not None and value > hi):
            span = f"{lo:g}至{hi:g}之间的数" if hi is not None else f"不小于{lo:g}的数"
            raise self.fail(key, f"应为{span}，实际为 {show(value)}")
        return float(value)

    def date(self, key: str) -> dt.date:
        value = self.raw(key, required=True)
        if isinstance(value, dt.datetime):
            raise self.fail(key, f"应为日期（如 2024-03-01），实际为日期时间 {value.isoformat()}")
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        raise self.fail(key, f"应为日期（如 2024-03-01），实际为 {show(value)}")

    def choice(self, key: str, allowed: Mapping[str, str] | tuple[str, ...], default: str) -> str:
        value = self.raw(key, default)
        if value not in allowed:
            raise self.fail(key, f"取值 {value!r} 不在允许范围内（{'、'.join(allowed)}）")
        return str(value)

    def choices(
        self, key: str, allowed: tuple[str, ...], default: tuple[str, ...] | None = None
    ) -> frozenset[str]:
        value = self.raw(key, list(default) if default is not None else ..., required=default is None)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, f"应为文字列表，实际为 {show(value)}")
        for item in value:
            if item not in allowed:
                raise self.fail(key, f"未知的取值 {item!r}（允许：{'、'.join(allowed)}）")
        return frozenset(value)

    def level_amounts(self, key: str, *, required: bool = False) -> LevelAmounts:
        table = self.sub(key, required=required)
        amounts: dict[int, int] = {}
        for name in table.table:
            if name not in LEVEL_BY_NAME:
                raise table.fail(name, f"未知的等级（允许：{'、'.join(LEVEL_BY_NAME)}）")
            amounts[LEVEL_BY_NAME[name]] = table.integer(name)
        return LevelAmounts.of(amounts)


def show(value: Any) -> str:
    if value is ...:
        return "空"
    return f"{type(value).__name__} {value!r}"
