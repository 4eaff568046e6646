"""The trades of the synthetic world, in one tuple (see :class:`data.synth.trade.Trade`)."""

from __future__ import annotations

import polars as pl

from data.synth.trade import Trade
from data.synth.trade import resolve_trades as _resolve
from data.synth.trades_services import SERVICES
from data.synth.trades_skilled import SKILLED

TRADES: tuple[Trade, ...] = SKILLED + SERVICES


def resolve_trades(catalogue: pl.DataFrame) -> tuple[Trade, ...]:
    """:data:`TRADES`, checked against ``catalogue`` (see :func:`data.synth.trade.resolve_trades`)."""
    return _resolve(catalogue, TRADES)


__all__ = ["TRADES", "Trade", "resolve_trades"]
