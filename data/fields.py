"""Declarative column specs and their vectorised checks for loader files.

Every value arrives as a string (CSV/XLSX) or a typed Parquet column; :func:`parse_columns`
turns each declared column into its type and reports each failure as a :class:`RowError`
with the file line and the field name.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from data.tabular import RowError

TRUE = {"1", "true", "yes", "y", "是", "有", "t"}
FALSE = {"0", "false", "no", "n", "否", "无", "f"}


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    kind: str = "str"  # str | int | float | date | bool
    required: bool = False
    choices: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    default: object = None
    pattern: str | None = None
    label: str = ""  # what the value is, in Chinese, for messages


def _cast(kind: str) -> pl.Expr:
    col = pl.col("__v")
    if kind == "int":
        return col.str.replace(r"\.0+$", "").cast(pl.Int64, strict=False)
    if kind == "float":
        return col.cast(pl.Float64, strict=False)
    if kind == "date":
        return col.str.replace_all("/", "-").str.to_date("%Y-%m-%d", strict=False)
    if kind == "bool":
        low = col.str.to_lowercase()
        return (
            pl.when(low.is_in(list(TRUE))).then(True).when(low.is_in(list(FALSE))).then(False).otherwise(None)
        )
    return col


_KIND_LABEL = {"int": "整数", "float": "数字", "date": "日期（YYYY-MM-DD）", "bool": "是/否"}


def parse_columns(frame: pl.DataFrame, fields: list[Field], errors: list[RowError]) -> pl.DataFrame:
    """Return a frame with column ``_line`` plus one typed column per field (defaults applied).

    ``frame`` must carry ``_line``; missing optional columns are filled with defaults; each bad
    value appends one RowError and leaves null in its place."""
    out = [frame["_line"]]
    for f in fields:
        if f.name not in frame.columns:
            if f.required:
                errors.append(RowError(1, f.name, "缺少必需的列"))
            dtype = {"int": pl.Int64, "float": pl.Float64, "date": pl.Date, "bool": pl.Boolean}.get(
                f.kind, pl.Utf8
            )
            out.append(pl.Series(f.name, [f.default] * frame.height, dtype=dtype))
            continue
        src = frame[f.name]
        if src.dtype != pl.Utf8:
            src = src.cast(pl.Utf8)
        src = src.str.strip_chars().replace("", None)
        tmp = pl.DataFrame({"_line": frame["_line"], "__v": src})
        tmp = tmp.with_columns(_cast(f.kind).alias("__t"))
        bad = tmp.filter(pl.col("__v").is_not_null() & pl.col("__t").is_null())
        for line, value in bad.select("_line", "__v").iter_rows():
            errors.append(RowError(line, f.name, f"应为{_KIND_LABEL[f.kind]}，实际为 {value!r}"))
        if f.required:
            for line in tmp.filter(pl.col("__v").is_null())["_line"]:
                errors.append(RowError(line, f.name, "不能为空"))
        typed = tmp["__t"]
        if f.choices is not None:
            bad = tmp.filter(pl.col("__t").is_not_null() & ~pl.col("__t").is_in(list(f.choices)))
            allowed = "、".join(f.choices)
            for line, value in bad.select("_line", "__t").iter_rows():
                errors.append(RowError(line, f.name, f"取值 {value!r} 不在允许范围内（{allowed}）"))
        if f.pattern is not None:
            bad = tmp.filter(pl.col("__t").is_not_null() & ~pl.col("__t").str.contains(f.pattern))
            for line, value in bad.select("_line", "__t").iter_rows():
                errors.append(RowError(line, f.name, f"格式错误: {value!r}"))
        if f.minimum is not None:
            for line, value in tmp.filter(pl.col("__t") < f.minimum).select("_line", "__t").iter_rows():
                errors.append(RowError(line, f.name, f"不能小于{f.minimum:g}（实际为 {value}）"))
        if f.maximum is not None:
            for line, value in tmp.filter(pl.col("__t") > f.maximum).select("_line", "__t").iter_rows():
                errors.append(RowError(line, f.name, f"不能大于{f.maximum:g}（实际为 {value}）"))
        if f.default is not None:
            typed = typed.fill_null(f.default)
        out.append(typed.alias(f.name))
    return pl.DataFrame(out)


def check_unique(frame: pl.DataFrame, column: str, errors: list[RowError]) -> None:
    dup = frame.filter(pl.col(column).is_not_null() & pl.col(column).is_duplicated())
    first: dict[str, int] = {}
    for line, value in dup.select("_line", column).iter_rows():
        if value in first:
            errors.append(RowError(line, column, f"{value} 在文件中重复（见第{first[value]}行）"))
        else:
            first[value] = line


def check_in(frame: pl.DataFrame, column: str, known: set[str], message: str, errors: list[RowError]) -> None:
    """Each non-null value of ``column`` must be in ``known``; ``message`` formats with {value}."""
    bad = frame.filter(pl.col(column).is_not_null() & ~pl.col(column).is_in(list(known)))
    for line, value in bad.select("_line", column).iter_rows():
        errors.append(RowError(line, column, message.format(value=value)))
