"""Personal data: 身份证号 (GB 11643) and phone validation, salted hashing and masking.

Clear values never leave this module except as a salted HMAC (for look-up and de-duplication)
and a masked form (for display). Nothing here logs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")
_PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


def id_check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def id_number_problem(value: str) -> str | None:
    """None when ``value`` is a well-formed 18-character 身份证号, else what is wrong (Chinese)."""
    v = value.strip().upper()
    if not _ID_RE.match(v):
        return "身份证号应为18位（17位数字加1位数字或X）"
    try:
        dt.date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        return "身份证号中的出生日期无效"
    if id_check_char(v[:17]) != v[17]:
        return "身份证号校验位错误"
    return None


def id_birth_year(value: str) -> int:
    return int(value[6:10])


def id_gender(value: str) -> str:
    """GB 11643: the 17th digit is odd for men."""
    return "男" if int(value[16]) % 2 else "女"


def phone_problem(value: str) -> str | None:
    return None if _PHONE_RE.match(value.strip()) else "手机号应为以1开头的11位数字"


def secret_hash(value: str, secret: str) -> str:
    """Salted HMAC-SHA256 hex digest of a normalised personal identifier."""
    return hmac.new(secret.encode(), value.strip().upper().encode(), hashlib.sha256).hexdigest()


def mask_id_number(value: str) -> str:
    """ "141124199001011234" → "141***********1234"."""
    v = value.strip().upper()
    return v[:3] + "*" * (len(v) - 7) + v[-4:]


def mask_phone(value: str) -> str:
    """ "13812345678" → "138****5678"."""
    v = value.strip()
    return v[:3] + "****" + v[-4:]


def mask_name(value: str) -> str:
    """ "张三" → "张*", "欧阳小明" → "欧***"."""
    v = value.strip()
    return v[:1] + "*" * max(len(v) - 1, 1) if v else v


# --- views for callers who do not see the whole record (issue 12 item 6) ---------------------


def name_for_view(masked: str | None) -> str | None:
    """A stored masked name as anyone but the worker and their counselor sees it: the first
    character and two stars whatever the length ("张*" and "欧***" → "张**", "欧**")."""
    return masked[:1] + "**" if masked else masked


def phone_for_view(masked: str | None) -> str | None:
    """A stored masked phone ("138****5678") with at most 3+2 digits shown: "138******78"."""
    return masked[:3] + "*" * 6 + masked[-2:] if masked and len(masked) == 11 else None


def id_number_for_view(masked: str) -> str:
    """A stored masked 身份证号 ("141***********1234") without its tail: "141***************".
    With the tail, the county and the birth year beside it leave about 33 candidates; without
    it, about 180,000 (every day of the year times the sequence numbers of the gender)."""
    return masked[:3] + "*" * 15
