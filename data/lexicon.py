"""The colloquial title lexicon: how people name jobs (俗称、别称、旧称, abbreviations, miswritings).

``data/reference/occupation_lexicon.csv`` is written by this project from its own knowledge of how
workers and employers in China name jobs, for the occupations where migrant workers concentrate
(majors 4 and 6 first). One row per (alias, code)::

    alias       "瓦匠", "开叉车的", "外卖小哥", "砼工" — never a catalogue name or 工种 (those are
                indexed from the catalogue already, and T1 stays a fair test)
    code        the national occupation code the alias names ("6-29-01-01")
    work_type   the catalogue 工种 it names when one fits ("建筑瓦工"), else empty
    register    where the alias comes from: posting (招聘启事), spoken (口语), regional (方言/地方叫法)
    kind        alias (俗称/别称), miswriting (常见错写), abbreviation (缩写/拼音首字母), former (旧称)

An alias may name several occupations ("啤工": punch press or injection moulding in Cantonese);
each reading is its own row.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl

from data.tabular import RowError, ValidationFailed, read_table, require_columns

__all__ = [
    "KINDS",
    "LEXICON_COLUMNS",
    "REGISTERS",
    "SHIPPED_LEXICON",
    "lexicon_digest",
    "lexicon_documents",
    "read_lexicon",
    "shipped_lexicon",
]

SHIPPED_LEXICON = Path(__file__).resolve().parent / "reference" / "occupation_lexicon.csv"
LEXICON_COLUMNS = ["alias", "code", "work_type", "register", "kind"]
REGISTERS = frozenset({"posting", "spoken", "regional"})
KINDS = frozenset({"alias", "miswriting", "abbreviation", "former"})


def read_lexicon(path: str | Path = SHIPPED_LEXICON) -> pl.DataFrame:
    """The lexicon frame (all strings, ``work_type`` "" when none). Raises ValidationFailed
    naming every bad row (empty alias or code, unknown register or kind, repeated alias+code)."""
    frame = read_table(path)
    require_columns(frame, LEXICON_COLUMNS, str(path))
    frame = frame.select(LEXICON_COLUMNS).with_columns(pl.col("work_type").fill_null(""))
    frame = frame.with_row_index("_line", offset=2)
    errors: list[RowError] = []
    for field in ("alias", "code", "register", "kind"):
        for line in frame.filter(pl.col(field).is_null() | (pl.col(field).str.strip_chars() == ""))["_line"]:
            errors.append(RowError(line, field, "不能为空"))
    for field, allowed in (("register", REGISTERS), ("kind", KINDS)):
        bad = frame.filter(pl.col(field).is_not_null() & ~pl.col(field).is_in(sorted(allowed)))
        for line, value in bad.select("_line", field).iter_rows():
            errors.append(RowError(line, field, f"取值 {value!r} 无效（应为 {'、'.join(sorted(allowed))}）"))
    repeated = frame.filter(pl.struct("alias", "code").is_duplicated())
    for line, alias, code in repeated.select("_line", "alias", "code").iter_rows():
        errors.append(RowError(line, "alias", f"别称 {alias!r} → {code} 重复"))
    if errors:
        raise ValidationFailed(str(path), sorted(errors, key=lambda e: (e.line, e.field)))
    return frame.drop("_line")


def shipped_lexicon() -> pl.DataFrame:
    """The lexicon shipped with the product."""
    return read_lexicon(SHIPPED_LEXICON)


def lexicon_digest(frame: pl.DataFrame) -> str:
    """sha256 (hex, 16 characters) of the lexicon's rows in a canonical order: names what a
    recogniser built on it read, so a changed lexicon re-derives stored profiles."""
    digest = hashlib.sha256()
    for row in frame.select(LEXICON_COLUMNS).sort(LEXICON_COLUMNS).iter_rows():
        digest.update("\x1f".join(row).encode("utf-8") + b"\x1e")
    return digest.hexdigest()[:16]


def lexicon_documents(frame: pl.DataFrame, codes: list[str]) -> tuple[list[str], list[list[str]]]:
    """Per occupation in ``codes`` order: (one text of all its aliases "、"-joined, the aliases).

    A code without aliases gets "" and []; aliases of codes not in ``codes`` are ignored.
    """
    aliases: dict[str, list[str]] = {c: [] for c in codes}
    for alias, code in frame.select("alias", "code").iter_rows():
        if code in aliases:
            aliases[code].append(alias)
    return ["、".join(aliases[c]) for c in codes], [aliases[c] for c in codes]
