"""Published index directories: immutable, content-named, reused across builds."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from api.services.recommend.index_store import lexical_index, publish, text_hash

WORDS = ["砌筑工", "电焊工"]


def test_reused_tokens_give_the_index_built_from_scratch(tmp_path: Path) -> None:
    ids = ["P1", "P2", "P3"]
    texts = ["砌筑工初级培训班", "电焊工中级，包吃住", "育婴员培训"]
    first = lexical_index(tmp_path / "a", ids, texts, WORDS)
    changed = ["砌筑工初级培训班", "电焊工高级技能提升", "育婴员培训", "叉车司机培训"]
    ids2 = [*ids, "P4"]
    reused = lexical_index(
        tmp_path / "b",
        ids2,
        changed,
        WORDS,
        previous=first,
        previous_hashes={i: text_hash(t) for i, t in zip(ids, texts, strict=True)},
    )
    scratch = lexical_index(tmp_path / "c", ids2, changed, WORDS)
    queries = ["电焊工", "砌筑", "叉车", "培训"]
    np.testing.assert_array_equal(reused.scores(queries), scratch.scores(queries))
    assert reused.tokens_of("P2") == scratch.tokens_of("P2") != first.tokens_of("P2")


def test_publish_writes_once_and_leaves_no_temporary(tmp_path: Path) -> None:
    calls = []

    def write(d: Path) -> None:
        calls.append(d)
        (d / "x.txt").write_text("1")

    target = tmp_path / "v-abc"
    assert publish(target, write) == target
    assert publish(target, write) == target
    assert len(calls) == 1 and (target / "x.txt").read_text() == "1"
    assert [p.name for p in tmp_path.iterdir()] == ["v-abc"]
