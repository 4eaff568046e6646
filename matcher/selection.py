"""Exact top-``k`` selection of a worker's draft pathways, pricing as few of them as it can.

Drafts come scored on everything but the subsidy (net cost, living allowance), which needs the
subsidy rules per (worker, programme) pair. They are visited in decreasing order of an optimistic
bound (free training, full allowance) and priced in that order until no remaining draft can reach
the top ``k``; one pathway is kept per order (train→job, its best programme) or per programme
(train, start-up), and a train pathway whose programme a better train→job pathway already uses is
dropped. Ties: score, then kind order, then key.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from matcher.features import FEATURES
from matcher.query import MatchContext, WorkerQuery
from matcher.scoring import KINDS
from matcher.subsidy.model import SubsidyDecision
from matcher.tables import OrderTable, ProgrammeTable

__all__ = ["Drafts", "RankedPathway", "bound_order", "select_top"]

_COST, _ALLOW = FEATURES.index("net_cost"), FEATURES.index("allowance")
_KIND_ORDER = {k: i for i, k in enumerate(KINDS)}


@dataclass(frozen=True, slots=True)
class RankedPathway:
    """One ranked pathway, before its explanation.

    ``features``: (10,) float64 feature values in :data:`~matcher.features.FEATURES` order (net cost
    and allowance included); ``score`` is their weighted sum plus the kind bonus. Rows are -1
    where the pathway has no programme or no order. ``support`` is the subsidy estimate when the
    ranking already built one, else ``None``. ``promoted_from``: 0, or the 1-based rank by score
    of a subsidised pathway the 应培尽培 rule moved up (:mod:`matcher.subsidised_first`).
    """

    kind: str
    programme_row: int
    order_row: int
    score: float
    features: np.ndarray
    support: SubsidyDecision | None = None
    promoted_from: int = 0


class Drafts:
    """Unscored pathways of all kinds, block by block: one kind, (n,) int64 programme and order
    rows (-1: none) and an (n, 10) float64 feature matrix with net cost and allowance at 0."""

    __slots__ = ("blocks", "progs", "orders", "feats")

    def __init__(self) -> None:
        self.blocks: list[tuple[str, int]] = []
        self.progs: list[np.ndarray] = []
        self.orders: list[np.ndarray] = []
        self.feats: list[np.ndarray] = []

    def add(self, kind: str, prog: np.ndarray, order: np.ndarray, feats: np.ndarray) -> None:
        n = len(feats)
        if n == 0:
            return
        self.blocks.append((kind, n))
        self.progs.append(prog)
        self.orders.append(order)
        self.feats.append(feats)

    def __len__(self) -> int:
        return sum(n for _, n in self.blocks)


class _Amounts:
    """Net cost and allowance of (programme row, order row) pairs for one worker, asked of the
    context's ``support_amounts`` (or of its full ``support``) once per distinct input."""

    __slots__ = ("worker", "programmes", "orders", "ctx", "cache", "estimates")

    def __init__(self, query: WorkerQuery, programmes: ProgrammeTable, orders: OrderTable, ctx: MatchContext):
        self.worker = query.worker
        self.programmes = programmes
        self.orders = orders
        self.ctx = ctx
        self.cache: dict[tuple[int, int], tuple[int, int]] = {}
        self.estimates: dict[tuple[int, int], SubsidyDecision] = {}

    def key(self, prog: int, order_row: int) -> tuple[int, int]:
        # the estimate depends on an order only when its employer trains (直补企业: its occupation,
        # linked programme, name and kind); otherwise every order gives the no-order estimate
        if order_row < 0 or not self.orders.records[order_row].employer_trains:
            return (prog, -1)
        return (prog, order_row)

    def __call__(self, prog: int, order_row: int) -> tuple[int, int]:
        key = self.key(prog, order_row)
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        order = self.orders.records[order_row] if order_row >= 0 else None
        programme = self.programmes.records[prog]
        fn = self.ctx.support_amounts
        if fn is not None:
            priced = fn(self.worker, programme, order)
            value = (priced.net_cost, priced.living_allowance)
        else:
            est = self.estimates[key] = self.ctx.support(self.worker, programme, order)
            value = (est.net_cost, est.living_allowance)
        self.cache[key] = value
        return value


def _group(kind: str, prog: int, order: int) -> tuple[str, int]:
    # one pathway per order for train→job (its best programme), one per programme otherwise
    return (kind, order if kind in ("job", "train_then_job") else prog)


def bound_order(bound: np.ndarray, first: int, growth: int = 8) -> Iterator[np.ndarray]:
    """Positions of ``bound`` in the order of ``np.argsort(-bound, kind="stable")`` (decreasing,
    ties by position), block by block: the ``first`` best (with every tie of the last), then
    ``growth`` times as many, and so on. The ranking rarely needs more than the first blocks, so
    the rest is never sorted."""
    bound = np.asarray(bound, dtype=np.float64)
    rest = np.arange(len(bound))
    size = max(first, 1)
    while len(rest) > size:
        values = bound[rest]
        cut = np.partition(values, len(rest) - size)[len(rest) - size]
        head = values >= cut
        top = rest[head]
        yield top[np.argsort(-values[head], kind="stable")]
        rest = rest[~head]
        size *= growth
    if len(rest):
        yield rest[np.argsort(-bound[rest], kind="stable")]


def select_top(
    query: WorkerQuery,
    programmes: ProgrammeTable,
    orders: OrderTable,
    ctx: MatchContext,
    drafts: Drafts,
    k: int,
) -> list[RankedPathway]:
    if not drafts.blocks:
        return []
    w = ctx.weights
    feats = np.vstack(drafts.feats)
    sizes = [n for _, n in drafts.blocks]
    block_kinds = [kd for kd, _ in drafts.blocks]
    block_of = np.repeat(np.arange(len(sizes)), sizes)
    progs = np.concatenate(drafts.progs)
    order_rows = np.concatenate(drafts.orders)
    # drafts carry net_cost = allowance = 0, so ``base`` is the score without the subsidy terms;
    # the bound adds the best case (free training, full allowance)
    bonus = np.repeat([w.bonus(kd) for kd in block_kinds], sizes)
    base = feats @ w.vector + bonus
    allowance = w.allowance if ctx.allowance_possible(query.worker) else 0.0
    bound = base + allowance * (progs >= 0)
    cost_scale, allow_scale = w.cost_scale_yuan, w.allowance_scale_yuan
    w_cost, w_allow = w.net_cost, w.allowance
    amounts = _Amounts(query, programmes, orders, ctx)
    p_recs, o_recs = programmes.records, orders.records

    # drafts in bound order, as Python lists, materialised block by block as the search goes
    blocks = bound_order(bound, 4 * k + 16)
    idx: list[int] = []
    bounds: list[float] = []
    bases: list[float] = []
    kinds: list[str] = []
    prog_l: list[int] = []
    order_l: list[int] = []

    def pull() -> bool:
        block = next(blocks, None)
        if block is None:
            return False
        idx.extend(block.tolist())
        bounds.extend(bound[block].tolist())
        bases.extend(base[block].tolist())
        kinds.extend([block_kinds[b] for b in block_of[block].tolist()])
        prog_l.extend(progs[block].tolist())
        order_l.extend(order_rows[block].tolist())
        return True

    best: dict[tuple[str, int], tuple[float, int, str, float, float]] = {}
    ranked: list[float] = []  # ascending negated best scores of groups, for the k-th threshold
    at = 0  # drafts before ``at`` (in bound order) have been scored
    wanted = k
    while True:
        while at < len(idx) or pull():
            if len(ranked) >= wanted and bounds[at] < -ranked[wanted - 1]:
                break
            kind, prog, order = kinds[at], prog_l[at], order_l[at]
            g = _group(kind, prog, order)
            old = best.get(g)
            at += 1
            if old is not None and bounds[at - 1] < old[0]:
                continue  # cannot beat its group's best even at best: no need to price it
            cost_v = allow_v = 0.0
            if prog >= 0:
                net, allowed = amounts(prog, order)
                # scalar fast path of features.net_cost_value / allowance_value (same formulas)
                cost_v = -min(max(net / cost_scale, 0.0), 1.0)
                allow_v = min(max(allowed / allow_scale, 0.0), 1.0)
            score = bases[at - 1] + w_cost * cost_v + w_allow * allow_v
            key = f"{kind}:{p_recs[prog].id if prog >= 0 else ''}:{o_recs[order].id if order >= 0 else ''}"
            if old is not None and (-old[0], old[2]) <= (-score, key):
                continue
            if old is not None:
                del ranked[bisect.bisect_left(ranked, -old[0])]
            best[g] = (score, at - 1, key, cost_v, allow_v)
            bisect.insort(ranked, -score)
        chosen = _dedupe(best, kinds, prog_l, k)
        # A train pathway whose programme a better train→job pathway already uses is dropped, so
        # the k-th *group* score above can sit higher than the k-th *chosen* pathway's. Stop only
        # when no unpriced draft can reach the k-th chosen score (ties may still win on kind or
        # key, hence ``<``); otherwise look further down the bound order.
        if not (at < len(idx) or pull()):
            break
        if len(chosen) >= k and bounds[at] < chosen[k - 1][0]:
            break
        wanted += max(1, k - len(chosen))

    out: list[RankedPathway] = []
    for score, pos, _, cost_v, allow_v in chosen:
        row = feats[idx[pos]].copy()
        row[_COST] = cost_v
        row[_ALLOW] = allow_v
        prog, order = prog_l[pos], order_l[pos]
        support = amounts.estimates.get(amounts.key(prog, order)) if prog >= 0 else None
        out.append(RankedPathway(kinds[pos], prog, order, score, row, support))
    return out


def _dedupe(
    best: dict[tuple[str, int], tuple[float, int, str, float, float]],
    kinds: list[str],
    progs: list[int],
    k: int,
) -> list[tuple[float, int, str, float, float]]:
    """Best group entries in rank order, dropping train pathways covered by a better train→job."""
    entries = sorted(best.values(), key=lambda e: (-e[0], _KIND_ORDER[kinds[e[1]]], e[2]))
    used: set[int] = set()
    chosen = []
    for e in entries:
        i = e[1]
        if kinds[i] == "train" and progs[i] in used:
            continue
        if kinds[i] == "train_then_job":
            used.add(progs[i])
        chosen.append(e)
        if len(chosen) == k:
            break
    return chosen
