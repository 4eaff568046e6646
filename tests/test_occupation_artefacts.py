"""Derived occupation artefacts: the same scores as the text they come from, a checked manifest,
and no sentence of the book in what ships."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner

from api.commands.occupations_artefacts import build_artefacts_command
from data.lexicon import SHIPPED_LEXICON
from data.occupations import shipped_catalogue
from embeddings.encoder import HashEncoder
from embeddings.lexical import BM25Index
from embeddings.occupation_artefacts import (
    SHIPPED_ARTEFACTS,
    ArtefactMismatch,
    TermWeights,
    build_artefacts,
    load_artefacts,
)
from embeddings.occupations import OccupationMatcher
from embeddings.texts import occupation_text
from embeddings.tokenize import CharNgramTokenizer
from tests.conftest import shared_path
from tests.test_occupation_match import _frame

QUERIES = ["招聘电焊工", "会砌墙、贴瓷砖", "饭店炒菜", "开叉车搬货", "清扫地面", "养猪", "无关的话"]


@pytest.fixture()
def built(tmp_path: Path) -> Path:
    build_artefacts(_frame(), HashEncoder(), tmp_path / "art", source_sha256="abc", source_name="book.csv")
    return tmp_path / "art"


def _without_text(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.lit(None, pl.Utf8).alias("definition"), pl.lit(None, pl.Utf8).alias("tasks"))


def test_term_weights_score_as_the_index_they_come_from() -> None:
    frame = _frame()
    index = BM25Index(CharNgramTokenizer(), tokenizer_kind="char")
    index.add(frame["code"].to_list(), [occupation_text(r) for r in frame.to_dicts()])
    weights = TermWeights.from_index(index)
    np.testing.assert_allclose(weights.scores(QUERIES), index.scores(QUERIES), rtol=1e-6)
    shuffled = weights.reordered(list(reversed(index.ids)))
    np.testing.assert_allclose(shuffled.scores(QUERIES), index.scores(QUERIES)[:, ::-1], rtol=1e-6)


def test_matcher_from_artefacts_scores_as_from_the_full_catalogue(built: Path) -> None:
    encoder = HashEncoder()
    full = OccupationMatcher.build(_frame(), encoder)
    shipped = OccupationMatcher.build(_without_text(_frame()), encoder, artefacts=load_artefacts(built))
    a, b = full.signals(QUERIES), shipped.signals(QUERIES)
    np.testing.assert_allclose(b["bm25_text"], a["bm25_text"], rtol=2e-3, atol=1e-3)  # float16
    np.testing.assert_allclose(b["dense_text"], a["dense_text"], atol=2e-3)
    assert [r[0][0] for r in shipped.match(QUERIES[:-1], top=1)] == [
        r[0][0] for r in full.match(QUERIES[:-1], top=1)
    ]
    assert shipped.artefacts_digest == load_artefacts(built).digest != ""


def test_manifest_names_source_model_and_files(built: Path) -> None:
    manifest = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["source_sha256"] == "abc"
    assert (manifest["model"], manifest["dimension"], manifest["count"]) == ("hash", 384, 6)
    assert manifest["fields"] == ["name", "definition", "tasks"]
    assert sorted(manifest["files"]) == [
        "dense.npy",
        "ids.npy",
        "term_docs.npy",
        "term_indptr.npy",
        "term_weights.npy",
        "terms.json",
    ]
    assert np.load(built / "dense.npy").dtype == np.float16


@pytest.mark.parametrize(
    ("expect", "message"),
    [
        ({"model": "e5-small"}, "model 'hash', expected 'e5-small'"),
        ({"dimension": 768}, "dimension 384, expected 768"),
        ({"source_sha256": "def"}, "source_sha256 'abc', expected 'def'"),
    ],
)
def test_loader_refuses_a_manifest_mismatch(built: Path, expect: dict, message: str) -> None:
    with pytest.raises(ArtefactMismatch, match=re.escape(message)):
        load_artefacts(built, **expect)


def test_loader_refuses_an_altered_file(built: Path) -> None:
    weights = np.load(built / "term_weights.npy")
    np.save(built / "term_weights.npy", weights * np.float16(2), allow_pickle=False)
    with pytest.raises(ArtefactMismatch, match="term_weights.npy does not match the manifest"):
        load_artefacts(built)


def test_matcher_refuses_other_codes_or_another_model(built: Path) -> None:
    artefacts = load_artefacts(built)
    with pytest.raises(ArtefactMismatch, match="holds vectors of model 'hash'"):
        OccupationMatcher.build(_without_text(_frame()), _OtherModel(), artefacts=artefacts)
    with pytest.raises(ArtefactMismatch, match="codes differ"):
        OccupationMatcher.build(_without_text(_frame()).head(4), None, artefacts=artefacts)
    lexical = OccupationMatcher.build(
        _without_text(_frame()), _OtherModel(), artefacts=artefacts.lexical_only()
    )
    assert lexical.match(["招聘电焊工"], top=1)[0][0][0] == "6-18-02-04"


class _OtherModel(HashEncoder):
    name = "other"


def test_cli_builds_lexical_only_artefacts(tmp_path: Path) -> None:
    source = tmp_path / "book.csv"
    _frame().write_csv(source)
    out = tmp_path / "art"
    result = CliRunner().invoke(
        build_artefacts_command, ["--catalogue", str(source), "--out", str(out), "--lexical-only"]
    )
    assert result.exit_code == 0, result.output
    assert "6 个职业，模型 无（仅词项统计），维度 0" in result.output
    artefacts = load_artefacts(out)
    assert artefacts.vectors is None and artefacts.codes == _frame()["code"].to_list()


def test_cli_refuses_a_catalogue_without_text(tmp_path: Path) -> None:
    source = tmp_path / "names.csv"
    _without_text(_frame()).write_csv(source)
    result = CliRunner().invoke(build_artefacts_command, ["--catalogue", str(source), "--lexical-only"])
    assert result.exit_code == 1
    assert "目录没有职业定义和主要工作任务" in result.output


def test_shipped_artefacts_serve_the_shipped_catalogue() -> None:
    artefacts = load_artefacts(SHIPPED_ARTEFACTS, model="e5-small", dimension=384)
    assert sorted(artefacts.codes) == sorted(shipped_catalogue()["code"].unique())
    assert artefacts.manifest["source_name"] == "occupations-2022.csv"
    assert sum(p.stat().st_size for p in SHIPPED_ARTEFACTS.iterdir()) < 5_000_000


def test_no_sentence_of_the_book_ships() -> None:
    """Every clause of six characters or more of any definition or task line is absent from the
    artefacts and the lexicon (the arrays hold codes and numbers only). The shipped catalogue is
    not searched: its names, groups and 工种 are facts that definitions also mention."""
    book = pl.read_csv(shared_path("data", "occupations-2022.csv"), infer_schema_length=0)
    clauses = set()
    for cell in book["definition"].to_list() + book["tasks"].to_list():
        for clause in re.split(r"[，,。；;、：:（）()\d.]+", cell or ""):
            if len(clause) >= 6:
                clauses.add(clause)
    assert len(clauses) > 5000
    files = [*SHIPPED_ARTEFACTS.glob("*.json"), SHIPPED_LEXICON]
    texts = {p: p.read_text(encoding="utf-8") for p in files}
    leaked = sorted({(p.name, c) for p, text in texts.items() for c in clauses if c in text})
    assert leaked == []
    for array in SHIPPED_ARTEFACTS.glob("*.npy"):
        stored = np.load(array, allow_pickle=False)
        assert stored.dtype.kind in "fiu" or all(re.fullmatch(r"\d-\d{2}-\d{2}(-\d{2})?", c) for c in stored)
