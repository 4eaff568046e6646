"""Bulk loading: every bad row reported with line and field, nothing stored from a bad file,
a good file loaded twice stays single. Runs on SQLite and PostgreSQL (``engine`` fixture)."""

from __future__ import annotations

import polars as pl
import pytest
from sqlalchemy import Engine, func, select

from data.db.models import Certificate, ImportBatch, Institution, Order, Programme, SubsidyClaim, Worker
from data.db.session import session_factory
from data.loaders import load_file, load_frame
from data.reference import load_reference
from data.tabular import ValidationFailed
from tests import factories

SECRET = "test-secret"


@pytest.fixture
def db(engine: Engine) -> Engine:
    load_reference(engine)
    return engine


def _count(engine: Engine, model: type) -> int:
    with session_factory(engine)() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def _load_world(engine: Engine) -> None:
    for kind, frame in (
        ("institutions", factories.institutions()),
        ("programmes", factories.programmes()),
        ("orders", factories.orders()),
        ("workers", factories.workers()),
    ):
        load_frame(engine, kind, frame, secret_key=SECRET)


def _errors(exc: pytest.ExceptionInfo[ValidationFailed]) -> set[tuple[int, str]]:
    return {(e.line, e.field) for e in exc.value.errors}


def test_good_world_loads_and_reloading_changes_nothing(db: Engine) -> None:
    _load_world(db)
    counts = [_count(db, m) for m in (Institution, Programme, Order, Worker, Certificate, SubsidyClaim)]
    assert counts == [2, 2, 1, 2, 1, 1]
    _load_world(db)
    assert [
        _count(db, m) for m in (Institution, Programme, Order, Worker, Certificate, SubsidyClaim)
    ] == counts
    assert _count(db, ImportBatch) == 8


def test_personal_data_is_hashed_and_masked(db: Engine) -> None:
    _load_world(db)
    with session_factory(db)() as s:
        w = s.get(Worker, "W1")
        assert w is not None
        raw = factories.workers()["id_number"][0]
        assert raw not in (w.id_number_hash, w.id_number_masked)
        assert w.id_number_masked == raw[:3] + "*" * 11 + raw[-4:]
        assert w.phone_masked == "138****5678"
        assert w.name_masked == "张*"
        assert (w.birth_year, w.gender, w.home_adcode) == (1990, "男", "141124")
        assert w.groups == ["脱贫劳动力", "返乡农民工"]


def test_unlawful_order_requirement_is_flagged(db: Engine) -> None:
    _load_world(db)
    with session_factory(db)() as s:
        order = s.get(Order, "O1")
        assert order is not None and order.flags == ["性别限制"]


def test_bad_programme_rows_reported_and_nothing_stored(db: Engine) -> None:
    load_frame(db, "institutions", factories.institutions(), secret_key=SECRET)
    frame = pl.concat(
        [
            factories.programmes(),
            factories.programmes().with_columns(
                pl.Series("id", ["P3", "P4"]),
                pl.Series("occupation_code", ["9-99-99-99", "6-29-01-01"]),  # unknown code
                pl.Series("end_date", ["2027-01-25", "2027-01-01"]),  # P4 ends before it starts
                pl.Series("seats", ["40", "-5"]),  # negative seats
                pl.Series("seats_left", ["12", None], dtype=pl.Utf8),
            ),
        ]
    ).with_columns(county=pl.Series([None, None, "火星县", None]))  # unknown county
    with pytest.raises(ValidationFailed) as exc:
        load_frame(db, "programmes", frame, secret_key=SECRET, source="programmes.csv")
    assert _errors(exc) == {(4, "occupation_code"), (4, "county"), (5, "end_date"), (5, "seats")}
    assert "programmes.csv" in str(exc.value) and "第5行 [seats]" in str(exc.value)
    assert _count(db, Programme) == 0  # the two good rows were not stored either


def test_bad_worker_rows_reported_without_clear_personal_data(db: Engine) -> None:
    good = factories.workers()
    bad_id = good["id_number"][0][:-1] + ("0" if good["id_number"][0][-1] != "0" else "1")
    frame = pl.concat(
        [
            good,
            good.with_columns(
                pl.Series("id", ["W3", "W4"]),
                pl.Series("id_number", [bad_id, "12345"]),
                pl.Series("home_address", ["火星县", "临县"]),
                pl.Series("phone", ["13812345678", "999"]),
            ),
        ]
    )
    with pytest.raises(ValidationFailed) as exc:
        load_frame(db, "workers", frame, secret_key=SECRET, source="workers.csv")
    assert _errors(exc) == {(4, "id_number"), (4, "home_address"), (5, "id_number"), (5, "phone")}
    assert bad_id not in str(exc.value) and "999" not in str(exc.value)
    assert _count(db, Worker) == 0


def test_same_id_number_under_two_worker_ids_is_refused(db: Engine) -> None:
    load_frame(db, "workers", factories.workers(), secret_key=SECRET)
    again = factories.workers().head(1).with_columns(pl.lit("W9").alias("id"))
    with pytest.raises(ValidationFailed, match="已登记为劳动者 W1"):
        load_frame(db, "workers", again, secret_key=SECRET)


def test_gbk_csv_from_excel_and_xlsx_load(db: Engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "institutions.csv"
    buf = factories.institutions().write_csv()
    path.write_bytes(buf.encode("gbk"))
    assert load_file(db, "institutions", path, secret_key=SECRET).inserted == 2
    xlsx = tmp_path / "programmes.xlsx"
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    frame = factories.programmes()
    sheet.append(frame.columns)
    for row in frame.iter_rows():
        sheet.append(list(row))
    book.save(xlsx)
    assert load_file(db, "programmes", xlsx, secret_key=SECRET).inserted == 2


def test_missing_required_column_is_reported(db: Engine) -> None:
    with pytest.raises(ValidationFailed) as exc:
        load_frame(db, "institutions", factories.institutions().drop("kind"), secret_key=SECRET)
    assert (1, "kind") in _errors(exc)
