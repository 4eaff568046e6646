"""An institution's training ledger (培训台账) uploaded as a file: one row per trainee of one of its
programmes — who (``worker_id``), where (``programme_id``), since when (``enrolled_on``), and, when
they happened, completion (``completed_on`` with ``hours_attended``) and the certificate earned on
the course (``certificate_number``, ``certificate_date``).

Each row is stored through the records services, step by step, as the institution would record it
by hand: a place in the programme (:func:`api.services.enrollments.place_in`, one seat), the
confirmation (报名 → 在训), the completion (:func:`api.services.outcomes.complete_in`) and the
certificate (:func:`api.services.outcomes.certify_in`, with provenance), each with its audit event
and the institution as actor. Rows are keyed by worker and programme: a step the records already
hold with the file's values is skipped, so the same file again changes nothing; a value that
differs from what is recorded (another enrolment or completion date, another certificate) is a
row error, never an overwrite. A programme of another institution reads as unknown.

Every row is checked before any of its steps is written, in the caller's transaction; the caller
raises :class:`data.tabular.ValidationFailed` (every bad row, nothing stored) when any row failed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.errors import ServiceError
from api.services import enrollments, outcomes
from api.services.record_access import Actor, programme_for_institution
from data.db.models import Certificate, Enrollment, Programme, Worker
from data.fields import Field, check_unique, parse_columns
from data.loader_specs import ID_PATTERN
from data.tabular import FIRST_DATA_LINE, RowError, ValidationFailed, normalise_strings

__all__ = ["LEDGER_FIELDS", "LedgerReport", "store_ledger"]

LEDGER_FIELDS = (
    Field("worker_id", required=True, pattern=ID_PATTERN),
    Field("programme_id", required=True, pattern=ID_PATTERN),
    Field("enrolled_on", "date", required=True),
    Field("completed_on", "date"),
    Field("hours_attended", "int", minimum=0, maximum=5000),
    Field("certificate_number"),
    Field("certificate_date", "date"),
)

#: a service's field name → the ledger file's column (a certificate's occupation, level and 工种
#: are the programme's)
_COLUMNS = {
    "number": "certificate_number",
    "issued_on": "certificate_date",
    "occupation_code": "programme_id",
    "level": "programme_id",
    "work_type": "programme_id",
}


@dataclass(frozen=True, slots=True)
class LedgerReport:
    rows: int
    #: enrollments the file created
    inserted: int
    #: enrollments the file moved on (confirmed, completed, certified)
    updated: int


@dataclass(frozen=True, slots=True)
class _Row:
    line: int
    worker_id: str
    programme_id: str
    enrolled_on: dt.date
    completed_on: dt.date | None
    hours_attended: int | None
    certificate_number: str | None
    certificate_date: dt.date | None


class _RowFailed(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _refused(exc: ServiceError, field: str) -> _RowFailed:
    """A service's refusal as the row's error: on the field it names, else on ``field``."""
    named = exc.errors[0].loc[-1] if exc.errors else field
    return _RowFailed(_COLUMNS.get(str(named), str(named)), exc.errors[0].msg if exc.errors else exc.message)


def _pairs(typed: pl.DataFrame, errors: list[RowError]) -> list[_Row]:
    """The well-formed rows; a missing half of a pair of columns, or a trainee twice, is an error."""
    rows: list[_Row] = []
    for r in typed.iter_rows(named=True):
        line = r["_line"]
        bad = False
        if (r["completed_on"] is None) != (r["hours_attended"] is None):
            missing = "hours_attended" if r["hours_attended"] is None else "completed_on"
            errors.append(RowError(line, missing, "结业日期与出勤学时须同时填写"))
            bad = True
        if (r["certificate_number"] is None) != (r["certificate_date"] is None):
            missing = "certificate_date" if r["certificate_date"] is None else "certificate_number"
            errors.append(RowError(line, missing, "证书编号与发证日期须同时填写"))
            bad = True
        if not bad and None not in (r["worker_id"], r["programme_id"], r["enrolled_on"]):
            rows.append(_Row(**{k: v for k, v in r.items() if k != "_line"}, line=line))
    keys = typed.select(
        "_line", pl.concat_str("worker_id", "programme_id", separator="/").alias("programme_id")
    )
    check_unique(keys, "programme_id", errors)
    check_unique(typed, "certificate_number", errors)
    return rows


def store_ledger(
    session: Session, actor: Actor, frame: pl.DataFrame, *, source: str, today: dt.date
) -> LedgerReport:
    """Store the ledger ``frame`` (as :func:`data.tabular.read_table` reads a file) for the calling
    institution in ``session`` (see the module docstring). Raises :class:`ValidationFailed` with
    every bad row; the caller's transaction must then be rolled back."""
    frame = normalise_strings(frame).with_row_index("_line", offset=FIRST_DATA_LINE)
    errors: list[RowError] = []
    typed = parse_columns(frame, list(LEDGER_FIELDS), errors)
    rows = _pairs(typed, errors)
    failed = {e.line for e in errors}
    inserted = updated = 0
    for row in rows:
        if row.line in failed:
            continue
        try:
            change = _store_row(session, actor, row, today)
        except _RowFailed as exc:
            errors.append(RowError(row.line, exc.field, exc.message))
            continue
        inserted += change == "inserted"
        updated += change == "updated"
    if errors:
        raise ValidationFailed(source, errors)
    return LedgerReport(typed.height, inserted, updated)


def _programme(s: Session, actor: Actor, row: _Row) -> Programme:
    try:
        return programme_for_institution(s, actor, row.programme_id)
    except ServiceError as exc:
        raise _refused(exc, "programme_id") from None


def _check(s: Session, row: _Row, programme: Programme, held: Enrollment | None, today: dt.date) -> None:
    """Every refusal the row's steps would meet, before any is written."""
    if held is None or held.status == enrollments.REQUESTED:
        worker = s.get(Worker, row.worker_id)
        if worker is None:
            raise _RowFailed("worker_id", f"未找到劳动者 {row.worker_id}")
        if not worker.active:
            raise _RowFailed("worker_id", f"劳动者 {row.worker_id} 已停用，不能报名")
        if row.enrolled_on > today:
            raise _RowFailed(
                "enrolled_on", f"报名日期 {row.enrolled_on.isoformat()} 晚于今天 {today.isoformat()}"
            )
        if row.enrolled_on > programme.end_date:
            end = programme.end_date.isoformat()
            raise _RowFailed("enrolled_on", f"报名日期 {row.enrolled_on.isoformat()} 晚于培训结束日期 {end}")
        if programme.seats_left <= 0:
            raise _RowFailed("programme_id", f"培训项目 {programme.id} 名额已满")
    elif held.status == enrollments.WITHDRAWN:
        raise _RowFailed("programme_id", f"该劳动者已退出培训项目 {programme.id}，不能通过台账重新报名")
    elif held.enrolled_on != row.enrolled_on:
        raise _RowFailed("enrolled_on", f"已登记的报名日期为 {held.enrolled_on.isoformat()}，与文件不同")
    done = held is not None and held.status == enrollments.COMPLETED
    if row.completed_on is not None and row.hours_attended is not None:
        if done:
            assert held is not None
            if (held.completed_on, held.hours_attended) != (row.completed_on, row.hours_attended):
                on = held.completed_on.isoformat() if held.completed_on else "—"
                raise _RowFailed(
                    "completed_on", f"已登记结业（{on}，出勤{held.hours_attended}学时），与文件不同，不能修改"
                )
        elif row.completed_on < row.enrolled_on:
            raise _RowFailed("completed_on", f"结业日期 {row.completed_on.isoformat()} 早于报名日期")
        else:
            try:
                outcomes.check_completion(
                    programme, completed_on=row.completed_on, hours_attended=row.hours_attended, today=today
                )
            except ServiceError as exc:
                raise _refused(exc, "completed_on") from None
    elif row.certificate_number is not None and not done:
        raise _RowFailed("completed_on", "登记证书须先登记结业：请填写结业日期与出勤学时")
    if row.certificate_number is None or row.certificate_date is None:
        return
    recorded = (
        s.scalars(select(Certificate).where(Certificate.enrollment_id == held.id)).first() if held else None
    )
    if recorded is not None:
        if (recorded.number, recorded.issued_on) != (row.certificate_number, row.certificate_date):
            raise _RowFailed(
                "certificate_number", f"该学员已登记证书 {recorded.number}，与文件不同，不能修改"
            )
        return
    try:
        outcomes.check_certificate(
            s,
            programme,
            occupation_code=programme.occupation_code,
            level=programme.level,
            number=row.certificate_number,
            issued_on=row.certificate_date,
            work_type=programme.work_type,
            today=today,
        )
    except ServiceError as exc:
        raise _refused(exc, "certificate_number") from None


def _store_row(s: Session, actor: Actor, row: _Row, today: dt.date) -> str | None:
    """Write the steps the records lack; "inserted", "updated" or None (nothing to do)."""
    programme = _programme(s, actor, row)
    held = s.scalars(
        select(Enrollment).where(
            Enrollment.worker_id == row.worker_id, Enrollment.programme_id == programme.id
        )
    ).first()
    _check(s, row, programme, held, today)
    change: str | None = None
    try:
        if held is None or held.status == enrollments.REQUESTED:
            change = "inserted" if held is None else "updated"
            held = enrollments.place_in(s, actor, row.worker_id, programme, enrolled_on=row.enrolled_on)
        if held.status == enrollments.ENROLLED:
            change = change or "updated"
            enrollments.confirm_in(s, actor, held.id)
        if (
            row.completed_on is not None
            and row.hours_attended is not None
            and held.status != enrollments.COMPLETED
        ):
            change = change or "updated"
            outcomes.complete_in(
                s,
                actor,
                held.id,
                completed_on=row.completed_on,
                hours_attended=row.hours_attended,
                today=today,
            )
        if row.certificate_number is not None and row.certificate_date is not None and not held.certified:
            change = change or "updated"
            outcomes.certify_in(
                s,
                actor,
                held.id,
                occupation_code=programme.occupation_code,
                level=programme.level,
                number=row.certificate_number,
                issued_on=row.certificate_date,
                work_type=programme.work_type,
                issuing_body=None,
                today=today,
            )
    except ServiceError as exc:  # a record that changed since it was read
        raise _refused(exc, "programme_id") from None
    return change
