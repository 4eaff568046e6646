"""The worker profiles a counselor would register (workers.parquet), rendered from the hidden
truth (:mod:`data.synth.truth`) the way people actually talk.

Columns (the loader's ``workers`` kind): id ("W0000001"), id_number (valid fake 身份证号 whose
region is the home county and whose birth date and sex digit agree with birth_year and gender),
phone, name, birth_year, gender, education, home_adcode, home_address, home_lat, home_lon,
current_adcode (where they are now, for those working away), skills_text, work_history,
desired_occupations ("|"-separated codes, often null), desired_place, desired_city (city
adcode when desired_place is "city"), max_commute_km, expected_wage, entrepreneurship, groups
("|"-separated), consent_share, certificates and claimed_subsidies ("code:level:year|...").
"""

from __future__ import annotations

import numpy as np
import polars as pl

from data.synth.config import Context
from data.synth.geography import village_names
from data.synth.identity import birth_dates, id_numbers, names, phones
from data.synth.phrasebook import (
    DIALECT_OPENERS,
    FILLER_DRIVES,
    FILLER_LEARN,
    FILLER_NOTHING,
    FILLER_PHONE,
    FILLER_STRONG,
    HISTORY_FILLERS,
    INTEREST_TEMPLATES,
    PERIOD_TEMPLATES,
    WORK_PLACES,
)
from data.synth.sampling import PhrasePool, draw_from, fill, join_columns, masked, years_text
from data.synth.truth import PLACES, SKILLS, Latent
from matcher.types import EDUCATION_ORDER, GROUPS

STATED_KM = np.array([5.0, 10.0, 20.0, 30.0, 50.0, 100.0])


class Renderer:
    """Phrase pools built once per world from the trade table."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        trades = ctx.trades
        self.named = PhrasePool([t.split("named") for t in trades])
        self.colloquial = PhrasePool([t.split("colloquial") for t in trades])
        self.history = PhrasePool([t.split("history") for t in trades])
        self.alias = PhrasePool([t.split("aliases") for t in trades])
        self.codes = np.array([t.code for t in trades])

    def frame(
        self, rng: np.random.Generator, latent: Latent, taken: np.ndarray
    ) -> tuple[pl.DataFrame, np.ndarray]:
        """workers.parquet rows of a chunk, and the 身份证号 keys it used (to add to ``taken``)."""
        geo, n = self.ctx.geo, len(latent.index)
        ids = pl.Series("id", [f"W{i + 1:07d}" for i in latent.index], dtype=pl.Utf8)
        births = birth_dates(rng, latent.birth_year)
        id_number, keys = id_numbers(
            rng, geo.adcode[latent.county].astype(np.int64), births, latent.male, taken
        )
        place = np.char.add(geo.city_name.astype(str), geo.name.astype(str))[latent.county]
        home_address = pl.Series(
            "home_address", np.char.add(np.char.add("山西省", place), village_names(rng, n))
        )
        away = (latent.place > 0) & (rng.random(n) < 0.35)
        current = np.where(away, geo.adcode[_town_in(rng, geo, latent)], geo.adcode[latent.county])
        stated_place = np.where(rng.random(n) < 0.85, latent.place, rng.integers(0, 3, n))
        stated_city = np.where(
            stated_place == 1, np.where(latent.city >= 0, latent.city, geo.city_index(latent.county)), -1
        )
        # People state round, often larger reaches than they would really travel daily.
        step_up = np.clip(
            np.searchsorted(STATED_KM, latent.max_km) + (rng.random(n) < 0.5), 0, len(STATED_KM) - 1
        )
        city_km = np.ceil(np.minimum(latent.max_km, 600.0) / 10.0) * 10.0 + 10.0
        stated_km = np.where(
            stated_place == 0, STATED_KM[step_up], np.where(stated_place == 1, city_km, 1000.0)
        )
        expected = np.rint(latent.min_wage * rng.uniform(1.0, 1.3, n) / 500) * 500
        stated_startup = np.where(latent.entrepreneurship, rng.random(n) < 0.8, rng.random(n) < 0.02)
        frame = pl.DataFrame(
            {
                "id": ids,
                "id_number": id_number,
                "phone": phones(rng, n),
                "name": names(rng, latent.male),
                "birth_year": latent.birth_year.astype(np.int64),
                "gender": np.where(latent.male, "男", "女"),
                "education": np.array(EDUCATION_ORDER)[latent.education],
                "home_adcode": geo.adcode[latent.county],
                "home_address": home_address,
                "home_lat": latent.lat,
                "home_lon": latent.lon,
                "current_adcode": current,
                "skills_text": self.skills_text(rng, latent),
                "work_history": self.work_history(rng, latent),
                "desired_occupations": self.desired(rng, latent),
                "desired_place": PLACES[stated_place].astype(str),
                "desired_city": masked(
                    "desired_city", geo.cities[np.maximum(stated_city, 0)], stated_city >= 0
                ),
                "max_commute_km": stated_km.astype(np.float64),
                "expected_wage": masked("expected_wage", expected.astype(np.int64), rng.random(n) < 0.85),
                "entrepreneurship": stated_startup,
                "groups": _join_flags(latent.groups, GROUPS),
                "consent_share": rng.random(n) < 0.88,
                "certificates": self.triples(latent, latent.cert_level >= 0),
                "claimed_subsidies": self.triples(latent, latent.claimed),
            }
        )
        return frame, keys

    def skills_text(self, rng: np.random.Generator, lat: Latent) -> pl.Series:
        """Free text: named or colloquial skill phrases, fillers, spoken wishes, with noise."""
        n = len(lat.index)
        parts = []
        for j in range(SKILLS):
            named = fill(
                self.named.draw(rng, lat.skill[:, j], lat.disclosure[:, j] == 0),
                n=years_text(rng, lat.years[:, j]),
            )
            colloquial = self.colloquial.draw(rng, lat.skill[:, j], lat.disclosure[:, j] == 1)
            parts.append(named.fill_null(colloquial).alias(f"skill{j}"))
        said = ((lat.skill >= 0) & (lat.disclosure <= 1)).any(axis=1)
        parts.append(draw_from(rng, FILLER_NOTHING, ~said & (rng.random(n) < 0.6)))
        parts.append(draw_from(rng, FILLER_STRONG, rng.random(n) < np.where(said, 0.25, 0.4)))
        parts.append(draw_from(rng, FILLER_DRIVES, lat.drives & (rng.random(n) < 0.35)))
        parts.append(draw_from(rng, FILLER_PHONE, lat.smartphone & (rng.random(n) < 0.15)))
        for j in range(lat.interest.shape[1]):
            wish = lat.interest_disclosure[:, j] == 1
            template = draw_from(rng, INTEREST_TEMPLATES, wish & (lat.interest[:, j] >= 0))
            parts.append(fill(template, a=self.alias.draw(rng, lat.interest[:, j])))
        parts.append(draw_from(rng, FILLER_LEARN, rng.random(n) < 0.12))
        text = join_columns(parts, "，")
        return _noise(rng, text).alias("skills_text")

    def work_history(self, rng: np.random.Generator, lat: Latent) -> pl.Series:
        """Entries "2015年到2019年在太原工地上干瓦工", oldest first, plus routine work."""
        n = len(lat.index)
        ref_year = self.ctx.reference_date.year
        end = ref_year - rng.integers(0, 9, (n, SKILLS))
        shown = (lat.skill >= 0) & (
            (lat.disclosure == 2) | ((lat.disclosure <= 1) & (rng.random((n, SKILLS)) < 0.6))
        )
        entries = []
        for j in range(SKILLS):
            period = fill(
                draw_from(rng, PERIOD_TEMPLATES, shown[:, j]),
                a=pl.Series(end[:, j] - lat.years[:, j]).cast(pl.Utf8),
                b=pl.Series(end[:, j]).cast(pl.Utf8),
                n=years_text(rng, lat.years[:, j]),
            )
            place = draw_from(rng, WORK_PLACES, shown[:, j])
            phrase = self.history.draw(rng, lat.skill[:, j], shown[:, j])
            parts = pl.DataFrame([period.alias("a"), place.alias("b"), phrase.alias("c")])
            entries.append(
                parts.select(pl.concat_str([pl.col("a"), pl.lit("在"), pl.col("b"), pl.col("c")])).to_series()
            )
        order = np.argsort(np.where(shown, end - lat.years, 10_000), axis=1, kind="stable")
        frame = pl.DataFrame({f"e{j}": e for j, e in enumerate(entries)})
        ordered = [
            pl.when(pl.lit(pl.Series(order[:, k])) == 0)
            .then(pl.col("e0"))
            .when(pl.lit(pl.Series(order[:, k])) == 1)
            .then(pl.col("e1"))
            .otherwise(pl.col("e2"))
            for k in range(SKILLS)
        ]
        routine = draw_from(rng, HISTORY_FILLERS, rng.random(n) < 0.3)
        sep = np.array(["；", "。", "，"])[np.searchsorted([0.6, 0.85], rng.random(n), side="right")]
        joined = frame.with_columns(routine.alias("r"), pl.Series("s", sep)).select(
            pl.concat_str([*ordered, pl.col("r")], separator="\u0001", ignore_nulls=True).str.replace_all(
                "\u0001", pl.col("s"), literal=True
            )
        )
        return joined.to_series().alias("work_history")

    def desired(self, rng: np.random.Generator, lat: Latent) -> pl.Series:
        """Listed interests, plus sometimes the worker's own trade; null when none."""
        listed = np.where((lat.interest >= 0) & (lat.interest_disclosure == 0), lat.interest, -1)
        own = np.where((lat.skill[:, 0] >= 0) & (rng.random(len(lat.index)) < 0.1), lat.skill[:, 0], -1)
        slots = np.column_stack([listed, own])
        for j in range(1, slots.shape[1]):
            slots[(slots[:, :j] == slots[:, j : j + 1]).any(axis=1), j] = -1
        cols = [
            masked(f"d{j}", self.codes[np.maximum(slots[:, j], 0)], slots[:, j] >= 0)
            for j in range(slots.shape[1])
        ]
        return join_columns(cols, "|").replace("", None).alias("desired_occupations")

    def triples(self, lat: Latent, present: np.ndarray) -> pl.Series:
        """ "code:level:year|..." for the certified (or subsidised) skill slots; null when none."""
        cols = []
        for j in range(SKILLS):
            parts = pl.DataFrame(
                [
                    masked("c", self.codes[np.maximum(lat.skill[:, j], 0)], present[:, j]),
                    pl.Series("l", lat.cert_level[:, j]),
                    pl.Series("y", lat.cert_year[:, j]),
                ]
            )
            cols.append(parts.select(pl.concat_str(["c", "l", "y"], separator=":")).to_series())
        return join_columns(cols, "|").replace("", None)


def _town_in(rng: np.random.Generator, geo, lat: Latent) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Where a worker who is away now works: a county drawn by labour-import weight."""
    from data.synth.sampling import weighted

    return weighted(rng, geo.import_weight, len(lat.index))


def _join_flags(flags: np.ndarray, names: tuple[str, ...]) -> pl.Series:
    cols = [masked(f"g{j}", np.full(len(flags), name), flags[:, j]) for j, name in enumerate(names)]
    return join_columns(cols, "|").replace("", None).alias("groups")


def _noise(rng: np.random.Generator, text: pl.Series) -> pl.Series:
    """Spoken-style variation: spaces or ASCII commas for "，", a dialect opener, a full stop."""
    n = len(text)
    u = rng.random(n)
    opener = pl.Series(np.asarray(DIALECT_OPENERS)[rng.integers(0, len(DIALECT_OPENERS), n)])
    frame = pl.DataFrame({"t": text, "u": u, "o": opener, "stop": rng.random(n) < 0.1})
    t = pl.col("t")
    return frame.select(
        pl.when(pl.col("u") < 0.12)
        .then(t.str.replace_all("，", " ", literal=True))
        .when(pl.col("u") < 0.17)
        .then(t.str.replace_all("，", ",", literal=True))
        .otherwise(t)
        .pipe(
            lambda e: (
                pl.when((pl.col("u") > 0.8) & t.str.contains(r"^[干会在当做开种养送跑]"))
                .then(pl.concat_str([pl.col("o"), e]))
                .otherwise(e)
            )
        )
        .pipe(
            lambda e: pl.when(pl.col("stop") & (t != "")).then(pl.concat_str([e, pl.lit("。")])).otherwise(e)
        )
    ).to_series()
