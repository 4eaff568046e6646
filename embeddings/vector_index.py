"""faiss inner-product indexes with string ids and explicit, checked persistence.

:class:`FaissIndex` satisfies :class:`matcher.protocols.VectorIndex`. It holds one of two faiss
structures and chooses between them by size:

* ``"flat"`` — exact search (``IndexIDMap2(IndexFlatIP)``); below ``ann_threshold`` vectors it is
  both exact and fast enough (10⁴ × 384 floats is one small matrix product per query).
* ``"ivf"`` — ``IndexIVFFlat`` with a hash-table direct map. IVF rather than HNSW because faiss's
  HNSW cannot remove vectors, and records here change (a programme fills up, an order closes);
  IVF removes and reconstructs by id. ``nprobe`` trades recall for speed; the benchmark reports
  IVF recall against flat.

An exact index that grows past the threshold is rebuilt as IVF on the next add (its vectors are
reconstructed from faiss, so nothing is re-encoded). Vectors are L2-normalised on the way in when
``normalise`` is set, so inner product is cosine.

String ids map to int64 faiss labels through ``ids.npy``: label *i* is ``ids[i]``; a removed
record leaves "" at its label (labels are never reused, so a stale label can never name a new
record). Directory layout: ``index.faiss``, ``ids.npy`` (unicode, ``allow_pickle=False``),
``params.json`` (model, dimension, normalisation, kind, nlist/nprobe, data version, count).
faiss is imported inside the functions that need it: importing this module loads nothing heavy.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import faiss

__all__ = ["DEFAULT_ANN_THRESHOLD", "DEFAULT_NPROBE", "FaissIndex", "IndexMismatch"]

FORMAT_VERSION = 1
DEFAULT_ANN_THRESHOLD = 50_000
# e5 embeddings are anisotropic (most cosines fall in 0.7–0.9), so k-means cells are poorly
# separated and IVF needs many probes: measured on 4,670 e5 vectors (nlist 119), recall@10
# against exact search is 0.83 at nprobe 16, 0.93 at 32 and ≥ 0.98 at 64
# (eval/results/occupations.md). A probe costs microseconds; recall matters more.
DEFAULT_NPROBE = 64


class IndexMismatch(ValueError):
    """A stored index does not match what the caller expects (model, dimension, data version)."""


def _l2_normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


class FaissIndex:
    """Inner-product index over string-id'd vectors (see module docstring).

    Create with :meth:`create` (empty) or :meth:`build` (from vectors); ``kind`` is "auto"
    (flat below ``ann_threshold``, IVF above), "flat" or "ivf".
    """

    def __init__(
        self,
        index: faiss.Index,
        *,
        kind: str,
        model: str,
        dimension: int,
        normalise: bool = True,
        data_version: str = "",
        ann_threshold: int = DEFAULT_ANN_THRESHOLD,
        nprobe: int = DEFAULT_NPROBE,
        auto: bool = True,
    ) -> None:
        # faiss's SWIG classes are only partly described by its stubs (IVF attributes, array
        # arguments), so the wrapped index is typed loosely.
        self._index: Any = index
        self.kind = kind
        self.model = model
        self.dimension = dimension
        self.normalise = normalise
        self.data_version = data_version
        self.ann_threshold = ann_threshold
        self.nprobe = nprobe
        self.auto = auto
        self._ids: list[str] = []  # label → id ("" once removed)
        # label → id as an object array with a trailing "" for label -1, built on the first search
        # after a change (copying a 50,000-id list on every search cost ~2 ms a query)
        self._lookup: np.ndarray | None = None
        self._labels: dict[str, int] = {}

    # -- construction ---------------------------------------------------------------------------
    @staticmethod
    def _flat(dimension: int) -> faiss.Index:
        import faiss

        return faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))

    @staticmethod
    def _ivf(vectors: np.ndarray, nlist: int | None = None) -> faiss.Index:
        import faiss

        n, dimension = vectors.shape
        # ~4·√n lists is faiss's usual starting point; at least 39 training points per list
        # keeps k-means from warning about (and producing) degenerate centroids.
        nlist = nlist or max(1, min(int(4 * math.sqrt(n)), n // 39))
        quantizer = faiss.IndexFlatIP(dimension)
        index = faiss.IndexIVFFlat(quantizer, dimension, nlist, faiss.METRIC_INNER_PRODUCT)
        index.train(np.ascontiguousarray(vectors, dtype=np.float32))
        index.set_direct_map_type(faiss.DirectMap.Hashtable)  # type: ignore[attr-defined]
        return index

    @classmethod
    def create(
        cls,
        dimension: int,
        *,
        model: str,
        normalise: bool = True,
        data_version: str = "",
        ann_threshold: int = DEFAULT_ANN_THRESHOLD,
        nprobe: int = DEFAULT_NPROBE,
    ) -> FaissIndex:
        """An empty exact index that turns into IVF automatically once it passes ``ann_threshold``."""
        return cls(
            cls._flat(dimension),
            kind="flat",
            model=model,
            dimension=dimension,
            normalise=normalise,
            data_version=data_version,
            ann_threshold=ann_threshold,
            nprobe=nprobe,
        )

    @classmethod
    def build(
        cls,
        ids: Sequence[str],
        vectors: np.ndarray,
        *,
        model: str,
        kind: str = "auto",
        normalise: bool = True,
        data_version: str = "",
        ann_threshold: int = DEFAULT_ANN_THRESHOLD,
        nlist: int | None = None,
        nprobe: int = DEFAULT_NPROBE,
    ) -> FaissIndex:
        """Index ``vectors`` (n, d) float32 under ``ids`` (n unique strings).

        ``kind="auto"`` picks flat when n < ``ann_threshold``, IVF otherwise; "flat"/"ivf" force
        one and switch automatic promotion off.
        """
        vectors = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
        if kind not in ("auto", "flat", "ivf"):
            raise ValueError(f"unknown index kind {kind!r}; expected 'auto', 'flat' or 'ivf'")
        chosen = kind if kind != "auto" else ("ivf" if len(ids) >= ann_threshold else "flat")
        prepared = _l2_normalise(vectors) if normalise else vectors
        faiss_index = cls._ivf(prepared, nlist) if chosen == "ivf" else cls._flat(vectors.shape[1])
        index = cls(
            faiss_index,
            kind=chosen,
            model=model,
            dimension=vectors.shape[1],
            normalise=normalise,
            data_version=data_version,
            ann_threshold=ann_threshold,
            nprobe=nprobe,
            auto=kind == "auto",
        )
        index.add(ids, vectors)
        return index

    # -- updates --------------------------------------------------------------------------------
    def __len__(self) -> int:
        return int(self._index.ntotal)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._labels

    @property
    def ids(self) -> list[str]:
        """Ids currently stored, in insertion order."""
        return [i for i in self._ids if i]

    def _prepare(self, vectors: np.ndarray) -> np.ndarray:
        vectors = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
        if vectors.ndim != 2 or vectors.shape[1] != self.dimension:
            raise ValueError(f"expected vectors of shape (n, {self.dimension}), got {vectors.shape}")
        if not np.all(np.isfinite(vectors)):
            raise ValueError("vectors contain NaN or infinity")
        return np.ascontiguousarray(_l2_normalise(vectors) if self.normalise else vectors)

    def add(self, ids: Sequence[str], vectors: np.ndarray) -> None:
        """Add ``vectors`` (n, d) under ``ids``; an id already present is replaced (an update)."""
        vectors = self._prepare(vectors)
        ids = [str(i) for i in ids]
        if len(ids) != vectors.shape[0]:
            raise ValueError(f"{len(ids)} ids but {vectors.shape[0]} vectors")
        if len(set(ids)) != len(ids) or not all(ids):
            raise ValueError("ids must be unique, non-empty strings")
        self.remove([i for i in ids if i in self._labels])
        start = len(self._ids)
        labels = np.arange(start, start + len(ids), dtype=np.int64)
        self._ids.extend(ids)
        self._lookup = None
        self._labels.update(zip(ids, labels.tolist(), strict=True))
        if len(ids):
            self._index.add_with_ids(vectors, labels)
        if self.auto and self.kind == "flat" and len(self) >= self.ann_threshold:
            self._promote()

    def update(self, ids: Sequence[str], vectors: np.ndarray) -> None:
        """Replace the vectors of ``ids`` (adding those not present)."""
        self.add(ids, vectors)

    def remove(self, ids: Iterable[str]) -> int:
        """Remove records by id; unknown ids are ignored. Returns how many were removed."""
        labels = [self._labels.pop(i) for i in set(ids) if i in self._labels]
        if not labels:
            return 0
        for label in labels:
            self._ids[label] = ""
        self._lookup = None
        self._index.remove_ids(np.asarray(labels, dtype=np.int64))
        return len(labels)

    def vectors(self, ids: Sequence[str]) -> np.ndarray:
        """Stored (normalised) vectors of ``ids``: (len(ids), d) float32. KeyError on unknown id."""
        out = np.empty((len(ids), self.dimension), dtype=np.float32)
        for row, doc_id in enumerate(ids):
            out[row] = self._index.reconstruct(int(self._labels[doc_id]))
        return out

    def _promote(self) -> None:
        """Rebuild this exact index as IVF from its own stored vectors (no re-encoding)."""
        live = self.ids
        vectors = self.vectors(live)
        labels = np.asarray([self._labels[i] for i in live], dtype=np.int64)
        index: Any = self._ivf(vectors)
        index.add_with_ids(vectors, labels)
        self._index, self.kind = index, "ivf"

    # -- search ---------------------------------------------------------------------------------
    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """queries (q, d) float32 → (ids (q, k) object, scores (q, k) float32), best first.

        Slots beyond the stored count (or not reached by IVF's probes) have id "" and score -inf.
        """
        queries = self._prepare(queries)
        k = int(k)
        ids = np.full((queries.shape[0], max(k, 0)), "", dtype=object)
        scores = np.full((queries.shape[0], max(k, 0)), -np.inf, dtype=np.float32)
        if k <= 0 or len(self) == 0:
            return ids, scores
        if self.kind == "ivf":
            self._index.nprobe = min(self.nprobe, self._index.nlist)
        found_scores, labels = self._index.search(queries, min(k, len(self)))
        lookup = self._lookup
        if lookup is None or len(lookup) != len(self._ids) + 1:
            lookup = self._lookup = np.asarray(self._ids + [""], dtype=object)  # label -1 → ""
        width = labels.shape[1]
        ids[:, :width] = lookup[labels]
        scores[:, :width] = np.where(labels >= 0, found_scores, -np.inf)
        return ids, scores

    # -- persistence ----------------------------------------------------------------------------
    def params(self) -> dict[str, Any]:
        params: dict[str, Any] = {
            "format": FORMAT_VERSION,
            "model": self.model,
            "dimension": self.dimension,
            "normalise": self.normalise,
            "metric": "inner_product",
            "kind": self.kind,
            "auto": self.auto,
            "ann_threshold": self.ann_threshold,
            "nprobe": self.nprobe,
            "data_version": self.data_version,
            "count": len(self),
        }
        if self.kind == "ivf":
            params["nlist"] = int(self._index.nlist)
        return params

    def save(self, directory: str | Path) -> Path:
        """Write ``index.faiss``, ``ids.npy`` and ``params.json`` into ``directory``."""
        import faiss

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        faiss.write_index(self._index, str(directory / "index.faiss"))
        np.save(directory / "ids.npy", np.asarray(self._ids, dtype=np.str_), allow_pickle=False)
        (directory / "params.json").write_text(
            json.dumps(self.params(), ensure_ascii=False, indent=2), encoding="utf-8"
        )
        return directory

    @classmethod
    def load(
        cls,
        directory: str | Path,
        *,
        expected_model: str | None = None,
        expected_dimension: int | None = None,
        expected_data_version: str | None = None,
    ) -> FaissIndex:
        """Read an index written by :meth:`save`, refusing one built for something else.

        Raises :class:`IndexMismatch` naming the stored and expected value when the model name,
        dimension or (if given) data version differ, or when the files disagree with each other.
        """
        import faiss

        directory = Path(directory)
        params_path = directory / "params.json"
        if not params_path.exists():
            raise FileNotFoundError(f"{directory} is not a vector index: params.json is missing")
        params = json.loads(params_path.read_text(encoding="utf-8"))
        if params.get("format") != FORMAT_VERSION:
            raise IndexMismatch(
                f"{directory}: index format {params.get('format')!r}, expected {FORMAT_VERSION}"
            )
        checks = (
            ("model", expected_model),
            ("dimension", expected_dimension),
            ("data_version", expected_data_version),
        )
        for key, expected in checks:
            if expected is not None and params.get(key) != expected:
                raise IndexMismatch(
                    f"vector index at {directory} was built with {key}={params.get(key)!r}, "
                    f"but {key}={expected!r} is expected; rebuild it (e.g. `skillbridge index build`)"
                )
        faiss_index = faiss.read_index(str(directory / "index.faiss"))
        stored_ids = np.load(directory / "ids.npy", allow_pickle=False).tolist()
        if faiss_index.d != params["dimension"] or faiss_index.ntotal != params["count"]:
            raise IndexMismatch(
                f"{directory}: index.faiss (d={faiss_index.d}, n={faiss_index.ntotal}) disagrees with "
                f"params.json (d={params['dimension']}, n={params['count']})"
            )
        index = cls(
            faiss_index,
            kind=params["kind"],
            model=params["model"],
            dimension=params["dimension"],
            normalise=params["normalise"],
            data_version=params["data_version"],
            ann_threshold=params["ann_threshold"],
            nprobe=params["nprobe"],
            auto=params["auto"],
        )
        index._ids = [str(i) for i in stored_ids]
        index._lookup = None
        index._labels = {doc_id: label for label, doc_id in enumerate(index._ids) if doc_id}
        if len(index._labels) != params["count"]:
            raise IndexMismatch(
                f"{directory}: ids.npy holds {len(index._labels)} ids, params.json {params['count']}"
            )
        return index
