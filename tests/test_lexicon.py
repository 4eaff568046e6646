"""The colloquial title lexicon: its rows against the shipped catalogue, and its use in matching."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from data.lexicon import KINDS, REGISTERS, lexicon_digest, read_lexicon, shipped_lexicon
from data.occupations import shipped_catalogue
from data.tabular import ValidationFailed
from embeddings.occupations import OccupationMatcher
from embeddings.texts import split_work_types


@pytest.fixture(scope="module")
def lexicon() -> pl.DataFrame:
    return shipped_lexicon()


@pytest.fixture(scope="module")
def catalogue() -> pl.DataFrame:
    return shipped_catalogue()


@pytest.fixture(scope="module")
def matcher(catalogue: pl.DataFrame, lexicon: pl.DataFrame) -> OccupationMatcher:
    return OccupationMatcher.build(catalogue, None, use_work_types=True, lexicon=lexicon)


def test_size_and_registers(lexicon: pl.DataFrame) -> None:
    assert lexicon.height >= 1500
    assert lexicon["code"].n_unique() >= 300
    assert set(lexicon["register"]) == REGISTERS
    assert set(lexicon["kind"]) <= KINDS
    # majors 4 (services) and 6 (production) are where migrant workers concentrate
    majors = lexicon["code"].str.slice(0, 1).value_counts().sort("count", descending=True)
    assert majors["code"].to_list()[:2] == ["6", "4"] or majors["code"].to_list()[:2] == ["4", "6"]


def test_every_code_is_in_the_shipped_catalogue(lexicon: pl.DataFrame, catalogue: pl.DataFrame) -> None:
    unknown = set(lexicon["code"]) - set(catalogue["code"])
    assert unknown == set()


def test_work_types_are_the_codes_own(lexicon: pl.DataFrame, catalogue: pl.DataFrame) -> None:
    own = {c: set(split_work_types(w)) for c, w in catalogue.select("code", "work_types").iter_rows()}
    wrong = [
        (a, c, w)
        for a, c, w in lexicon.select("alias", "code", "work_type").iter_rows()
        if w and w not in own[c]
    ]
    assert wrong == []


def test_no_catalogue_name_or_work_type_is_an_alias(lexicon: pl.DataFrame, catalogue: pl.DataFrame) -> None:
    """Names and 工种 are indexed from the catalogue; in the lexicon they would make T1 unfair."""
    taken = set(catalogue["name"])
    for cell in catalogue["work_types"]:
        taken.update(split_work_types(cell))
    assert sorted(set(lexicon["alias"]) & taken) == []


def test_bad_rows_are_named_in_chinese(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.csv"
    path.write_text(
        "alias,code,work_type,register,kind\n瓦匠,6-29-01-01,,spoken,alias\n,6-29-01-01,,dialect,alias\n"
        "瓦匠,6-29-01-01,,spoken,alias\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed) as caught:
        read_lexicon(path)
    text = str(caught.value)
    assert "第3行 [alias]: 不能为空" in text
    assert "第3行 [register]: 取值 'dialect' 无效" in text
    assert "第4行 [alias]: 别称 '瓦匠' → 6-29-01-01 重复" in text


def test_digest_follows_content(lexicon: pl.DataFrame) -> None:
    assert lexicon_digest(lexicon) == lexicon_digest(lexicon.reverse())
    assert lexicon_digest(lexicon) != lexicon_digest(lexicon.head(lexicon.height - 1))


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("保姆", "4-10-01-06"),  # 家政服务员
        ("外卖骑手", "4-10-08-01"),  # 网约配送员
        ("开叉车", "6-30-05-01"),  # 起重装卸机械操作工 (工种 叉车司机)
        ("瓦工", "6-29-01-01"),  # 砌筑工
        ("送外卖的", "4-10-08-01"),
        ("月嫂", "4-10-01-06"),
        ("开挖机的", "6-30-05-05"),
        ("干过几年钢筋工，会扎铁", "6-29-01-04"),
    ],
)
def test_colloquial_titles_on_the_shipped_catalogue(
    matcher: OccupationMatcher, query: str, code: str
) -> None:
    assert matcher.match([query], top=1, method="bm25")[0][0][0] == code


def test_the_readme_example_finds_both_trades(matcher: OccupationMatcher) -> None:
    top = [c for c, _, _ in matcher.match(["会砌墙、贴瓷砖"], top=2, method="bm25")[0]]
    assert sorted(top) == ["6-29-01-01", "6-29-04-01"]  # 砌筑工, 装饰装修工 (工种 镶贴工)


def test_without_lexicon_the_titles_are_missed(catalogue: pl.DataFrame) -> None:
    """The failures the lexicon exists for (issue 15): the shipped catalogue alone misses them."""
    plain = OccupationMatcher.build(catalogue, None, use_work_types=True)
    assert plain.match(["保姆"], top=1, method="bm25")[0][0][0] != "4-10-01-06"
    assert plain.match(["外卖骑手"], top=1, method="bm25")[0][0][0] != "4-10-08-01"
