"""Validated import of the registry facts subsidy claims are read from: certificates with their
provenance, social-insurance (参保) facts, group facts (脱贫人口名单, 大数据比对 …) and hires.

Same contract as :mod:`data.loaders`: every bad row of a file is reported with its line and field
in Chinese (:class:`data.tabular.ValidationFailed`) and nothing is stored; a good file is stored in
one transaction, recorded as an :class:`ImportBatch`, and loading it twice changes nothing.
Facts are appended, never overwritten in place: a group fact that differs from the worker's latest
one of that group becomes its next version (claims record the version they used).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from data.db.models import (
    Certificate,
    Enrollment,
    GroupFact,
    Hire,
    ImportBatch,
    InsuranceFact,
    Occupation,
    Order,
    Programme,
    Worker,
)
from data.db.session import transaction
from data.fields import Field, check_in, check_unique, parse_columns
from data.loader_specs import ID_PATTERN, LEVEL_WORDS
from data.loaders import LoadReport, _frame_hash
from data.tabular import FIRST_DATA_LINE, RowError, ValidationFailed, normalise_strings, read_table
from matcher.subsidy.policy import GRADUATE_GROUPS, GROUP_SOURCES
from matcher.types import EMPLOYER_KINDS, GROUPS

FACT_KINDS: dict[str, tuple[Field, ...]] = {
    "certificates": (
        Field("worker_id", required=True, pattern=ID_PATTERN),
        Field("number", required=True, pattern=r"^[A-Za-z0-9-]{6,64}$"),
        Field("issuing_body", required=True),
        Field("occupation_code", required=True),
        Field("work_type"),
        Field("level", "int", required=True, minimum=0, maximum=5),
        Field("issued_on", "date", required=True),
        Field("enrollment_id", "int", minimum=1),
    ),
    "insurance": (
        Field("worker_id", required=True, pattern=ID_PATTERN),
        Field("scheme", choices=("失业保险", "企业职工基本养老保险", "工伤保险"), default="失业保险"),
        Field("status", required=True, choices=("参保", "停保", "未参保")),
        Field("months", "int", required=True, minimum=0, maximum=600),
        Field("as_of", "date", required=True),
        Field("employer_name"),
        Field("source", choices=GROUP_SOURCES[:2], default="名单导入"),
    ),
    "group_facts": (
        Field("worker_id", required=True, pattern=ID_PATTERN),
        Field("group", required=True, choices=GROUPS),
        Field("source", choices=GROUP_SOURCES, default="名单导入"),
        Field("effective_from", "date"),
        Field("effective_until", "date"),
        Field("graduation_year", "int", minimum=1990, maximum=2100),
    ),
    "hires": (
        Field("worker_id", required=True, pattern=ID_PATTERN),
        Field("order_id"),
        Field("employer_name", required=True),
        Field("employer_kind", required=True, choices=EMPLOYER_KINDS),
        Field("start_date", "date", required=True),
        Field("end_date", "date"),
        Field("monthly_wage", "int", minimum=0, maximum=100_000),
    ),
}
_CHUNK = 20_000


def load_fact_file(engine: Engine, kind: str, path: str | Path) -> LoadReport:
    """Read ``path`` (CSV/XLSX/Parquet) and :func:`load_facts` it."""
    return load_facts(engine, kind, read_table(path), source=str(path))


def load_facts(engine: Engine, kind: str, frame: pl.DataFrame, *, source: str = "<frame>") -> LoadReport:
    """Validate ``frame`` as ``kind`` (one of :data:`FACT_KINDS`) and store it in one transaction."""
    if kind not in FACT_KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(FACT_KINDS)}")
    frame = normalise_strings(frame).with_row_index("_line", offset=FIRST_DATA_LINE)
    if "level" in frame.columns:
        frame = frame.with_columns(pl.col("level").replace(LEVEL_WORDS))
    errors: list[RowError] = []
    typed = parse_columns(frame, list(FACT_KINDS[kind]), errors)
    with transaction(engine) as session:
        workers = _known(session, Worker.id, typed["worker_id"])
        check_in(typed, "worker_id", workers, "未知的劳动者编号: {value}", errors)
        batch = ImportBatch(
            kind=kind,
            source=source[-256:],
            sha256=_frame_hash(frame),
            rows=typed.height,
            inserted=0,
            updated=0,
        )
        rows = _CHECKS[kind](session, typed, errors)
        if errors:
            raise ValidationFailed(source, errors)
        session.add(batch)
        session.flush()
        inserted, updated = _STORES[kind](session, rows, batch.id)
        batch.inserted, batch.updated = inserted, updated
    return LoadReport(kind, source, typed.height, inserted, updated)


def _known(session: Session, column, values: pl.Series) -> set[str]:  # type: ignore[no-untyped-def]
    wanted = values.drop_nulls().unique().to_list()
    out: set[str] = set()
    for start in range(0, len(wanted), _CHUNK):
        out.update(session.scalars(select(column).where(column.in_(wanted[start : start + _CHUNK]))))
    return out


def _date_order(typed: pl.DataFrame, first: str, last: str, label: str, errors: list[RowError]) -> None:
    for line, a, b in typed.filter(pl.col(last) < pl.col(first)).select("_line", first, last).iter_rows():
        errors.append(RowError(line, last, f"{label} {b} 早于 {a}"))


# --- certificates ----------------------------------------------------------------------------


def _check_certificates(session: Session, typed: pl.DataFrame, errors: list[RowError]) -> list[dict]:
    check_unique(typed, "number", errors)
    occupations = {o.code: o for o in session.scalars(select(Occupation))}
    check_in(typed, "occupation_code", set(occupations), "未知的职业编码: {value}", errors)
    numbers = typed["number"].drop_nulls().to_list()
    taken: dict[str, str] = {}
    for start in range(0, len(numbers), _CHUNK):
        stmt = select(Certificate.number, Certificate.worker_id).where(
            Certificate.number.in_(numbers[start : start + _CHUNK])
        )
        taken.update({n: w for n, w in session.execute(stmt) if n is not None})
    enrollment_ids = typed["enrollment_id"].drop_nulls().unique().to_list()
    enrollments = (
        {
            e.id: (e.worker_id, p.occupation_code, p.start_date)
            for e, p in session.execute(
                select(Enrollment, Programme).join(Programme).where(Enrollment.id.in_(enrollment_ids))
            )
        }
        if enrollment_ids
        else {}
    )
    rows = []
    for r in typed.iter_rows(named=True):
        line, occ = r["_line"], occupations.get(r["occupation_code"])
        if r["work_type"] and occ is not None:
            kinds = {w.strip() for w in (occ.work_types or "").split("|") if w.strip()}
            if r["work_type"] not in kinds:
                errors.append(RowError(line, "work_type", f"“{r['work_type']}”不是{occ.name}的工种"))
        if r["number"] in taken and taken[r["number"]] != r["worker_id"]:
            errors.append(RowError(line, "number", f"证书编号已登记给劳动者 {taken[r['number']]}"))
        if r["enrollment_id"] is not None:
            enr = enrollments.get(r["enrollment_id"])
            if enr is None or enr[0] != r["worker_id"]:
                errors.append(
                    RowError(line, "enrollment_id", f"报名记录 {r['enrollment_id']} 不存在或不属于该劳动者")
                )
            elif enr[1] != r["occupation_code"]:
                errors.append(RowError(line, "enrollment_id", "报名的培训项目与证书职业不同"))
            elif r["issued_on"] is not None and r["issued_on"] < enr[2]:
                errors.append(RowError(line, "issued_on", f"发证日期早于培训开始日期 {enr[2]}"))
        rows.append({k: v for k, v in r.items() if k != "_line"})
    return rows


def _store_certificates(session: Session, rows: list[dict], batch_id: int) -> tuple[int, int]:
    existing = {
        c.number: c
        for c in session.scalars(
            select(Certificate).where(Certificate.number.in_([r["number"] for r in rows]))
        )
    }
    inserted = updated = 0
    for r in rows:
        values = {**r, "year": r["issued_on"].year, "source": "import"}
        cert = existing.get(r["number"])
        if cert is None:
            session.add(Certificate(**values, import_batch_id=batch_id))
            inserted += 1
        elif any(getattr(cert, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(cert, k, v)
            updated += 1
    return inserted, updated


# --- insurance ------------------------------------------------------------------------------


def _check_insurance(session: Session, typed: pl.DataFrame, errors: list[RowError]) -> list[dict]:
    dup = typed.filter(pl.struct("worker_id", "scheme", "as_of").is_duplicated())
    for line in dup["_line"].to_list()[1:]:
        errors.append(RowError(line, "as_of", "同一劳动者同一险种同一日期的参保记录重复"))
    for line in typed.filter((pl.col("status") == "参保") & (pl.col("months") == 0))["_line"]:
        errors.append(RowError(line, "months", "参保状态下累计缴费月数不能为0"))
    return [{k: v for k, v in r.items() if k != "_line"} for r in typed.iter_rows(named=True)]


def _store_insurance(session: Session, rows: list[dict], batch_id: int) -> tuple[int, int]:
    workers = sorted({r["worker_id"] for r in rows})
    existing: dict[tuple, InsuranceFact] = {}
    for start in range(0, len(workers), _CHUNK):
        stmt = select(InsuranceFact).where(InsuranceFact.worker_id.in_(workers[start : start + _CHUNK]))
        existing.update({(f.worker_id, f.scheme, f.as_of): f for f in session.scalars(stmt)})
    inserted = updated = 0
    content = ("status", "months", "employer_name", "source")
    for r in rows:
        fact = existing.get((r["worker_id"], r["scheme"], r["as_of"]))
        if fact is None:
            session.add(InsuranceFact(**r, import_batch_id=batch_id))
            inserted += 1
        elif any(getattr(fact, c) != r[c] for c in content):
            for c in content:
                setattr(fact, c, r[c])
            fact.import_batch_id = batch_id
            updated += 1
    return inserted, updated


# --- group facts ----------------------------------------------------------------------------


def _check_groups(session: Session, typed: pl.DataFrame, errors: list[RowError]) -> list[dict]:
    _date_order(typed, "effective_from", "effective_until", "有效期截止日期", errors)
    for line, group in (
        typed.filter(pl.col("group").is_in(list(GRADUATE_GROUPS)) & pl.col("graduation_year").is_null())
        .select("_line", "group")
        .iter_rows()
    ):
        errors.append(RowError(line, "graduation_year", f"{group}须填写毕业年份"))
    return [{k: v for k, v in r.items() if k != "_line"} for r in typed.iter_rows(named=True)]


_GROUP_CONTENT = ("source", "effective_from", "effective_until", "graduation_year")


def _store_groups(session: Session, rows: list[dict], batch_id: int) -> tuple[int, int]:
    workers = sorted({r["worker_id"] for r in rows})
    latest: dict[tuple[str, str], GroupFact] = {}
    for start in range(0, len(workers), _CHUNK):
        top = (
            select(GroupFact.worker_id, GroupFact.group, func.max(GroupFact.version).label("v"))
            .where(GroupFact.worker_id.in_(workers[start : start + _CHUNK]))
            .group_by(GroupFact.worker_id, GroupFact.group)
            .subquery()
        )
        stmt = select(GroupFact).join(
            top,
            (GroupFact.worker_id == top.c.worker_id)
            & (GroupFact.group == top.c.group)
            & (GroupFact.version == top.c.v),
        )
        latest.update({(f.worker_id, f.group): f for f in session.scalars(stmt)})
    inserted = 0
    for r in rows:
        key = (r["worker_id"], r["group"])
        last = latest.get(key)
        if last is not None and all(getattr(last, c) == r[c] for c in _GROUP_CONTENT):
            continue
        fact = GroupFact(**r, version=(last.version + 1) if last else 1, import_batch_id=batch_id)
        session.add(fact)
        latest[key] = fact
        inserted += 1
    return inserted, 0


# --- hires ----------------------------------------------------------------------------------


def _check_hires(session: Session, typed: pl.DataFrame, errors: list[RowError]) -> list[dict]:
    _date_order(typed, "start_date", "end_date", "离职日期", errors)
    orders = _known(session, Order.id, typed["order_id"])
    check_in(typed, "order_id", orders, "未知的订单编号: {value}", errors)
    return [{k: v for k, v in r.items() if k != "_line"} for r in typed.iter_rows(named=True)]


def _store_hires(session: Session, rows: list[dict], batch_id: int) -> tuple[int, int]:
    workers = sorted({r["worker_id"] for r in rows})
    existing: dict[tuple, Hire] = {}
    for start in range(0, len(workers), _CHUNK):
        stmt = select(Hire).where(Hire.worker_id.in_(workers[start : start + _CHUNK]))
        existing.update({(h.worker_id, h.employer_name, h.start_date): h for h in session.scalars(stmt)})
    inserted = updated = 0
    for r in rows:
        hire = existing.get((r["worker_id"], r["employer_name"], r["start_date"]))
        if hire is None:
            session.add(Hire(**r, source="import"))
            inserted += 1
        elif any(getattr(hire, k) != v for k, v in r.items()):
            for k, v in r.items():
                setattr(hire, k, v)
            updated += 1
    return inserted, updated


_CHECKS: dict[str, Callable[[Session, pl.DataFrame, list[RowError]], list[dict]]] = {
    "certificates": _check_certificates,
    "insurance": _check_insurance,
    "group_facts": _check_groups,
    "hires": _check_hires,
}
_STORES: dict[str, Callable[[Session, list[dict], int], tuple[int, int]]] = {
    "certificates": _store_certificates,
    "insurance": _store_insurance,
    "group_facts": _store_groups,
    "hires": _store_hires,
}
