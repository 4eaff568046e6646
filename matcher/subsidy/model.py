"""The one answer of the subsidy engine: :class:`SubsidyDecision`.

Pricing (the ranking's net cost and allowance), explanations (the reasons a counselor reads out)
and claims (what is stored, paid and audited) all read this one frozen record. A decision is made
of :class:`Step` s — one per rule, in the order they ran — and says:

- whether it is granted (``eligible``) and the yuan of each kind: ``training_subsidy``,
  ``evaluation_subsidy``, ``skill_upgrade_subsidy``, ``living_allowance``;
- who is paid (``payee``: ``"worker"``, ``"enterprise"`` (直补企业), ``"institution"`` (机构垫付)
  or ``"none"``), and when (``paid_on``: ``"completion"`` or ``"certification"``) on what
  condition (``condition``, a Chinese phrase);
- what the worker pays before the course (``upfront``), what comes back to the worker afterwards
  (:attr:`refund`), what the worker bears in the end (``net_cost``), whether an employer pays for
  the course (``employer_pays``: an employer-funded programme such as 企业新型学徒制 or 岗前培训,
  or the hiring employer's own course) and what it bears (``employer_cost``);
- the living allowance's day count (``living_days``) and how it was counted (``day_count``, one of
  :data:`matcher.subsidy.policy.DAY_COUNTS`, with ``day_basis`` in words);
- the rule and clause that decided, the policy version and its content hash, and the facts used.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

#: A fact recorded with a decision: JSON-friendly scalars or a tuple of strings.
Fact = str | int | float | bool | None | tuple[str, ...]
Facts = tuple[tuple[str, Fact], ...]

PAYEES: tuple[str, ...] = ("worker", "enterprise", "institution", "none")


@dataclass(frozen=True, slots=True)
class Step:
    """One rule's answer: which rule (``rule``, ``clause``), whether it passed, the yuan it allows
    (0 when refused), one Chinese sentence, and the facts it read."""

    rule: str
    clause: str
    eligible: bool
    reason: str
    facts: Facts = ()
    amount: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "clause": self.clause,
            "eligible": self.eligible,
            "amount": self.amount,
            "reason": self.reason,
            "facts": facts_json(self.facts),
        }


def facts_json(facts: Facts) -> dict[str, object]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in facts}


@dataclass(frozen=True, slots=True)
class SubsidyDecision:
    """What the city pays for one course or certificate, to whom, when, and why (module docstring).

    The first five fields are what the ranking and the explanations read; a small fake for tests
    is ``SubsidyDecision(training_subsidy, living_allowance, net_cost, payee, reasons)``.
    ``kind`` is ``"estimate"`` for a prospective answer (the recommender's) or the claim kind.
    ``covered_days`` are the calendar days a living-allowance claim takes (never paid twice).
    """

    training_subsidy: int = 0
    living_allowance: int = 0
    net_cost: int = 0
    payee: str = "none"
    reasons: tuple[str, ...] = ()
    kind: str = "estimate"
    eligible: bool = False
    evaluation_subsidy: int = 0
    skill_upgrade_subsidy: int = 0
    payee_name: str | None = None
    fee: int = 0
    upfront: int = 0
    employer_cost: int = 0
    employer_pays: bool = False
    paid_on: str = ""
    condition: str = ""
    living_days: int = 0
    day_count: str = ""
    day_basis: str = ""
    event_date: dt.date | None = None
    covered_days: tuple[dt.date, ...] = ()
    rule: str = ""
    clause: str = ""
    rule_version: str = ""
    policy_hash: str = ""
    reason: str = ""
    facts: Facts = ()
    steps: tuple[Step, ...] = ()

    # -- money by recipient -------------------------------------------------------------------

    @property
    def amount(self) -> int:
        """All yuan this decision grants, whoever receives them."""
        return (
            self.training_subsidy
            + self.evaluation_subsidy
            + self.skill_upgrade_subsidy
            + self.living_allowance
        )

    @property
    def to_worker(self) -> int:
        """Yuan paid to the worker: the training subsidy when the worker is its payee, and every
        evaluation, skill-upgrade and living-allowance yuan."""
        training = self.training_subsidy if self.payee == "worker" else 0
        return training + self.evaluation_subsidy + self.skill_upgrade_subsidy + self.living_allowance

    @property
    def to_employer(self) -> int:
        """Yuan paid to the employer (直补企业)."""
        return self.training_subsidy if self.payee == "enterprise" else 0

    @property
    def refund(self) -> int:
        """Of what the worker paid before the course, the yuan that come back (on ``paid_on``)."""
        return max(0, self.upfront - self.net_cost)

    @property
    def event_year(self) -> int | None:
        """The year of the subsidised event (completion or certification): clause 十's "年度"."""
        return self.event_date.year if self.event_date else None

    # -- records --------------------------------------------------------------------------------

    def fact(self, name: str) -> Fact:
        """One fact by name, from the decision or its steps (the decision's own facts win)."""
        for key, value in self.facts:
            if key == name:
                return value
        for step in reversed(self.steps):
            for key, value in step.facts:
                if key == name:
                    return value
        return None

    def facts_dict(self) -> dict[str, object]:
        """Facts of the steps and the decision as a JSON-serialisable dict (tuples → lists)."""
        out: dict[str, object] = {}
        for step in self.steps:
            out.update(facts_json(step.facts))
        out.update(facts_json(self.facts))
        return out

    def priced(self) -> SubsidyDecision:
        """The decision without its words and trace: what the ranking prices with
        (:class:`matcher.subsidy.amounts.PolicyAmounts` gives exactly this)."""
        return replace(
            self, reasons=(), rule="", clause="", reason="", facts=(), steps=(), condition="", day_basis=""
        )

    def as_dict(self) -> dict[str, object]:
        """A JSON-serialisable record for the audit log."""
        return {
            "kind": self.kind,
            "eligible": self.eligible,
            "rule": self.rule,
            "clause": self.clause,
            "rule_version": self.rule_version,
            "policy_hash": self.policy_hash,
            "reason": self.reason,
            "amounts": {
                "training": self.training_subsidy,
                "evaluation": self.evaluation_subsidy,
                "skill_upgrade": self.skill_upgrade_subsidy,
                "living": self.living_allowance,
            },
            "payee": self.payee,
            "to_worker": self.to_worker,
            "to_employer": self.to_employer,
            "fee": self.fee,
            "upfront": self.upfront,
            "net_cost": self.net_cost,
            "employer_cost": self.employer_cost,
            "employer_pays": self.employer_pays,
            "paid_on": self.paid_on,
            "condition": self.condition,
            "living_days": self.living_days,
            "day_count": self.day_count,
            "event_date": self.event_date.isoformat() if self.event_date else None,
            "facts": self.facts_dict(),
            "steps": [f"{s.rule}:{'通过' if s.eligible else '不通过'}" for s in self.steps],
        }
