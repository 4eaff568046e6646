"""Places in the risk rules: the village of an address, and distances.

A Chinese rural address reads from the largest unit down: 省 → 市 → 县/区/县级市/旗 → 乡/镇/街道 →
村 (村民委员会) → 组/号. :func:`village_of` strips the units above the village in that order — each
one only where more address follows it, and the county by its known name when the caller passes
the names — so that a village whose name holds a unit character (红旗村, 县川村, 镇川村) is read
whole, and an urban compound named 新村 (新村小区, 工人新村3号楼) is not taken for a village.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from matcher.types import Place

__all__ = ["distance_km", "village_of"]

_PROVINCE = re.compile(r"^.{2,7}?(?:省|自治区)(?=.)")
_CITY = re.compile(r"^.{2,6}?(?:市|地区|盟|自治州)(?=.{2,})")
_COUNTY = re.compile(r"^.{1,6}?(?:县|区|市|旗)(?=.+?(?:镇|乡|街道|办事处|苏木|村))")
_TOWN = re.compile(r"^.{1,6}?(?:街道办事处|办事处|街道|镇|乡|苏木)(?=.+?村)")
_VILLAGE = re.compile(r"^(?P<name>[\u4e00-\u9fff]{1,9}?村)(?:民委员会|委会)?(?P<rest>.*)$")
#: What follows a 村 that is a street or a compound, not a village.
_NOT_VILLAGE_AFTER = re.compile(r"^(?:小区|社区|花园|公寓|家园|大厦|广场|苑|路|街|巷|大道|号楼|栋|幢|单元)")
_URBAN_NEW_VILLAGE = re.compile(r"新村$")


def _strip(pattern: re.Pattern[str], text: str) -> str:
    m = pattern.match(text)
    return text[m.end() :] if m else text


def village_of(address: str | None, counties: Iterable[str] = ()) -> str | None:
    """The village (…村) named in ``address``, e.g. "山西省吕梁市临县城庄镇前青塘村3号" →
    "前青塘村"; ``None`` when the address names none (a street, a compound, a town only).

    ``counties``: known county-level names ("临县", "小店区" …); a county in this list is stripped
    by name, others by their suffix.
    """
    if not address:
        return None
    text = re.sub(r"\s+", "", address)
    text = _strip(_PROVINCE, text)
    text = _strip(_CITY, text)
    for name in sorted(counties, key=len, reverse=True):
        if name and text.startswith(name) and len(text) > len(name):
            text = text[len(name) :]
            break
    else:
        text = _strip(_COUNTY, text)
    town = _TOWN.match(text)
    urban = bool(town and re.search(r"(?:街道|办事处)$", town.group(0)))
    if town:
        text = text[town.end() :]
    m = _VILLAGE.match(text)
    if m is None:
        return None
    name, rest = m.group("name"), m.group("rest")
    if _NOT_VILLAGE_AFTER.match(rest):
        return None
    if _URBAN_NEW_VILLAGE.search(name) and (urban or re.match(r"^\d", rest)):
        return None
    return name if len(name) >= 2 else None


def distance_km(a: Place, b: Place) -> float:
    """Great-circle distance between two places (haversine, Earth radius 6371 km)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))
