"""An immutable snapshot of what the recommender ranks against, and how the next one is built.

A :class:`CatalogueSnapshot` holds the catalogue (programmes and open orders as columnar tables
with their embeddings), the faiss and BM25 indexes over them, the occupation recogniser and the
per-city policies, all read at one :class:`~api.services.records.CatalogueVersion`. Requests take
a reference to the current snapshot and never wait for a rebuild; :func:`build_snapshot` makes the
next one (encoding only new or changed texts, under a lock file so that several processes on one
home encode each text once) and the caller swaps the reference.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from api.services.recommend.index_store import EntityVectors, build_lock, lexical_index
from api.services.recommend.policies import PolicyBooks
from api.services.recommend.skills import SkillRecogniser
from api.services.records import (
    CatalogueVersion,
    RegionNames,
    catalogue_version,
    load_occupation_names,
    load_orders,
    load_programmes,
    load_region_names,
)
from embeddings.texts import order_text, programme_text
from matcher.tables import OrderTable, ProgrammeTable

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from embeddings.lexical import BM25Index
    from matcher.protocols import Encoder

__all__ = ["CatalogueSnapshot", "Progress", "build_snapshot"]

log = logging.getLogger("skillbridge.snapshot")

#: (step name in Chinese, done, total) — a build reports each step that may take a while
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, eq=False)
class CatalogueSnapshot:
    version: CatalogueVersion
    #: wall-clock time (``time.time()``) the snapshot was completed, and how long it took
    built_at: float
    build_seconds: float
    regions: RegionNames
    occupation_names: dict[str, str]
    programmes: ProgrammeTable
    orders: OrderTable
    programme_vectors: EntityVectors
    order_vectors: EntityVectors
    programme_bm25: BM25Index
    order_bm25: BM25Index
    skills: SkillRecogniser
    policies: PolicyBooks
    #: texts encoded to build it (0 when everything was stored)
    encoded: int = 0

    def age_seconds(self) -> float:
        return max(0.0, time.time() - self.built_at)


def _recogniser(engine: Engine, encoder: Encoder, root: Path, margin: float) -> SkillRecogniser:
    return SkillRecogniser.build(
        engine, None if encoder.name == "hash" else encoder, root / "encoder-cache", margin=margin
    )


def build_snapshot(
    engine: Engine,
    encoder: Encoder,
    index_dir: Path,
    *,
    previous: CatalogueSnapshot | None = None,
    policy_dir: Path | None = None,
    ranking_dir: Path | None = None,
    skill_margin: float = 0.7,
    progress: Progress | None = None,
    today: dt.date | None = None,
) -> CatalogueSnapshot:
    """Read the catalogue and build the next snapshot. ``previous`` lends what did not change (the
    occupation recogniser when the occupation catalogue is the same); stored vectors are reused
    for every text whose hash is unchanged, so a snapshot after an import encodes the new items
    only. Institutions' outcome rates are computed as of ``today`` (default: the calendar's)."""
    started = time.perf_counter()
    root = Path(index_dir) / "recommend"
    report = progress or (lambda _step, _done, _total: None)
    report("读取培训项目与用工订单", 0, 1)
    with Session(engine) as session:
        # read first: a change made while building shows as a newer version at the next check
        version = catalogue_version(session)
        regions = load_region_names(session)
        names = load_occupation_names(session)
        progs = load_programmes(session, regions, today)
        ords = load_orders(session, regions)
    report("读取培训项目与用工订单", 1, 1)
    p_ids, p_texts = [p.id for p in progs], [programme_text(p, names) for p in progs]
    o_ids, o_texts = [o.id for o in ords], [order_text(o, names) for o in ords]
    words = sorted({n for n in names.values() if len(n) >= 2})
    with build_lock(root / "build.lock"):
        pv = EntityVectors.open(root / "programmes", encoder)
        ov = EntityVectors.open(root / "orders", encoder)
        todo = [0]

        def step(name: str, total: int) -> Callable[[int], None]:
            def advance(n: int) -> None:
                todo[0] += n
                report(name, todo[0], total)

            return advance

        encoded = pv.sync(
            p_ids, p_texts, encoder, kind="passage", complete=True, progress=step("编码培训项目", len(p_ids))
        )
        todo[0] = 0
        encoded += ov.sync(
            o_ids, o_texts, encoder, kind="passage", complete=True, progress=step("编码用工订单", len(o_ids))
        )
        pv.save()
        ov.save()
        report("建立检索索引", 0, 1)
        # the previous snapshot's tokens are reusable while the user words (occupation names) hold
        same_words = previous is not None and previous.version.occupations == version.occupations
        programme_bm25 = lexical_index(
            root / "programmes",
            p_ids,
            p_texts,
            words,
            previous=previous.programme_bm25 if same_words and previous else None,
            previous_hashes=previous.programme_vectors.hashes if same_words and previous else None,
        )
        order_bm25 = lexical_index(
            root / "orders",
            o_ids,
            o_texts,
            words,
            previous=previous.order_bm25 if same_words and previous else None,
            previous_hashes=previous.order_vectors.hashes if same_words and previous else None,
        )
        report("建立检索索引", 1, 1)
        if previous is not None and previous.version.occupations == version.occupations:
            skills = previous.skills
        else:
            report("建立职业识别模型", 0, 1)
            skills = _recogniser(engine, encoder, root, skill_margin)
            report("建立职业识别模型", 1, 1)
    policies = PolicyBooks(names, policy_dir, ranking_dir)
    seconds = time.perf_counter() - started
    log.info(
        "snapshot built",
        extra={
            "programmes": len(progs),
            "orders": len(ords),
            "encoded": encoded,
            "seconds": round(seconds, 3),
        },
    )
    return CatalogueSnapshot(
        version=version,
        built_at=time.time(),
        build_seconds=seconds,
        regions=regions,
        occupation_names=names,
        programmes=ProgrammeTable.from_records(progs, pv.vectors(p_ids)),
        orders=OrderTable.from_records(ords, ov.vectors(o_ids)),
        programme_vectors=pv,
        order_vectors=ov,
        programme_bm25=programme_bm25,
        order_bm25=order_bm25,
        skills=skills,
        policies=policies,
        encoded=encoded,
    )
