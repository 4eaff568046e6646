"""One record written through the validating loaders, with its audit event, in one transaction.

The API's writes reuse the checks of :mod:`data.loaders` (身份证号 and phone, Shanxi addresses,
occupation codes, wage and age ranges, dates, choices) by handing them a one-row frame of the
strings a file would hold; a bad value comes back as :class:`api.errors.Invalid` with the field
path ``["body", field]`` and the loader's Chinese message. An edit merges the change into the
stored row's values and goes through the same checks.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from api.errors import FieldError, Invalid
from api.security import Caller
from data.db.models import AuditEvent, Base
from data.loader_specs import KINDS
from data.loaders import load_frame_in
from data.tabular import ValidationFailed

__all__ = ["audit", "cell", "new_id", "store_one", "stored_values"]


def new_id(prefix: str) -> str:
    """A fresh record id: the prefix and 10 random hex digits (fits every id column)."""
    return prefix + secrets.token_hex(5).upper()


def cell(value: Any) -> str | None:
    """A value as a file's cell holds it."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "|".join(str(v) for v in value) or None
    return str(value)


def stored_values(kind: str, row: Base) -> dict[str, str | None]:
    """The loader-file values of a stored row (``county`` from its adcode)."""
    out: dict[str, str | None] = {}
    for f in KINDS[kind].fields:
        if f.name == "county":
            out["county"] = row.adcode  # type: ignore[attr-defined]
        elif hasattr(row, f.name):
            out[f.name] = cell(getattr(row, f.name))
    return out


def store_one(session: Session, kind: str, values: dict[str, str | None], *, secret_key: str) -> None:
    """Validate and store one record of ``kind`` (insert or update by ``id``) in ``session``.
    Raises :class:`Invalid` with every bad field."""
    columns = [f.name for f in KINDS[kind].fields]
    frame = pl.DataFrame({c: [values.get(c)] for c in columns}, schema=dict.fromkeys(columns, pl.Utf8))
    try:
        load_frame_in(session, kind, frame, source="api", secret_key=secret_key, record_batch=False)
    except ValidationFailed as exc:
        errors = [FieldError(loc=["body", e.field], type="value_error", msg=e.message) for e in exc.errors]
        raise Invalid("输入有误：" + "；".join(f"{e.loc[1]}：{e.msg}" for e in errors), errors) from None


def audit(session: Session, caller: Caller, action: str, entity: str, entity_id: str, payload: dict) -> None:
    """Append the audit event of a write, the caller as its actor (never personal data)."""
    session.add(
        AuditEvent(
            actor=caller.username,
            action=action,
            entity=entity,
            entity_id=entity_id,
            payload=payload,
        )
    )
