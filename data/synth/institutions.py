"""Training institutions of every type in all 11 cities (institutions.parquet).

Columns (the loader's ``institutions`` kind): id ("I0001"), name, kind, county (6-digit adcode),
address, lat, lon, status ("active"; about 4% "suspended"), completion_rate,
certification_rate, employment_rate_6m (0–1). About 3% have an abnormal record — near-100%
completion and certification — for the risk checks to find.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from data.synth.config import Context
from data.synth.geography import TOWN_JITTER_DEG, jitter
from data.synth.phrasebook import EMPLOYER_SUFFIXES, GIVEN_FEMALE, GIVEN_MALE, SURNAMES, brand_for
from data.synth.sampling import INSTITUTIONS, pick, stream, weighted
from matcher.types import INSTITUTION_KINDS

KIND_WEIGHTS = {"技工院校": 0.12, "职业院校": 0.12, "民办培训机构": 0.5, "企业培训中心": 0.14,
                "高技能人才培训基地": 0.06, "技能大师工作室": 0.06}  # fmt: skip
ROADS = [
    "建设路",
    "解放路",
    "人民路",
    "新华街",
    "文化路",
    "府前街",
    "迎宾路",
    "中心街",
    "滨河路",
    "朝阳街",
    "工业路",
    "育才路",
    "振兴街",
    "和平路",
]
PRIVATE_SUFFIX = ("职业培训学校", "职业技能培训学校", "技能培训中心", "职业培训学校有限公司")
SKILLED_FIELDS = {"建筑", "生产制造", "维修"}


@dataclass(frozen=True, slots=True)
class Institutions:
    """The frame plus, per row, the index of the trade the institution is known for."""

    frame: pl.DataFrame
    focus_trade: np.ndarray  # (n,) int64 index into Context.trades


def _short(name: str) -> str:
    return name[:-1] if len(name) > 2 and name[-1] in "市县区" else name


def make_institutions(ctx: Context, n: int) -> Institutions:
    """Draw ``n`` institutions (n >= 11: the first 11 cover each city; every type appears)."""
    if n < len(INSTITUTION_KINDS):
        raise ValueError(f"need at least {len(INSTITUTION_KINDS)} institutions, got {n}")
    rng = stream(ctx.seed, INSTITUTIONS)
    geo, trades = ctx.geo, ctx.trades
    kinds = np.array(INSTITUTION_KINDS, dtype=object)[weighted(rng, list(KIND_WEIGHTS.values()), n)]
    kinds[: len(INSTITUTION_KINDS)] = INSTITUTION_KINDS
    city_pop = np.array([geo.worker_weight[geo.city_adcode == c].sum() for c in geo.cities])
    city = weighted(rng, city_pop, n)
    city[: min(n, len(geo.cities))] = np.arange(min(n, len(geo.cities)))
    county = np.empty(n, dtype=np.int64)
    for i in range(n):  # n is small (hundreds to a few thousand)
        in_city = np.flatnonzero(geo.city_adcode == geo.cities[city[i]])
        urban = kinds[i] != "民办培训机构"
        w = np.where(geo.is_district[in_city], 3.0 if urban else 1.5, 0.4 if urban else 1.0)
        county[i] = in_city[weighted(rng, w, 1)[0]]
    skilled = np.array([t.field in SKILLED_FIELDS for t in trades])
    train_w = np.array([t.train for t in trades])
    demand_w = np.array([t.demand for t in trades])
    focus = weighted(rng, train_w, n)
    enterprise = kinds == "企业培训中心"
    focus[enterprise] = weighted(rng, demand_w, int(enterprise.sum()))
    master = kinds == "技能大师工作室"
    focus[master] = weighted(rng, train_w * np.where(skilled, 3.0, 0.5), int(master.sum()))

    names = [
        _name(
            rng,
            kinds[i],
            geo.city_names[city[i]],
            geo.name[county[i]],
            trades[focus[i]],
            geo.cities[city[i]][:4],
        )
        for i in range(n)
    ]
    lat, lon = jitter(rng, geo.lat[county], geo.lon[county], TOWN_JITTER_DEG)
    address = [
        f"{geo.city_names[city[i]]}{geo.name[county[i]]}{r}{k}号"
        for i, r, k in zip(range(n), pick(rng, ROADS, n), rng.integers(1, 300, n), strict=True)
    ]
    status = np.where(rng.random(n) < 0.04, "suspended", "active")
    abnormal = rng.random(n) < 0.03
    if n >= 30 and not abnormal.any():
        abnormal[rng.integers(len(INSTITUTION_KINDS), n)] = True
    completion = np.where(abnormal, rng.uniform(0.985, 1.0, n), rng.uniform(0.72, 0.96, n))
    certification = np.where(abnormal, rng.uniform(0.97, 1.0, n), completion * rng.uniform(0.6, 0.92, n))
    employment = np.where(abnormal, rng.uniform(0.88, 0.98, n), rng.uniform(0.42, 0.86, n))
    frame = pl.DataFrame(
        {
            "id": [f"I{i + 1:04d}" for i in range(n)],
            "name": names,
            "kind": kinds.astype(str),
            "county": geo.adcode[county],
            "address": address,
            "lat": lat,
            "lon": lon,
            "status": status,
            "completion_rate": np.round(completion, 3),
            "certification_rate": np.round(certification, 3),
            "employment_rate_6m": np.round(employment, 3),
        }
    )
    frame = _dedupe_names(frame)
    return Institutions(frame, focus)


def _name(rng: np.random.Generator, kind: str, city: str, county: str, trade, city_code: str) -> str:  # type: ignore[no-untyped-def]
    """A name that fits the institution's city and county: place words only of its own city."""
    brand = brand_for(rng, city_code)
    where = county if county.endswith("县") or county.endswith("市") else _short(city)
    if kind == "民办培训机构":
        return f"{city}{county}{brand}{PRIVATE_SUFFIX[rng.integers(len(PRIVATE_SUFFIX))]}"
    if kind == "技工院校":
        return [f"{city}技师学院", f"{city}高级技工学校", f"{city}{brand}技工学校", f"{where}技工学校"][
            rng.integers(4)
        ]
    if kind == "职业院校":
        options = [
            f"{city}职业技术学院",
            f"{where}职业中学",
            f"{where}职业技术学校",
            f"山西{brand}职业技术学院",
        ]
        return options[rng.integers(4)]
    if kind == "企业培训中心":
        suffixes = EMPLOYER_SUFFIXES[trade.industry]["企业"] or ("集团有限公司",)
        return f"山西{brand}{suffixes[rng.integers(len(suffixes))]}职工培训中心"
    if kind == "高技能人才培训基地":
        return f"{city}{trade.field}高技能人才培训基地"
    surname = SURNAMES[rng.integers(len(SURNAMES))][0]
    given = GIVEN_MALE if rng.random() < 0.7 else GIVEN_FEMALE
    return f"{surname}{given[rng.integers(len(given))]}{trade.work_type or trade.name}技能大师工作室"


def _dedupe_names(frame: pl.DataFrame) -> pl.DataFrame:
    """A repeated name gets a numbered campus in its county: "…技师学院（清徐县第2分校）"."""
    rank = pl.col("id").cum_count().over("name")
    county_name = pl.col("address").str.extract(r"^..[^市]*市(.+?[县区市])", 1)
    return frame.with_columns(
        pl.when(rank > 1)
        .then(pl.format("{}（{}第{}分校）", pl.col("name"), county_name, rank.cast(pl.Utf8)))
        .otherwise(pl.col("name"))
        .alias("name")
    )
