"""Bulk upload over HTTP: a CSV (UTF-8 or GBK, as Excel saves it) or XLSX file of workers,
programmes, orders, institutions or an institution's training ledger, all or nothing, within the
caller's scope; and the errors of a refused file as a spreadsheet.

The file goes through :func:`data.loaders.load_frame_in` (every bad row with its line, field and
a Chinese message; nothing stored then) inside one transaction that also checks scope, row by
row, before and after: a counselor's workers must live in their region (also the stored rows a
file would overwrite), an institution's programmes must be its own, an employer's orders its
own, an admin's institutions in their region. Loading the same file again changes nothing (rows
are keyed by id). The size limit is ``Settings.upload_max_bytes``. A ledger (its trainees'
enrollments, completions and certificates) goes through the records services instead
(:mod:`api.services.ledger_upload`), keyed by worker and programme.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from pydantic import BaseModel
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from api.errors import FieldError, Forbidden, Invalid
from api.security import Caller
from api.services.exports import spreadsheet
from api.services.ledger_upload import store_ledger
from api.services.record_writes import audit
from data.db.models import Institution, Order, Programme, Worker
from data.db.session import transaction
from data.loaders import LoadReport, load_frame_in
from data.tabular import FIRST_DATA_LINE, RowError, ValidationFailed, read_table

__all__ = ["IMPORT_ROLES", "ImportResult", "errors_xlsx", "import_file"]

#: kind → the role that may upload it
IMPORT_ROLES = {
    "workers": "counselor",
    "programmes": "institution",
    "orders": "employer",
    "institutions": "admin",
    "ledger": "institution",
}
_SUFFIXES = {".csv", ".xlsx"}


@dataclass(frozen=True)
class ImportResult:
    kind: str
    rows: int
    inserted: int
    updated: int


def _invalid(errors: list[RowError]) -> Invalid:
    fields = [FieldError(loc=["file", e.line, e.field], type="value_error", msg=e.message) for e in errors]
    shown = "；".join(str(e) for e in sorted(errors, key=lambda e: (e.line, e.field))[:5])
    more = f"，另有{len(errors) - 5}处" if len(errors) > 5 else ""
    return Invalid(f"文件有{len(errors)}处错误，未导入任何数据：{shown}{more}", fields)


class _ErrorRow(BaseModel):
    line: int
    field: str
    message: str


#: the columns of the errors spreadsheet, as a person reads them
ERROR_HEADER = ("行号", "字段", "错误说明")


def errors_xlsx(errors: Sequence[FieldError]) -> bytes:
    """The errors of a refused file (:class:`Invalid`'s, ``loc`` ``["file", line, field]``) as an
    XLSX workbook: one row per error, in the order of the JSON answer, under :data:`ERROR_HEADER`."""
    rows = [_ErrorRow(line=int(e.loc[1]), field=str(e.loc[2]), message=e.msg) for e in errors]
    return spreadsheet(rows, ("line", "field", "message"), "xlsx", header=ERROR_HEADER)


def _lines(frame: pl.DataFrame) -> dict[str, int]:
    ids = frame["id"].to_list() if "id" in frame.columns else []
    return {str(i): n + FIRST_DATA_LINE for n, i in enumerate(ids) if i is not None}


def _owner_rows(session: Session, kind: str, ids: list[str]) -> list[tuple[str, str | None]]:
    """(id, what scope is decided on) of the stored rows among ``ids``."""
    column = {
        "workers": (Worker.id, Worker.home_adcode),
        "programmes": (Programme.id, Programme.institution_id),
        "orders": (Order.id, Order.employer_id),
        "institutions": (Institution.id, Institution.adcode),
    }[kind]
    return [(str(a), b) for a, b in session.execute(select(*column).where(column[0].in_(ids)))]


def _in_scope(caller: Caller, kind: str, key: str | None) -> bool:
    if kind in ("workers", "institutions"):
        return caller.covers(key)
    if kind == "programmes":
        return key == caller.institution_id
    return key is not None and key == caller.employer_id


_OUTSIDE = {
    "workers": ("home_address", "该劳动者不在您的辖区（{region}）内"),
    "institutions": ("county", "该机构不在您的辖区（{region}）内"),
    "programmes": ("institution_id", "只能导入本机构（{institution}）的培训项目"),
    # an order's employer id follows from its name and kind (data.credit_code.employer_id)
    "orders": ("employer_name", "只能导入本单位的用工订单（单位名称与类型应与登记的一致）"),
}


def _scope_errors(session: Session, caller: Caller, kind: str, lines: dict[str, int]) -> list[RowError]:
    field, template = _OUTSIDE[kind]
    msg = template.format(region=caller.region, institution=caller.institution_id)
    return [
        RowError(lines[rid], field, msg)
        for rid, key in _owner_rows(session, kind, list(lines))
        if not _in_scope(caller, kind, key)
    ]


def import_file(
    engine: Engine,
    caller: Caller,
    kind: str,
    filename: str,
    content: bytes,
    *,
    secret_key: str,
    today: dt.date | None = None,
) -> ImportResult:
    """Store the uploaded file of ``kind`` (see the module docstring; ``today`` dates a ledger's
    checks). Raises :class:`Forbidden` for a kind the caller's role does not upload,
    :class:`Invalid` with every bad row."""
    if IMPORT_ROLES.get(kind) != caller.role:
        raise Forbidden(f"无权导入此类数据：{kind}")
    suffix = Path(filename or "").suffix.lower()
    if suffix not in _SUFFIXES:
        raise _invalid([RowError(0, "file", "文件应为 .csv（UTF-8 或 GBK）或 .xlsx")])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(content)
        try:
            frame = read_table(path)
        except ValidationFailed as exc:
            raise _invalid(exc.errors) from None
    source = filename[-200:]
    try:
        with transaction(engine) as session:
            if kind == "ledger":
                ledger = store_ledger(session, caller, frame, source=source, today=today or dt.date.today())
                rows, inserted, updated = ledger.rows, ledger.inserted, ledger.updated
            else:
                report = _load_in_scope(session, caller, kind, frame, source, secret_key)
                rows, inserted, updated = report.rows, report.inserted, report.updated
            audit(
                session,
                caller,
                f"import.{kind}",
                "import",
                kind,
                {"rows": rows, "inserted": inserted, "updated": updated},
            )
    except ValidationFailed as exc:
        raise _invalid(exc.errors) from None
    return ImportResult(kind, rows, inserted, updated)


def _load_in_scope(
    session: Session, caller: Caller, kind: str, frame: pl.DataFrame, source: str, secret_key: str
) -> LoadReport:
    """Load a catalogue or workers file, every row within the caller's scope before and after."""
    lines = _lines(frame)
    before = _scope_errors(session, caller, kind, lines)
    if before:
        raise _invalid(before)
    report = load_frame_in(session, kind, frame, source=source, secret_key=secret_key)
    after = _scope_errors(session, caller, kind, lines)
    if after:
        raise _invalid(after)
    return report
