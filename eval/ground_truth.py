"""What a careful counselor would recommend, decided from the synthetic world's hidden truth.

A counselor who talked to the worker at length knows what the profile only partly shows
(``workers_truth.parquet``): the occupations the worker can really do and at which level, what
they would really like to learn, how far they can really travel, when they can start, how much
they can pay and the lowest wage they would take. From that and the catalogue they pick:

* **job** (grade 3) — an open order in an occupation the worker truly masters at the required
  level (with the required certificate on record), paying at least their real minimum wage;
* **train→job** (grade 3 when the order's occupation is a true interest, 2 when it is a skill the
  worker must certify or upgrade) — a programme of the order's occupation and level that ends
  before the order starts;
* **train** (grade 2) — a programme in a true interest, or one level above a true skill;
* **start-up** (grade 2) — 创业培训 / e-commerce / live-selling for workers with a real start-up
  intent.

Every pick must be truly feasible: reachable within the real daily reach (or in the real target
city, or online when the worker can follow online classes), open when the worker can start,
entry rules met, seats left, institution active, full-time classes only for those who can attend
them, and a net cost within what the worker can pay.

This module is deliberately independent of the recommender: it imports nothing from the ranking
core (no filters, features or scores). The net cost comes in as a function, so the evaluation can
price programmes with the city's subsidy rules (the official policy, not a ranking signal).
:func:`stated_violations` re-implements the hard constraints on the *stated* profile, to count
infeasible recommendations without trusting the recommender's own filters.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import polars as pl

__all__ = [
    "Catalogue",
    "TruthItem",
    "counselor_picks",
    "load_catalogue",
    "stated_violations",
    "truth_rows",
]

EDUCATION = ("小学及以下", "初中", "高中/中专/技校", "大专", "本科及以上")
STARTUP_WORDS = ("创业", "电商", "电子商务", "直播", "网店", "网络营销", "互联网营销")
#: class hours per calendar day from which an offline course counts as full-time
FULL_TIME_HOURS_PER_DAY = 5.0

#: (worker row, programme row, order row or None) → yuan the worker pays
NetCost = Callable[[dict, dict, "dict | None"], int]


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))


def _edu(label: str | None) -> int:
    return EDUCATION.index(label) if label in EDUCATION else -1


@dataclass(frozen=True, slots=True)
class TruthItem:
    kind: str
    programme_id: str | None
    order_id: str | None
    grade: int

    @property
    def key(self) -> tuple[str | None, str | None]:
        return (self.programme_id, self.order_id)


@dataclass(frozen=True)
class Catalogue:
    """Programmes (with their institution's status) and open orders, as row dicts."""

    programmes: list[dict]
    orders: list[dict]
    programmes_by_occupation: dict[str, list[dict]]


def load_catalogue(sample_dir: str) -> Catalogue:
    institutions = pl.read_parquet(f"{sample_dir}/institutions.parquet").select("id", "status", "name")
    programmes = (
        pl.read_parquet(f"{sample_dir}/programmes.parquet")
        .join(
            institutions.rename({"id": "institution_id", "status": "inst_status", "name": "inst_name"}),
            on="institution_id",
            how="left",
        )
        .sort("id")
        .to_dicts()
    )
    orders = (
        pl.read_parquet(f"{sample_dir}/orders.parquet")
        .filter(pl.col("status") == "open")
        .sort("id")
        .to_dicts()
    )
    by_occ: dict[str, list[dict]] = {}
    for p in programmes:
        by_occ.setdefault(p["occupation_code"], []).append(p)
    return Catalogue(programmes, orders, by_occ)


def _county_city(adcode: str | None) -> str:
    return (adcode or "")[:4]


def _is_startup(p: dict) -> bool:
    return p["training_type"] == "创业培训" or any(
        w in f"{p['title']}{p.get('work_type') or ''}" for w in STARTUP_WORDS
    )


def _level_ok(level: int, required: int | None) -> bool:
    if required is None or required == 0:
        return True
    return 0 < level <= required


class _Worker:
    """The counselor's view of one worker: stated profile plus hidden truth."""

    def __init__(self, w: dict, t: dict, today: dt.date) -> None:
        self.row = w
        self.today = today
        self.age = today.year - int(w["birth_year"])
        self.edu = _edu(w["education"])
        self.lat, self.lon = float(w["home_lat"]), float(w["home_lon"])
        self.skills = dict(zip(t["skill_codes"] or [], t["skill_levels"] or [], strict=True))
        self.interests = set(t["interest_codes"] or [])
        self.place = t["true_place"]
        self.city = _county_city(t["true_city"])
        self.max_km = float(t["true_max_km"])
        self.earliest = max(t["earliest_start"], today)
        self.max_fee = int(t["max_fee"])
        self.min_wage = int(t["min_wage"])
        self.online_ok = bool(t["online_ok"])
        self.full_time_ok = bool(t["full_time_ok"])
        self.startup = bool(t["entrepreneurship"])
        self.certs = _parse_certs(w.get("certificates"))

    def reaches(self, lat: float, lon: float, adcode: str) -> bool:
        if self.place == "anywhere":
            return True
        if self.place == "city" and self.city and _county_city(adcode) == self.city:
            return True
        return _km(self.lat, self.lon, lat, lon) <= self.max_km

    def can_attend(self, p: dict) -> bool:
        if p["inst_status"] != "active" or p["seats_left"] <= 0 or p["start_date"] < self.earliest:
            return False
        if p["min_age"] is not None and self.age < p["min_age"]:
            return False
        if p["max_age"] is not None and self.age > p["max_age"]:
            return False
        if p["min_education"] and self.edu < _edu(p["min_education"]):
            return False
        if p["delivery"] == "线上":
            return self.online_ok
        days = (p["end_date"] - p["start_date"]).days + 1
        if not self.full_time_ok and p["hours"] / max(days, 1) >= FULL_TIME_HOURS_PER_DAY:
            return False
        return self.reaches(p["lat"], p["lon"], p["county"])

    def would_take(self, o: dict) -> bool:
        if o["start_date"] < self.earliest or (o["wage_min"] + o["wage_max"]) / 2 < self.min_wage:
            return False
        if o["min_age"] is not None and self.age < o["min_age"]:
            return False
        if o["max_age"] is not None and self.age > o["max_age"]:
            return False
        return self.reaches(o["lat"], o["lon"], o["county"])

    def masters(self, o: dict) -> bool:
        level = self.skills.get(o["occupation_code"])
        if level is None or not _level_ok(level, o["required_level"]):
            return False
        if o["requires_certificate"]:
            held = self.certs.get(o["occupation_code"], [])
            return any(_level_ok(h, o["required_level"]) for h in held)
        return True


def _parse_certs(cell: str | None) -> dict[str, list[int]]:
    """``"code:level:year|…"`` (the workers file format) → {code: [levels]}."""
    out: dict[str, list[int]] = {}
    for part in (cell or "").split("|"):
        bits = part.split(":")
        if len(bits) >= 2 and bits[0]:
            out.setdefault(bits[0], []).append(int(bits[1]))
    return out


def _closes(p: dict, o: dict) -> bool:
    if o["programme_id"] is not None and p["id"] == o["programme_id"]:
        return True
    if p["occupation_code"] != o["occupation_code"] or not _level_ok(p["level"], o["required_level"]):
        return False
    return not (o["requires_certificate"] and not p["certificate"])


def _opens_or_upgrades(w: _Worker, occ: str, level: int) -> bool:
    """A new occupation the worker truly wants, or a level above a true skill."""
    if occ in w.skills:
        return 0 < level < w.skills[occ]
    return occ in w.interests


def counselor_picks(
    worker: dict, truth: dict, catalogue: Catalogue, today: dt.date, net_cost: NetCost
) -> list[TruthItem]:
    """The pathways a careful counselor would choose for one worker (unordered, unique keys)."""
    w = _Worker(worker, truth, today)
    picks: dict[tuple[str | None, str | None], TruthItem] = {}

    def add(item: TruthItem) -> None:
        old = picks.get(item.key)
        if old is None or item.grade > old.grade:
            picks[item.key] = item

    attendable = {p["id"]: p for p in catalogue.programmes if w.can_attend(p)}
    for o in catalogue.orders:
        if not w.would_take(o):
            continue
        if w.masters(o):
            add(TruthItem("job", None, o["id"], 3))
            continue
        occ = o["occupation_code"]
        if occ not in w.interests and occ not in w.skills:
            continue
        grade = 3 if occ in w.interests else 2
        options = [p for p in catalogue.programmes_by_occupation.get(occ, []) if p["id"] in attendable]
        if o["programme_id"] in attendable:
            options.append(attendable[o["programme_id"]])
        for p in options:
            if p["end_date"] < o["start_date"] and _closes(p, o) and net_cost(worker, p, o) <= w.max_fee:
                add(TruthItem("train_then_job", p["id"], o["id"], grade))
    for p in attendable.values():
        occ = p["occupation_code"]
        startup = _is_startup(p)
        if startup and w.startup:
            kind = "start_up"
        elif p["training_type"] == "创业培训":
            continue
        elif _opens_or_upgrades(w, occ, p["level"]):
            kind = "train"
        else:
            continue
        if net_cost(worker, p, None) <= w.max_fee:
            add(TruthItem(kind, p["id"], None, 2))
    return sorted(picks.values(), key=lambda t: (-t.grade, t.programme_id or "", t.order_id or ""))


def stated_violations(
    worker: dict,
    today: dt.date,
    programme: dict | None,
    order: dict | None,
    city_centres: dict[str, tuple[float, float]],
) -> list[str]:
    """Hard constraints a pathway breaks on the worker's *stated* profile (empty = feasible).

    ``city_centres``: city adcode (6 digits, e.g. "140100") → (lat, lon) of the desired city.
    """
    out: list[str] = []
    place = worker["desired_place"] or "local"
    limit = float(worker["max_commute_km"] or 30.0)
    centre = city_centres.get(worker["desired_city"] or "") if place == "city" else None

    def far(lat: float, lon: float) -> bool:
        if place == "anywhere":
            return False
        d = _km(float(worker["home_lat"]), float(worker["home_lon"]), lat, lon)
        if centre is not None:
            d = min(d, _km(centre[0], centre[1], lat, lon))
        return d > limit

    if programme is not None:
        p = programme
        start_age = p["start_date"].year - int(worker["birth_year"])
        if p["start_date"] < today:
            out.append("programme_started")
        if p["seats_left"] <= 0:
            out.append("no_seats")
        if p["inst_status"] != "active":
            out.append("institution_suspended")
        if (
            p["min_age"] is not None
            and start_age < p["min_age"]
            or p["max_age"] is not None
            and start_age > p["max_age"]
        ):
            out.append("programme_age")
        if p["min_education"] and _edu(worker["education"]) < _edu(p["min_education"]):
            out.append("education")
        if p["delivery"] != "线上" and far(p["lat"], p["lon"]):
            out.append("programme_out_of_reach")
    if order is not None:
        o = order
        start_age = o["start_date"].year - int(worker["birth_year"])
        if o["start_date"] < today:
            out.append("order_started")
        if (
            o["min_age"] is not None
            and start_age < o["min_age"]
            or o["max_age"] is not None
            and start_age > o["max_age"]
        ):
            out.append("order_age")
        if far(o["lat"], o["lon"]):
            out.append("order_out_of_reach")
    if programme is not None and order is not None and programme["end_date"] >= order["start_date"]:
        out.append("training_ends_after_order_start")
    return out


def truth_rows(sample_dir: str, ids: Iterable[str] | None = None) -> tuple[dict[str, dict], dict[str, dict]]:
    """(workers by id, truth by id) from the sample files, optionally restricted to ``ids``."""
    workers = pl.read_parquet(f"{sample_dir}/workers.parquet")
    truth = pl.read_parquet(f"{sample_dir}/workers_truth.parquet")
    if ids is not None:
        keep = list(ids)
        workers = workers.filter(pl.col("id").is_in(keep))
        truth = truth.filter(pl.col("id").is_in(keep))
    return {r["id"]: r for r in workers.to_dicts()}, {r["id"]: r for r in truth.to_dicts()}
