"""Where the synthetic world lives: Shanxi's 11 cities and 117 county-level units, weighted.

Everything comes from :func:`data.regions.regions_frame`; this module adds only sampling weights
(city populations from the 2020 census, rounded, in millions), which counties are rural, which
were national poverty-alleviation focus counties (scaled up for 脱贫劳动力), and how much each city
imports labour. These are sample-data assumptions, stated here so evaluation can see them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

#: 2020 census resident population in millions, by 4-digit city code.
CITY_POPULATION: dict[str, float] = {
    "1401": 5.31, "1402": 3.11, "1403": 1.32, "1404": 3.18, "1405": 2.19, "1406": 1.59,
    "1407": 3.38, "1408": 4.78, "1409": 2.69, "1410": 3.98, "1411": 3.40,
}  # fmt: skip
#: Relative pull of each city on outside labour (太原 first; 晋中 and 长治, 大同 next).
CITY_IMPORT: dict[str, float] = {
    "1401": 10.0, "1402": 2.5, "1403": 1.0, "1404": 2.5, "1405": 1.5, "1406": 1.2,
    "1407": 3.5, "1408": 1.5, "1409": 0.8, "1410": 1.5, "1411": 1.5,
}  # fmt: skip
#: Former national poverty-alleviation focus counties (approximate list, for sample weighting).
FOCUS_COUNTIES = frozenset(
    [
        "阳高县",
        "天镇县",
        "广灵县",
        "灵丘县",
        "浑源县",
        "云州区",
        "右玉县",
        "平顺县",
        "壶关县",
        "武乡县",
        "五台县",
        "繁峙县",
        "宁武县",
        "静乐县",
        "神池县",
        "五寨县",
        "岢岚县",
        "河曲县",
        "保德县",
        "偏关县",
        "代县",
        "兴县",
        "临县",
        "石楼县",
        "岚县",
        "方山县",
        "中阳县",
        "吉县",
        "大宁县",
        "隰县",
        "永和县",
        "汾西县",
        "左权县",
        "和顺县",
        "娄烦县",
        "阳曲县",
    ]
)
#: Degrees of jitter around a county seat for homes (about 8 km) and for workplaces in town.
HOME_JITTER_DEG = 0.07
TOWN_JITTER_DEG = 0.02
LAT_BOUNDS = (34.6, 40.8)
LON_BOUNDS = (110.2, 114.6)


@dataclass(frozen=True, slots=True)
class Geography:
    """County table (one row per county-level unit, sorted by adcode) as numpy arrays.

    ``adcode``, ``name``, ``city_code`` (4 digits), ``city_adcode`` (6 digits), ``city_name``:
    (c,) str; ``lat``, ``lon``: (c,) float64 seat coordinates; ``is_district``, ``is_focus``:
    (c,) bool; ``worker_weight``, ``import_weight``: (c,) float64 summing to 1.
    ``cities``: the 11 city adcodes (6 digits) in code order, ``city_lat``/``city_lon`` theirs.
    """

    adcode: np.ndarray
    name: np.ndarray
    city_code: np.ndarray
    city_adcode: np.ndarray
    city_name: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    is_district: np.ndarray
    is_focus: np.ndarray
    worker_weight: np.ndarray
    import_weight: np.ndarray
    cities: np.ndarray
    city_names: np.ndarray
    city_lat: np.ndarray
    city_lon: np.ndarray

    @property
    def size(self) -> int:
        return len(self.adcode)

    def city_index(self, county_index: np.ndarray) -> np.ndarray:
        """Index into :attr:`cities` of each county index."""
        lookup = {c: i for i, c in enumerate(self.cities)}
        per_county = np.array([lookup[c] for c in self.city_adcode])
        return per_county[county_index]


def build_geography(regions: pl.DataFrame) -> Geography:
    """Build the weighted county table from a :func:`data.regions.regions_frame` frame."""
    counties = regions.filter(pl.col("level") == "county").sort("adcode")
    cities = regions.filter(pl.col("level") == "city").sort("adcode")
    if counties.is_empty() or cities.height != 11:
        raise ValueError(f"expected Shanxi's 11 cities and their counties, got {cities.height} cities")
    city_code = counties["adcode"].str.slice(0, 4).to_numpy()
    name = counties["name"].to_numpy()
    is_district = np.array([n.endswith("区") for n in name])
    is_focus = np.array([n in FOCUS_COUNTIES for n in name])
    n_in_city = {c: int((city_code == c).sum()) for c in set(city_code)}
    # Migrant workers come mostly from rural counties; districts are towns.
    rural = np.where(is_district, 0.35, 1.0)
    pop = np.array([CITY_POPULATION[c] / n_in_city[c] for c in city_code])
    worker_weight = pop * rural
    # Demand concentrates in urban districts of importing cities.
    imports = np.array([CITY_IMPORT[c] / n_in_city[c] for c in city_code]) * np.where(is_district, 3.0, 0.6)
    return Geography(
        adcode=counties["adcode"].to_numpy(),
        name=name,
        city_code=city_code,
        city_adcode=np.array([c + "00" for c in city_code]),
        city_name=counties["city_name"].to_numpy(),
        lat=counties["lat"].to_numpy().astype(np.float64),
        lon=counties["lon"].to_numpy().astype(np.float64),
        is_district=is_district,
        is_focus=is_focus,
        worker_weight=worker_weight / worker_weight.sum(),
        import_weight=imports / imports.sum(),
        cities=cities["adcode"].to_numpy(),
        city_names=cities["name"].to_numpy(),
        city_lat=cities["lat"].to_numpy().astype(np.float64),
        city_lon=cities["lon"].to_numpy().astype(np.float64),
    )


def load_geography() -> Geography:
    """The product's Shanxi regions (:mod:`data.regions`), weighted."""
    from data.regions import regions_frame

    return build_geography(regions_frame())


def jitter(
    rng: np.random.Generator, lat: np.ndarray, lon: np.ndarray, scale: float
) -> tuple[np.ndarray, ...]:
    """Coordinates moved by a normal offset of ``scale`` degrees, kept inside Shanxi's box and
    rounded to 5 decimals (about 1 m) so files are stable across platforms."""
    la = np.clip(lat + rng.normal(0.0, scale, lat.shape), *LAT_BOUNDS)
    lo = np.clip(lon + rng.normal(0.0, scale, lon.shape), *LON_BOUNDS)
    return np.round(la, 5), np.round(lo, 5)


def haversine_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Great-circle distance in km, elementwise (broadcasting)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def village_names(rng: np.random.Generator, n: int) -> np.ndarray:
    """(n,) str: invented village names ("王家沟村", "东关村")."""
    from data.synth.phrasebook import VILLAGE_PREFIX, VILLAGE_SUFFIX

    pre = np.array(VILLAGE_PREFIX)[rng.integers(0, len(VILLAGE_PREFIX), n)]
    suf = np.array(VILLAGE_SUFFIX)[rng.integers(0, len(VILLAGE_SUFFIX), n)]
    names = np.char.add(pre, suf)
    return np.where(np.char.endswith(names, "村"), names, np.char.add(names, "村"))
