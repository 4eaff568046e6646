"""Shared pieces of :mod:`data.synth.claims` and :mod:`data.synth.fraud`: the records being
built with their random stream, and what a counselor knows of the city's policy."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from data.policy_loader import PolicyNotFound, load_city_policy
from data.regions import shanxi_regions
from matcher.subsidy import CityPolicy, CityPolicyBook
from matcher.subsidy.places import distance_km
from matcher.types import Place

Row = dict[str, Any]


def on_day(day: dt.date, days: Any) -> dt.date:
    return day + dt.timedelta(days=int(days))


def city_books() -> dict[str, CityPolicyBook | None]:
    out: dict[str, CityPolicyBook | None] = {}
    for region in shanxi_regions():
        if region.level == "city":
            try:
                out[region.adcode[:4]] = load_city_policy(region.adcode[:4])
            except PolicyNotFound:
                out[region.adcode[:4]] = None
    return out


def policy_of(p: Row, books: dict[str, CityPolicyBook | None]) -> CityPolicy | None:
    book = books.get(str(p["county"])[:4])
    return book.find(p["start_date"]) if book is not None else None


def listed(p: Row, books: dict[str, CityPolicyBook | None]) -> bool:
    """Whether the course's occupation, 工种 and level are in its city's list."""
    policy = policy_of(p, books)
    occ = policy.occupation(str(p["occupation_code"])) if policy is not None else None
    if occ is None or occ.amounts.get(int(p["level"])) is None:
        return False
    return not occ.work_types or p["work_type"] in occ.work_types


def subsidised(p: Row, certified: bool, books: dict[str, CityPolicyBook | None]) -> bool:
    """Whether a counselor would expect the city to pay for this course (what they file claims
    for): listed, of a subsidised training type, and certified where the city pays on certification."""
    policy = policy_of(p, books)
    if policy is None or not listed(p, books) or policy.type_percent(str(p["training_type"])) is None:
        return False
    return policy.certification.pay_on == "completion" or certified


def place_of(p: Row) -> Place:
    return Place(str(p["county"]), float(p["lat"]), float(p["lon"]))


def home_of(w: Row) -> Place:
    return Place(str(w["home_adcode"]), float(w["home_lat"]), float(w["home_lon"]))


class Records:
    """The frames being built, with the one random stream."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.enrollments: list[Row] = []
        self.claims: list[Row] = []
        self.truth: list[Row] = []

    def pick(self, options: list[Row]) -> Row:
        return options[int(self.rng.integers(0, len(options)))]

    def nearby(self, options: list[Row], w: Row) -> Row:
        """A class the worker would choose: nearer ones far likelier (1 / (1 + km/20)²)."""
        here = home_of(w)
        weights = np.array([1.0 / (1.0 + distance_km(here, place_of(p)) / 20.0) ** 2 for p in options])
        cdf = np.cumsum(weights / weights.sum())
        return options[min(int(np.searchsorted(cdf, self.rng.random())), len(options) - 1)]

    def enroll(self, w: Row, p: Row, *, completed: bool = True) -> Row:
        hours = int(p["hours"])
        if self.rng.random() >= 0.88:
            hours = max(8, hours - int(self.rng.integers(1, 17)))
        row: Row = {
            "key": len(self.enrollments) + 1,
            "worker_id": w["id"],
            "programme_id": p["id"],
            "status": "结业" if completed else "退出",
            "enrolled_on": on_day(p["start_date"], -int(self.rng.integers(5, 30))),
            "completed": completed,
            "certified": False,
            "completed_on": p["end_date"] if completed else None,
            "hours_attended": hours if completed else None,
            "fee_payer": "worker",
            "employer_order_id": None,
        }
        self.enrollments.append(row)
        return row

    def claim(self, kind: str, on: dt.date, **where: object) -> Row:
        row: Row = {
            "enrollment_key": None,
            "certificate": None,
            "kind": kind,
            "on": on,
            "direct": False,
            "amount": None,
            "inflate": None,
            "worker_id": None,
            "programme_id": None,
            **where,
        }
        self.claims.append(row)
        return row

    def case(self, name: str, pattern: str, *subjects: str) -> None:
        self.truth.append({"case": name, "pattern": pattern, "subjects": list(subjects)})
