"""Fake personal identifiers, vectorised: 身份证号, mobile numbers, names.

身份证号 follow GB 11643-1999: 6-digit region code (the worker's home county adcode), 8-digit
birth date, 3-digit sequence (odd for men, even for women) and the ISO 7064 MOD 11-2 check
character. They are drawn at random for synthetic people and are unique within a world; no
number is taken from a real person (a random valid number may, by chance, exist in reality,
which is why they are stored only hashed and shown masked).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from data.synth.phrasebook import GIVEN_FEMALE, GIVEN_MALE, SURNAMES
from data.synth.sampling import weighted

_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_CHECK = np.array(list("10X98765432"))
_POW = 10 ** np.arange(16, -1, -1, dtype=np.int64)
MOBILE_PREFIXES = ("13", "15", "17", "18", "19")


def birth_dates(rng: np.random.Generator, birth_year: np.ndarray) -> np.ndarray:
    """(n,) datetime64[D]: a uniformly drawn day in each birth year."""
    start = (birth_year - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    end = (birth_year - 1969).astype("datetime64[Y]").astype("datetime64[D]")
    span = (end - start).astype(np.int64)
    return start + (rng.random(len(birth_year)) * span).astype(np.int64).astype("timedelta64[D]")


def _yyyymmdd(days: np.ndarray) -> np.ndarray:
    y = days.astype("datetime64[Y]")
    m = days.astype("datetime64[M]")
    year = y.astype(np.int64) + 1970
    month = (m - y.astype("datetime64[M]")).astype(np.int64) + 1
    day = (days - m.astype("datetime64[D]")).astype(np.int64) + 1
    return year * 10000 + month * 100 + day


def check_chars(first17: np.ndarray) -> np.ndarray:
    """(n,) str check characters for (n,) int64 numbers of 17 digits."""
    digits = (first17[:, None] // _POW[None, :]) % 10
    return _CHECK[(digits * _WEIGHTS).sum(axis=1) % 11]


def id_numbers(
    rng: np.random.Generator, adcode: np.ndarray, birth: np.ndarray, male: np.ndarray, taken: np.ndarray
) -> tuple[pl.Series, np.ndarray]:
    """身份证号 for each person, unique among themselves and against ``taken``.

    ``adcode``: (n,) int64 6-digit county codes; ``birth``: (n,) datetime64[D]; ``male``: (n,)
    bool; ``taken``: sorted int64 first-17-digit keys already used. Returns the (n,) Utf8 Series of
    18-character numbers and the (n,) int64 keys (first 17 digits) to add to ``taken``."""
    base = adcode.astype(np.int64) * 10**11 + _yyyymmdd(birth) * 1000
    parity = male.astype(np.int64)
    keys = base + rng.integers(1, 500, len(base)) * 2 + parity
    for _ in range(50):
        order = np.argsort(keys, kind="stable")
        dup_sorted = np.zeros(len(keys), dtype=bool)
        dup_sorted[1:] = keys[order][1:] == keys[order][:-1]
        clash = np.zeros(len(keys), dtype=bool)
        clash[order[dup_sorted]] = True
        if len(taken):
            clash |= np.isin(keys, taken, assume_unique=False)
        if not clash.any():
            break
        k = int(clash.sum())
        keys[clash] = base[clash] + rng.integers(1, 500, k) * 2 + parity[clash]
    else:  # pragma: no cover - needs a county-day with ~500 people
        raise RuntimeError("could not draw unique 身份证号 sequence codes")
    text = pl.Series("id_number", keys).cast(pl.Utf8) + pl.Series(check_chars(keys))
    return text.alias("id_number"), keys


def phones(rng: np.random.Generator, n: int) -> pl.Series:
    """(n,) Utf8 11-digit mobile numbers starting 13/15/17/18/19."""
    prefix = np.array([int(p) for p in MOBILE_PREFIXES], dtype=np.int64)[rng.integers(0, 5, n)]
    number = prefix * 10**9 + rng.integers(0, 10**9, n)
    return pl.Series("phone", number).cast(pl.Utf8)


def names(rng: np.random.Generator, male: np.ndarray) -> pl.Series:
    """(n,) Utf8 Chinese names: weighted surname + one or two given characters."""
    n = len(male)
    surname = np.array([s for s, _ in SURNAMES])[weighted(rng, [w for _, w in SURNAMES], n)]
    pool_m, pool_f = np.array(GIVEN_MALE), np.array(GIVEN_FEMALE)
    first = np.where(male, pool_m[rng.integers(0, len(pool_m), n)], pool_f[rng.integers(0, len(pool_f), n)])
    second = np.where(male, pool_m[rng.integers(0, len(pool_m), n)], pool_f[rng.integers(0, len(pool_f), n)])
    single = (np.char.str_len(first) == 1) & (np.char.str_len(second) == 1)
    given = np.where(single & (rng.random(n) < 0.55), np.char.add(first, second), first)
    return pl.Series("name", np.char.add(surname, given))
