"""Columnar views of the programme catalogue and the open orders.

Filters and features run on whole candidate sets at once, so the records are laid out once as
numpy columns (one row per record, in the order given). Building a table is O(n) and done when
the catalogue changes, never inside a request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from matcher.features import institution_value
from matcher.types import OrderRecord, ProgrammeRecord, education_rank

__all__ = [
    "NO_LIMIT_AGE_MAX",
    "OrderTable",
    "ProgrammeTable",
    "STARTUP_KEYWORDS",
    "institution_outcome",
    "is_startup_programme",
    "occupation_values_of",
]

#: Sentinel for "no upper age limit" in the int16 age columns.
NO_LIMIT_AGE_MAX = 999
#: Words in a title, 工种 or description that mark a start-up path (创业, e-commerce, live-selling).
STARTUP_KEYWORDS: tuple[str, ...] = ("创业", "电商", "电子商务", "直播", "网店", "网络营销", "互联网营销")


def is_startup_programme(p: ProgrammeRecord) -> bool:
    """True for 创业培训 and for e-commerce / live-selling programmes."""
    if p.training_type == "创业培训":
        return True
    text = f"{p.title} {p.work_type or ''}"
    return any(word in text for word in STARTUP_KEYWORDS)


def institution_outcome(p: ProgrammeRecord) -> float:
    """The institution feature of ``p``'s institution (:func:`matcher.features.institution_value`):
    mean of its certification and 6-month employment rates, in [0, 1], halved per confirmed risk
    flag. A rate the institution has not reported counts as 0.5 (neutral)."""
    inst = p.institution
    return institution_value(inst.certification_rate, inst.employment_rate_6m, inst.confirmed_flags)


def _ordinal(day: dt.date) -> int:
    return day.toordinal()


def _group_rows(codes: Sequence[str]) -> dict[str, np.ndarray]:
    groups: dict[str, list[int]] = {}
    for i, code in enumerate(codes):
        groups.setdefault(code, []).append(i)
    return {code: np.asarray(rows, dtype=np.int64) for code, rows in groups.items()}


def _prefix(code: str, parts: int) -> str | None:
    """The first ``parts`` segments of an occupation code ("6-29-01-01", 3 → "6-29-01"), or None
    when the code has fewer segments."""
    seg = code.split("-")
    return "-".join(seg[:parts]) if len(seg) >= parts else None


@dataclass(frozen=True, slots=True)
class OccupationGroups:
    """The minor (3-segment) and middle (2-segment) group of each distinct occupation code of a
    table, as small integer ids, so that the occupation feature is a few array look-ups."""

    #: (c,) int64 id of each code's minor group, -1 when the code is shorter
    minor_id: np.ndarray
    minor_index: dict[str, int]
    #: (c,) int64 id of each code's middle group, -1 when the code is shorter
    middle_id: np.ndarray
    middle_index: dict[str, int]

    @classmethod
    def of(cls, codes: Sequence[str]) -> OccupationGroups:
        def ids(parts: int) -> tuple[np.ndarray, dict[str, int]]:
            prefixes = [_prefix(c, parts) for c in codes]
            index = {p: i for i, p in enumerate(sorted({p for p in prefixes if p is not None}))}
            out = np.fromiter((-1 if p is None else index[p] for p in prefixes), np.int64, len(codes))
            return out, index

        minor, minor_index = ids(3)
        middle, middle_index = ids(2)
        return cls(minor, minor_index, middle, middle_index)


def _code_ids(codes: Sequence[str]) -> dict:  # type: ignore[type-arg]
    distinct = tuple(sorted(set(codes)))
    index = {c: i for i, c in enumerate(distinct)}
    ids = np.fromiter((index[c] for c in codes), np.int64, len(codes))
    return {
        "occupation_id": ids,
        "occupation_codes": distinct,
        "occupation_index": index,
        "occupation_groups": OccupationGroups.of(distinct),
    }


def _hits(ids: np.ndarray, index: dict[str, int], wanted: set[str]) -> np.ndarray:
    """(c,) bool: which entries of ``ids`` (-1 = none) are the id of a string in ``wanted``."""
    hit = np.zeros(len(index) + 1, dtype=np.bool_)  # the extra last slot answers id -1
    hit[[index[w] for w in wanted if w in index]] = True
    return hit[ids]


def occupation_code_values(table: ProgrammeTable | OrderTable, known: frozenset[str]) -> np.ndarray:
    """The occupation feature (:func:`matcher.features.occupation_values`) of every distinct code
    of ``table`` for a worker whose known codes are ``known``: (c,) float64, aligned with
    ``table.occupation_codes``. Equal to ``occupation_values(table.occupation_codes, known)``."""
    groups = table.occupation_groups
    # a known code shorter than a group prefix is its own prefix (it then matches no longer code)
    middles = {_prefix(k, 2) or k for k in known}
    minors = {_prefix(k, 3) or k for k in known}
    values = np.where(_hits(groups.middle_id, groups.middle_index, middles), 0.3, 0.0)
    values[_hits(groups.minor_id, groups.minor_index, minors)] = 0.6
    values[[table.occupation_index[k] for k in known if k in table.occupation_index]] = 1.0
    return values


def occupation_values_of(
    table: ProgrammeTable | OrderTable, rows: np.ndarray, known: frozenset[str]
) -> np.ndarray:
    """Occupation feature of ``rows`` (see :mod:`matcher.features`), (m,) float64."""
    return occupation_code_values(table, known)[table.occupation_id[rows]]


def _check_embeddings(emb: np.ndarray | None, n: int, what: str) -> np.ndarray | None:
    if emb is None:
        return None
    emb = np.asarray(emb, dtype=np.float32)
    if emb.ndim != 2 or emb.shape[0] != n:
        raise ValueError(f"{what} embeddings must be ({n}, d), got {emb.shape}")
    return emb


class _RowLookup:
    """Row lookups shared by the column tables, which define ``records`` and ``row_of``."""

    records: tuple[Any, ...]
    row_of: dict[str, int]

    def __len__(self) -> int:
        return len(self.records)

    def rows_for(self, ids: Sequence[str]) -> np.ndarray:
        """Row numbers of the given ids; unknown ids are dropped. (m,) int64."""
        return np.asarray([self.row_of[i] for i in ids if i in self.row_of], dtype=np.int64)


@dataclass(frozen=True, eq=False)
class ProgrammeTable(_RowLookup):
    """Programmes as columns. ``embeddings`` is optional (n, d) float32, L2-normalised, row-aligned."""

    records: tuple[ProgrammeRecord, ...]
    ids: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    online: np.ndarray
    start: np.ndarray
    start_year: np.ndarray
    end: np.ndarray
    seats_left: np.ndarray
    min_age: np.ndarray
    max_age: np.ndarray
    #: birth years the age limits admit in the start year: ``birth_min <= birth year <= birth_max``
    birth_min: np.ndarray
    birth_max: np.ndarray
    min_education: np.ndarray
    suspended: np.ndarray
    #: seats left and the institution not suspended
    available: np.ndarray
    level: np.ndarray
    fee: np.ndarray
    has_certificate: np.ndarray
    #: 创业培训 (start-up training proper; ``startup`` also covers e-commerce / live-selling)
    chuangye: np.ndarray
    startup: np.ndarray
    outcome: np.ndarray
    occupation: tuple[str, ...]
    #: (n,) int64 index into ``occupation_codes`` (the distinct codes, sorted)
    occupation_id: np.ndarray
    occupation_codes: tuple[str, ...]
    occupation_index: dict[str, int]
    occupation_groups: OccupationGroups
    by_occupation: dict[str, np.ndarray]
    row_of: dict[str, int]
    embeddings: np.ndarray | None = field(default=None)
    #: programmes that close an order's gap, by order identity (see
    #: :func:`matcher.filters.gap_closing_programmes`); filled on first use
    gap_cache: dict[int, tuple[OrderRecord, np.ndarray]] = field(default_factory=dict, repr=False)

    @classmethod
    def from_records(
        cls, records: Sequence[ProgrammeRecord], embeddings: np.ndarray | None = None
    ) -> ProgrammeTable:
        recs = tuple(records)
        n = len(recs)
        row_of = {p.id: i for i, p in enumerate(recs)}
        if len(row_of) != n:
            raise ValueError("programme ids must be unique")
        occ = tuple(p.occupation_code for p in recs)
        start_year = np.fromiter((p.start_date.year for p in recs), np.int64, n)
        seats_left = np.fromiter((p.seats_left for p in recs), np.int64, n)
        min_age = np.fromiter((p.min_age if p.min_age is not None else 0 for p in recs), np.int64, n)
        max_age = np.fromiter(
            (p.max_age if p.max_age is not None else NO_LIMIT_AGE_MAX for p in recs), np.int64, n
        )
        suspended = np.fromiter((p.institution.status == "suspended" for p in recs), np.bool_, n)
        return cls(
            records=recs,
            ids=np.asarray([p.id for p in recs], dtype=object),
            lat=np.fromiter((p.place.lat for p in recs), np.float64, n),
            lon=np.fromiter((p.place.lon for p in recs), np.float64, n),
            online=np.fromiter((p.delivery == "线上" for p in recs), np.bool_, n),
            start=np.fromiter((_ordinal(p.start_date) for p in recs), np.int64, n),
            start_year=start_year,
            end=np.fromiter((_ordinal(p.end_date) for p in recs), np.int64, n),
            seats_left=seats_left,
            min_age=min_age,
            max_age=max_age,
            min_education=np.fromiter(
                (education_rank(p.min_education) if p.min_education else -1 for p in recs), np.int64, n
            ),
            suspended=suspended,
            available=(seats_left > 0) & ~suspended,
            # age = start year - birth year, so the age limits are a range of birth years
            birth_min=start_year - max_age,
            birth_max=start_year - min_age,
            level=np.fromiter((p.level for p in recs), np.int64, n),
            fee=np.fromiter((p.fee for p in recs), np.int64, n),
            has_certificate=np.fromiter((bool(p.certificate) for p in recs), np.bool_, n),
            chuangye=np.fromiter((p.training_type == "创业培训" for p in recs), np.bool_, n),
            startup=np.fromiter((is_startup_programme(p) for p in recs), np.bool_, n),
            outcome=np.fromiter((institution_outcome(p) for p in recs), np.float64, n),
            occupation=occ,
            **_code_ids(occ),
            by_occupation=_group_rows(occ),
            row_of=row_of,
            embeddings=_check_embeddings(embeddings, n, "programme"),
        )


@dataclass(frozen=True, eq=False)
class OrderTable(_RowLookup):
    """Open orders as columns. ``embeddings`` is optional (n, d) float32, L2-normalised, row-aligned."""

    records: tuple[OrderRecord, ...]
    ids: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    start: np.ndarray
    start_year: np.ndarray
    wage_min: np.ndarray
    wage_max: np.ndarray
    min_age: np.ndarray
    max_age: np.ndarray
    #: birth years the age limits admit in the start year: ``birth_min <= birth year <= birth_max``
    birth_min: np.ndarray
    birth_max: np.ndarray
    #: -1 where the order states no level
    required_level: np.ndarray
    requires_certificate: np.ndarray
    #: a certificate is needed to take the order now: one is required or a level is stated
    needs_certificate: np.ndarray
    priority: np.ndarray
    occupation: tuple[str, ...]
    #: (n,) int64 index into ``occupation_codes`` (the distinct codes, sorted)
    occupation_id: np.ndarray
    occupation_codes: tuple[str, ...]
    occupation_index: dict[str, int]
    occupation_groups: OccupationGroups
    by_occupation: dict[str, np.ndarray]
    row_of: dict[str, int]
    embeddings: np.ndarray | None = field(default=None)

    @classmethod
    def from_records(cls, records: Sequence[OrderRecord], embeddings: np.ndarray | None = None) -> OrderTable:
        recs = tuple(records)
        n = len(recs)
        row_of = {o.id: i for i, o in enumerate(recs)}
        if len(row_of) != n:
            raise ValueError("order ids must be unique")
        occ = tuple(o.occupation_code for o in recs)
        start_year = np.fromiter((o.start_date.year for o in recs), np.int64, n)
        min_age = np.fromiter((o.min_age if o.min_age is not None else 0 for o in recs), np.int64, n)
        max_age = np.fromiter(
            (o.max_age if o.max_age is not None else NO_LIMIT_AGE_MAX for o in recs), np.int64, n
        )
        return cls(
            records=recs,
            ids=np.asarray([o.id for o in recs], dtype=object),
            lat=np.fromiter((o.place.lat for o in recs), np.float64, n),
            lon=np.fromiter((o.place.lon for o in recs), np.float64, n),
            start=np.fromiter((_ordinal(o.start_date) for o in recs), np.int64, n),
            start_year=start_year,
            wage_min=np.fromiter((o.wage_min for o in recs), np.int64, n),
            wage_max=np.fromiter((o.wage_max for o in recs), np.int64, n),
            min_age=min_age,
            max_age=max_age,
            # age = start year - birth year, so the age limits are a range of birth years
            birth_min=start_year - max_age,
            birth_max=start_year - min_age,
            required_level=np.fromiter(
                (o.required_level if o.required_level is not None else -1 for o in recs), np.int64, n
            ),
            requires_certificate=np.fromiter((o.requires_certificate for o in recs), np.bool_, n),
            needs_certificate=np.fromiter(
                (o.requires_certificate or o.required_level is not None for o in recs), np.bool_, n
            ),
            priority=np.fromiter((o.priority for o in recs), np.int64, n),
            occupation=occ,
            **_code_ids(occ),
            by_occupation=_group_rows(occ),
            row_of=row_of,
            embeddings=_check_embeddings(embeddings, n, "order"),
        )
