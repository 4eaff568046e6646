"""The per-city configuration a snapshot ranks with: subsidy policy books (``data/policy``) and
ranking weights (``data/ranking``), read once per snapshot and shared by every request on it."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from pathlib import Path

from data.policy_loader import PolicyNotFound, available_cities, load_city_policy
from data.ranking_config import load_ranking_weights
from matcher.pathways import MatchContext
from matcher.scoring import RankingWeights
from matcher.subsidy import (
    CityPolicy,
    CityPolicyBook,
    PolicyAmounts,
    SubsidyDecision,
    city_code_of,
    estimate_support,
    unpriced,
)
from matcher.types import OrderRecord, ProgrammeRecord, WorkerProfile

__all__ = ["NO_POLICY_REASON", "PolicyBooks"]

NO_POLICY_REASON = "该市暂未配置补贴政策，按全额学费估算"


@dataclass
class PolicyBooks:
    """Every city's policy book and ranking weights, loaded at construction (files are read
    once; a snapshot built later reads them again). ``amounts`` caches subsidy terms per
    programme; it only ever adds entries, so concurrent requests may share it."""

    occupation_names: dict[str, str]
    policy_dir: Path | None = None
    ranking_dir: Path | None = None
    books: dict[str, CityPolicyBook | None] = field(default_factory=dict)
    weights: dict[str, RankingWeights] = field(default_factory=dict)
    allowance_groups: frozenset[str] = frozenset()
    amounts: PolicyAmounts = field(init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        groups: set[str] = set()
        for city in available_cities(self.policy_dir):
            book = self._book(city)
            for version in book.versions if book is not None else ():
                groups |= version.living.groups
        self.allowance_groups = frozenset(groups)
        self.amounts = PolicyAmounts(self.policy_of)

    def _book(self, city: str) -> CityPolicyBook | None:
        if city not in self.books:
            try:
                book: CityPolicyBook | None = load_city_policy(city, self.policy_dir)
            except PolicyNotFound:
                book = None
            with self._lock:
                self.books.setdefault(city, book)
        return self.books[city]

    def weights_for(self, adcode: str) -> RankingWeights:
        city = city_code_of(adcode)
        if city not in self.weights:
            loaded = load_ranking_weights(city, self.ranking_dir)
            with self._lock:
                self.weights.setdefault(city, loaded)
        return self.weights[city]

    def policy_of(self, programme: ProgrammeRecord) -> CityPolicy | None:
        """The policy of the programme's city in force on its start date, if any."""
        book = self._book(city_code_of(programme.place.adcode))
        return book.find(programme.start_date) if book is not None else None

    def support(
        self, worker: WorkerProfile, programme: ProgrammeRecord, order: OrderRecord | None
    ) -> SubsidyDecision:
        """Subsidy estimate under the policy of the programme's city in force on its start date."""
        policy = self.policy_of(programme)
        if policy is None:
            return unpriced(programme, order, (NO_POLICY_REASON,))
        return estimate_support(worker, programme, policy, order)

    def context(self, adcode: str, today: dt.date) -> MatchContext:
        groups = self.allowance_groups
        return MatchContext(
            today,
            self.weights_for(adcode),
            self.support,
            self.occupation_names,
            allowance_possible=lambda w: bool(w.groups & groups),
            support_amounts=self.amounts,
        )
