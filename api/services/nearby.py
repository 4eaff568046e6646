"""How many workers near an employer could fill its orders' occupations — counts only, never who.

For the employer's county and its city: the active workers who consent to share their profile
with employers (``consent_share``) and live there (home county), counted per occupation of the
employer's orders when that occupation is one of the worker's skills (a certificate held, or an
occupation recognised in the worker's own words) or wishes (desired occupations, or recognised
wishes). A worker counts once per occupation however many of these name it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.services.directory import occupation_names
from data.db.models import Certificate, Employer, Order, ProfileEmbedding, Region, Worker

__all__ = ["NearbyCount", "NearbyWorkers", "nearby_workers"]


@dataclass(frozen=True, slots=True)
class NearbyCount:
    occupation_code: str
    occupation: str
    county_skill: int
    county_wish: int
    city_skill: int
    city_wish: int


@dataclass(frozen=True, slots=True)
class NearbyWorkers:
    """``county``/``city``: the place names (``""`` when the employer has no county on file)."""

    county: str
    city: str
    rows: list[NearbyCount]


def nearby_workers(session: Session, employer_id: str) -> NearbyWorkers:
    """Counts of consenting workers in the employer's county and city per occupation of its
    orders (open or closed), by occupation code."""
    employer = session.get(Employer, employer_id)
    codes = sorted(
        set(session.scalars(select(Order.occupation_code).where(Order.employer_id == employer_id)))
    )
    region = session.get(Region, employer.adcode) if employer is not None and employer.adcode else None
    if region is None or not codes:
        return NearbyWorkers("", "", [])
    county, city = region.adcode, region.adcode[:4]
    wanted = set(codes)
    people = session.execute(
        select(Worker.id, Worker.home_adcode, Worker.desired_occupations).where(
            Worker.active, Worker.consent_share, Worker.home_adcode.startswith(city)
        )
    ).all()
    home = {wid: adcode for wid, adcode, _ in people}
    skills: dict[str, set[str]] = defaultdict(set)
    wishes: dict[str, set[str]] = defaultdict(set)
    for wid, _adcode, desired in people:
        wishes[wid].update(c for c in desired or () if c in wanted)
    ids = list(home)
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        for wid, code in session.execute(
            select(Certificate.worker_id, Certificate.occupation_code).where(
                Certificate.worker_id.in_(chunk), Certificate.occupation_code.in_(codes)
            )
        ):
            skills[wid].add(code)
        for wid, skill_codes, wish_codes in session.execute(
            select(
                ProfileEmbedding.worker_id, ProfileEmbedding.skill_codes, ProfileEmbedding.wish_codes
            ).where(ProfileEmbedding.worker_id.in_(chunk))
        ):
            skills[wid].update(c for c in skill_codes or () if c in wanted)
            wishes[wid].update(c for c in wish_codes or () if c in wanted)
    names = occupation_names(session, codes)
    rows = []
    for code in codes:
        has_skill = [w for w, s in skills.items() if code in s]
        has_wish = [w for w, s in wishes.items() if code in s]
        rows.append(
            NearbyCount(
                code,
                names.get(code, code),
                sum(home[w] == county for w in has_skill),
                sum(home[w] == county for w in has_wish),
                len(has_skill),
                len(has_wish),
            )
        )
    city_region = session.get(Region, city + "00")
    return NearbyWorkers(region.name, city_region.name if city_region else (region.city_name or ""), rows)
