"""The records the pathway ranking takes and returns: the worker query, retrieved candidates, the
request context, and the ranked :class:`Pathway` / :class:`Recommendation`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from matcher.scoring import RankingWeights
from matcher.subsidy.support import SupportAmountsFn, SupportFn, no_support
from matcher.tables import OrderTable, ProgrammeTable
from matcher.types import WorkerProfile

__all__ = [
    "Candidates",
    "MatchContext",
    "Pathway",
    "Recommendation",
    "WorkerQuery",
    "known_occupations",
    "similarities",
]

_EMPTY_ROWS = np.zeros(0, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class WorkerQuery:
    """One worker as the ranking sees them.

    ``embedding``: (d,) float32, L2-normalised, or None. ``skill_occupations``: occupation codes the
    occupation matcher recognised in what the skills text and work history say the worker *did*;
    they count as evidence of skill. ``interest_occupations``: codes recognised in wishes
    ("想学电焊"); they count like desired occupations, never as skill.
    """

    worker: WorkerProfile
    embedding: np.ndarray | None = None
    skill_occupations: frozenset[str] = frozenset()
    interest_occupations: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Candidates:
    """Rows retrieved for a worker (dense + lexical + occupation codes, fused outside the core).

    ``*_rows``: (m,) int64 row numbers into the tables. ``*_sim``: optional (m,) cosine
    similarities, used only when the table carries no embeddings.
    """

    programme_rows: np.ndarray = field(default_factory=lambda: _EMPTY_ROWS)
    order_rows: np.ndarray = field(default_factory=lambda: _EMPTY_ROWS)
    programme_sim: np.ndarray | None = None
    order_sim: np.ndarray | None = None


@dataclass(frozen=True, slots=True)
class MatchContext:
    today: dt.date
    weights: RankingWeights = field(default_factory=RankingWeights)
    support: SupportFn = no_support
    #: occupation code → name, for explanations
    occupation_names: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    #: whether the policy can grant this worker any living allowance (e.g. the worker belongs to
    #: a group some city policy names). Only tightens the search bound: a wrong ``True`` costs
    #: time, a wrong ``False`` would be a bug, so the default is always ``True``.
    allowance_possible: Callable[[WorkerProfile], bool] = field(default=lambda _w: True)
    #: net cost and living allowance as ``support`` would give them, cheaper (the ranking needs
    #: only these for most programmes it considers; ``support`` then explains the returned ones);
    #: None: the ranking reads them from ``support``
    support_amounts: SupportAmountsFn | None = None


@dataclass(frozen=True, slots=True)
class Pathway:
    """One ranked pathway. ``contributions`` sum to ``score``; ``features`` are the raw values.

    The structured facts its explanation states: ``rank`` (1-based place in the list), ``match``
    (0–100, :meth:`~matcher.scoring.RankingWeights.match` of the score) and ``top_features`` (the
    features that added most to it, largest first); the course's ``programme_start`` /
    ``programme_end`` and the job's ``job_start``; ``wait_days`` (idle days between the course's
    last day and the job's first, train→job only); ``programme_km`` / ``order_km`` (the reach
    distances of the course and the workplace, 0 for online courses); ``funded_by`` ("employer"
    when the employer pays for the training, "worker" otherwise, None without a course);
    ``subsidised`` (the worker receives a training subsidy or a living allowance for it) and
    ``promoted_from`` (0, or the rank by score of a subsidised pathway the 应培尽培 rule moved up).
    The money the explanation states, from the subsidy decision: ``upfront`` (what the worker pays
    before the course), ``refund`` (of that, what comes back), ``employer_cost``, ``paid_on``
    ("completion" or "certification", None without a training subsidy), the allowance's
    ``living_days`` and how they were counted (``day_count``), with the course's
    ``programme_hours`` and the city's ``hours_per_day`` the count reads.
    """

    kind: str
    programme_id: str | None
    order_id: str | None
    score: float
    contributions: Mapping[str, float]
    features: Mapping[str, float]
    reasons: tuple[str, ...]
    explanation: str
    distance_km: float
    #: the day the worker can start work (job) or has finished training
    ready_date: dt.date
    training_subsidy: int = 0
    living_allowance: int = 0
    net_cost: int = 0
    payee: str | None = None
    policy_reasons: tuple[str, ...] = ()
    rank: int = 0
    match: int = 0
    top_features: tuple[str, ...] = ()
    programme_start: dt.date | None = None
    programme_end: dt.date | None = None
    job_start: dt.date | None = None
    wait_days: int | None = None
    programme_km: float | None = None
    order_km: float | None = None
    funded_by: str | None = None
    subsidised: bool = False
    promoted_from: int = 0
    upfront: int = 0
    refund: int = 0
    employer_cost: int = 0
    paid_on: str | None = None
    living_days: int = 0
    day_count: str | None = None
    programme_hours: int | None = None
    hours_per_day: int | None = None

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.programme_id or ''}:{self.order_id or ''}"


@dataclass(frozen=True, slots=True)
class Recommendation:
    """``status``: "ok", "needs_profile" (no score: ask for skills and wishes) or "no_match".

    ``notes``: sentences for the counselor about the list as a whole — why it is shorter than
    asked (filters, reach, catalogue) and, for a priority-group worker without a subsidised
    pathway, why there is none (:mod:`matcher.notes`).
    """

    worker_id: str
    status: str
    message: str
    pathways: tuple[Pathway, ...] = ()
    notes: tuple[str, ...] = ()


def known_occupations(query: WorkerQuery) -> frozenset[str]:
    """Desired occupations, certificate occupations and recognised skill occupations."""
    w = query.worker
    return (
        frozenset(w.desired_occupations)
        | {c.occupation_code for c in w.certificates}
        | query.skill_occupations
    )


def similarities(
    query: WorkerQuery,
    table: ProgrammeTable | OrderTable,
    rows: np.ndarray,
    provided_rows: np.ndarray,
    provided_sim: np.ndarray | None,
) -> np.ndarray:
    """Cosine similarity of the worker to each row, (m,) float64: from stored embeddings when both
    sides have them, else from the similarities retrieval provided (0 for rows it did not score)."""
    if table.embeddings is not None and query.embedding is not None:
        return (table.embeddings[rows] @ np.asarray(query.embedding, dtype=np.float32)).astype(np.float64)
    if provided_sim is None or len(rows) == 0:
        return np.zeros(len(rows), dtype=np.float64)
    lookup = dict(
        zip(provided_rows.tolist(), np.asarray(provided_sim, dtype=np.float64).tolist(), strict=True)
    )
    return np.asarray([lookup.get(r, 0.0) for r in rows.tolist()], dtype=np.float64)
