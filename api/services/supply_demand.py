"""Supply and demand of one city or county (clause 五's 流向监测 and the county gap view).

- per occupation: the workers employers ask for (head count of open orders placed there), the
  workers living there who list the occupation among their wishes, and the seats left in the
  active catalogue's courses there that have not started yet;
- flows: where the workers living there work now (their current county; "本地" when it is the
  home county or not recorded).

Counts come from the stored rows in a fixed number of queries; the worker table is read as two
columns per worker living in the region.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.services.directory import occupation_names
from data.db.models import Institution, Order, Programme, Region, Worker

__all__ = ["Flow", "OccupationBalance", "SupplyDemand", "supply_demand"]


@dataclass(frozen=True, slots=True)
class OccupationBalance:
    code: str
    name: str
    #: head count of open orders
    demand: int
    #: workers living in the region who wish for the occupation
    interested: int
    #: seats left in courses not yet started
    seats: int

    @property
    def gap(self) -> int:
        """Places employers ask for beyond the interested workers (negative: more workers)."""
        return self.demand - self.interested


@dataclass(frozen=True, slots=True)
class Flow:
    home: str
    now: str
    workers: int


@dataclass(frozen=True, slots=True)
class SupplyDemand:
    region: str
    region_name: str
    occupations: list[OccupationBalance]
    flows: list[Flow]
    #: workers living in the region, and those of them working outside their home county
    residents: int
    away: int


def _region_names(session: Session) -> dict[str, str]:
    return {
        r.adcode: (r.name if not r.city_name or r.city_name == r.name else f"{r.city_name}{r.name}")
        for r in session.scalars(select(Region))
    }


def supply_demand(session: Session, region: str, today: dt.date) -> SupplyDemand:
    """The balance of ``region`` (a 4-digit city or 6-digit county prefix) on ``today``."""
    names = _region_names(session)
    region_name = names.get(region.ljust(6, "0")) or region
    demand: Counter[str] = Counter()
    for code, heads in session.execute(
        select(Order.occupation_code, func.sum(Order.head_count))
        .where(Order.status == "open", Order.adcode.startswith(region))
        .group_by(Order.occupation_code)
    ):
        demand[code] = int(heads or 0)
    seats: Counter[str] = Counter()
    for code, left in session.execute(
        select(Programme.occupation_code, func.sum(Programme.seats_left))
        .join(Institution)
        .where(
            Institution.status == "active",
            Programme.adcode.startswith(region),
            Programme.start_date >= today,
        )
        .group_by(Programme.occupation_code)
    ):
        seats[code] = int(left or 0)
    interested: Counter[str] = Counter()
    flows: Counter[tuple[str, str]] = Counter()
    residents = away = 0
    for home, current, wishes in session.execute(
        select(Worker.home_adcode, Worker.current_adcode, Worker.desired_occupations).where(
            Worker.home_adcode.startswith(region)
        )
    ):
        residents += 1
        interested.update(set(wishes or ()))
        now = current if current and current[:6] != home[:6] else None
        if now is not None:
            away += 1
        flows[(home, now or home)] += 1
    codes = set(demand) | set(seats) | set(interested)
    occ = occupation_names(session, codes)
    balances = sorted(
        (OccupationBalance(c, occ.get(c, c), demand[c], interested[c], seats[c]) for c in codes if c in occ),
        key=lambda b: (-(b.demand + b.interested + b.seats), b.code),
    )
    flow_rows = sorted(
        (
            Flow(
                names.get(home, home),
                "本地" if now == home else names.get(now, names.get(now[:6], now)),
                n,
            )
            for (home, now), n in flows.items()
        ),
        key=lambda f: (-f.workers, f.home, f.now),
    )
    return SupplyDemand(region, region_name, balances, flow_rows, residents, away)
