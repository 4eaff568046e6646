"""Employer orders (orders.parquet): demand in labour-importing cities and near home.

Every county gets at least one local order from a small employer (a 面馆, a 养老院, a 合作社:
the 家门口 jobs); the rest concentrate in the urban districts of importing cities (太原 first,
then 晋中, 长治, 大同 …). About one in eight orders is the employer side of an 订单项目制培训
course: its programme_id names the course, which ends before the job starts; a quarter of those
employers pay for the course themselves (employer_trains: the hire pays nothing and the training
subsidy is paid to the employer, 直补企业).

Columns (the loader's ``orders`` kind): id ("O000001"), employer_name, employer_kind (企业,
个体工商户, 民办非企业单位), occupation_code, work_type, head_count, county (adcode), lat, lon,
wage_min, wage_max (monthly yuan), start_date, required_level, requires_certificate,
required_skills, min_age, max_age, employer_trains, programme_id, description (company intro and
benefits: boilerplate that must not drive matching), priority (0–3), status (open/closed).
About 1% carry an unlawful requirement ("限男性", "仅限汉族") in required_skills or description;
the loader flags them (:func:`matcher.compliance.unlawful_requirements`).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from data.synth.config import Context
from data.synth.geography import TOWN_JITTER_DEG, jitter
from data.synth.phrasebook import (
    BENEFITS,
    COMPANY_INTROS,
    CONTACT_TEMPLATES,
    EMPLOYER_SUFFIXES,
    SURNAMES,
    UNLAWFUL,
    brand_for,
)
from data.synth.sampling import ORDERS, stream, weighted

SPECIAL_OPERATIONS = {
    "电工",
    "焊工",
    "架子工",
    "起重装卸机械操作工",
    "挖掘铲运和桩工机械司机",
    "道路货运汽车驾驶员",
    "无人机驾驶员",
    "客运车辆驾驶员",
}
KIND_WEIGHTS = {"企业": 0.75, "个体工商户": 0.17, "民办非企业单位": 0.08}
LOCAL_KIND_WEIGHTS = {"企业": 0.35, "个体工商户": 0.5, "民办非企业单位": 0.15}
UNLAWFUL_SHARE = 0.01
LINKED_SHARE = 0.125


def make_orders(ctx: Context, programmes: pl.DataFrame, n: int) -> pl.DataFrame:
    """Draw ``n`` orders (at least one per county), some linked to 订单项目制培训 programmes."""
    rng = stream(ctx.seed, ORDERS)
    geo, trades = ctx.geo, ctx.trades
    n = max(n, geo.size)
    code_index = {t.code: i for i, t in enumerate(trades)}
    county_index = {c: i for i, c in enumerate(geo.adcode)}
    county = np.concatenate([np.arange(geo.size), weighted(rng, geo.import_weight, n - geo.size)])
    local = np.arange(n) < geo.size
    trade = np.where(
        local,
        weighted(rng, [t.local for t in trades], n),
        weighted(rng, [t.demand for t in trades], n),
    )
    ref = ctx.reference_date
    start = [ref + dt.timedelta(days=int(d)) for d in rng.integers(7, 211, n)]
    linked: list[str | None] = [None] * n
    order_courses = programmes.filter(pl.col("training_type") == "订单项目制培训")
    n_linked = min(order_courses.height, round(n * LINKED_SHARE))
    slots = rng.choice(np.flatnonzero(~local), size=min(n_linked, int((~local).sum())), replace=False)
    for slot, course in zip(
        np.sort(slots), order_courses.head(len(slots)).iter_rows(named=True), strict=False
    ):
        trade[slot] = code_index[course["occupation_code"]]
        county[slot] = county_index[course["county"]]
        start[slot] = course["end_date"] + dt.timedelta(days=int(rng.integers(3, 31)))
        linked[slot] = course["id"]
    lat, lon = jitter(rng, geo.lat[county], geo.lon[county], TOWN_JITTER_DEG)
    unlawful = rng.random(n) < UNLAWFUL_SHARE
    if n >= 100 and not unlawful.any():
        unlawful[rng.integers(n)] = True
    rows = [
        _order(
            rng,
            k,
            trades[int(trade[k])],
            int(county[k]),
            bool(local[k]),
            start[k],
            linked[k],
            bool(unlawful[k]),
            ctx,
        )
        for k in range(n)
    ]
    frame = pl.DataFrame(rows, orient="row", schema=SCHEMA)
    return frame.with_columns(pl.Series("lat", lat), pl.Series("lon", lon)).select(COLUMNS)


COLUMNS = [
    "id",
    "employer_name",
    "employer_kind",
    "occupation_code",
    "work_type",
    "head_count",
    "county",
    "lat",
    "lon",
    "wage_min",
    "wage_max",
    "start_date",
    "required_level",
    "requires_certificate",
    "required_skills",
    "min_age",
    "max_age",
    "employer_trains",
    "programme_id",
    "description",
    "priority",
    "status",
]
SCHEMA = {
    "id": pl.Utf8,
    "employer_name": pl.Utf8,
    "employer_kind": pl.Utf8,
    "occupation_code": pl.Utf8,
    "work_type": pl.Utf8,
    "head_count": pl.Int64,
    "county": pl.Utf8,
    "wage_min": pl.Int64,
    "wage_max": pl.Int64,
    "start_date": pl.Date,
    "required_level": pl.Int64,
    "requires_certificate": pl.Boolean,
    "required_skills": pl.Utf8,
    "min_age": pl.Int64,
    "max_age": pl.Int64,
    "employer_trains": pl.Boolean,
    "programme_id": pl.Utf8,
    "description": pl.Utf8,
    "priority": pl.Int64,
    "status": pl.Utf8,
}


def _order(rng, k, trade, c, local, start, programme_id, unlawful, ctx) -> tuple:  # type: ignore[no-untyped-def]
    geo = ctx.geo
    suffixes = EMPLOYER_SUFFIXES[trade.industry]
    weights = LOCAL_KIND_WEIGHTS if local else KIND_WEIGHTS
    kinds = [kd for kd in weights if suffixes[kd]]
    kind = "企业" if programme_id else kinds[weighted(rng, [weights[kd] for kd in kinds], 1)[0]]
    employer = _employer_name(
        rng, kind, suffixes[kind], geo.city_names[_city(geo, c)], geo.name[c], geo.city_code[c]
    )
    head = {
        "企业": int(min(60, 3 + rng.geometric(0.12))),
        "个体工商户": int(rng.integers(1, 5)),
        "民办非企业单位": int(rng.integers(2, 13)),
    }[kind]
    factor = 1.1 if geo.city_code[c] == "1401" else 1.0 if geo.is_district[c] else 0.88
    wage_min = int(
        round(rng.uniform(trade.wage[0], (trade.wage[0] + trade.wage[1]) / 2) * factor / 100) * 100
    )
    wage_max = wage_min + int(
        rng.choice([0, 500, 1000, 1500, 2000, 3000], p=[0.1, 0.2, 0.3, 0.2, 0.12, 0.08])
    )
    level = [None, 5, 4, 3][weighted(rng, [0.55, 0.25, 0.15, 0.05], 1)[0]]
    cert = bool(rng.random() < (0.8 if trade.name in SPECIAL_OPERATIONS else 0.25 if level else 0.05))
    skills = trade.split("required")[0]
    if rng.random() < 0.5:
        skills += f"，有{rng.integers(1, 4)}年以上相关工作经验"
    max_age = [None, 45, 50, 55, 60][weighted(rng, [0.25, 0.15, 0.25, 0.2, 0.15], 1)[0]]
    # an employer that trains its hires at its own cost: in its own 岗前培训, or — linked orders —
    # in the 订单项目制 course it pays the institution for (直补企业 then pays the employer)
    trains = bool(rng.random() < (0.25 if kind == "企业" else 0.05))
    description = _description(rng, trade, employer, head, geo.name[c], programme_id, trains)
    if unlawful:
        phrase = UNLAWFUL[rng.integers(len(UNLAWFUL))]
        if rng.random() < 0.5:
            skills += f"，{phrase}"
        else:
            description += f"（{phrase}）"
    priority = int(rng.choice([0, 1, 2, 3], p=[0.85, 0.08, 0.05, 0.02]))
    status = "closed" if rng.random() < 0.04 else "open"
    return (
        f"O{k + 1:06d}",
        employer,
        kind,
        trade.code,
        trade.work_type,
        head,
        geo.adcode[c],
        wage_min,
        wage_max,
        start,
        level,
        cert,
        skills,
        18,
        max_age,
        trains,
        programme_id,
        description,
        priority,
        status,
    )


def _city(geo, c: int) -> int:  # type: ignore[no-untyped-def]
    return int(np.flatnonzero(geo.cities == geo.city_adcode[c])[0])


def _employer_name(
    rng: np.random.Generator, kind: str, suffixes: tuple[str, ...], city: str, county: str, city_code: str
) -> str:
    """A name that fits the employer's city and county: place words only of its own city."""
    suffix = suffixes[rng.integers(len(suffixes))]
    brand = brand_for(rng, city_code)
    county_short = county[:-1] if len(county) > 2 else county
    if kind == "企业":
        return f"{'山西' if rng.random() < 0.4 else city[:-1]}{brand}{suffix}"
    if kind == "个体工商户":
        surname = SURNAMES[rng.integers(len(SURNAMES))][0]
        return (
            f"{county_short}{surname}记{suffix}" if rng.random() < 0.5 else f"{county_short}{brand}{suffix}"
        )
    return f"{county}{brand}{suffix}"


def _description(rng, trade, employer, head, place, programme_id, trains) -> str:  # type: ignore[no-untyped-def]
    intro = COMPANY_INTROS[rng.integers(len(COMPANY_INTROS))].format(
        year=int(rng.integers(1998, 2024)),
        capital=int(rng.choice([500, 1000, 2000, 5000])),
        staff=int(rng.choice([50, 100, 300, 800])),
        brand=employer,
        place=place,
    )
    role = trade.work_type or trade.name
    text = f"{intro}现因业务发展需要，招聘{role}{head}名。"
    if programme_id:
        text += "本岗位与培训机构合作开展订单培训，结业考核合格即可上岗。"
        if trains:
            text += "培训费用由公司承担，学员不交费。"
    elif trains:
        text += "新员工入职后由公司组织岗前培训，培训期间发放生活补助。"
    picks = rng.choice(len(BENEFITS), size=int(rng.integers(2, 6)), replace=False)
    text += "待遇：" + "、".join(BENEFITS[i] for i in sorted(picks)) + "。"
    if rng.random() < 0.6:
        surname = SURNAMES[rng.integers(len(SURNAMES))][0]
        phone = f"1{rng.choice([3, 5, 8])}{rng.integers(100000000, 999999999)}"
        text += CONTACT_TEMPLATES[rng.integers(len(CONTACT_TEMPLATES))].format(phone=phone, surname=surname)
    return text
