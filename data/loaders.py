"""Validating bulk loader for institutions, programmes, orders and workers.

``load_frame(engine, kind, frame)`` checks every row of a file (as read by
:func:`data.tabular.read_table`, or a typed frame such as the synthetic generator's Parquet),
reports *every* bad row with its line and field (:class:`data.tabular.ValidationFailed`) and
stores nothing in that case. A good file is stored in one transaction: new ids are inserted,
known ids updated, so loading the same file twice changes nothing. 身份证号 and phone numbers are
validated, stored only as salted hashes plus masked forms, and never logged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session

from data.credit_code import employer_id
from data.db.bulk import bulk_insert
from data.db.models import (
    Base,
    Certificate,
    Employer,
    ImportBatch,
    Institution,
    Occupation,
    Programme,
    SubsidyClaim,
)
from data.db.session import transaction
from data.fields import check_in, check_unique, parse_columns
from data.loader_specs import KINDS, LEVEL_WORDS, Spec
from data.regions import AddressError, parse_address
from data.tabular import FIRST_DATA_LINE, RowError, ValidationFailed, normalise_strings, read_table
from data.worker_rows import worker_rows as _worker_rows
from matcher.compliance import unlawful_requirements

ORDER = ("institutions", "programmes", "orders", "workers")
_CHUNK = 20_000


@dataclass(frozen=True, slots=True)
class LoadReport:
    kind: str
    source: str
    rows: int
    inserted: int
    updated: int

    def __str__(self) -> str:
        return f"{self.source}: {self.kind} {self.rows} 行，新增 {self.inserted}，更新 {self.updated}"


def load_file(engine: Engine, kind: str, path: str | Path, *, secret_key: str) -> LoadReport:
    """Read ``path`` (CSV/XLSX/Parquet) and :func:`load_frame` it."""
    return load_frame(engine, kind, read_table(path), source=str(path), secret_key=secret_key)


def load_frame(
    engine: Engine,
    kind: str,
    frame: pl.DataFrame,
    *,
    source: str = "<frame>",
    secret_key: str,
    progress: Callable[[int], None] | None = None,
) -> LoadReport:
    """Validate ``frame`` as ``kind`` and store it in one transaction (see module docstring)."""
    with transaction(engine) as session:
        return load_frame_in(session, kind, frame, source=source, secret_key=secret_key, progress=progress)


def load_frame_in(
    session: Session,
    kind: str,
    frame: pl.DataFrame,
    *,
    source: str = "<frame>",
    secret_key: str,
    progress: Callable[[int], None] | None = None,
    record_batch: bool = True,
) -> LoadReport:
    """:func:`load_frame` inside the caller's transaction (a write of the API stores its audit
    event in the same one); ``record_batch`` False for a single record, which is no import."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(ORDER)}")
    spec = KINDS[kind]
    frame = normalise_strings(frame).with_row_index("_line", offset=FIRST_DATA_LINE)
    if "level" in frame.columns or "required_level" in frame.columns:
        frame = frame.with_columns(
            pl.col(c).replace(LEVEL_WORDS) for c in ("level", "required_level") if c in frame.columns
        )
    errors: list[RowError] = []
    typed = parse_columns(frame, list(spec.fields), errors)
    check_unique(typed, "id", errors)
    rows = _ROW_BUILDERS[kind](session, typed, errors, secret_key)
    if errors:
        raise ValidationFailed(source, errors)
    inserted, updated = _store(session, spec, rows, progress)
    if kind == "workers":
        _store_worker_children(session, rows)
    if record_batch:
        session.add(
            ImportBatch(
                kind=kind,
                source=source[-256:],
                sha256=_frame_hash(frame),
                rows=typed.height,
                inserted=inserted,
                updated=updated,
            )
        )
    return LoadReport(kind, source, typed.height, inserted, updated)


def _frame_hash(frame: pl.DataFrame) -> str:
    import hashlib

    digest = hashlib.sha256()
    for value in frame.drop("_line").hash_rows(seed=0):
        digest.update(int(value).to_bytes(8, "little"))
    return digest.hexdigest()


# --- storing ---------------------------------------------------------------------------------


def _store(
    session: Session, spec: Spec, rows: list[dict], progress: Callable[[int], None] | None
) -> tuple[int, int]:
    model: type[Base] = spec.model
    ids = [r["id"] for r in rows]
    existing: dict[str, dict] = {}
    columns = [c for c in rows[0] if not c.startswith("_")] if rows else []
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        stmt = select(*(getattr(model, c) for c in columns)).where(model.id.in_(chunk))  # type: ignore[attr-defined]
        for row in session.execute(stmt):
            existing[row[0]] = dict(zip(columns, row, strict=True))
    new = [{c: r[c] for c in columns} for r in rows if r["id"] not in existing]
    changed = [
        {c: r[c] for c in columns}
        for r in rows
        if r["id"] in existing and any(existing[r["id"]][c] != r[c] for c in columns)
    ]
    for start in range(0, len(new), _CHUNK):
        bulk_insert(session, model.__table__, new[start : start + _CHUNK])  # type: ignore[arg-type]
        if progress:
            progress(len(new[start : start + _CHUNK]))
    for start in range(0, len(changed), _CHUNK):
        session.execute(update(model), changed[start : start + _CHUNK])
        if progress:
            progress(len(changed[start : start + _CHUNK]))
    session.flush()
    return len(new), len(changed)


def _store_worker_children(session: Session, rows: list[dict]) -> None:
    """A worker file's certificates (history, no provenance) are replaced per worker; its past
    claims are added as imported history unless already recorded."""
    ids = [r["id"] for r in rows]
    certs = [c for r in rows for c in r["_certificates"]]
    claims = [c for r in rows for c in r["_claims"]]
    known_claims: set[tuple] = set()
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        # only the file's own history is replaced; certificates with provenance stay
        session.execute(
            delete(Certificate).where(Certificate.worker_id.in_(chunk), Certificate.source == "worker_file")
        )
        stmt = select(
            SubsidyClaim.worker_id, SubsidyClaim.occupation_code, SubsidyClaim.level, SubsidyClaim.event_year
        ).where(SubsidyClaim.worker_id.in_(chunk))
        known_claims.update(tuple(r) for r in session.execute(stmt))
    bulk_insert(session, Certificate.__table__, certs)  # type: ignore[arg-type]
    claims = [
        c
        for c in claims
        if (c["worker_id"], c["occupation_code"], c["level"], c["event_year"]) not in known_claims
    ]
    bulk_insert(session, SubsidyClaim.__table__, claims)  # type: ignore[arg-type]


# --- per-kind row builders -------------------------------------------------------------------


def _occupation_codes(session: Session) -> set[str]:
    return set(session.scalars(select(Occupation.code)))


def _resolve_places(
    typed: pl.DataFrame, column: str, errors: list[RowError], *, required: bool = True
) -> dict[str, tuple[str, float, float]]:
    """Map each distinct place text of ``column`` (adcode or address) to (adcode, lat, lon)."""
    resolved: dict[str, tuple[str, float, float]] = {}
    for value in typed[column].drop_nulls().unique():
        try:
            r = parse_address(value)
        except AddressError:
            continue
        resolved[value] = (r.adcode, r.lat, r.lon)
    for line, value in typed.select("_line", column).iter_rows():
        if value is None:
            if required:
                errors.append(RowError(line, column, "不能为空"))
        elif value not in resolved:
            errors.append(RowError(line, column, f"未知的县（市、区）: {value!r}"))
    return resolved


def _coords(row: dict, place: tuple[str, float, float] | None, lat: str = "lat", lon: str = "lon") -> tuple:
    if place is None:
        return None, None, None
    if row.get(lat) is not None and row.get(lon) is not None:
        return place[0], row[lat], row[lon]
    return place


def _institution_rows(
    session: Session, typed: pl.DataFrame, errors: list[RowError], _secret: str
) -> list[dict]:
    places = _resolve_places(typed, "county", errors)
    rows = []
    for r in typed.iter_rows(named=True):
        adcode, lat, lon = _coords(r, places.get(r["county"]))
        rows.append(
            {
                "id": r["id"],
                "name": r["name"],
                "kind": r["kind"],
                "adcode": adcode,
                "address": r["address"],
                "lat": lat,
                "lon": lon,
                "status": r["status"],
                "completion_rate": r["completion_rate"],
                "certification_rate": r["certification_rate"],
                "employment_rate_6m": r["employment_rate_6m"],
            }
        )
    return rows


def _programme_rows(
    session: Session, typed: pl.DataFrame, errors: list[RowError], _secret: str
) -> list[dict]:
    check_in(typed, "occupation_code", _occupation_codes(session), "未知的职业编码: {value}", errors)
    inst_ids = typed["institution_id"].drop_nulls().unique().to_list()
    institutions = (
        {i.id: i for i in session.scalars(select(Institution).where(Institution.id.in_(inst_ids)))}
        if inst_ids
        else {}
    )
    check_in(typed, "institution_id", set(institutions), "未知的培训机构编号: {value}", errors)
    places = _resolve_places(typed, "county", errors, required=False)
    for line, start, end in (
        typed.filter(pl.col("end_date") < pl.col("start_date"))
        .select("_line", "start_date", "end_date")
        .iter_rows()
    ):
        errors.append(RowError(line, "end_date", f"结束日期 {end} 早于开始日期 {start}"))
    for line, left, seats in (
        typed.filter(pl.col("seats_left") > pl.col("seats"))
        .select("_line", "seats_left", "seats")
        .iter_rows()
    ):
        errors.append(RowError(line, "seats_left", f"剩余名额 {left} 超过总名额 {seats}"))
    for line, fee in (
        typed.filter(pl.col("employer_funded").fill_null(False) & (pl.col("fee") > 0))
        .select("_line", "fee")
        .iter_rows()
    ):
        errors.append(RowError(line, "fee", f"用人单位出资的培训个人不交费，费用应为0元，实为{fee}元"))
    _check_age_range(typed, errors)
    rows = []
    for r in typed.iter_rows(named=True):
        inst = institutions.get(r["institution_id"])
        place = places.get(r["county"]) if r["county"] else None
        if place is None and not r["county"] and inst is not None:
            place = (inst.adcode, inst.lat, inst.lon)
        adcode, lat, lon = _coords(r, place)
        rows.append(
            {
                "id": r["id"],
                "institution_id": r["institution_id"],
                "title": r["title"],
                "occupation_code": r["occupation_code"],
                "work_type": r["work_type"],
                "level": r["level"],
                "training_type": r["training_type"],
                "delivery": r["delivery"],
                "adcode": adcode,
                "lat": lat,
                "lon": lon,
                "start_date": r["start_date"],
                "end_date": r["end_date"],
                "hours": r["hours"],
                "seats": r["seats"],
                "seats_left": r["seats"] if r["seats_left"] is None else r["seats_left"],
                "fee": r["fee"],
                "certificate": r["certificate"],
                "min_age": r["min_age"],
                "max_age": r["max_age"],
                "min_education": r["min_education"],
                "description": r["description"] or "",
                "employer_funded": bool(r["employer_funded"]),
            }
        )
    return rows


def _check_age_range(typed: pl.DataFrame, errors: list[RowError]) -> None:
    for line, lo, hi in (
        typed.filter(pl.col("max_age") < pl.col("min_age")).select("_line", "min_age", "max_age").iter_rows()
    ):
        errors.append(RowError(line, "max_age", f"最高年龄 {hi} 小于最低年龄 {lo}"))


def _order_rows(session: Session, typed: pl.DataFrame, errors: list[RowError], _secret: str) -> list[dict]:
    check_in(typed, "occupation_code", _occupation_codes(session), "未知的职业编码: {value}", errors)
    places = _resolve_places(typed, "county", errors)
    prog_ids = typed["programme_id"].drop_nulls().unique().to_list()
    known = (
        set(session.scalars(select(Programme.id).where(Programme.id.in_(prog_ids)))) if prog_ids else set()
    )
    check_in(typed, "programme_id", known, "未知的培训项目编号: {value}", errors)
    for line, lo, hi in (
        typed.filter(pl.col("wage_max") < pl.col("wage_min"))
        .select("_line", "wage_min", "wage_max")
        .iter_rows()
    ):
        errors.append(RowError(line, "wage_max", f"最高工资 {hi} 低于最低工资 {lo}"))
    _check_age_range(typed, errors)
    rows = []
    for r in typed.iter_rows(named=True):
        adcode, lat, lon = _coords(r, places.get(r["county"]))
        text = " ".join(filter(None, (r["required_skills"], r["description"])))
        rows.append(
            {
                "id": r["id"],
                "employer_name": r["employer_name"],
                "employer_kind": r["employer_kind"],
                "employer_id": employer_id(r["employer_name"], r["employer_kind"]),
                "occupation_code": r["occupation_code"],
                "work_type": r["work_type"],
                "head_count": r["head_count"],
                "adcode": adcode,
                "lat": lat,
                "lon": lon,
                "wage_min": r["wage_min"],
                "wage_max": r["wage_max"],
                "start_date": r["start_date"],
                "required_level": r["required_level"],
                "requires_certificate": r["requires_certificate"],
                "required_skills": r["required_skills"] or "",
                "min_age": r["min_age"],
                "max_age": r["max_age"],
                "employer_trains": r["employer_trains"],
                "programme_id": r["programme_id"],
                "description": r["description"] or "",
                "flags": list(unlawful_requirements(text)),
                "priority": r["priority"],
                "status": r["status"],
            }
        )
    if not errors:
        _ensure_employers(session, rows)
    return rows


def _ensure_employers(session: Session, orders: list[dict]) -> None:
    """An employer record for every employer an order file names and the database lacks (its
    county: the first of its orders'); known employers are left as they are."""
    wanted: dict[str, dict] = {}
    for o in orders:
        wanted.setdefault(
            o["employer_id"],
            {
                "id": o["employer_id"],
                "name": o["employer_name"],
                "kind": o["employer_kind"],
                "adcode": o["adcode"],
            },
        )
    known = set(session.scalars(select(Employer.id).where(Employer.id.in_(list(wanted)))))
    new = [row for eid, row in wanted.items() if eid not in known]
    if new:
        bulk_insert(session, Employer.__table__, new)  # type: ignore[arg-type]


_ROW_BUILDERS: dict[str, Callable[[Session, pl.DataFrame, list[RowError], str], list[dict]]] = {
    "institutions": _institution_rows,
    "programmes": _programme_rows,
    "orders": _order_rows,
    "workers": _worker_rows,
}
