"""Loading the shipped reference data (Shanxi regions, occupation catalogue) into a database."""

from __future__ import annotations

from sqlalchemy import Engine, insert, select

from data.db.models import Region
from data.db.session import transaction
from data.occupations import import_catalogue, shipped_catalogue
from data.regions import regions_frame


def load_regions(engine: Engine) -> int:
    """Insert the Shanxi regions that are not stored yet. Returns how many were added."""
    with transaction(engine) as session:
        known = set(session.scalars(select(Region.adcode)))
        rows = [r for r in regions_frame().to_dicts() if r["adcode"] not in known]
        if rows:
            session.execute(insert(Region), rows)
    return len(rows)


def load_reference(engine: Engine) -> tuple[int, int]:
    """Regions and the shipped occupation catalogue. Returns (regions added, occupations added)."""
    regions = load_regions(engine)
    occupations, _ = import_catalogue(engine, shipped_catalogue())
    return regions, occupations
