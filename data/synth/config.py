"""What to generate (:class:`SynthConfig`) and the shared, read-only inputs (:class:`Context`)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from data.synth.geography import Geography, load_geography
from data.synth.trades import Trade, resolve_trades

#: Default reference date: programmes start and orders open within ~6 months after it.
REFERENCE_DATE = dt.date(2026, 12, 1)
#: Workers per generation chunk. Part of the determinism contract: a chunk's random stream is
#: keyed by its index, so changing this changes the workers drawn for a seed.
CHUNK_SIZE = 100_000
#: The demo world: about 2,000 workers, 60 institutions, 400 programmes, 300 orders.
DEMO_WORKERS = 2_000


@dataclass(frozen=True, slots=True)
class SynthConfig:
    """Sizes, seed and reference date of a world. Catalogue sizes left as None grow with the
    square root of the number of workers (a province's institutions do not scale with its
    registered workers): 2,000 workers → 60 / 400 / 300; 1,000,000 → 1,342 / 8,944 / 6,708."""

    workers: int = DEMO_WORKERS
    seed: int = 20240204
    reference_date: dt.date = REFERENCE_DATE
    institutions: int | None = None
    programmes: int | None = None
    orders: int | None = None
    chunk_size: int = CHUNK_SIZE

    def __post_init__(self) -> None:
        if self.workers < 0:
            raise ValueError("workers must be >= 0")
        if self.chunk_size < 1:
            raise ValueError("chunk_size must be >= 1")

    def _scaled(self, base: int, floor: int) -> int:
        return max(floor, round(base * math.sqrt(max(self.workers, 1) / DEMO_WORKERS)))

    @property
    def n_institutions(self) -> int:
        return self.institutions if self.institutions is not None else self._scaled(60, 24)

    @property
    def n_programmes(self) -> int:
        return self.programmes if self.programmes is not None else self._scaled(400, 80)

    @property
    def n_orders(self) -> int:
        """At least one local order per county (the "家门口" employers) plus importing-city ones."""
        return self.orders if self.orders is not None else self._scaled(300, 140)


@dataclass(frozen=True, slots=True)
class Context:
    """Inputs every generator shares: the config, weighted geography and checked trades."""

    config: SynthConfig
    geo: Geography
    trades: tuple[Trade, ...]

    @property
    def seed(self) -> int:
        return self.config.seed

    @property
    def reference_date(self) -> dt.date:
        return self.config.reference_date


def make_context(config: SynthConfig) -> Context:
    """Load the product's regions and occupation catalogue and check the trade table against it."""
    from data.occupations import shipped_catalogue

    return Context(config, load_geography(), resolve_trades(shipped_catalogue()))
