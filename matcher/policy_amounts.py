"""The two numbers the ranking reads from a subsidy estimate, without building the estimate.

Ranking reads, of :func:`matcher.policy.estimate_support`, only ``net_cost`` and
``living_allowance`` — for tens of programmes per worker and up to a million workers per batch run.
Most of an estimate depends on the programme alone (the city catalogue, the payment basis, the fee
cap, the training days); the rest on a few facts of the worker (age, employer, groups, past
claims) and of the order (whether the employer trains, its kind). So:

- :func:`programme_terms` computes the programme's part once, with the same rule functions that
  :func:`~matcher.policy_rules.decide_training_subsidy` runs;
- :func:`support_amounts` adds the worker's part with the same predicates the decisions use
  (:func:`~matcher.policy_rules.scope_failure`, :func:`~matcher.policy_rules.same_year_claims`,
  :func:`~matcher.policy_rules.direct_payable`), but builds no :class:`Decision` and no sentence;
- :class:`PolicyAmounts` is the function the ranking calls (:data:`matcher.support.SupportAmountsFn`),
  caching each programme's terms.

The amounts equal those of ``estimate_support`` for every input (a property test checks this over
the shipped city policies); the explanation of a returned pathway still comes from the full
estimate. Pure: standard library only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from matcher.policy_claims import living_allowance_amount
from matcher.policy_model import CityPolicy
from matcher.policy_rules import (
    decide_catalogue,
    decide_payment_basis,
    direct_payable,
    same_year_claims,
    scope_failure,
)
from matcher.types import OrderRecord, ProgrammeRecord, WorkerProfile

__all__ = ["PolicyAmounts", "ProgrammeTerms", "programme_terms", "support_amounts"]


@dataclass(frozen=True, slots=True)
class ProgrammeTerms:
    """The worker-independent part of the subsidy estimate of one programme under one policy
    version (amounts in yuan)."""

    policy: CityPolicy
    fee: int
    start_year: int
    occupation_code: str
    level: int
    #: the year the subsidy is claimed in (the programme's end), for the no-duplicate rule
    claim_year: int
    #: training subsidy for a worker in scope without a same-year claim (after the catalogue, the
    #: payment basis and the fee cap); ``None`` when the programme is subsidised for nobody
    subsidy: int | None
    #: living allowance for a worker of an allowance group on subsidised training; 0 when the
    #: delivery mode or the city's standard gives none
    living: int


def programme_terms(programme: ProgrammeRecord, policy: CityPolicy) -> ProgrammeTerms:
    """The terms of ``programme`` under ``policy`` (the version in force on its start date)."""
    subsidy: int | None = None
    catalogue = decide_catalogue(programme, policy)
    if catalogue.eligible:
        basis = decide_payment_basis(
            catalogue.amount,
            policy,
            completed=None,
            certified=None,
            awards_certificate=programme.certificate is not None,
        )
        if basis.eligible:
            subsidy = basis.amount
            if policy.cap_at_fee and subsidy > programme.fee:
                subsidy = programme.fee
    rule = policy.living
    living = living_allowance_amount(programme, rule) if programme.delivery in rule.deliveries else 0
    return ProgrammeTerms(
        policy=policy,
        fee=programme.fee,
        start_year=programme.start_date.year,
        occupation_code=programme.occupation_code,
        level=programme.level,
        claim_year=programme.end_date.year,
        subsidy=subsidy,
        living=max(living, 0),
    )


def support_amounts(
    worker: WorkerProfile,
    terms: ProgrammeTerms,
    *,
    employer_trains: bool = False,
    employer_kind: str = "企业",
) -> tuple[int, int]:
    """(net cost, living allowance) in yuan: exactly ``estimate_support(worker, programme, policy,
    employer_trains=..., employer_kind=...)``'s ``net_cost`` and ``living_allowance`` for the
    programme and policy of ``terms``."""
    policy = terms.policy
    subsidy = terms.subsidy
    eligible = (
        subsidy is not None
        and scope_failure(worker, policy.scope, terms.start_year - worker.birth_year) is None
        and not same_year_claims(worker.past_claims, terms.occupation_code, terms.level, terms.claim_year)
        and (not employer_trains or direct_payable(policy, employer_kind))
    )
    paid = subsidy if eligible and subsidy is not None else 0
    net_cost = 0 if employer_trains else max(0, terms.fee - paid)
    allowance = terms.living if eligible and worker.groups & policy.living.groups else 0
    return net_cost, allowance


class PolicyAmounts:
    """A :data:`matcher.support.SupportAmountsFn` over policy books.

    ``policy_of(programme)`` is the policy version in force for the programme (its city, its start
    date), or ``None`` where there is none: then the worker pays the full fee (nothing when the
    employer trains) and gets no allowance — what the service's estimate says in that case.
    ``policy_of`` must not change its answers while this object lives.

    Terms are cached per programme identity (each entry keeps its programme alive, so an identity
    is never reused while its entry exists); past ``maxsize`` entries the cache starts over. Safe to
    share between threads (two may compute the same entry once each).
    """

    __slots__ = ("_policy_of", "_terms", "maxsize")

    def __init__(
        self, policy_of: Callable[[ProgrammeRecord], CityPolicy | None], maxsize: int = 200_000
    ) -> None:
        self._policy_of = policy_of
        self._terms: dict[int, tuple[ProgrammeRecord, ProgrammeTerms | None]] = {}
        self.maxsize = maxsize

    def terms(self, programme: ProgrammeRecord) -> ProgrammeTerms | None:
        """The programme's terms, or ``None`` when no policy applies to it."""
        hit = self._terms.get(id(programme))
        if hit is not None and hit[0] is programme:
            return hit[1]
        policy = self._policy_of(programme)
        terms = programme_terms(programme, policy) if policy is not None else None
        if len(self._terms) >= self.maxsize:
            self._terms.clear()
        self._terms[id(programme)] = (programme, terms)
        return terms

    def __call__(
        self, worker: WorkerProfile, programme: ProgrammeRecord, order: OrderRecord | None = None
    ) -> tuple[int, int]:
        trains = bool(order is not None and order.employer_trains)
        hit = self._terms.get(id(programme))
        terms = hit[1] if hit is not None and hit[0] is programme else self.terms(programme)
        if terms is None:
            return (0 if trains else max(programme.fee, 0)), 0
        kind = order.employer_kind if order is not None else "企业"
        return support_amounts(worker, terms, employer_trains=trains, employer_kind=kind)

    def __len__(self) -> int:
        return len(self._terms)
