"""Clause splitting and the clear-winner rule of skill recognition (no model, no database)."""

from __future__ import annotations

import pytest

from api.services.recommend.skills import clear_winner, split_clauses


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("想学架子工", [("想学架子工", True)]),
        ("干过6年电焊，种过大棚西红柿", [("干过6年电焊", False), ("种过大棚西红柿", False)]),
        (
            "酿醋工，能吃苦，听说挖掘机挣钱多，想去学学",
            [("酿醋工", False), ("能吃苦", False), ("听说挖掘机挣钱多", True)],
        ),
        ("在饭店掌过勺；对面点感兴趣", [("在饭店掌过勺", False), ("对面点感兴趣", True)]),
        ("，。 ", []),
    ],
)
def test_split_clauses(text, expected):
    assert split_clauses(text) == expected


def test_clear_winner_needs_a_margin():
    assert clear_winner([("6-18-02-04", "焊工", 0.5), ("x", "y", 0.1)], 0.7) == "6-18-02-04"
    assert clear_winner([("a", "a", 0.5), ("b", "b", 0.48)], 0.7) is None
    assert clear_winner([("a", "a", 0.5)], 0.7) == "a"
    assert clear_winner([("a", "a", 0.0)], 0.7) is None
    assert clear_winner([], 0.7) is None
