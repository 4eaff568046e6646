"""Hard filters. Every exclusion carries a reason code and a Chinese sentence a counselor can read out.

Filters run vectorised over candidate rows of a :class:`~matcher.tables.ProgrammeTable` or
:class:`~matcher.tables.OrderTable` and return one int64 bit mask per row (0 = passes). The same
masks, decoded with :func:`decode_programme` / :func:`decode_order`, answer "why not X?", so the
ranking and the explanation can never disagree.

Requirements an order states about gender or ethnicity are unlawful: they are flagged upstream
and never read here, so they never exclude anyone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from matcher.geo import haversine_km
from matcher.tables import NO_LIMIT_AGE_MAX, OrderTable, ProgrammeTable
from matcher.types import OrderRecord, ProgrammeRecord, WorkerProfile, education_rank

__all__ = [
    "AGE_ABOVE_MAX",
    "AGE_BELOW_MIN",
    "ALREADY_CERTIFIED",
    "EDUCATION_TOO_LOW",
    "ENDS_AFTER_ORDER_START",
    "ENROLLMENT_CLOSED",
    "Exclusion",
    "INSTITUTION_SUSPENDED",
    "NOT_CLOSING_GAP",
    "NOT_QUALIFIED",
    "NO_SEATS",
    "ORDER_STARTED",
    "OUT_OF_REACH",
    "Reach",
    "already_certified",
    "beyond_reach",
    "closes_gap",
    "gap_closing_rows",
    "decode_order",
    "decode_programme",
    "level_satisfies",
    "order_failures",
    "order_failures_for_workers",
    "not_qualified",
    "pair_exclusions",
    "programme_failures",
    "qualifies_now",
    "reach_km",
]

# reason bits ---------------------------------------------------------------------------------
AGE_BELOW_MIN = 1 << 0
AGE_ABOVE_MAX = 1 << 1
EDUCATION_TOO_LOW = 1 << 2
NO_SEATS = 1 << 3
ENROLLMENT_CLOSED = 1 << 4
INSTITUTION_SUSPENDED = 1 << 5
OUT_OF_REACH = 1 << 6
ALREADY_CERTIFIED = 1 << 7
ORDER_STARTED = 1 << 8
# pair- and qualification-level reasons (not bits of a row mask, but share the code space)
ENDS_AFTER_ORDER_START = 1 << 9
NOT_CLOSING_GAP = 1 << 10
NOT_QUALIFIED = 1 << 11

CODES: dict[int, str] = {
    AGE_BELOW_MIN: "age_below_min",
    AGE_ABOVE_MAX: "age_above_max",
    EDUCATION_TOO_LOW: "education_too_low",
    NO_SEATS: "no_seats",
    ENROLLMENT_CLOSED: "enrollment_closed",
    INSTITUTION_SUSPENDED: "institution_suspended",
    OUT_OF_REACH: "out_of_reach",
    ALREADY_CERTIFIED: "already_certified",
    ORDER_STARTED: "order_started",
    ENDS_AFTER_ORDER_START: "ends_after_order_start",
    NOT_CLOSING_GAP: "not_closing_gap",
    NOT_QUALIFIED: "not_qualified",
}


@dataclass(frozen=True, slots=True)
class Exclusion:
    """Why an item was excluded: a stable ``code`` and a Chinese ``text``."""

    code: str
    text: str


@dataclass(frozen=True, slots=True)
class Reach:
    """How far an item is from the worker. ``km`` is the smaller of the distance from home and from
    the desired work city; ``from_home`` says which one it was."""

    km: float
    home_km: float
    from_home: bool
    online: bool = False


# geometry ------------------------------------------------------------------------------------
def reach_km(worker: WorkerProfile, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(reach distance, distance from home) in km for each row, both (n,) float64.

    Reach distance is the distance from home, or from the desired work city when the worker named
    one and it is nearer.
    """
    home = haversine_km(worker.home.lat, worker.home.lon, lat, lon)
    if worker.desired_place == "city" and worker.desired_city is not None:
        city = haversine_km(worker.desired_city.lat, worker.desired_city.lon, lat, lon)
        return np.minimum(home, city), home
    return home, home


def beyond_reach(worker: WorkerProfile, dist: np.ndarray) -> np.ndarray:
    if worker.desired_place == "anywhere":
        return np.zeros(dist.shape, dtype=np.bool_)
    return dist > worker.max_commute_km


# qualification -------------------------------------------------------------------------------
def level_satisfies(held: int, required: int | None) -> bool:
    """Whether a certificate at level ``held`` meets a requirement of ``required``.

    Levels 5..1 (smaller = higher) compare numerically; a 专项职业能力 (0) certificate only meets a
    专项职业能力 requirement or none.
    """
    if required is None or required < 0:
        return True
    if required == 0:
        return True
    return 0 < held <= required


def qualifies_now(worker: WorkerProfile, order: OrderRecord, skill_occupations: frozenset[str]) -> bool:
    """Whether the worker can take the order today.

    With a certificate or level requirement, a held certificate in the order's occupation must meet
    it. Without one, the worker needs evidence of the skill: a certificate in the occupation or the
    occupation among those recognised in the skills text (``skill_occupations``).
    """
    held = [c.level for c in worker.certificates if c.occupation_code == order.occupation_code]
    if order.requires_certificate or order.required_level is not None:
        return any(level_satisfies(h, order.required_level) for h in held)
    return bool(held) or order.occupation_code in skill_occupations


def closes_gap(programme: ProgrammeRecord, order: OrderRecord) -> bool:
    """Whether completing the programme gives what the order asks for: it is the order's linked
    programme, or it trains the order's occupation at the required level (and awards a certificate
    when one is required)."""
    if order.programme_id is not None and programme.id == order.programme_id:
        return True
    if programme.occupation_code != order.occupation_code:
        return False
    if order.required_level is not None and not level_satisfies(programme.level, order.required_level):
        return False
    return not (order.requires_certificate and not programme.certificate)


def gap_closing_rows(table: ProgrammeTable, rows: np.ndarray, order: OrderRecord) -> np.ndarray:
    """:func:`closes_gap` and "ends before the order starts" for many programme rows at once.

    ``rows`` (m,) int64 → (m,) bool; row i is True exactly when
    ``closes_gap(table.records[rows[i]], order) and table.records[rows[i]].end_date < order.start_date``.
    """
    rows = np.asarray(rows, dtype=np.int64)
    level = table.level[rows]
    same = table.occupation_id[rows] == table.occupation_index.get(order.occupation_code, -1)
    req = order.required_level
    if req is not None and req > 0:
        same &= (level > 0) & (level <= req)
    if order.requires_certificate:
        same &= table.has_certificate[rows]
    if order.programme_id is not None:
        same |= table.ids[rows] == order.programme_id
    return same & (table.end[rows] < order.start_date.toordinal())


def already_certified(worker: WorkerProfile, table: ProgrammeTable, rows: np.ndarray) -> np.ndarray:
    """Rows in an occupation where the worker holds the same or a higher level (专项 only blocks 专项)."""
    out = np.zeros(len(rows), dtype=np.bool_)
    if not worker.certificates:
        return out
    occ = table.occupation_id[rows]
    level = table.level[rows]
    for c in worker.certificates:
        code = table.occupation_index.get(c.occupation_code)
        if code is None:
            continue
        same = occ == code
        if c.level == 0:
            out |= same & (level == 0)
        else:
            out |= same & (level > 0) & (c.level <= level)
    return out


# row masks -----------------------------------------------------------------------------------
def programme_failures(
    worker: WorkerProfile, table: ProgrammeTable, rows: np.ndarray, today: dt.date
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Filter programme rows for one worker.

    Returns (bits (m,) int64 — 0 means the row passes, reach km (m,) float64, home km (m,) float64).
    Online programmes have distance 0 and never fail reach.
    """
    rows = np.asarray(rows, dtype=np.int64)
    start = table.start[rows]
    age = table.start_year[rows] - worker.birth_year
    bits = np.zeros(len(rows), dtype=np.int64)
    bits |= np.where(age < table.min_age[rows], AGE_BELOW_MIN, 0)
    bits |= np.where(age > table.max_age[rows], AGE_ABOVE_MAX, 0)
    edu = education_rank(worker.education)
    bits |= np.where(table.min_education[rows] > edu, EDUCATION_TOO_LOW, 0)
    bits |= np.where(table.seats_left[rows] <= 0, NO_SEATS, 0)
    bits |= np.where(start < today.toordinal(), ENROLLMENT_CLOSED, 0)
    bits |= np.where(table.suspended[rows], INSTITUTION_SUSPENDED, 0)
    online = table.online[rows]
    dist, home = reach_km(worker, table.lat[rows], table.lon[rows])
    dist = np.where(online, 0.0, dist)
    home = np.where(online, 0.0, home)
    bits |= np.where(beyond_reach(worker, dist), OUT_OF_REACH, 0)
    bits |= np.where(already_certified(worker, table, rows), ALREADY_CERTIFIED, 0)
    return bits, dist, home


def order_failures(
    worker: WorkerProfile, table: OrderTable, rows: np.ndarray, today: dt.date
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Filter order rows for one worker. Same outputs as :func:`programme_failures`.

    Gender and ethnicity requirements (``OrderRecord.flags``) are deliberately not inputs.
    """
    rows = np.asarray(rows, dtype=np.int64)
    start = table.start[rows]
    age = table.start_year[rows] - worker.birth_year
    bits = np.zeros(len(rows), dtype=np.int64)
    bits |= np.where(age < table.min_age[rows], AGE_BELOW_MIN, 0)
    bits |= np.where(age > table.max_age[rows], AGE_ABOVE_MAX, 0)
    bits |= np.where(start < today.toordinal(), ORDER_STARTED, 0)
    dist, home = reach_km(worker, table.lat[rows], table.lon[rows])
    bits |= np.where(beyond_reach(worker, dist), OUT_OF_REACH, 0)
    return bits, dist, home


def pair_exclusions(programme: ProgrammeRecord, order: OrderRecord) -> tuple[Exclusion, ...]:
    """Reasons a programme cannot lead to an order (train→job): it does not close the gap, or it
    ends on or after the day the order starts."""
    out: list[Exclusion] = []
    if not closes_gap(programme, order):
        out.append(Exclusion(CODES[NOT_CLOSING_GAP], "该培训与订单要求的职业或等级不对应"))
    if programme.end_date >= order.start_date:
        out.append(
            Exclusion(
                CODES[ENDS_AFTER_ORDER_START],
                f"培训{_md(programme.end_date)}结业，晚于订单{_md(order.start_date)}开工",
            )
        )
    return tuple(out)


# decoding ------------------------------------------------------------------------------------
def _md(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _age_texts(bits: int, age: int, lo: int | None, hi: int | None) -> list[Exclusion]:
    out = []
    if bits & AGE_BELOW_MIN:
        out.append(Exclusion(CODES[AGE_BELOW_MIN], f"年龄未达要求（要求{lo}岁以上，届时您{age}岁）"))
    if bits & AGE_ABOVE_MAX and hi is not None and hi != NO_LIMIT_AGE_MAX:
        out.append(Exclusion(CODES[AGE_ABOVE_MAX], f"年龄超过上限（要求{hi}岁以下，届时您{age}岁）"))
    return out


def _reach_text(worker: WorkerProfile, km: float) -> Exclusion:
    where = "您家或意向工作城市" if worker.desired_place == "city" and worker.desired_city else "您家"
    return Exclusion(
        CODES[OUT_OF_REACH], f"距离{where}约{km:.0f}公里，超出您可接受的{worker.max_commute_km:.0f}公里"
    )


def decode_programme(
    bits: int, worker: WorkerProfile, p: ProgrammeRecord, km: float
) -> tuple[Exclusion, ...]:
    """Turn a programme's failure bits into readable exclusions, in a fixed order."""
    out = _age_texts(bits, p.start_date.year - worker.birth_year, p.min_age, p.max_age)
    if bits & EDUCATION_TOO_LOW:
        out.append(Exclusion(CODES[EDUCATION_TOO_LOW], f"学历不满足要求（要求{p.min_education}及以上）"))
    if bits & NO_SEATS:
        out.append(Exclusion(CODES[NO_SEATS], "名额已满"))
    if bits & ENROLLMENT_CLOSED:
        out.append(Exclusion(CODES[ENROLLMENT_CLOSED], f"已于{_md(p.start_date)}开班，报名已截止"))
    if bits & INSTITUTION_SUSPENDED:
        out.append(Exclusion(CODES[INSTITUTION_SUSPENDED], f"培训机构“{p.institution.name}”已被暂停"))
    if bits & OUT_OF_REACH:
        out.append(_reach_text(worker, km))
    if bits & ALREADY_CERTIFIED:
        out.append(Exclusion(CODES[ALREADY_CERTIFIED], "您已持有该职业同级或更高等级的证书"))
    return tuple(out)


def decode_order(bits: int, worker: WorkerProfile, o: OrderRecord, km: float) -> tuple[Exclusion, ...]:
    """Turn an order's failure bits into readable exclusions, in a fixed order."""
    out = _age_texts(bits, o.start_date.year - worker.birth_year, o.min_age, o.max_age)
    if bits & ORDER_STARTED:
        out.append(Exclusion(CODES[ORDER_STARTED], f"订单已于{_md(o.start_date)}开工"))
    if bits & OUT_OF_REACH:
        out.append(_reach_text(worker, km))
    return tuple(out)


def not_qualified(order: OrderRecord) -> Exclusion:
    """The order needs a certificate or a skill the worker does not show yet."""
    if order.requires_certificate or order.required_level is not None:
        return Exclusion(CODES[NOT_QUALIFIED], "订单要求相应职业证书或等级，您暂未持有，需先培训")
    return Exclusion(CODES[NOT_QUALIFIED], "您的技能与订单职业暂不对应，需先培训")


def order_failures_for_workers(
    workers: list[WorkerProfile] | tuple[WorkerProfile, ...], order: OrderRecord, today: dt.date
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`order_failures` for one order and many workers at once (reverse matching).

    Returns (bits (n,) int64, reach km (n,) float64, home km (n,) float64), row i for workers[i];
    row i equals ``order_failures(workers[i], <table of order>, [0], today)``.
    """
    n = len(workers)
    birth = np.fromiter((w.birth_year for w in workers), np.int64, n)
    hlat = np.fromiter((w.home.lat for w in workers), np.float64, n)
    hlon = np.fromiter((w.home.lon for w in workers), np.float64, n)
    has_city = np.fromiter(
        (w.desired_place == "city" and w.desired_city is not None for w in workers), np.bool_, n
    )
    clat = np.fromiter((w.desired_city.lat if w.desired_city else 0.0 for w in workers), np.float64, n)
    clon = np.fromiter((w.desired_city.lon if w.desired_city else 0.0 for w in workers), np.float64, n)
    anywhere = np.fromiter((w.desired_place == "anywhere" for w in workers), np.bool_, n)
    commute = np.fromiter((w.max_commute_km for w in workers), np.float64, n)
    home = haversine_km(hlat, hlon, order.place.lat, order.place.lon)
    city = haversine_km(clat, clon, order.place.lat, order.place.lon)
    dist = np.where(has_city, np.minimum(home, city), home)
    age = order.start_date.year - birth
    lo = order.min_age if order.min_age is not None else 0
    hi = order.max_age if order.max_age is not None else NO_LIMIT_AGE_MAX
    bits = np.zeros(n, dtype=np.int64)
    bits |= np.where(age < lo, AGE_BELOW_MIN, 0)
    bits |= np.where(age > hi, AGE_ABOVE_MAX, 0)
    if order.start_date < today:
        bits |= ORDER_STARTED
    bits |= np.where(~anywhere & (dist > commute), OUT_OF_REACH, 0)
    return bits, dist, home
