"""Planted subsidy fraud in a synthetic last year (:mod:`data.synth.claims`), each case recorded
in the truth with the subjects a clause 十三 risk scan should name (:data:`data.synth.claims.PATTERNS`)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from data.regions import shanxi_regions
from data.synth.claim_records import Records, Row, home_of, on_day, place_of, subsidised
from data.synth.identity import birth_dates, id_numbers, names, phones
from matcher.subsidy import CityPolicyBook
from matcher.subsidy.places import distance_km
from matcher.types import Place


def ghosts(rng: np.random.Generator, template: Row, n: int, taken: np.ndarray) -> list[Row]:
    """``n`` fabricated registrations in ``template``'s village (same county and address)."""
    born = rng.integers(1975, 2001, n)
    male = rng.random(n) < 0.5
    adcode = np.full(n, int(str(template["home_adcode"])), dtype=np.int64)
    numbers, _ = id_numbers(rng, adcode, birth_dates(rng, born), male, taken)
    people, tel = names(rng, male), phones(rng, n)
    return [
        {
            **template,
            "id": f"WG{str(template['id'])[-5:]}{k:02d}",
            "id_number": numbers[k],
            "name": people[k],
            "phone": tel[k],
            "birth_year": int(born[k]),
            "gender": "男" if male[k] else "女",
            "home_address": f"{template['home_address']}{k + 1}号",
            "current_adcode": template["home_adcode"],
            "groups": None,
            "certificates": None,
            "claimed_subsidies": None,
        }
        for k in range(n)
    ]


def plant(
    rec: Records,
    workers: pl.DataFrame,
    eligible: pl.DataFrame,
    trainees: pl.DataFrame,
    classes: list[Row],
    by_id: dict[str, Row],
    ghosts: list[str],
    books: dict[str, CityPolicyBook | None],
    reference_date: dt.date,
) -> None:
    """The planted cases on single workers and claims, each recorded in the truth."""
    rng = rec.rng
    n_each = max(2, round(0.006 * len(rec.claims)))
    plain = [
        e
        for e in rec.enrollments
        if e["completed"]
        and by_id[e["programme_id"]]["institution_id"] not in ghosts
        and subsidised(by_id[e["programme_id"]], bool(e["certified"]), books)
        and int(by_id[e["programme_id"]]["fee"]) > 0  # money to take
        and any(c["enrollment_key"] == e["key"] and c["kind"] == "training" for c in rec.claims)
    ]
    order = rng.permutation(len(plain))
    used: set[object] = set()

    def fresh(limit: int) -> list[Row]:
        out: list[Row] = []
        for i in order:
            e = plain[int(i)]
            if e["worker_id"] not in used and len(out) < limit:
                used.add(e["worker_id"])
                out.append(e)
        return out

    for n, e in enumerate(fresh(n_each)):
        rec.case(f"inflated-{n + 1}", "inflated_amount", f"claim-of:{e['key']}:training")
        for c in rec.claims:
            if c["enrollment_key"] == e["key"] and c["kind"] == "training":
                c["inflate"] = 3
    for n, e in enumerate(fresh(n_each)):
        rec.case(f"padding-{n + 1}", "attendance_padding", f"claim-of:{e['key']}:training")
    for n, e in enumerate(fresh(n_each)):
        p = by_id[e["programme_id"]]
        other = [
            q
            for q in classes
            if q["delivery"] != "线上"
            and q["occupation_code"] != p["occupation_code"]
            and q["start_date"] <= p["end_date"]
            and q["end_date"] >= p["start_date"]
        ]
        if other:
            worker = next(w for w in workers.iter_rows(named=True) if w["id"] == e["worker_id"])
            second = rec.enroll(worker, rec.pick(other))
            rec.claim(
                "training", on_day(by_id[second["programme_id"]]["end_date"], 5), enrollment_key=second["key"]
            )
            rec.case(f"double-{n + 1}", "double_enrollment", f"worker:{e['worker_id']}")
    ages = reference_date.year - workers["birth_year"].to_numpy()
    for n, w in enumerate(
        workers.filter(pl.Series((ages >= 61) & (ages <= 70))).head(n_each).iter_rows(named=True)
    ):
        near = [q for q in classes if q["county"][:4] == w["home_adcode"][:4] and q["delivery"] != "线上"]
        if not near:
            continue
        p = near[0]
        e = rec.enroll(w, p)
        rec.claim("training", on_day(p["end_date"], 7), enrollment_key=e["key"], direct=True, amount=1000)
        rec.case(f"over-age-{n + 1}", "over_age", f"worker:{w['id']}", f"claim-of:{e['key']}:training")
    regions = {r.adcode: r for r in shanxi_regions()}
    planted = 0
    for w in trainees.reverse().iter_rows(named=True):
        if planted >= n_each or w["id"] in used:
            continue
        region = regions.get(w["current_adcode"] or "")
        now = Place(region.adcode, region.lat, region.lon) if region is not None else home_of(w)
        far = [
            p
            for p in classes
            if p["delivery"] == "线下"
            and distance_km(home_of(w), place_of(p)) > 250
            and distance_km(now, place_of(p)) > 250
        ]
        if far:
            used.add(w["id"])
            e = rec.enroll(w, rec.pick(far))
            rec.claim("training", on_day(by_id[e["programme_id"]]["end_date"], 9), enrollment_key=e["key"])
            planted += 1
            rec.case(f"borrowed-{planted}", "borrowed_identity", f"worker:{w['id']}")
    for n, w in enumerate(
        eligible.filter(~pl.col("id").is_in(list(used))).tail(n_each).iter_rows(named=True)
    ):
        p = rec.pick(classes)
        rec.claim(
            "training",
            on_day(p["end_date"], 10),
            direct=True,
            amount=1000,
            worker_id=w["id"],
            programme_id=p["id"],
        )
        rec.case(f"phantom-{n + 1}", "phantom_claim", f"phantom-of:{w['id']}")
