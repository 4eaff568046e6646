"""Fast paths of the hard filters for ranking: row masks without reasons, over whole candidate arrays.

:mod:`matcher.filters` says why a row fails (the bits a counselor's "why not?" decodes); ranking
only needs whether it passes, for thousands of rows per worker and a million workers per batch
run. Each function here gives exactly the answer of its counterpart there — tests check this on
random worlds — and does less: no reason bits, distances only for rows that pass the other
filters, worker-independent parts computed once per order and cached.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from matcher.filters import already_certified, beyond_reach, gap_closing_rows, reach_km
from matcher.tables import OrderTable, ProgrammeTable
from matcher.types import OrderRecord, WorkerProfile, education_rank

__all__ = [
    "GAP_CACHE_SIZE",
    "gap_closing_programmes",
    "order_passes",
    "programme_passes",
    "qualifies_now_rows",
]

_EMPTY_ROWS = np.zeros(0, dtype=np.int64)

#: past this many cached orders the cache of :func:`gap_closing_programmes` starts over (a
#: refreshed order book brings new records, and stale entries would otherwise pile up)
GAP_CACHE_SIZE = 200_000


def gap_closing_programmes(table: ProgrammeTable, order: OrderRecord) -> np.ndarray:
    """Rows of every programme of ``table`` that closes ``order``'s gap and ends before it starts.

    (m,) int64, ascending, read-only: the programmes of the order's occupation plus its linked
    programme, kept where :func:`gap_closing_rows` holds. It depends on the order and the catalogue
    only, so it is computed once per order record and cached on the table (keyed by identity;
    each entry keeps its order alive so an identity is never reused while cached).
    """
    cache = table.gap_cache
    hit = cache.get(id(order))
    if hit is not None and hit[0] is order:
        return hit[1]
    rows = table.by_occupation.get(order.occupation_code, _EMPTY_ROWS)
    if order.programme_id is not None and order.programme_id in table.row_of:
        rows = np.union1d(rows, [table.row_of[order.programme_id]])
    rows = rows[gap_closing_rows(table, rows, order)]
    rows.flags.writeable = False
    if len(cache) >= GAP_CACHE_SIZE:
        cache.clear()
    cache[id(order)] = (order, rows)
    return rows


def qualifies_now_rows(
    worker: WorkerProfile, table: OrderTable, rows: np.ndarray, skill_occupations: frozenset[str]
) -> np.ndarray:
    """:func:`qualifies_now` for many order rows at once: (m,) bool, row i equal to
    ``qualifies_now(worker, table.records[rows[i]], skill_occupations)``."""
    rows = np.asarray(rows, dtype=np.int64)
    occ = table.occupation_id[rows]
    required = table.required_level[rows]
    held = np.zeros(len(rows), dtype=np.bool_)
    meets = np.zeros(len(rows), dtype=np.bool_)
    for c in worker.certificates:
        code = table.occupation_index.get(c.occupation_code)
        if code is None:
            continue
        same = occ == code
        held |= same
        # level_satisfies(c.level, required) with -1 for "no level stated"
        meets |= same & ((required <= 0) | ((c.level > 0) & (c.level <= required)))
    index = table.occupation_index
    skill = np.zeros(len(table.occupation_codes), dtype=np.bool_)
    skill[[index[k] for k in skill_occupations if k in index]] = True
    return np.where(table.needs_certificate[rows], meets, held | skill[occ])


def _reach_pass(
    worker: WorkerProfile, lat: np.ndarray, lon: np.ndarray, online: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    dist, home = reach_km(worker, lat, lon)
    if online is not None:
        dist = np.where(online, 0.0, dist)
        home = np.where(online, 0.0, home)
    return ~beyond_reach(worker, dist), dist, home


def programme_passes(
    worker: WorkerProfile, table: ProgrammeTable, rows: np.ndarray, today: dt.date
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which programme rows pass every filter, for ranking: the same answer as
    ``programme_failures(...)[0] == 0`` without saying why, and cheaper (distances only for rows
    that pass the other filters).

    Returns (passes (m,) bool, reach km (p,) float64, home km (p,) float64), the distances of the
    ``p`` passing rows in order, equal to those ``programme_failures`` gives for them.
    """
    rows = np.asarray(rows, dtype=np.int64)
    birth = worker.birth_year
    ok = table.available[rows]
    ok &= table.birth_min[rows] <= birth
    ok &= table.birth_max[rows] >= birth
    ok &= table.min_education[rows] <= education_rank(worker.education)
    ok &= table.start[rows] >= today.toordinal()
    at = np.flatnonzero(ok)
    sub = rows[at]
    near, dist, home = _reach_pass(worker, table.lat[sub], table.lon[sub], table.online[sub])
    near &= ~already_certified(worker, table, sub)
    ok[at] = near
    return ok, dist[near], home[near]


def order_passes(
    worker: WorkerProfile, table: OrderTable, rows: np.ndarray, today: dt.date
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`programme_passes` for order rows: ``order_failures(...)[0] == 0`` and the distances
    of the passing rows."""
    rows = np.asarray(rows, dtype=np.int64)
    birth = worker.birth_year
    ok = table.birth_min[rows] <= birth
    ok &= table.birth_max[rows] >= birth
    ok &= table.start[rows] >= today.toordinal()
    at = np.flatnonzero(ok)
    sub = rows[at]
    near, dist, home = _reach_pass(worker, table.lat[sub], table.lon[sub], None)
    ok[at] = near
    return ok, dist[near], home[near]
