"""What the ranking needs from the subsidy engine, as a small interface.

The service passes a function built on ``matcher.policy.estimate_support`` and the city's policy in
force; tests and benchmarks use :func:`no_support` (the worker pays the full fee) or small fakes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Protocol

from matcher.types import OrderRecord, ProgrammeRecord, WorkerProfile

__all__ = [
    "LIVING_ALLOWANCE_GROUPS",
    "PolicySupportMemo",
    "Support",
    "SupportAmountsFn",
    "SupportFn",
    "SupportLike",
    "no_support",
]

#: Groups named by the notice (clause 九) as entitled to a living allowance during training; used
#: only to name the group in explanations — the amount itself always comes from the policy engine.
LIVING_ALLOWANCE_GROUPS: tuple[str, ...] = (
    "脱贫劳动力",
    "防返贫监测对象",
    "就业困难人员",
    "零就业家庭成员",
    "未升学应届初高中毕业生(农村)",
    "未升学应届初高中毕业生(城市低保)",
)


class SupportLike(Protocol):
    """The fields of ``matcher.policy.SupportEstimate`` the ranking reads (amounts in yuan)."""

    @property
    def training_subsidy(self) -> int: ...
    @property
    def living_allowance(self) -> int: ...
    @property
    def net_cost(self) -> int: ...
    @property
    def payee(self) -> str: ...
    @property
    def reasons(self) -> tuple[str, ...]: ...


#: (worker, programme, the order the training leads to or None) -> support estimate. The order
#: tells whether the employer trains the hire at its own cost (直补企业) and what kind it is.
SupportFn = Callable[[WorkerProfile, ProgrammeRecord, OrderRecord | None], SupportLike]

#: The same inputs -> (net cost, living allowance) in yuan: exactly the ``net_cost`` and
#: ``living_allowance`` of the matching :data:`SupportFn`'s estimate, without building it — all the
#: ranking reads of an estimate (:class:`matcher.policy_amounts.PolicyAmounts`).
SupportAmountsFn = Callable[[WorkerProfile, ProgrammeRecord, OrderRecord | None], tuple[int, int]]


@dataclass(frozen=True, slots=True)
class Support:
    training_subsidy: int
    living_allowance: int
    net_cost: int
    payee: str = "worker"
    reasons: tuple[str, ...] = ()


def no_support(
    worker: WorkerProfile, programme: ProgrammeRecord, order: OrderRecord | None = None
) -> Support:
    """No subsidy known: the worker pays the fee, unless the hiring employer trains at its own cost."""
    if order is not None and order.employer_trains:
        return Support(0, 0, 0, "enterprise", ("企业自行培训，个人不出钱",))
    return Support(0, 0, max(programme.fee, 0), "worker", ())


class PolicySupportMemo:
    """A :data:`SupportFn` built on ``matcher.policy.estimate_support``, memoised across workers.

    The policy engine reads, of the worker, only ``birth_year``, ``employer_kind``, ``groups`` and
    ``past_claims``; of the order, only whether the employer trains and its kind; and of the
    programme, its own fields, which also pick the city policy and the version in force (the
    programme's place and start date). So two calls that agree on exactly these inputs get the same
    estimate, and many workers share one (same age, groups and claim history; same programme).

    ``fn`` must be such a function over policy books that do not change while the memo lives.
    Worth it where neighbouring calls share these inputs — the batch run orders workers so that
    they do, and empties the memo per chunk; across random single requests few estimates repeat
    and a growing memo only lengthens garbage-collector pauses, so the service does not use it.

    Programmes are matched by identity — a refreshed catalogue brings new records, hence new
    keys — and each entry keeps its programme alive so an identity is never reused while its entry
    exists. At most ``maxsize`` entries are kept, least recently used dropped first. Safe to share
    between request threads; the estimate itself runs outside the lock (two threads may compute
    the same entry once each).
    """

    __slots__ = ("_fn", "_entries", "_lock", "maxsize", "hits", "misses")

    def __init__(self, fn: SupportFn, maxsize: int = 200_000) -> None:
        self._fn = fn
        self._entries: OrderedDict[Hashable, tuple[ProgrammeRecord, SupportLike]] = OrderedDict()
        self._lock = threading.Lock()
        self.maxsize = maxsize
        self.hits = 0
        self.misses = 0

    def __call__(
        self, worker: WorkerProfile, programme: ProgrammeRecord, order: OrderRecord | None = None
    ) -> SupportLike:
        key = (
            id(programme),
            worker.birth_year,
            worker.employer_kind,
            worker.groups,
            worker.past_claims,
            None if order is None else (bool(order.employer_trains), order.employer_kind),
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
