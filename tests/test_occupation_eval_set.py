"""The realistic occupation set the project owns: size, registers, codes and its fixed split."""

from __future__ import annotations

from collections import Counter

from data.occupations import shipped_catalogue
from eval.occupation_tasks import realistic_rows, realistic_task


def test_size_registers_and_split() -> None:
    rows = realistic_rows()
    assert len(rows) == 421
    assert Counter(r["split"] for r in rows) == {"dev": 210, "test": 211}
    assert set(Counter(r["register"] for r in rows)) == {
        "title",
        "posting",
        "spoken",
        "typo",
        "pinyin",
        "dialect",
    }
    assert len({r["text"] for r in rows}) == len(rows)
    assert realistic_task(split="test").queries == [r["text"] for r in rows if r["split"] == "test"]


def test_every_gold_code_is_in_the_shipped_catalogue() -> None:
    known = set(shipped_catalogue()["code"])
    assert {c for r in realistic_rows() for c in r["codes"]} - known == set()
