"""Occupation matching on a small hand-made catalogue, with a deterministic fake encoder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner

from data.occupations import COLUMNS
from embeddings.occupations import METHODS, OccupationMatcher, SignalWeights
from embeddings.texts import occupation_text, query_text, strip_boilerplate

ROWS = [
    (
        "6-18-02-04",
        "焊工",
        "从事焊接作业,连接金属构件的人员。",
        "1.操作电焊设备;2.进行气焊、钎焊",
        "电焊工|气焊工",
    ),
    (
        "6-29-01-01",
        "砌筑工",
        "使用砖、石、砌块砌筑墙体的人员。",
        "1.砌筑墙体;2.铺贴瓦屋面",
        "建筑瓦工|打胶工",
    ),
    (
        "4-03-02-01",
        "中式烹调师",
        "运用煎、炒、烹、炸等技法制作中式菜肴的人员。",
        "1.初加工原料;2.烹制菜肴",
        None,
    ),
    ("4-09-08-01", "保洁员", "从事室内外环境清扫、保洁的人员。", "1.清扫地面;2.清洗门窗", "清扫工"),
    ("5-03-02-01", "家畜饲养员", "从事家畜饲养管理的人员。", "1.配制饲料;2.防疫消毒", "养猪工|驯马工"),
    (
        "6-30-05-01",
        "起重装卸机械操作工",
        "操作起重装卸机械搬运货物的人员。",
        "1.驾驶起重机械;2.装卸货物",
        "叉车司机|塔吊司机",
    ),
]


def _frame() -> pl.DataFrame:
    records = []
    for code, name, definition, tasks, work_types in ROWS:
        major = code[0]
        records.append(
            {
                "code": code,
                "name": name,
                "major_code": f"GBM{major}0000",
                "major_name": "大类",
                "middle_code": f"GBM{major}0100",
                "middle_name": "中类",
                "minor_code": f"GBM{major}0101",
                "minor_name": "小类",
                "definition": definition,
                "tasks": tasks,
                "work_types": work_types,
            }
        )
    return pl.DataFrame(records, schema=dict.fromkeys(COLUMNS, pl.Utf8))


class FakeEncoder:
    """Character-bigram hashing into 64 dims: deterministic, and texts sharing bigrams are close."""

    name = "fake-bigram"
    dimension = 64

    def encode(self, texts, *, kind="passage"):  # type: ignore[no-untyped-def]
        out = np.zeros((len(texts), self.dimension), np.float32)
        for row, text in enumerate(texts):
            for i in range(max(len(text) - 1, 1)):
                out[row, sum(map(ord, text[i : i + 2])) % self.dimension] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms > 0, norms, 1.0)


@pytest.fixture(scope="module")
def encoder():  # type: ignore[no-untyped-def]
    try:
        from embeddings.encoder import load_encoder
    except ImportError:
        return FakeEncoder()
    return load_encoder("hash", Path("unused"))


@pytest.fixture(scope="module")
def matcher(encoder) -> OccupationMatcher:  # type: ignore[no-untyped-def]
    return OccupationMatcher.build(_frame(), encoder)


@pytest.mark.parametrize("method", METHODS)
def test_finds_obvious_occupations(matcher: OccupationMatcher, method: str) -> None:
    queries = ["招聘电焊工数名，有证优先，包吃住，月薪8000", "砌筑工，会砌墙", "中式烹调师，炒菜"]
    results = matcher.match(queries, top=3, method=method)
    assert [r[0][0] for r in results] == ["6-18-02-04", "6-29-01-01", "4-03-02-01"]
    for found in results:
        assert len(found) == 3
        scores = [s for _, _, s in found]
        assert scores == sorted(scores, reverse=True)
        assert len({c for c, _, _ in found}) == 3


def test_same_input_same_output(matcher: OccupationMatcher) -> None:
    a = matcher.match(["叉车司机", "养猪"], top=6)
    assert a == matcher.match(["叉车司机", "养猪"], top=6)


def test_empty_or_boilerplate_query_returns_nothing(matcher: OccupationMatcher) -> None:
    assert matcher.match(["", "   "], top=5) == [[], []]


def test_work_types_only_when_asked(encoder) -> None:  # type: ignore[no-untyped-def]
    without = OccupationMatcher.build(_frame(), encoder)
    with_types = OccupationMatcher.build(_frame(), encoder, use_work_types=True)
    assert with_types.match(["驯马工"], top=1, method="bm25")[0][0][0] == "5-03-02-01"
    assert (
        without.scores(["驯马工"], method="bm25")[0].max()
        < with_types.scores(["驯马工"], method="bm25")[0].max()
    )


def test_bm25_only_matcher_refuses_dense() -> None:
    lexical = OccupationMatcher.build(_frame(), None, tokenizer="jieba")
    assert lexical.match(["招聘保洁员"], top=1, method="bm25")[0][0][0] == "4-09-08-01"
    with pytest.raises(ValueError, match="needs an encoder"):
        lexical.match(["保洁"], method="dense")
    with pytest.raises(ValueError, match="unknown method"):
        SignalWeights().for_method("magic")


def test_texts_leave_out_work_types_and_boilerplate() -> None:
    row = _frame().row(0, named=True)
    assert "电焊工" not in occupation_text(row)
    assert "电焊工" in occupation_text(row, use_work_types=True)
    assert "1." not in occupation_text(row)
    assert (
        strip_boilerplate("本公司成立于2005年。现招聘砌筑工20名，月薪6000-8000元，五险一金，电话13812345678")
        == "砌筑工"
    )
    assert query_text("饭店招厨师，会炒川菜，工资4500-6000，有意者请联系王经理") == "饭店招厨师，会炒川菜"


def test_cli_match_writes_jsonl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from api.commands import occupations_match

    catalogue = tmp_path / "catalogue.csv"
    _frame().write_csv(catalogue)
    queries = tmp_path / "queries.txt"
    queries.write_text("招聘电焊工\n\n养猪工\n", encoding="utf-8")
    out = tmp_path / "out" / "matches.jsonl"
    # the fake encoder stands in for the real model (HashEncoder via --model hash when present)
    monkeypatch.setattr(occupations_match, "_load_encoder", lambda name, method: FakeEncoder())
    args = ["--catalogue", str(catalogue), "--input", str(queries), "--top", "2", "--method", "hybrid"]
    result = CliRunner().invoke(
        occupations_match.match_command, [*args, "--use-work-types", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    raw = out.read_text(encoding="utf-8")
    assert "电焊工" in raw  # ensure_ascii=False
    lines = [json.loads(line) for line in raw.splitlines()]
    assert [line["query"] for line in lines] == ["招聘电焊工", "养猪工"]
    assert lines[0]["results"][0] == {
        "code": "6-18-02-04",
        "name": "焊工",
        "score": lines[0]["results"][0]["score"],
    }
    assert lines[1]["results"][0]["code"] == "5-03-02-01"
    assert all(len(line["results"]) == 2 for line in lines)


def test_cli_bm25_needs_no_model(tmp_path: Path) -> None:
    from api.commands.occupations_match import match_command

    catalogue = tmp_path / "catalogue.csv"
    _frame().write_csv(catalogue)
    (tmp_path / "q.txt").write_text("叉车司机\n", encoding="utf-8")
    args = ["--catalogue", str(catalogue), "--input", str(tmp_path / "q.txt"), "--method", "bm25"]
    result = CliRunner().invoke(match_command, [*args, "--out", str(tmp_path / "o.jsonl")])
    assert result.exit_code == 0, result.output
    assert (
        json.loads((tmp_path / "o.jsonl").read_text(encoding="utf-8"))["results"][0]["code"] == "6-30-05-01"
    )
