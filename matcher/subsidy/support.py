"""What the ranking needs from the subsidy engine, as a small interface.

The service passes a :data:`SupportFn` built on :func:`matcher.subsidy.estimate.estimate_support`
and the city's policy in force, and a :data:`SupportAmountsFn`
(:class:`matcher.subsidy.amounts.PolicyAmounts`) that prices without sentences; tests and
benchmarks use :func:`no_support` or small fakes
(``SubsidyDecision(training_subsidy, living_allowance, net_cost, payee, reasons)``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from matcher.subsidy.model import SubsidyDecision
from matcher.subsidy.policy import MANDATED_LIVING_GROUPS
from matcher.types import OrderRecord, ProgrammeRecord, WorkerProfile

__all__ = [
    "LIVING_ALLOWANCE_GROUPS",
    "PolicySupportMemo",
    "SupportAmountsFn",
    "SupportFn",
    "no_support",
    "unpriced",
]

#: Groups named by the notice (clause 九) as entitled to a living allowance during training; used
#: only to name the group in explanations — the amount itself always comes from the policy engine.
LIVING_ALLOWANCE_GROUPS: tuple[str, ...] = MANDATED_LIVING_GROUPS

#: (worker, programme, the order the training leads to or None) -> the subsidy decision. The order
#: tells whether its employer trains the hire in this course at its own cost (直补企业).
SupportFn = Callable[[WorkerProfile, ProgrammeRecord, OrderRecord | None], SubsidyDecision]

#: The same inputs -> the *priced* decision: the money of the matching :data:`SupportFn`'s decision
#: without its sentences (:meth:`SubsidyDecision.priced`), cheaper — all the ranking reads.
SupportAmountsFn = Callable[[WorkerProfile, ProgrammeRecord, OrderRecord | None], SubsidyDecision]


def unpriced(
    programme: ProgrammeRecord, order: OrderRecord | None = None, reasons: tuple[str, ...] = ()
) -> SubsidyDecision:
    """No subsidy known (no policy applies): the worker pays the fee before the course and gets
    nothing back, unless the order's employer trains the hire at its own cost."""
    fee = max(programme.fee, 0)
    if order is not None and order.employer_trains:
        return SubsidyDecision(0, 0, 0, "none", reasons, fee=fee, employer_cost=fee, employer_pays=True)
    return SubsidyDecision(
        0, 0, fee, "none", reasons, fee=fee, upfront=fee, employer_pays=programme.employer_funded
    )


def no_support(
    worker: WorkerProfile, programme: ProgrammeRecord, order: OrderRecord | None = None
) -> SubsidyDecision:
    """No subsidy known: the worker pays the fee, unless the hiring employer trains at its own cost."""
    reasons = ("企业自行培训，个人不出钱",) if order is not None and order.employer_trains else ()
    return unpriced(programme, order, reasons)


class PolicySupportMemo:
    """A :data:`SupportFn` built on ``estimate_support``, memoised across workers.

    The estimate reads, of the worker, only ``birth_year``, ``employer_kind``, ``groups``,
    ``graduation_year`` and ``past_claims``; of the order, whether its employer trains, its kind,
    name, occupation and linked programme; and of the programme, its own fields, which also pick
    the city policy and the version in force. So two calls that agree on exactly these inputs get
    the same decision, and many workers share one.

    ``fn`` must be such a function over policy books that do not change while the memo lives.
    Worth it where neighbouring calls share these inputs — the batch run orders workers so that
    they do, and empties the memo per chunk.

    Programmes are matched by identity, and each entry keeps its programme alive so an identity is
    never reused while its entry exists. At most ``maxsize`` entries are kept, least recently used
    dropped first. Safe to share between request threads; the estimate itself runs outside the
    lock (two threads may compute the same entry once each).
    """

    __slots__ = ("_fn", "_entries", "_lock", "maxsize", "hits", "misses")

    def __init__(self, fn: SupportFn, maxsize: int = 200_000) -> None:
        self._fn = fn
        self._entries: OrderedDict[Hashable, tuple[ProgrammeRecord, SubsidyDecision]] = OrderedDict()
        self._lock = threading.Lock()
        self.maxsize = maxsize
        self.hits = 0
        self.misses = 0

    def __call__(
        self, worker: WorkerProfile, programme: ProgrammeRecord, order: OrderRecord | None = None
    ) -> SubsidyDecision:
        key = (
            id(programme),
            worker.birth_year,
            worker.employer_kind,
            worker.groups,
            worker.graduation_year,
            worker.past_claims,
            None
            if order is None
            else (
                bool(order.employer_trains),
                order.employer_kind,
                order.employer_name,
                order.occupation_code,
                order.programme_id,
            ),
        )
        entries = self._entries
        with self._lock:
            hit = entries.get(key)
            if hit is not None and hit[0] is programme:
                entries.move_to_end(key)
                self.hits += 1
                return hit[1]
            self.misses += 1
        value = self._fn(worker, programme, order)
        with self._lock:
            entries[key] = (programme, value)
            if len(entries) > self.maxsize:
                entries.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
