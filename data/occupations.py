"""The national occupational classification (职业分类大典 2022): reading, validating, importing.

The product ships ``data/reference/occupations-2022.csv``: codes, names, the classification's
groups and 工种 names (facts) without the book's definitions and task lists. ``skillbridge
occupations import FILE`` loads a full catalogue with the columns of the book's machine-readable
copy (CSV or XLSX), definitions and tasks included, when a user has it.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
from sqlalchemy import Engine, select

from data.db.models import Occupation
from data.db.session import transaction
from data.tabular import FIRST_DATA_LINE, RowError, ValidationFailed, read_table, require_columns

SHIPPED_CATALOGUE = Path(__file__).resolve().parent / "reference" / "occupations-2022.csv"

COLUMNS = [
    "code",
    "name",
    "major_code",
    "major_name",
    "middle_code",
    "middle_name",
    "minor_code",
    "minor_name",
    "definition",
    "tasks",
    "work_types",
]
REQUIRED = [
    "code",
    "name",
    "major_code",
    "major_name",
    "middle_code",
    "middle_name",
    "minor_code",
    "minor_name",
]
#: "6-29-01-01" (occupation) or "6-29-99" ("其他…" residual group entries of the book)
CODE_PATTERN = r"^\d-\d{2}-\d{2}(-\d{2})?$"


def validate_catalogue(frame: pl.DataFrame, source: str) -> pl.DataFrame:
    """Check a catalogue frame (all strings); return it with optional columns added and exact
    duplicate rows dropped. Raises ValidationFailed listing every bad row and field."""
    require_columns(frame, REQUIRED, source)
    frame = frame.with_columns(
        *(pl.lit(None, pl.Utf8).alias(c) for c in COLUMNS if c not in frame.columns)
    ).select(COLUMNS)
    frame = frame.with_row_index("_line", offset=FIRST_DATA_LINE)
    errors: list[RowError] = []
    for field in REQUIRED:
        for line in frame.filter(pl.col(field).is_null())["_line"]:
            errors.append(RowError(line, field, "不能为空"))
    bad_code = frame.filter(pl.col("code").is_not_null() & ~pl.col("code").str.contains(CODE_PATTERN))
    for line, code in bad_code.select("_line", "code").iter_rows():
        errors.append(RowError(line, "code", f"职业编码格式错误: {code!r}（应如 6-29-01-01）"))
    prefix_ok = pl.col("code").str.slice(0, 1) == pl.col("major_code").str.slice(3, 1)
    for line, code, major in (
        frame.filter(pl.col("code").is_not_null() & ~prefix_ok)
        .select("_line", "code", "major_code")
        .iter_rows()
    ):
        errors.append(RowError(line, "major_code", f"大类 {major} 与职业编码 {code} 不一致"))
    # The book's machine-readable copy lists 4-05-01-04 twice under two minor groups: a repeated
    # code with the same name keeps its first row; a repeated code with another name is an error.
    body = frame.unique(subset=["code", "name"], keep="first", maintain_order=True)
    for code in body.filter(pl.col("code").is_duplicated())["code"].unique().sort():
        lines = frame.filter(pl.col("code") == code)["_line"].to_list()
        errors.append(RowError(lines[-1], "code", f"职业编码 {code} 重复且名称不同（见第{lines[0]}行）"))
    body = body.drop("_line")
    if errors:
        raise ValidationFailed(source, errors)
    return body


def read_catalogue(path: str | Path) -> pl.DataFrame:
    """Read and validate a catalogue file (CSV or XLSX with the columns of :data:`COLUMNS`)."""
    return validate_catalogue(read_table(path), str(path))


def shipped_catalogue() -> pl.DataFrame:
    """The catalogue shipped with the product (definitions and tasks are null)."""
    return read_catalogue(SHIPPED_CATALOGUE)


def import_catalogue(engine: Engine, frame: pl.DataFrame) -> tuple[int, int]:
    """Upsert a validated catalogue in one transaction. Returns (inserted, updated).

    A row from the shipped file (no definition/tasks) never blanks out definitions that a full
    catalogue already stored."""
    with transaction(engine) as session:
        existing = {o.code: o for o in session.scalars(select(Occupation))}
        inserted = updated = 0
        for row in frame.iter_rows(named=True):
            current = existing.get(row["code"])
            if current is None:
                session.add(Occupation(**row))
                inserted += 1
                continue
            changed = False
            for key, value in row.items():
                if value is None and key in ("definition", "tasks", "work_types"):
                    continue
                if getattr(current, key) != value:
                    setattr(current, key, value)
                    changed = True
            updated += changed
    return inserted, updated


def derive_shipped_file(full_catalogue: str | Path, out: str | Path = SHIPPED_CATALOGUE) -> int:
    """Write the shipped catalogue from a full one: facts only (no definitions or task lists)."""
    frame = read_catalogue(full_catalogue).with_columns(
        pl.lit(None, pl.Utf8).alias("definition"), pl.lit(None, pl.Utf8).alias("tasks")
    )
    frame.write_csv(out)
    return frame.height
