"""Which objects a caller may see, as plain functions of the caller and the object's keys.

The dependencies of :mod:`api.deps` (``WorkerAccessDep``, ``OrderAccessDep``, ``RegionScopeDep``)
apply them before any handler runs; an object out of scope answers the same 404 as one that does
not exist.

- a worker: the worker themself, or a counselor or admin whose region covers the worker's home;
- an order: its own employer, or a counselor or admin whose region covers the order's place;
- a list filtered by ``city``: the part of ``city`` inside the caller's region.

Who sees the *whole* worker record (:attr:`WorkerAccess.full`): the worker and an in-scope
counselor; everyone else gets the masked view of :mod:`api.services.worker_views`.
"""

from __future__ import annotations

from dataclasses import dataclass

from api.security import Caller

__all__ = ["RegionScope", "WorkerAccess", "narrow_region", "sees_order", "sees_worker"]

#: the region code that matches no adcode: a list filtered by it is empty
NOWHERE = "x"


@dataclass(frozen=True)
class WorkerAccess:
    caller: Caller
    worker_id: str
    #: the worker themself or their counselor: the whole record; else the masked view
    full: bool


@dataclass(frozen=True)
class RegionScope:
    caller: Caller
    #: the adcode prefix the caller's list covers (:data:`NOWHERE` when none)
    prefix: str


def sees_worker(caller: Caller, worker_id: str, home_adcode: str) -> bool:
    if caller.role == "worker":
        return caller.worker_id == worker_id
    return caller.role in ("counselor", "admin") and caller.covers(home_adcode)


def sees_order(caller: Caller, employer_id: str | None, adcode: str) -> bool:
    if caller.role == "employer":
        return employer_id is not None and caller.employer_id == employer_id
    return caller.role in ("counselor", "admin") and caller.covers(adcode)


def narrow_region(region: str, city: str | None) -> str:
    """The adcode prefix of the part of ``city`` (a prefix or None) inside ``region``:
    ``("1411", None)`` → ``"1411"``, ``("14", "141124")`` → ``"141124"``, ``("1411", "1401")`` →
    :data:`NOWHERE`."""
    if city is None or city.startswith(region):
        return city or region
    return region if region.startswith(city) else NOWHERE
