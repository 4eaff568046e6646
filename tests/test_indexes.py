"""Contract suite for every :class:`matcher.protocols.VectorIndex` implementation.

Each implementation is checked against the same synthetic input with a known answer, and against
brute-force numpy search (the exact reference). Property tests (hypothesis) cover the ranking
invariants: sorted scores, at most k, unique ids, removed ids never returned, determinism.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from embeddings.hybrid import rrf, scatter, topk, weighted_fusion
from embeddings.vector_index import FaissIndex, IndexMismatch

Builder = Callable[[Sequence[str], np.ndarray], FaissIndex]


def _flat(ids: Sequence[str], vectors: np.ndarray) -> FaissIndex:
    return FaissIndex.build(ids, vectors, model="test-model", kind="flat", data_version="v1")


def _ivf(ids: Sequence[str], vectors: np.ndarray) -> FaissIndex:
    # nprobe ≥ nlist makes IVF exhaustive, so the contract (exact answers) must hold.
    return FaissIndex.build(ids, vectors, model="test-model", kind="ivf", nprobe=10_000, data_version="v1")


def _auto_promoted(ids: Sequence[str], vectors: np.ndarray) -> FaissIndex:
    index = FaissIndex.create(
        vectors.shape[1], model="test-model", data_version="v1", ann_threshold=40, nprobe=10_000
    )
    half = len(ids) // 2
    index.add(ids[:half], vectors[:half])
    index.add(ids[half:], vectors[half:])
    return index


IMPLEMENTATIONS: dict[str, Builder] = {"flat": _flat, "ivf": _ivf, "auto": _auto_promoted}


def _unit(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    x = rng.normal(size=(n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _brute_force(ids: Sequence[str], vectors: np.ndarray, queries: np.ndarray, k: int) -> list[list[str]]:
    scores = queries @ vectors.T
    index, _ = topk(scores, k)
    return [[ids[i] for i in row] for row in index]


@pytest.fixture(params=sorted(IMPLEMENTATIONS))
def build(request: pytest.FixtureRequest) -> Builder:
    return IMPLEMENTATIONS[request.param]


@pytest.fixture(scope="module")
def clusters() -> tuple[list[str], np.ndarray, np.ndarray]:
    """Known answer: 8 well-separated clusters of 12 vectors around orthogonal axes in 16-d."""
    rng = np.random.default_rng(7)
    centres = np.eye(16, dtype=np.float32)[:8]
    vectors = np.repeat(centres, 12, axis=0) + 0.05 * rng.normal(size=(96, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = [f"c{i // 12}-{i % 12}" for i in range(96)]
    return ids, vectors, centres


class TestVectorIndexContract:
    def test_known_answer_clusters(self, build: Builder, clusters) -> None:  # type: ignore[no-untyped-def]
        ids, vectors, centres = clusters
        index = build(ids, vectors)
        found, scores = index.search(centres, 12)
        for cluster, row in enumerate(found):
            assert {i.split("-")[0] for i in row} == {f"c{cluster}"}
        assert np.all(scores > 0.9)

    def test_matches_exact_reference(self, build: Builder) -> None:
        rng = np.random.default_rng(1)
        ids = [f"d{i}" for i in range(150)]
        vectors, queries = _unit(rng, 150, 24), _unit(rng, 20, 24)
        found, _ = build(ids, vectors).search(queries, 10)
        assert [list(r) for r in found] == _brute_force(ids, vectors, queries, 10)

    def test_self_is_top_hit(self, build: Builder, clusters) -> None:  # type: ignore[no-untyped-def]
        ids, vectors, _ = clusters
        found, scores = build(ids, vectors).search(vectors[:10], 1)
        assert list(found[:, 0]) == ids[:10]
        np.testing.assert_allclose(scores[:, 0], 1.0, atol=1e-5)

    def test_k_beyond_count_pads(self, build: Builder) -> None:
        vectors = _unit(np.random.default_rng(2), 5, 8)
        found, scores = build([f"x{i}" for i in range(5)], vectors).search(vectors[:2], 9)
        assert found.shape == scores.shape == (2, 9)
        assert np.all(found[:, 5:] == "") and np.all(np.isneginf(scores[:, 5:]))

    def test_remove_and_update(self, build: Builder, clusters) -> None:  # type: ignore[no-untyped-def]
        ids, vectors, centres = clusters
        index = build(ids, vectors)
        assert index.remove(["c0-0", "c0-1", "nope"]) == 2
        found, _ = index.search(centres[:1], 96)
        assert "c0-0" not in found[0] and "c0-1" not in found[0]
        assert len(index) == 94
        # an update moves c1-0 onto cluster 0's axis
        index.update(["c1-0"], centres[:1])
        found, scores = index.search(centres[:1], 1)
        assert found[0, 0] == "c1-0" and scores[0, 0] == pytest.approx(1.0, abs=1e-5)
        assert len(index) == 94

    def test_persistence_round_trip(self, build: Builder, clusters, tmp_path) -> None:  # type: ignore[no-untyped-def]
        ids, vectors, centres = clusters
        index = build(ids, vectors)
        index.remove(["c2-3"])
        index.save(tmp_path / "ix")
        loaded = FaissIndex.load(tmp_path / "ix", expected_model="test-model", expected_dimension=16)
        assert loaded.kind == index.kind and len(loaded) == len(index)
        for a, b in zip(index.search(centres, 20), loaded.search(centres, 20), strict=True):
            np.testing.assert_array_equal(a, b)
        loaded.add(["new"], centres[2:3])  # labels continue after the stored ones
        assert loaded.search(centres[2:3], 1)[0][0, 0] == "new"

    def test_refuses_mismatch(self, build: Builder, clusters, tmp_path) -> None:  # type: ignore[no-untyped-def]
        ids, vectors, _ = clusters
        build(ids, vectors).save(tmp_path / "ix")
        with pytest.raises(IndexMismatch, match="model='test-model'.*'other-model'"):
            FaissIndex.load(tmp_path / "ix", expected_model="other-model")
        with pytest.raises(IndexMismatch, match="dimension=16"):
            FaissIndex.load(tmp_path / "ix", expected_dimension=384)
        with pytest.raises(IndexMismatch, match="data_version='v1'"):
            FaissIndex.load(tmp_path / "ix", expected_data_version="v2")

    def test_rejects_bad_input(self, build: Builder, clusters) -> None:  # type: ignore[no-untyped-def]
        ids, vectors, _ = clusters
        index = build(ids, vectors)
        with pytest.raises(ValueError, match="shape"):
            index.search(np.zeros((1, 3), np.float32), 1)
        with pytest.raises(ValueError, match="unique"):
            index.add(["a", "a"], vectors[:2])


def test_auto_picks_flat_then_ivf() -> None:
    vectors = _unit(np.random.default_rng(3), 120, 8)
    ids = [str(i) for i in range(120)]
    assert FaissIndex.build(ids, vectors, model="m", ann_threshold=200).kind == "flat"
    assert FaissIndex.build(ids, vectors, model="m", ann_threshold=100).kind == "ivf"
    assert _auto_promoted(ids, vectors).kind == "ivf"


def test_missing_directory_is_clear(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(FileNotFoundError, match="params.json"):
        FaissIndex.load(tmp_path)


@st.composite
def _cases(draw: st.DrawFn) -> tuple[str, int, int, int, int, list[int]]:
    kind = draw(st.sampled_from(sorted(IMPLEMENTATIONS)))
    n = draw(st.integers(1, 60))
    d = draw(st.integers(2, 8))
    k = draw(st.integers(1, 70))
    seed = draw(st.integers(0, 2**16))
    removed = draw(st.lists(st.integers(0, n - 1), max_size=n, unique=True))
    return kind, n, d, k, seed, removed


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_cases())
def test_ranking_invariants(case: tuple[str, int, int, int, int, list[int]]) -> None:
    kind, n, d, k, seed, removed = case
    rng = np.random.default_rng(seed)
    # coarse vectors (few distinct values) so that ties actually occur
    vectors = np.round(rng.normal(size=(n, d)), 0).astype(np.float32) + 0.01
    queries = rng.normal(size=(4, d)).astype(np.float32)
    ids = [f"id{i}" for i in range(n)]
    index = IMPLEMENTATIONS[kind](ids, vectors)
    gone = {ids[i] for i in removed}
    index.remove(gone)
    found, scores = index.search(queries, k)
    again = index.search(queries, k)
    np.testing.assert_array_equal(found, again[0])  # same input → same output
    np.testing.assert_array_equal(scores, again[1])
    live = n - len(gone)
    for row_ids, row_scores in zip(found, scores, strict=True):
        valid = [i for i in row_ids if i]
        assert len(valid) == min(k, live)  # at most k, and all of them when fewer exist
        assert len(set(valid)) == len(valid)  # unique ids
        assert not gone & set(valid)  # removed ids never returned
        finite = row_scores[np.isfinite(row_scores)]
        assert np.all(np.diff(finite) <= 1e-6)  # best first


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.lists(st.floats(-5, 5, allow_nan=False, allow_subnormal=False, width=32), min_size=6, max_size=6),
        min_size=1,
        max_size=4,
    ),
    st.integers(1, 8),
)
def test_topk_and_fusion_invariants(rows: list[list[float]], k: int) -> None:
    scores = np.asarray(rows, dtype=np.float32)
    index, best = topk(scores, k)
    assert index.shape[1] == min(k, 6)
    for r in range(scores.shape[0]):
        assert len(set(index[r])) == index.shape[1]
        assert np.all(np.diff(best[r]) <= 0)
        assert best[r, 0] == scores[r].max()
    fused = weighted_fusion([scores, -scores], [1.0, 0.0])
    assert fused.shape == scores.shape and np.all((fused >= 0) & (fused <= 1))
    # a monotone transform of one signal does not change its RRF ranking
    np.testing.assert_array_equal(rrf([scores]), rrf([scores * 2]))


def test_scatter_fills_missing_with_neg_inf() -> None:
    ids = np.array([["b", ""]], dtype=object)
    out = scatter(ids, np.array([[0.5, -np.inf]], np.float32), {"a": 0, "b": 1}, 2)
    assert out[0, 1] == np.float32(0.5) and np.isneginf(out[0, 0])
