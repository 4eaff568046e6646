"""The occupation adapter: merging LoRA updates into the converted e5 weights."""

from __future__ import annotations

import hashlib
import socket
from pathlib import Path

import numpy as np
import pytest

from embeddings.lora import ADAPTER_PATH, adapted_model_name, build_adapted_model, merge_adapter


def test_merge_adds_b_times_a_to_the_named_weights_only() -> None:
    rng = np.random.default_rng(0)
    weights = {
        "layer.q.weight": rng.normal(size=(4, 3)).astype(np.float32),
        "layer.q.bias": rng.normal(size=4).astype(np.float32),
        "layer.k.weight": rng.normal(size=(4, 3)).astype(np.float32),
    }
    a = rng.normal(size=(2, 3)).astype(np.float16)
    b = rng.normal(size=(4, 2)).astype(np.float16)
    merged = merge_adapter(weights, {"layer.q.lora_a": a, "layer.q.lora_b": b})
    expected = weights["layer.q.weight"] + b.astype(np.float32) @ a.astype(np.float32)
    np.testing.assert_allclose(merged["layer.q.weight"], expected, rtol=1e-6)
    assert merged["layer.q.weight"].dtype == np.float32
    assert merged["layer.k.weight"] is weights["layer.k.weight"]
    assert merged["layer.q.bias"] is weights["layer.q.bias"]
    assert not np.array_equal(weights["layer.q.weight"], merged["layer.q.weight"])  # input untouched


@pytest.mark.parametrize(
    ("adapter", "message"),
    [
        ({"layer.q.lora_a": np.zeros((2, 3))}, "needs both lora_a and lora_b"),
        ({"layer.x.lora_a": np.zeros((2, 3)), "layer.x.lora_b": np.zeros((4, 2))}, "has no weight"),
        ({"layer.q.lora_a": np.zeros((2, 5)), "layer.q.lora_b": np.zeros((4, 2))}, "does not fit"),
        ({"layer.q.lora_a": np.zeros((2, 3)), "layer.q.lora_b": np.zeros((4, 3))}, "does not fit"),
    ],
)
def test_merge_rejects_an_adapter_that_does_not_fit(adapter: dict[str, np.ndarray], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        merge_adapter({"layer.q.weight": np.zeros((4, 3), np.float32)}, adapter)


def test_committed_adapter_covers_every_encoder_layer() -> None:
    with np.load(ADAPTER_PATH) as npz:
        names = {key.rsplit(".", 1)[0] for key in npz.files}
        assert all(npz[key].dtype == np.float16 for key in npz.files)
    assert len(names) == 12 * 6
    assert {int(name.split(".")[2]) for name in names} == set(range(12))


@pytest.fixture(scope="module")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.mark.slow
def test_merged_model_equals_the_model_with_lora_modules(model_cache: Path, tmp_path: Path) -> None:
    """What training computes (LoRA modules beside frozen weights) is what the merged model encodes."""
    import torch
    from sentence_transformers import SentenceTransformer

    from eval.finetune_occupations import add_lora

    rng = np.random.default_rng(1)
    layers = ["encoder.layer.0.attention.self.query", "encoder.layer.11.output.dense"]
    from embeddings.e5_convert import build_e5_model

    base_dir = build_e5_model(model_cache / "e5-small")
    model = SentenceTransformer(str(base_dir), device="cpu")
    wrapped = add_lora(model[0].auto_model, rank=4, alpha=8.0, seed=0)
    arrays: dict[str, np.ndarray] = {}
    for name in layers:
        lora = wrapped[name]
        a = rng.normal(scale=0.05, size=tuple(lora.a.shape)).astype(np.float16)
        b = rng.normal(scale=0.05, size=tuple(lora.b.shape)).astype(np.float16)
        with torch.no_grad():
            lora.a.copy_(torch.from_numpy(a.astype(np.float32)))
            lora.b.copy_(torch.from_numpy(b.astype(np.float32)) / lora.scale)
        arrays[f"{name}.lora_a"] = a
        arrays[f"{name}.lora_b"] = b
    adapter = tmp_path / "tiny.npz"
    np.savez(adapter, **arrays)
    merged_dir = build_adapted_model(model_cache, adapter, name="tiny")
    merged = SentenceTransformer(str(merged_dir), device="cpu", local_files_only=True)
    texts = ["会砌墙、贴瓷砖", "招聘电焊工，包吃住", "育婴员"]
    expected = model.encode(texts, prompt_name="query", convert_to_numpy=True)
    got = merged.encode(texts, prompt_name="query", convert_to_numpy=True)
    plain = SentenceTransformer(str(base_dir), device="cpu").encode(texts, prompt_name="query")
    assert (expected * got).sum(axis=1).min() > 0.99999
    assert (plain * got).sum(axis=1).max() < 0.9999  # the adapter did change the model
    # a second build is a no-op; a changed adapter rebuilds
    stamp = (merged_dir / "model.safetensors").stat().st_mtime_ns
    assert build_adapted_model(model_cache, adapter, name="tiny") == merged_dir
    assert (merged_dir / "model.safetensors").stat().st_mtime_ns == stamp
    arrays[f"{layers[0]}.lora_b"] = arrays[f"{layers[0]}.lora_b"] * 2
    np.savez(adapter, **arrays)
    first_name = adapted_model_name(merged_dir, "tiny")
    build_adapted_model(model_cache, adapter, name="tiny")
    assert (merged_dir / "model.safetensors").stat().st_mtime_ns != stamp
    assert adapted_model_name(merged_dir, "tiny") != first_name  # caches keyed by name stay apart
    assert not [p for p in model_cache.iterdir() if p.name.startswith(".")]


@pytest.mark.slow
def test_occupation_model_loads_offline_and_matches_an_occupation(
    model_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from embeddings.encoder import load_encoder

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    encoder = load_encoder("e5-small-occ", model_cache)
    digest = hashlib.sha256(ADAPTER_PATH.read_bytes()).hexdigest()[:12]
    assert encoder.name == f"e5-small-occ@{digest}" and encoder.dimension == 384
    passages = encoder.encode(
        [
            "电焊工：操作焊接设备，进行金属工件的焊接、切割。",
            "育婴员：在家庭中对0至3岁婴幼儿进行生活照料、护理和教育。",
            "砌筑工：使用砖、石、砌块等材料砌筑墙体和构筑物。",
        ],
        kind="passage",
    )
    queries = encoder.encode(["招聘电焊工，包吃住", "带小孩、照顾婴儿", "会砌墙"], kind="query")
    assert list(np.argmax(queries @ passages.T, axis=1)) == [0, 1, 2]


def test_training_batches_never_repeat_a_gold_occupation_and_group_neighbours() -> None:
    import random

    from eval.finetune_occupations import _batches

    codes = [
        f"{major}-{middle:02d}-01-{n:02d}" for major in (2, 6) for middle in range(1, 6) for n in range(8)
    ]
    pairs = [(f"q{i}", codes[i % len(codes)], frozenset({codes[i % len(codes)]})) for i in range(400)]
    for grouped in (False, True):
        batches = _batches(pairs, 16, random.Random(3), grouped)
        assert all(len({pairs[i][1] for i in b}) == len(b) for b in batches)
        assert sum(len(b) for b in batches) >= 400 - 16
        assert len({i for b in batches for i in b}) == sum(len(b) for b in batches)
        spread = np.mean([len({"-".join(pairs[i][1].split("-")[:2]) for i in b}) for b in batches])
        if grouped:
            assert spread <= 3.0  # 16 distinct codes need two middle categories of 8
        else:
            assert spread > 5.0


@pytest.mark.slow
def test_mined_negatives_are_the_models_confusions_never_gold(model_cache: Path) -> None:
    from sentence_transformers import SentenceTransformer

    from embeddings.e5_convert import build_e5_model
    from eval.finetune_occupations import mine_negatives

    model = SentenceTransformer(str(build_e5_model(model_cache / "e5-small")), device="cpu")
    passages = {
        "6-18-02-04": "焊工：操作焊接设备，进行金属工件的连接",
        "6-31-01-03": "电工：安装、维护电气线路和设备",
        "6-29-01-01": "砌筑工：使用砖、石、砌块砌筑墙体",
        "4-10-01-03": "育婴员：照料婴幼儿的生活起居",
        "6-29-04-01": "装饰装修工：贴瓷砖、刷涂料、铺地板",
    }
    fit = [
        ("电焊工", "6-18-02-04", frozenset({"6-18-02-04"})),
        ("瓦工", "6-29-01-01", frozenset({"6-29-01-01", "6-29-04-01"})),
    ]
    pairs = {"passages": {"t1": passages}, "t1": {"fit": fit}}
    tokenizer, encoder = model.tokenizer, model[0].auto_model
    mined = mine_negatives(encoder, tokenizer, pairs, "t1", 2, 64)
    assert set(mined) == {"电焊工", "瓦工"}
    for query, _, gold in fit:
        assert len(mined[query]) == 2 and not set(mined[query]) & gold
        assert set(mined[query]) <= set(passages)
    assert mined["电焊工"][0] == "6-31-01-03"  # 电工 is the confusion of 电焊工, not 育婴员
    assert mine_negatives(encoder, tokenizer, pairs, "t1", 2, 64) == mined
    assert encoder.training  # mining leaves the model in training mode
