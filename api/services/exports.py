"""Lists as spreadsheets: CSV (UTF-8 with BOM, which Excel opens as Chinese) or XLSX, built with
polars from the same views the API returns, so an export is masked exactly as the caller's
role sees the list. Spreadsheet formula injection is neutralised: a text cell starting with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with ``'`` and so read as text.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Literal

import polars as pl
from pydantic import BaseModel

__all__ = ["MEDIA_TYPES", "neutralise", "spreadsheet"]

Format = Literal["csv", "xlsx"]
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """A cell value that a spreadsheet will not evaluate as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _frame(rows: Sequence[BaseModel], columns: Sequence[str]) -> pl.DataFrame:
    data: dict[str, list] = {c: [] for c in columns}
    for row in rows:
        dumped = row.model_dump(mode="json")
        for c in columns:
            v = dumped.get(c)
            data[c].append("|".join(map(str, v)) if isinstance(v, list) else v)
    frame = pl.DataFrame(data, schema=dict.fromkeys(columns, pl.Utf8), strict=False)
    return frame.with_columns(pl.col(c).map_elements(neutralise, return_dtype=pl.Utf8) for c in columns)


def spreadsheet(
    rows: Sequence[BaseModel], columns: Sequence[str], fmt: Format, *, header: Sequence[str] | None = None
) -> bytes:
    """``rows`` (response models) as a CSV or XLSX file with ``columns`` in that order, under
    ``header`` (default: the column names); every value as text."""
    frame = _frame(rows, columns)
    if header is not None:
        frame = frame.rename(dict(zip(columns, header, strict=True)))
    if fmt == "csv":
        return "\ufeff".encode() + frame.write_csv().encode("utf-8")
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(frame.columns))
    for values in frame.iter_rows():
        sheet.append(list(values))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
