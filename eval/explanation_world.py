"""The facts a sample world's files hold, for :mod:`eval.explanation_check` to hold explanations
against: programmes (with their institution), open orders, workers' stated profiles, and the
regions' names and seats — read from the Parquet files and the product's region table, with no
code of the ranking (distances are recomputed here, by an independent haversine).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import polars as pl

__all__ = ["INTAKE", "Place", "WorldFacts", "haversine_km", "load_world_facts", "parse_day"]

#: a numbered programme title: "2027年第2期电工（五级）就业技能培训班" → year, intake, base title
INTAKE = re.compile(r"^(\d{4})年第(\d+)期(.+)$")


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True, slots=True)
class Place:
    """A region: its full name as the product writes it ("太原市小店区", "太原市") and its seat."""

    name: str
    lat: float
    lon: float


@dataclass(frozen=True)
class WorldFacts:
    """Row dicts by id (``programmes`` joined with their institution's ``inst_name``, ``inst_kind``
    and ``inst_county``), and regions by adcode."""

    programmes: dict[str, dict]
    orders: dict[str, dict]
    workers: dict[str, dict]
    regions: dict[str, Place]

    @cached_property
    def policy_books(self) -> dict[str, Any]:
        """The shipped city policies (``data/policy``), by city code: what the checker holds the
        pathways' payment timing and allowance day counts against."""
        from data.policy_loader import available_cities, load_city_policy

        return {city: load_city_policy(city) for city in available_cities()}

    def policy(self, prog: dict) -> Any:
        """The policy version in force for a programme row (its city, its start date), or None."""
        book = self.policy_books.get(str(prog["county"])[:4])
        return book.find(prog["start_date"]) if book is not None else None

    @property
    def city_names(self) -> dict[str, str]:
        """4-digit city code → city name ("1401" → "太原市")."""
        return {
            code[:4]: p.name
            for code, p in self.regions.items()
            if code.endswith("00") and not code.endswith("0000")
        }

    @cached_property
    def intake_places(self) -> dict[str, int]:
        """Programme id → its 1-based place among the same institution's programmes of the same
        (unnumbered) title starting the same year, by start date then id."""
        groups: dict[tuple[str, str, int], list[tuple[dt.date, str]]] = {}
        for pid, p in self.programmes.items():
            m = INTAKE.match(p["title"])
            base = m.group(3) if m else p["title"]
            key = (p["institution_id"], base, p["start_date"].year)
            groups.setdefault(key, []).append((p["start_date"], pid))
        return {pid: n for rows in groups.values() for n, (_, pid) in enumerate(sorted(rows), 1)}

    def own_names(self, city_code: str) -> list[str]:
        """Full names of the city ``city_code`` and of its counties ("太原市", "小店区"), longest
        first: what a name may say of its own place."""
        city = self.city_names.get(city_code, "")
        names = {city} | {
            p.name[len(city) :]
            for c, p in self.regions.items()
            if c[:4] == city_code and not c.endswith("00")
        }
        return sorted((n for n in names if n), key=lambda n: (-len(n), n))

    def county_short_names(self) -> dict[str, str]:
        """Short names of every county-level unit ("小店", "代县") → its 4-digit city code. A
        one-character stem ("代" of 代县) keeps its suffix, being too short to tell apart."""
        out: dict[str, str] = {}
        for code, place in self.regions.items():
            if code.endswith("00"):
                continue
            own = place.name[len(self.city_names.get(code[:4], "")) :]
            stem = own[:-1] if len(own) > 2 and own[-1] in "县区市" else own
            out[stem] = code[:4]
        return out

    def reach(self, worker: dict, lat: float, lon: float) -> tuple[float, float, float | None]:
        """(reach km, km from home, km from the desired city's seat or None) of a point."""
        home = haversine_km(worker["home_lat"], worker["home_lon"], lat, lon)
        city = self.regions.get(worker["desired_city"] or "") if worker["desired_place"] == "city" else None
        if city is None:
            return home, home, None
        from_city = haversine_km(city.lat, city.lon, lat, lon)
        return min(home, from_city), home, from_city


def load_world_facts(sample_dir: str | Path) -> WorldFacts:
    """Facts of the world whose Parquet files are in ``sample_dir``."""
    from data.regions import regions_frame

    root = Path(sample_dir)
    inst = pl.read_parquet(root / "institutions.parquet").select(
        pl.col("id").alias("institution_id"),
        pl.col("name").alias("inst_name"),
        pl.col("kind").alias("inst_kind"),
        pl.col("county").alias("inst_county"),
        pl.col("employment_rate_6m").alias("inst_employment"),
    )
    programmes = pl.read_parquet(root / "programmes.parquet").join(inst, on="institution_id", how="left")
    orders = pl.read_parquet(root / "orders.parquet").filter(pl.col("status") == "open")
    workers = pl.read_parquet(root / "workers.parquet").select(
        "id",
        "home_lat",
        "home_lon",
        "desired_place",
        "desired_city",
        "max_commute_km",
        "expected_wage",
        "groups",
        "entrepreneurship",
    )
    regions: dict[str, Place] = {}
    for code, name, city, lat, lon in (
        regions_frame().select("adcode", "name", "city_name", "lat", "lon").iter_rows()
    ):
        full = name if not city or city == name else f"{city}{name}"
        regions[code] = Place(full, float(lat), float(lon))
    return WorldFacts(
        {r["id"]: r for r in programmes.iter_rows(named=True)},
        {r["id"]: r for r in orders.iter_rows(named=True)},
        {r["id"]: r for r in workers.iter_rows(named=True)},
        regions,
    )


def parse_day(value: object) -> dt.date | None:
    """A date from a recommendation dict (ISO string) or a row (date), or None."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))
