"""Reading user files (CSV in UTF-8 or GBK, XLSX) into all-string polars frames, and the
row/field error type every loader reports with."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

#: Line of the first data row in a file with one header line (what Excel and editors show).
FIRST_DATA_LINE = 2


@dataclass(frozen=True, slots=True)
class RowError:
    line: int  # 1-based line/row number in the file as a person sees it (header = 1); 0 = whole file
    field: str
    message: str

    def __str__(self) -> str:
        where = f"第{self.line}行" if self.line else "文件"
        return f"{where} [{self.field}]: {self.message}"


class ValidationFailed(ValueError):
    """A file with bad rows; nothing from it was stored. ``errors`` lists every bad row and field."""

    def __init__(self, source: str, errors: list[RowError], *, limit: int = 50) -> None:
        self.source = source
        self.errors = sorted(errors, key=lambda e: (e.line, e.field, e.message))
        shown = "\n".join(f"  {e}" for e in self.errors[:limit])
        more = f"\n  ……另有{len(self.errors) - limit}处错误" if len(self.errors) > limit else ""
        super().__init__(f"{source}: {len(self.errors)}处错误，未导入任何数据:\n{shown}{more}")


def read_table(path: str | Path) -> pl.DataFrame:
    """Read a CSV (UTF-8, UTF-8 with BOM, or GBK as saved by Excel) or XLSX file; every column as
    string, surrounding whitespace stripped, empty strings as null. Raises ValidationFailed for an
    unreadable file."""
    p = Path(path)
    if not p.exists():
        raise ValidationFailed(str(p), [RowError(0, "file", "文件不存在")])
    try:
        if p.suffix.lower() in {".xlsx", ".xlsm"}:
            frame = pl.read_excel(p, engine="openpyxl", infer_schema_length=0)
        elif p.suffix.lower() == ".parquet":
            frame = pl.read_parquet(p)
        else:
            raw = p.read_bytes()
            for encoding in ("utf-8-sig", "gb18030"):
                try:
                    text = raw.decode(encoding)
                    break
                except UnicodeDecodeError:
                    continue
            else:  # pragma: no cover - gb18030 decodes any byte string
                raise ValidationFailed(str(p), [RowError(0, "file", "无法识别的文字编码（应为UTF-8或GBK）")])
            frame = pl.read_csv(text.encode("utf-8"), infer_schema_length=0)
    except ValidationFailed:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure is a bad file for the user
        raise ValidationFailed(str(p), [RowError(0, "file", f"无法读取文件: {exc}")]) from exc
    return normalise_strings(frame)


def normalise_strings(frame: pl.DataFrame) -> pl.DataFrame:
    """Cast every column to stripped strings with empty → null."""
    return frame.with_columns(
        pl.col(c).cast(pl.Utf8).str.strip_chars().replace("", None).alias(c.strip()) for c in frame.columns
    ).rename({c: c.strip() for c in frame.columns})


def require_columns(frame: pl.DataFrame, required: list[str], source: str) -> None:
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ValidationFailed(source, [RowError(1, c, "缺少必需的列") for c in missing])
