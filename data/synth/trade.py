"""The trades of the synthetic world: one real occupation of the 2022 classification each, with
how the market pays it and how people talk about it.

A :class:`Trade` carries the occupation's real code and name (checked against the shipped
catalogue by :func:`resolve_trades`, so a wrong code fails loudly), the notice's field it belongs
to, monthly wage and course-fee ranges in yuan, who tends to do it (weights by gender, an age
tilt), how often it is trained / demanded / found in a county town, and the phrasebook:

- ``aliases``: what people call the trade ("瓦工", "泥瓦匠"); used in "想学…" wishes;
- ``named``: profile phrases that name the trade colloquially; ``{n}`` is a number of years;
- ``colloquial``: phrases that describe the work without naming it ("照顾过瘫痪的老人");
- ``history``: work-history fragments placed after "在<place>";
- ``required``: an employer's skill requirement, in posting register;
- ``course``: course content for programme descriptions;
- ``special``: 专项职业能力 titles offered at level 0, if any.

Multi-valued fields are written "a|b|c" to keep the table readable.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True, slots=True)
class Trade:
    code: str
    name: str
    work_type: str | None
    field: str  # the notice's field: 建筑, 生产制造, 乡村旅游, 维修, 家政, 餐饮, 保安, 物流, ...
    industry: str  # key of phrasebook.EMPLOYER_SUFFIXES
    wage: tuple[int, int]  # typical monthly wage in yuan (Shanxi, 2026)
    fee: tuple[int, int]  # typical course list price in yuan before subsidy
    male: float  # relative prevalence among men
    female: float  # relative prevalence among women
    age: str  # "young", "old" or "" (no tilt)
    train: float  # weight among training programmes
    demand: float  # weight among employer orders
    local: float  # weight among small local employers in county towns
    aliases: str
    named: str
    colloquial: str
    history: str
    required: str
    course: str
    special: str = ""
    startup: bool = False  # offered as a 创业培训 direction
    new_economy: bool = False  # 新职业新业态培训

    def split(self, attribute: str) -> list[str]:
        value: str = getattr(self, attribute)
        return [p for p in value.split("|") if p]


def resolve_trades(catalogue: pl.DataFrame, trades: tuple[Trade, ...]) -> tuple[Trade, ...]:
    """Check every trade against ``catalogue`` (columns code, name, work_types) and return them.

    Raises ValueError naming each trade whose code is missing, whose name differs, or whose 工种
    is not listed under its occupation: the world must only use real classification entries."""
    rows = {
        code: (name, work_types or "")
        for code, name, work_types in catalogue.select("code", "name", "work_types").iter_rows()
    }
    problems = []
    for t in trades:
        if t.code not in rows:
            problems.append(f"{t.code} {t.name}: code not in the catalogue")
        elif rows[t.code][0] != t.name:
            problems.append(f"{t.code}: catalogue says {rows[t.code][0]!r}, table says {t.name!r}")
        elif t.work_type and t.work_type not in rows[t.code][1].split("|"):
            problems.append(f"{t.code} {t.name}: 工种 {t.work_type!r} not listed")
    if problems:
        raise ValueError("trade table does not match the occupation catalogue:\n" + "\n".join(problems))
    return trades
