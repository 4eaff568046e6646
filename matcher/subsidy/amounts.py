"""The subsidy decisions the ranking prices with, without building the explained estimate.

The ranking reads, of :func:`matcher.subsidy.estimate.estimate_support`, only money: net cost and
living allowance — for tens of programmes per worker and up to a million workers per batch run.
Most of an estimate depends on the programme alone (the catalogue, the payment basis, the fee cap,
the days); the rest on a few facts of the worker (age, employer, groups, graduation year, past
claims) and of the order (whether its employer trains the hire in this course). So:

- :func:`programme_terms` computes the programme's part once, with the same rule functions the
  estimate runs;
- :func:`priced_support` adds the worker's part with the same predicates the rules use and returns
  the *priced* decision (:meth:`SubsidyDecision.priced`: the estimate without its sentences),
  shared between all inputs with the same outcome;
- :class:`PolicyAmounts` is the function the ranking calls (:data:`matcher.subsidy.support.SupportAmountsFn`),
  caching each programme's terms.

``priced_support(...) == estimate_support(...).priced()`` for every input (a property test checks
this over the shipped city policies). Pure: standard library only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from matcher.subsidy.estimate import paid_on_event, worker_payee
from matcher.subsidy.living import calendar_days, cohort_window, count_days
from matcher.subsidy.model import SubsidyDecision
from matcher.subsidy.policy import GRADUATE_GROUPS, CityPolicy
from matcher.subsidy.rules import (
    decide_catalogue,
    decide_payment_basis,
    organised_by_employer,
    same_year_claims,
    scope_failure,
)
from matcher.subsidy.support import unpriced
from matcher.types import OrderRecord, ProgrammeRecord, WorkerProfile

__all__ = ["PolicyAmounts", "ProgrammeTerms", "priced_support", "programme_terms"]


@dataclass(frozen=True, slots=True)
class ProgrammeTerms:
    """The worker-independent part of one programme's estimate under one policy version."""

    policy: CityPolicy
    programme: ProgrammeRecord
    #: training subsidy for a worker in scope without a same-year claim (after the catalogue, the
    #: payment basis and the fee cap); ``None`` when the programme is subsidised for nobody
    subsidy: int | None
    #: living allowance and its days for an entitled trainee on subsidised training (0 when the
    #: delivery mode or the city's standard gives none)
    living: int
    living_days: int
    #: priced decisions by outcome (filled as outcomes are met)
    outcomes: dict[tuple[object, ...], SubsidyDecision] = field(default_factory=dict, compare=False)


def programme_terms(programme: ProgrammeRecord, policy: CityPolicy) -> ProgrammeTerms:
    """The terms of ``programme`` under ``policy`` (the version in force on its start date)."""
    subsidy: int | None = None
    catalogue = decide_catalogue(programme, policy)
    if catalogue.eligible:
        basis = decide_payment_basis(
            catalogue.amount, policy, certified=None, awards_certificate=programme.certificate is not None
        )
        if basis.eligible:
            subsidy = basis.amount
            if policy.cap_at_fee and subsidy > programme.fee:
                subsidy = programme.fee
    rule = policy.living
    living = days = 0
    if programme.delivery in rule.deliveries and rule.per_day > 0 and rule.cap > 0:
        counted, _ = count_days(programme, rule)
        days = min(counted, len(calendar_days(programme.start_date, programme.end_date)))
        living = min(days * rule.per_day, rule.cap) if days > 0 else 0
        days = days if living > 0 else 0
    return ProgrammeTerms(policy, programme, subsidy, living, days)


def _has_allowance_group(worker: WorkerProfile, terms: ProgrammeTerms) -> bool:
    rule = terms.policy.living
    start = terms.programme.start_date
    for group in worker.groups & rule.groups:
        if group not in GRADUATE_GROUPS:
            return True
        if worker.graduation_year is not None:
            first, last = cohort_window(worker.graduation_year, rule)
            if first <= start <= last:
                return True
    return False


def priced_support(
    worker: WorkerProfile, terms: ProgrammeTerms, order: OrderRecord | None = None
) -> SubsidyDecision:
    """Exactly ``estimate_support(worker, terms.programme, terms.policy, order).priced()``."""
    policy, programme = terms.policy, terms.programme
    subsidy = terms.subsidy
    training_ok = (
        subsidy is not None
        and scope_failure(worker, policy.scope, programme.start_date.year - worker.birth_year) is None
        and not same_year_claims(
            worker.past_claims,
            policy,
            programme.occupation_code,
            programme.work_type,
            programme.level,
            programme.end_date.year,
        )
    )
    employer_case = bool(
        order is not None and order.employer_trains and organised_by_employer(order, programme)
    )
    direct = policy.enterprise_direct
    payable = (
        employer_case
        and order is not None
        and direct.enabled
        and order.employer_kind in direct.employer_kinds
    )
    eligible = training_ok and (payable or not employer_case)
    allowance = eligible and terms.living > 0 and _has_allowance_group(worker, terms)
    name = order.employer_name if employer_case and order is not None else None
    key = (eligible, employer_case, payable, name, allowance)
    hit = terms.outcomes.get(key)
    if hit is not None:
        return hit
    paid = subsidy if eligible and subsidy is not None else 0
    fee = max(programme.fee, 0)
    if employer_case:
        payee = "enterprise" if payable and paid > 0 else "none"
        payee_name = name if payee == "enterprise" else None
        upfront = net_cost = 0
        employer_cost = fee - paid if payee == "enterprise" else fee
    else:
        payee = worker_payee(policy) if paid > 0 else "none"
        payee_name = programme.institution.name if payee == "institution" else None
        net_cost = max(0, fee - paid)
        upfront = net_cost if payee == "institution" else fee
        employer_cost = 0
    value = SubsidyDecision(
        training_subsidy=paid,
        living_allowance=terms.living if allowance else 0,
        net_cost=net_cost,
        payee=payee,
        kind="estimate",
        eligible=eligible,
        payee_name=payee_name,
        fee=fee,
        upfront=upfront,
        employer_cost=employer_cost,
        employer_pays=employer_case or programme.employer_funded,
        paid_on=paid_on_event(policy, programme) if eligible and paid > 0 else "",
        living_days=terms.living_days if allowance else 0,
        day_count=policy.living.day_count if allowance else "",
        rule_version=policy.rule_version,
        policy_hash=policy.content_hash,
    )
    terms.outcomes[key] = value
    return value


class PolicyAmounts:
    """A :data:`matcher.subsidy.support.SupportAmountsFn` over policy books.

    ``policy_of(programme)`` is the policy version in force for the programme (its city, its start
    date), or ``None`` where there is none: then the worker pays the full fee (nothing when the
    employer trains) and gets no allowance — :func:`matcher.subsidy.support.unpriced`, what the
    service's estimate says in that case. ``policy_of`` must not change its answers while this
    object lives.

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
    ) -> SubsidyDecision:
        hit = self._terms.get(id(programme))
        terms = hit[1] if hit is not None and hit[0] is programme else self.terms(programme)
        if terms is None:
            return unpriced(programme, order).priced()
        return priced_support(worker, terms, order)

    def __len__(self) -> int:
        return len(self._terms)
