"""The error every policy-file check raises: file, version and field, with a Chinese reason."""

from __future__ import annotations


class PolicyFileError(ValueError):
    """A policy file is missing, unreadable or invalid. The message names file, version and field,
    e.g. ``1401-taiyuan.toml: 版本 "2024.1": living_allowance.per_day: 应为不小于0的整数``."""

    def __init__(self, file: str, message: str, *, version: str | None = None, field: str | None = None):
        self.file = file
        self.version = version
        self.field = field
        self.reason = message
        where = file
        if version is not None:
            where += f': 版本 "{version}"'
        if field is not None:
            where += f": {field}"
        super().__init__(f"{where}: {message}")
