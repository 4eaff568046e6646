"""The training catalogue (programmes.parquet): courses of the institutions across the notice's
fields, with real occupation codes and levels, dates, seats and fees.

Columns (the loader's ``programmes`` kind): id ("P000001"), institution_id, title,
occupation_code, work_type, level (5/4/3 mostly; 2 at masters' studios and bases; 0 for
专项职业能力 and 创业培训), training_type, delivery, county (adcode; the institution's, or a
county 教学点 of the same city for some 送教下乡 courses), lat, lon, start_date, end_date (within
~6 months after the reference date), hours, seats, seats_left, fee (what the worker is charged
before subsidy; about a third are free), certificate, min_age, max_age, min_education,
description, employer_funded.

Titles agree with the calendar: a numbered title "2027年第2期…" names the start year and the
intake's place among the institution's intakes of that course starting that year. Funding agrees
with the training type: 企业新型学徒制 and 岗前培训 are paid by the employer (employer_funded, fee 0).

创业培训 (SYB) is not an occupation of the classification; its courses carry the occupation of
the business they prepare for (民宿管家 for a homestay start-up, 电子商务师 for a village shop).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from data.synth.config import Context
from data.synth.geography import TOWN_JITTER_DEG, jitter
from data.synth.institutions import Institutions
from data.synth.phrasebook import PROGRAMME_CLOSERS, PROGRAMME_GROUPS, PROGRAMME_OPENERS
from data.synth.sampling import PROGRAMMES, stream, weighted

LEVEL_WORD = {5: "五级", 4: "四级", 3: "三级", 2: "二级", 1: "一级"}
TYPE_WEIGHTS: dict[str, dict[str, float]] = {
    "民办培训机构": {
        "就业技能培训": 0.55,
        "创业培训": 0.12,
        "新职业新业态培训": 0.12,
        "订单项目制培训": 0.12,
        "岗位技能提升培训": 0.09,
    },
    "技工院校": {
        "就业技能培训": 0.45,
        "岗位技能提升培训": 0.2,
        "订单项目制培训": 0.15,
        "企业新型学徒制": 0.1,
        "新职业新业态培训": 0.05,
        "创业培训": 0.05,
    },
    "企业培训中心": {
        "岗前培训": 0.4,
        "企业新型学徒制": 0.25,
        "岗位技能提升培训": 0.2,
        "订单项目制培训": 0.15,
    },
    "高技能人才培训基地": {
        "岗位技能提升培训": 0.5,
        "就业技能培训": 0.2,
        "企业新型学徒制": 0.2,
        "订单项目制培训": 0.1,
    },
    "技能大师工作室": {"岗位技能提升培训": 0.7, "企业新型学徒制": 0.3},
}
TYPE_WEIGHTS["职业院校"] = TYPE_WEIGHTS["技工院校"]
KIND_SHARE = {
    "民办培训机构": 1.2,
    "技工院校": 1.5,
    "职业院校": 1.5,
    "高技能人才培训基地": 1.0,
    "企业培训中心": 0.8,
    "技能大师工作室": 0.4,
}
TITLE_SUFFIX = {
    "就业技能培训": "就业技能培训班",
    "岗前培训": "岗前培训",
    "岗位技能提升培训": "技能提升培训班",
    "企业新型学徒制": "企业新型学徒制培训",
    "新职业新业态培训": "新业态培训班",
    "订单项目制培训": "订单培训班",
}
STARTUP_DIRECTION = {
    "民宿管家": "乡村民宿",
    "电子商务师": "农村电商",
    "互联网营销师": "直播带货",
    "中式烹调师": "餐饮小店",
    "中式面点师": "面食小吃",
    "园艺工": "特色种植",
    "食用菌生产工": "食用菌种植",
    "家畜饲养员": "特色养殖",
}
#: Trades that need a minimum age of 18 (special operations, driving, security, mining).
ADULT_ONLY = {
    "电工",
    "焊工",
    "架子工",
    "保安员",
    "井下采矿工",
    "道路货运汽车驾驶员",
    "客运车辆驾驶员",
    "起重装卸机械操作工",
    "挖掘铲运和桩工机械司机",
    "无人机驾驶员",
}
#: Training types an employer pays for by their nature: apprentices are the employer's own staff
#: (企业新型学徒制), 岗前培训 trains the employer's new hires.
EMPLOYER_FUNDED_TYPES = frozenset({"企业新型学徒制", "岗前培训"})
HOURS = {5: (80, 160), 4: (120, 240), 3: (160, 320), 2: (200, 400), 0: (40, 96)}
FEE_FACTOR = {5: 1.0, 4: 1.3, 3: 1.7, 2: 2.2, 0: 0.5}
AREA_CODES = {
    "1401": "0351",
    "1402": "0352",
    "1403": "0353",
    "1404": "0355",
    "1405": "0356",
    "1406": "0349",
    "1407": "0354",
    "1408": "0359",
    "1409": "0350",
    "1410": "0357",
    "1411": "0358",
}


def make_programmes(ctx: Context, institutions: Institutions, n: int) -> pl.DataFrame:
    """Draw ``n`` programmes spread over ``institutions``."""
    rng = stream(ctx.seed, PROGRAMMES)
    inst = institutions.frame
    trades, geo = ctx.trades, ctx.geo
    kinds = inst["kind"].to_list()
    owner = weighted(rng, [KIND_SHARE[k] for k in kinds], n)
    owner[: min(n, inst.height)] = np.arange(min(n, inst.height))  # every institution offers something
    train_w = np.array([t.train for t in trades])
    startup = [i for i, t in enumerate(trades) if t.startup]
    new_eco = [i for i, t in enumerate(trades) if t.new_economy]
    county_index = {c: i for i, c in enumerate(geo.adcode)}
    ref = ctx.reference_date
    rows = []
    for p in range(n):
        i = int(owner[p])
        kind = kinds[i]
        types = TYPE_WEIGHTS[kind]
        ttype = list(types)[weighted(rng, list(types.values()), 1)[0]]
        own_focus = kind in ("企业培训中心", "技能大师工作室") or rng.random() < 0.5
        t = int(institutions.focus_trade[i]) if own_focus else int(weighted(rng, train_w, 1)[0])
        if ttype == "创业培训" and t not in startup:
            t = startup[rng.integers(len(startup))]
        if ttype == "新职业新业态培训" and t not in new_eco:
            t = new_eco[rng.integers(len(new_eco))]
        trade = trades[t]
        level = _level(rng, ttype, kind, bool(trade.special))
        c = county_index[inst["county"][i]]
        if (
            kind in ("民办培训机构", "技工院校", "职业院校")
            and ttype == "就业技能培训"
            and rng.random() < 0.2
        ):
            same_city = np.flatnonzero(geo.city_code == geo.city_code[c])
            c = int(same_city[rng.integers(len(same_city))])  # 送教下乡 at a county teaching point
        rows.append(_programme(rng, p, inst.row(i, named=True), trade, ttype, level, c, ctx, ref))
    frame = _number_intakes(pl.DataFrame(rows, orient="row", schema=SCHEMA))
    lat, lon = jitter(rng, geo.lat[frame["_c"].to_numpy()], geo.lon[frame["_c"].to_numpy()], TOWN_JITTER_DEG)
    same_place = frame["county"] == pl.Series([inst["county"][int(o)] for o in owner])
    inst_lat = inst["lat"].to_numpy()[owner]
    inst_lon = inst["lon"].to_numpy()[owner]
    return (
        frame.with_columns(
            pl.Series("lat", np.where(same_place, inst_lat, lat)),
            pl.Series("lon", np.where(same_place, inst_lon, lon)),
        )
        .drop("_c")
        .select(COLUMNS)
    )


def _number_intakes(frame: pl.DataFrame) -> pl.DataFrame:
    """Write the intake number into the titles picked for one ("2027年第2期…"): the start year
    and the place of the programme among the same institution's programmes of the same title
    starting that year, by start date (ties by id). When one programme of such a group is
    numbered, all are, so that "第2期" never stands without its "第1期"."""
    year = pl.col("start_date").dt.year()
    group = ["institution_id", "title", year]
    intake = pl.struct(["start_date", "id"]).rank("ordinal").over(group)
    numbered = pl.col("_numbered").any().over(group)
    return frame.with_columns(
        pl.when(numbered)
        .then(pl.format("{}年第{}期{}", year, intake, pl.col("title")))
        .otherwise(pl.col("title"))
        .alias("title")
    ).drop("_numbered")


COLUMNS = [
    "id",
    "institution_id",
    "title",
    "occupation_code",
    "work_type",
    "level",
    "training_type",
    "delivery",
    "county",
    "lat",
    "lon",
    "start_date",
    "end_date",
    "hours",
    "seats",
    "seats_left",
    "fee",
    "certificate",
    "min_age",
    "max_age",
    "min_education",
    "description",
    "employer_funded",
]
SCHEMA = {
    "id": pl.Utf8,
    "institution_id": pl.Utf8,
    "title": pl.Utf8,
    "occupation_code": pl.Utf8,
    "work_type": pl.Utf8,
    "level": pl.Int64,
    "training_type": pl.Utf8,
    "delivery": pl.Utf8,
    "county": pl.Utf8,
    "_c": pl.Int64,
    "start_date": pl.Date,
    "end_date": pl.Date,
    "hours": pl.Int64,
    "seats": pl.Int64,
    "seats_left": pl.Int64,
    "fee": pl.Int64,
    "certificate": pl.Utf8,
    "min_age": pl.Int64,
    "max_age": pl.Int64,
    "min_education": pl.Utf8,
    "description": pl.Utf8,
    "employer_funded": pl.Boolean,
    "_numbered": pl.Boolean,
}


def _level(rng: np.random.Generator, ttype: str, kind: str, has_special: bool) -> int:
    if ttype == "创业培训":
        return 0
    if kind == "技能大师工作室":
        return int(rng.choice([4, 3, 2], p=[0.3, 0.45, 0.25]))
    if ttype in ("岗位技能提升培训", "企业新型学徒制"):
        return int(rng.choice([4, 3, 2], p=[0.55, 0.35, 0.1]))
    if ttype in ("就业技能培训", "新职业新业态培训") and has_special and rng.random() < 0.18:
        return 0
    return int(rng.choice([5, 4], p=[0.8, 0.2]))


def _programme(rng, p, inst, trade, ttype, level, c, ctx, ref) -> tuple:  # type: ignore[no-untyped-def]
    geo = ctx.geo
    special = trade.split("special")
    use_wt = trade.work_type is not None and (
        trade.name in ("婴幼儿发展引导员", "互联网营销师") or rng.random() < 0.3
    )
    occupation = trade.work_type if use_wt else trade.name
    if ttype == "创业培训":
        direction = STARTUP_DIRECTION.get(trade.name, trade.field)
        title = f"SYB创业培训（{direction}方向）"
        certificate: str | None = "创业培训合格证书"
    elif level == 0:
        skill = special[rng.integers(len(special))]
        title = f"{skill}专项职业能力培训班"
        certificate = f"{skill}专项职业能力证书"
    else:
        title = f"{occupation}（{LEVEL_WORD[level]}）{TITLE_SUFFIX[ttype]}"
        certificate = f"{occupation}{LEVEL_WORD[level]}职业技能等级证书"
        if ttype == "岗前培训":
            certificate = "培训结业证书" if rng.random() < 0.5 else None
    # a quarter of the titles carry their intake ("2027年第2期"), numbered once every programme
    # is drawn (:func:`_number_intakes`); the two extra draws keep the random stream as it was
    numbered = bool(rng.random() < 0.25)
    if numbered:
        rng.random(), rng.integers(1, 9)
    lo, hi = (56, 80) if ttype == "创业培训" else (40, 80) if ttype == "岗前培训" else HOURS[level]
    hours = int(rng.integers(lo // 8, hi // 8 + 1)) * 8
    hands_on = trade.field in ("建筑", "生产制造", "维修")
    u = rng.random()
    online_share = 0.3 if (ttype in ("创业培训", "新职业新业态培训") or trade.industry == "电商") else 0.02
    delivery = (
        "线上" if u < online_share else "混合" if u < online_share + (0.08 if hands_on else 0.15) else "线下"
    )
    per_day = 8 if delivery == "线下" and rng.random() < 0.7 else 4
    study_days = -(-hours // per_day)
    start = ref + dt.timedelta(days=int(rng.integers(3, 181)))
    end = start + dt.timedelta(days=max(0, -(-study_days * 7 // 6) - 1))
    seats = (
        int(rng.integers(10, 21))
        if inst["kind"] == "技能大师工作室"
        else int(rng.choice([20, 25, 30, 40, 45, 50, 60]))
    )
    seats_left = 0 if rng.random() < 0.12 else int(rng.integers(1, seats + 1))
    free = rng.random() < (0.8 if ttype == "创业培训" else 0.33)
    fee = 0 if free else int(round(rng.uniform(*trade.fee) * FEE_FACTOR[level] / 50) * 50)
    employer_funded = ttype in EMPLOYER_FUNDED_TYPES
    if employer_funded:
        fee = 0  # the employer pays the institution; the worker is charged nothing
    min_age = 18 if trade.name in ADULT_ONLY else 16
    max_age = None if rng.random() < 0.2 else (55 if trade.name in ("井下采矿工", "架子工") else 60)
    edu_u = rng.random()
    needs_school = trade.industry == "电商" or level <= 3 and level > 0
    min_education = "高中/中专/技校" if needs_school and edu_u < 0.4 else "初中" if edu_u < 0.35 else None
    description = _description(rng, trade, ttype, hours, certificate, geo.city_code[c])
    return (
        f"P{p + 1:06d}",
        inst["id"],
        title,
        trade.code,
        trade.work_type,
        level,
        ttype,
        delivery,
        geo.adcode[c],
        c,
        start,
        end,
        hours,
        seats,
        seats_left,
        fee,
        certificate,
        min_age,
        max_age,
        min_education,
        description,
        employer_funded,
        numbered,
    )


def _description(
    rng: np.random.Generator, trade, ttype: str, hours: int, certificate: str | None, city: str
) -> str:  # type: ignore[no-untyped-def]
    group = PROGRAMME_GROUPS[rng.integers(len(PROGRAMME_GROUPS))]
    text = PROGRAMME_OPENERS[rng.integers(len(PROGRAMME_OPENERS))].format(group=group, ttype=ttype)
    text += f"课程内容包括{'、'.join(trade.split('course'))}等，共{hours}课时。"
    closers = [c for c in PROGRAMME_CLOSERS if certificate or "{certificate}" not in c]
    for k in rng.choice(len(closers), size=int(rng.integers(1, 3)), replace=False):
        text += closers[k].format(certificate=certificate)
    if rng.random() < 0.5:
        text += f"报名电话：{AREA_CODES[city]}-{rng.integers(2000000, 8000000)}"
    if rng.random() < 0.15:  # noise seen in real notices: doubled punctuation, stray spaces
        text = text.replace("。", "。 ", 1).replace("，", "，，", 1)
    return text
