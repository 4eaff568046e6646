"""The hidden truth about each synthetic worker (workers_truth.parquet), drawn first; the profile
a counselor sees (:mod:`data.synth.workers`) is rendered from it and reveals it only in part.

workers_truth.parquet is never loaded into the database; evaluation uses it to decide what a
careful counselor, who talked to the worker at length, would recommend. One row per worker:

=====================  ==============  ===========================================================
column                 type            meaning
=====================  ==============  ===========================================================
id                     str             the worker id ("W0000001"), as in workers.parquet
skill_codes            list[str]       occupations the worker can really do (0–3), main one first
skill_levels           list[i64]       true competence per skill: 5 五级 … 2 二级 (smaller = higher)
skill_years            list[i64]       years of experience per skill
skill_disclosure       list[str]       how the profile shows each skill: "named" (skills_text names
                                       it colloquially, "干过瓦工"), "colloquial" (describes the work
                                       without naming it, "在工地上砌过墙"), "history" (only in
                                       work_history), "hidden" (nowhere)
interest_codes         list[str]       occupations the worker would really like to learn or do (0–2);
                                       an interest equal to a skill code means "move up a level"
interest_disclosure    list[str]       "listed" (in desired_occupations), "text" (a wish in
                                       skills_text, "想学电焊"), "hidden" (not said)
true_place             str             where they will really work: local / city / anywhere
true_city              str?            city adcode when true_place is "city"
true_max_km            f64             the real farthest daily reach from home (km); 2000 = anywhere
earliest_start         date            first day they could start training or work (busy season,
                                       family duties)
max_fee                i64             the most they can pay out of pocket (yuan) for a course
min_wage               i64             the lowest monthly wage they would really accept (yuan)
online_ok              bool            can follow an online course (phone, literacy)
full_time_ok           bool            can attend full-time day classes
entrepreneurship       bool            real start-up intent (the profile flag misses some)
drives                 bool            can drive (三轮车/农用车/C1)
=====================  ==============  ===========================================================

The stated profile differs on purpose: ``max_commute_km`` is often rounder and larger than
``true_max_km``, ``desired_place`` is wrong for ~15%, ``expected_wage`` is above ``min_wage``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from data.synth.config import Context
from data.synth.geography import CITY_IMPORT, HOME_JITTER_DEG, haversine_km, jitter
from data.synth.sampling import masked, weighted, weighted_rows
from matcher.types import GROUPS

AGE_BANDS = ((16, 20), (21, 30), (31, 40), (41, 50), (51, 60), (61, 64))
AGE_BAND_P = (0.03, 0.18, 0.26, 0.24, 0.22, 0.07)
#: Education (index into EDUCATION_ORDER) by age band; younger workers went to school longer.
EDUCATION_P = np.array([
    [0.02, 0.45, 0.40, 0.10, 0.03], [0.03, 0.30, 0.30, 0.22, 0.15], [0.06, 0.45, 0.25, 0.15, 0.09],
    [0.12, 0.60, 0.20, 0.06, 0.02], [0.28, 0.58, 0.12, 0.02, 0.00], [0.45, 0.45, 0.10, 0.00, 0.00],
])  # fmt: skip
SKILLS = 3
INTERESTS = 2
DISCLOSURE = np.array(["named", "colloquial", "history", "hidden"], dtype=str)
INTEREST_DISCLOSURE = np.array(["listed", "text", "hidden"], dtype=str)
PLACES = np.array(["local", "city", "anywhere"], dtype=str)
ANYWHERE_KM = 2000.0


@dataclass(frozen=True, slots=True)
class Latent:
    """A chunk of workers' hidden state, as (n,) or (n, k) numpy arrays; trade slots hold an
    index into Context.trades or -1."""

    index: np.ndarray  # global 0-based worker number
    male: np.ndarray
    age: np.ndarray
    birth_year: np.ndarray
    education: np.ndarray
    county: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    groups: np.ndarray  # (n, len(GROUPS)) bool
    skill: np.ndarray  # (n, 3)
    years: np.ndarray  # (n, 3)
    level: np.ndarray  # (n, 3)
    disclosure: np.ndarray  # (n, 3) index into DISCLOSURE
    cert_level: np.ndarray  # (n, 3), -1 = no certificate
    cert_year: np.ndarray  # (n, 3)
    claimed: np.ndarray  # (n, 3) bool: the certificate's training was subsidised in cert_year
    interest: np.ndarray  # (n, 2)
    interest_disclosure: np.ndarray  # (n, 2) index into INTEREST_DISCLOSURE
    place: np.ndarray  # index into PLACES
    city: np.ndarray  # index into Geography.cities, -1 when not "city"
    max_km: np.ndarray
    earliest_start: np.ndarray  # datetime64[D]
    max_fee: np.ndarray
    min_wage: np.ndarray
    online_ok: np.ndarray
    full_time_ok: np.ndarray
    entrepreneurship: np.ndarray
    drives: np.ndarray
    smartphone: np.ndarray


def draw_latent(ctx: Context, rng: np.random.Generator, start: int, n: int) -> Latent:
    """Draw ``n`` workers numbered from ``start``."""
    geo, trades = ctx.geo, ctx.trades
    ref_year = ctx.reference_date.year
    male = rng.random(n) < 0.63
    band = weighted(rng, AGE_BAND_P, n)
    lo, hi = np.array(AGE_BANDS)[band].T
    age = rng.integers(lo, hi + 1)
    education = weighted_rows(rng, EDUCATION_P[band])
    county = weighted(rng, geo.worker_weight, n)
    lat, lon = jitter(rng, geo.lat[county], geo.lon[county], HOME_JITTER_DEG)
    groups = _groups(rng, age, education, geo.is_focus[county], geo.is_district[county])

    # Skills: trade prevalence by gender and age; e-commerce needs schooling.
    prevalence = np.where(male[:, None], [t.male for t in trades], [t.female for t in trades])
    young, old = (age <= 35)[:, None], (age >= 50)[:, None]
    tilt_young = np.array([t.age == "young" for t in trades])
    tilt_old = np.array([t.age == "old" for t in trades])
    prevalence = prevalence * np.where(tilt_young, np.where(young, 2.5, np.where(old, 0.3, 1.0)), 1.0)
    prevalence = prevalence * np.where(tilt_old, np.where(old, 2.0, np.where(young, 0.3, 1.0)), 1.0)
    online = np.array([t.industry == "电商" for t in trades])
    prevalence = prevalence * np.where(online, np.where(education[:, None] >= 2, 2.0, 0.15), 1.0)
    count = np.where(
        age <= 21, weighted(rng, (0.6, 0.35, 0.05, 0.0), n), weighted(rng, (0.2, 0.46, 0.25, 0.09), n)
    )
    skill = np.stack([weighted_rows(rng, prevalence) for _ in range(SKILLS)], axis=1)
    skill[np.arange(SKILLS)[None, :] >= count[:, None]] = -1
    _drop_repeats(skill)
    cap = np.maximum(age - 16, 1)[:, None]
    years = np.clip(np.rint(rng.gamma(2.0, np.array([3.5, 2.0, 1.5]), (n, SKILLS))), 1, cap).astype(np.int64)
    level = _levels(rng, years)
    disclosure = np.stack([weighted(rng, (0.4, 0.3, 0.15, 0.15), n) for _ in range(SKILLS)], axis=1)
    special_op = np.array([t.name in ("电工", "焊工", "架子工", "起重装卸机械操作工") for t in trades])
    p_cert = 0.1 + 0.1 * (education[:, None] >= 2) + 0.2 * special_op[np.maximum(skill, 0)]
    certified = (skill >= 0) & (rng.random((n, SKILLS)) < p_cert)
    cert_level = np.where(certified, np.minimum(5, level + (rng.random((n, SKILLS)) < 0.4)), -1)
    birth_year = ref_year - age
    first_year = np.maximum(birth_year + 18, ref_year - 12)[:, None]
    cert_year = np.clip(ref_year - rng.integers(0, 10, (n, SKILLS)), first_year, ref_year)
    claimed = certified & (cert_year >= ref_year - 6) & (rng.random((n, SKILLS)) < 0.65)

    entrepreneurship = rng.random(n) < (
        0.05 + 0.08 * groups[:, GROUPS.index("返乡农民工")] + 0.04 * (age < 35)
    )
    interest = _interests(rng, trades, skill, prevalence, entrepreneurship)
    interest_disclosure = np.stack([weighted(rng, (0.35, 0.3, 0.35), n) for _ in range(INTERESTS)], axis=1)

    # Constraints.
    p_local = np.clip(0.45 + 0.2 * (~male) + 0.15 * (age >= 50) - 0.15 * (age < 30), 0.1, 0.9)
    u = rng.random(n)
    place = np.where(u < p_local, 0, np.where(u < p_local + (1 - p_local) * 0.6, 1, 2))
    own_city = geo.city_index(county)
    import_city = weighted(rng, [CITY_IMPORT[c[:4]] for c in geo.cities], n)
    city = np.where(place == 1, np.where(rng.random(n) < 0.7, import_city, own_city), -1)
    to_city = haversine_km(lat, lon, geo.city_lat[np.maximum(city, 0)], geo.city_lon[np.maximum(city, 0)])
    local_km = np.array([5.0, 10.0, 15.0, 20.0, 30.0, 50.0])[
        weighted(rng, (0.1, 0.25, 0.2, 0.2, 0.15, 0.1), n)
    ]
    max_km = np.where(place == 0, local_km, np.where(place == 1, np.round(to_city + 20.0, 1), ANYWHERE_KM))
    # Ready now, after the winter slack (Spring Festival), or some time later.
    u = rng.random(n)
    soon, after_festival, later = rng.integers(0, 15, n), rng.integers(60, 101, n), rng.integers(15, 151, n)
    delay = np.where(u < 0.4, soon, np.where(u < 0.7, after_festival, later))
    earliest = np.datetime64(ctx.reference_date, "D") + delay.astype("timedelta64[D]")
    poor = groups[
        :, [GROUPS.index(g) for g in ("脱贫劳动力", "防返贫监测对象", "就业困难人员", "零就业家庭成员")]
    ].any(1)
    fee_cap = np.array([0, 300, 500, 1000, 2000, 3000])[weighted(rng, (0.25, 0.2, 0.2, 0.2, 0.1, 0.05), n)]
    max_fee = np.where(poor, np.where(rng.random(n) < 0.7, 0, 300), fee_cap)
    wage_lo = np.array([t.wage[0] for t in trades])
    base_wage = np.where(skill[:, 0] >= 0, wage_lo[np.maximum(skill[:, 0], 0)], rng.integers(25, 46, n) * 100)
    min_wage = (np.rint(base_wage * rng.uniform(0.75, 1.05, n) / 100) * 100).astype(np.int64)
    smartphone = rng.random(n) < np.where(age < 45, 0.92, 0.55)
    online_ok = smartphone & (education >= 1) & (rng.random(n) < 0.8)
    full_time_ok = rng.random(n) < np.where(~male & (age >= 25) & (age <= 45), 0.6, 0.85)
    drives = rng.random(n) < np.where(male, 0.55, 0.2)
    return Latent(
        np.arange(start, start + n), male, age, birth_year, education, county, lat, lon, groups, skill, years,
        level, disclosure, cert_level, cert_year, claimed, interest, interest_disclosure, place, city, max_km,
        earliest, max_fee, min_wage, online_ok, full_time_ok, entrepreneurship, drives, smartphone,
    )  # fmt: skip


def _groups(rng, age, education, focus, district) -> np.ndarray:  # type: ignore[no-untyped-def]
    n = len(age)
    g = np.zeros((n, len(GROUPS)), dtype=bool)
    col = GROUPS.index
    g[:, col("脱贫劳动力")] = rng.random(n) < 0.08 + 0.17 * focus
    g[:, col("防返贫监测对象")] = ~g[:, col("脱贫劳动力")] & (rng.random(n) < 0.015 + 0.02 * focus)
    g[:, col("就业困难人员")] = rng.random(n) < 0.04 + 0.05 * (age >= 50)
    g[:, col("零就业家庭成员")] = rng.random(n) < 0.012
    g[:, col("返乡农民工")] = rng.random(n) < np.where((age >= 25) & (age <= 55), 0.22, 0.08)
    g[:, col("农村转移劳动力")] = rng.random(n) < np.where(district, 0.25, 0.6)
    school_leaver = (age <= 19) & (education >= 1) & (education <= 2)
    g[:, col("未升学应届初高中毕业生(农村)")] = school_leaver & ~district & (rng.random(n) < 0.6)
    g[:, col("未升学应届初高中毕业生(城市低保)")] = school_leaver & district & (rng.random(n) < 0.15)
    g[:, col("灵活就业人员")] = rng.random(n) < 0.15
    return g


def _drop_repeats(slots: np.ndarray) -> None:
    """Blank a slot that repeats an earlier slot's trade (in place)."""
    for j in range(1, slots.shape[1]):
        repeat = (slots[:, :j] == slots[:, j : j + 1]).any(axis=1)
        slots[repeat & (slots[:, j] >= 0), j] = -1


def _levels(rng: np.random.Generator, years: np.ndarray) -> np.ndarray:
    u = rng.random(years.shape)
    level = np.full(years.shape, 5, dtype=np.int64)
    level[(years >= 3) & (u < 0.6)] = 4
    level[(years >= 8) & (u < 0.85)] = 4
    level[(years >= 8) & (u < 0.35)] = 3
    level[(years >= 15) & (u < 0.05)] = 2
    return level


def _interests(rng, trades, skill, prevalence, entrepreneurship) -> np.ndarray:  # type: ignore[no-untyped-def]
    n = len(skill)
    count = weighted(rng, (0.35, 0.45, 0.2), n)
    startup = np.array([t.startup for t in trades])
    new_economy = np.array([t.new_economy for t in trades])
    wish = (prevalence + prevalence.mean(axis=1, keepdims=True)) * np.where(new_economy, 1.5, 1.0)
    wish = wish * np.where(entrepreneurship[:, None] & startup, 6.0, 1.0)
    interest = np.stack([weighted_rows(rng, wish) for _ in range(INTERESTS)], axis=1)
    upgrade = (skill[:, 0] >= 0) & (rng.random(n) < 0.4)
    interest[upgrade, 0] = skill[upgrade, 0]
    interest[np.arange(INTERESTS)[None, :] >= count[:, None]] = -1
    _drop_repeats(interest)
    return interest


def truth_frame(ctx: Context, latent: Latent, ids: pl.Series) -> pl.DataFrame:
    """The workers_truth.parquet rows of a chunk (see the module docstring)."""
    codes = np.array([t.code for t in ctx.trades])

    def slots(values: np.ndarray, present: np.ndarray) -> pl.Series:
        cols = [masked(f"s{j}", values[:, j], present[:, j]) for j in range(present.shape[1])]
        return pl.DataFrame(cols).select(pl.concat_list(pl.all()).list.drop_nulls()).to_series()

    has_skill, has_interest = latent.skill >= 0, latent.interest >= 0
    return pl.DataFrame(
        {
            "id": ids,
            "skill_codes": slots(codes[np.maximum(latent.skill, 0)], has_skill),
            "skill_levels": slots(latent.level, has_skill),
            "skill_years": slots(latent.years, has_skill),
            "skill_disclosure": slots(DISCLOSURE[latent.disclosure], has_skill),
            "interest_codes": slots(codes[np.maximum(latent.interest, 0)], has_interest),
            "interest_disclosure": slots(INTEREST_DISCLOSURE[latent.interest_disclosure], has_interest),
            "true_place": masked("true_place", PLACES[latent.place]),
            "true_city": masked("true_city", ctx.geo.cities[np.maximum(latent.city, 0)], latent.city >= 0),
            "true_max_km": latent.max_km.astype(np.float64),
            "earliest_start": pl.Series(latent.earliest_start).cast(pl.Date),
            "max_fee": latent.max_fee.astype(np.int64),
            "min_wage": latent.min_wage.astype(np.int64),
            "online_ok": latent.online_ok,
            "full_time_ok": latent.full_time_ok,
            "entrepreneurship": latent.entrepreneurship,
            "drives": latent.drives,
        }
    )


__all__ = ["Latent", "draw_latent", "truth_frame"]
