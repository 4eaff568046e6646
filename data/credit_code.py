"""统一社会信用代码 (GB 32100-2015) validation, and the stable id of an employer.

A code is 18 characters from the 31-character set ``0-9 A-H J-N P-R T U W-Y`` (no I, O, S, V, Z):
登记管理部门 (1), 机构类别 (1), 登记管理机关行政区划码 (6 digits), 主体标识码 (9, GB 11714) and
a check character computed over the first 17 with the weights ``3^i mod 31``.
"""

from __future__ import annotations

import hashlib
import re

__all__ = ["credit_code_check_char", "credit_code_problem", "employer_id"]

_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(_CHARSET)}
_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def credit_code_check_char(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters (upper case)."""
    total = sum(_VALUE[c] * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return _CHARSET[(31 - total % 31) % 31]


def credit_code_problem(value: str) -> str | None:
    """None when ``value`` is a well-formed 统一社会信用代码, else what is wrong (Chinese)."""
    v = value.strip().upper()
    if len(v) != 18:
        return "统一社会信用代码应为18位"
    if not _SHAPE.match(v):
        return "统一社会信用代码含有不允许的字符（第3至8位应为数字，且不含 I、O、S、V、Z）"
    if credit_code_check_char(v[:17]) != v[17]:
        return "统一社会信用代码校验位错误"
    return None


def employer_id(name: str, kind: str) -> str:
    """The stable id of the employer called ``name`` of ``kind`` (企业/个体工商户/民办非企业单位):
    ``"E"`` and 10 hex digits of its hash, so that an import and migration 0006 give the same id
    to the same employer without a look-up."""
    digest = hashlib.sha256(f"{kind}\x1f{name.strip()}".encode()).hexdigest()
    return "E" + digest[:10].upper()
