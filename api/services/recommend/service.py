"""The recommender service: a stored worker's pathways, an order's candidates, and "why not".

:class:`Recommender` answers requests against the current :class:`CatalogueSnapshot` (held by a
:class:`SnapshotHolder`; a request takes the reference once and never waits for a rebuild) and the
worker profiles stored in the database (:mod:`api.services.recommend.profiles`). A request:

1. loads the worker (with certificates and past claims) and their stored profile;
2. uses the stored embedding and recognised occupations when they were computed from the current
   profile text, and otherwise derives this one profile now (one short encode; the background
   encoder stores it, or the request does when ``store_profiles`` is set, as the CLI does);
3. retrieves candidates: dense nearest programmes and orders in the shared vector space, BM25 on
   the profile text, and programmes of the worker's occupations (inside the core);
4. ranks them with :func:`matcher.pathways.recommend` under the worker's city weights and the
   policy of each programme's city in force on its start date.

In the server a :class:`~api.services.recommend.refresher.Refresher` builds snapshots and encodes
pending profiles in the background; the CLI and tests build synchronously (:meth:`Recommender.build`).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy.orm import Session

from api.errors import NotFound, NotReady
from api.observability import METRICS
from api.services.recommend.profiles import (
    PendingScan,
    Profile,
    ProfileStore,
    WorkerIndex,
    derive,
    encode_pending,
)
from api.services.recommend.snapshot import CatalogueSnapshot, Progress, build_snapshot
from api.services.records import (
    institution_info,
    load_worker,
    load_workers,
    masked_view,
    order_record,
    programme_record,
)
from data.db.models import Institution, Order, Programme, Worker
from embeddings.texts import order_text, worker_text
from matcher.candidates import OrderCandidates, rank_candidates
from matcher.pathways import Candidates, MatchContext, Recommendation, WorkerQuery, recommend
from matcher.types import OrderRecord, ProgrammeRecord, WorkerProfile
from matcher.whynot import WhyNot, explain_item

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from matcher.protocols import Encoder

__all__ = ["NotFound", "NotReady", "Recommender", "RetrievalSizes", "SnapshotHolder"]


@dataclass(frozen=True, slots=True)
class RetrievalSizes:
    """How many candidates each retriever contributes per request."""

    dense_programmes: int = 100
    dense_orders: int = 100
    bm25_programmes: int = 50
    bm25_orders: int = 50
    #: workers considered for one order (dense neighbours + workers of the order's occupation)
    order_pool: int = 500
    #: a clause's best occupation counts only when the runner-up scores below this share of it
    skill_margin: float = 0.7


class SnapshotHolder:
    """The reference to the current snapshot. Reading it is one attribute load; swapping it is one
    assignment, so a request sees either the old or the new snapshot, never a mix."""

    def __init__(self, snapshot: CatalogueSnapshot | None = None) -> None:
        self.current: CatalogueSnapshot | None = snapshot
        self.building: str | None = None

    def swap(self, snapshot: CatalogueSnapshot) -> None:
        self.current = snapshot


@dataclass
class Recommender:
    engine: Engine
    encoder: Encoder
    index_dir: Path
    holder: SnapshotHolder
    store: ProfileStore
    worker_index: WorkerIndex
    sizes: RetrievalSizes = field(default_factory=RetrievalSizes)
    policy_dir: Path | None = None
    ranking_dir: Path | None = None
    #: write profiles derived during a request back to the database (CLI, tests); a server leaves
    #: that to its background encoder so requests only read
    store_profiles: bool = False
    #: the day snapshots compute institutions' outcome rates as of (None: the calendar's day of
    #: each build; a pinned ``Settings.today``, or a test's day, makes them reproducible)
    today: dt.date | None = None
    scan: PendingScan = field(init=False)
    #: a request whose worker has no stored profile derives it (one encode, ~0.1–0.5 s of CPU)
    #: only while no other request of this process is deriving one; waiting longer than this
    #: many seconds for that slot it answers 503 with Retry-After instead (the background encoder
    #: stores the backlog), so a cold world never queues every request behind encodes. None
    #: waits as long as it takes (the CLI, tests).
    inline_wait_seconds: float | None = None
    _inline_slot: threading.Lock = field(default_factory=threading.Lock)
    #: profiles derived during requests, until the background encoder stores them
    _derived: OrderedDict[tuple[str, str, str], Profile] = field(default_factory=OrderedDict)
    _derived_lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.scan = PendingScan(self.store)

    # -- building -----------------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        engine: Engine,
        encoder: Encoder,
        index_dir: Path,
        *,
        sizes: RetrievalSizes | None = None,
        policy_dir: Path | None = None,
        ranking_dir: Path | None = None,
        store_profiles: bool = False,
    ) -> Recommender:
        """A recommender with no snapshot yet (build one with :meth:`refresh`, or let a refresher)."""
        store = ProfileStore(encoder.name, encoder.dimension)
        return cls(
            engine=engine,
            encoder=encoder,
            index_dir=Path(index_dir),
            holder=SnapshotHolder(),
            store=store,
            worker_index=WorkerIndex.empty(store),
            sizes=sizes or RetrievalSizes(),
            policy_dir=policy_dir,
            ranking_dir=ranking_dir,
            store_profiles=store_profiles,
        )

    @classmethod
    def build(
        cls,
        engine: Engine,
        encoder: Encoder,
        index_dir: Path,
        *,
        sizes: RetrievalSizes | None = None,
        policy_dir: Path | None = None,
        ranking_dir: Path | None = None,
        store_profiles: bool = True,
        progress: Progress | None = None,
        today: dt.date | None = None,
    ) -> Recommender:
        """A recommender with its first snapshot built now (the CLI's and the tests' way)."""
        rec = cls.create(
            engine,
            encoder,
            index_dir,
            sizes=sizes,
            policy_dir=policy_dir,
            ranking_dir=ranking_dir,
            store_profiles=store_profiles,
        )
        rec.today = today
        rec.refresh(progress=progress)
        return rec

    @property
    def snapshot(self) -> CatalogueSnapshot:
        snap = self.holder.current
        if snap is None:
            raise NotReady("服务正在准备推荐数据，请稍后再试")
        return snap

    def refresh(self, progress: Progress | None = None) -> CatalogueSnapshot:
        """Build the next snapshot from the database now and swap it in."""
        snap = build_snapshot(
            self.engine,
            self.encoder,
            self.index_dir,
            previous=self.holder.current,
            policy_dir=self.policy_dir,
            ranking_dir=self.ranking_dir,
            skill_margin=self.sizes.skill_margin,
            progress=progress,
            today=self.today,
        )
        self.holder.swap(snap)
        return snap

    def stored_version(self):  # type: ignore[no-untyped-def]
        """The database's catalogue version now (one query of aggregates)."""
        from api.services.records import catalogue_version

        with Session(self.engine) as session:
            return catalogue_version(session)

    def refresh_if_changed(self) -> bool:
        """Refresh when an import changed the programmes, orders, institutions, regions or
        occupations since the current snapshot was read."""
        current = self.holder.current
        if current is not None and self.stored_version() == current.version:
            return False
        self.refresh()
        return True

    # -- compatibility views of the current snapshot ---------------------------------------------
    @property
    def programmes(self):  # type: ignore[no-untyped-def]
        return self.snapshot.programmes

    @property
    def orders(self):  # type: ignore[no-untyped-def]
        return self.snapshot.orders

    @property
    def occupation_names(self) -> dict[str, str]:
        return self.snapshot.occupation_names

    @property
    def regions(self):  # type: ignore[no-untyped-def]
        return self.snapshot.regions

    def context(self, adcode: str, today: dt.date) -> MatchContext:
        return self.snapshot.policies.context(adcode, today)

    def worker_query(self, worker: WorkerProfile) -> WorkerQuery:
        """The ranking's view of ``worker`` (stored profile, or derived now)."""
        with Session(self.engine) as session:
            return self.query(session, self.snapshot, worker)

    # -- worker profiles ------------------------------------------------------------------------
    def encode_pending(self, limit: int = 256) -> int:
        """Store up to ``limit`` missing or stale profiles (see :func:`profiles.encode_pending`)."""
        snap = self.snapshot
        return encode_pending(
            self.engine,
            self.store,
            self.scan,
            self.encoder,
            snap.skills,
            snap.regions,
            snap.occupation_names,
            limit=limit,
        )

    def sync_workers(self, progress: Callable[[int], None] | None = None) -> int:
        """Store every missing or stale profile and load them all into the worker index (for
        reverse matching and batches); returns how many workers were handled."""
        total = 0
        while n := self.encode_pending(limit=512):
            total += n
            if progress is not None:
                progress(n)
        while not self.worker_index.complete:
            self.worker_index.sync(self.engine)
        self.worker_index.sync(self.engine)  # rows stored since the initial load finished
        return total

    def profiles_for(
        self, session: Session, snap: CatalogueSnapshot, workers: list[WorkerProfile]
    ) -> list[Profile]:
        """Each worker's profile: the stored one when computed from the current text and
        recogniser, otherwise derived now (and stored when ``store_profiles``)."""
        stored = self.store.read(session, [w.id for w in workers])
        recogniser = snap.skills.fingerprint
        out: list[Profile | None] = []
        todo: list[int] = []
        for j, w in enumerate(workers):
            p = stored.get(w.id)
            text = worker_text(w, snap.occupation_names)
            if p is not None and p.fresh_for(text, recogniser):
                out.append(p)
                continue
            key = (w.id, text, recogniser)
            with self._derived_lock:
                hit = self._derived.get(key)
            out.append(hit)
            if hit is None:
                todo.append(j)
        if todo:
            # the encode needs no database: give the connection back to the pool first
            session.close()
            fresh = self._derive_inline(
                [workers[j] for j in todo],
                snap,
                known={w.id: stored[w.id] for w in (workers[j] for j in todo) if w.id in stored},
            )
            for j, p in zip(todo, fresh, strict=True):
                out[j] = p
                self._remember(
                    (workers[j].id, worker_text(workers[j], snap.occupation_names), p.recogniser), p
                )
            if self.store_profiles:
                self._store([workers[j] for j in todo], fresh)
        return [p for p in out if p is not None]

    def _derive_inline(
        self, workers: list[WorkerProfile], snap: CatalogueSnapshot, known: dict[str, Profile]
    ) -> list[Profile]:
        """:func:`derive` in the request, one request of this process at a time (see
        ``inline_wait_seconds``)."""
        wait = -1 if self.inline_wait_seconds is None else self.inline_wait_seconds
        if not self._inline_slot.acquire(timeout=wait):
            METRICS.profiles_inline.labels("deferred").inc()
            raise NotReady("该劳动者的资料刚登记或刚修改，推荐正在生成，请几秒后再试", retry_after=2)
        try:
            profiles = derive(workers, self.encoder, snap.skills, snap.occupation_names, known=known)
        finally:
            self._inline_slot.release()
        METRICS.profiles_inline.labels("derived").inc()
        return profiles

    def _remember(self, key: tuple[str, str, str], profile: Profile) -> None:
        with self._derived_lock:
            self._derived[key] = profile
            self._derived.move_to_end(key)
            while len(self._derived) > 10_000:
                self._derived.popitem(last=False)

    def _store(self, workers: list[WorkerProfile], profiles: list[Profile]) -> None:
        from sqlalchemy import select

        with Session(self.engine) as session, session.begin():
            found = select(Worker.id, Worker.updated_at).where(Worker.id.in_([w.id for w in workers]))
            stamps = {wid: at for wid, at in session.execute(found)}
            keep = [j for j, w in enumerate(workers) if w.id in stamps]
            self.store.write(
                session,
                [workers[j] for j in keep],
                [profiles[j] for j in keep],
                [stamps[workers[j].id] for j in keep],
            )

    def query(self, session: Session, snap: CatalogueSnapshot, worker: WorkerProfile) -> WorkerQuery:
        p = self.profiles_for(session, snap, [worker])[0]
        return WorkerQuery(worker, p.vector, p.skills, p.wishes)

    # -- retrieval ------------------------------------------------------------------------------
    def retrieve(self, snap: CatalogueSnapshot, vector: np.ndarray, text: str) -> Candidates:
        """Candidate rows for one worker: dense neighbours and BM25 hits of the profile text."""
        s = self.sizes
        q = vector[None, :]
        p_ids = snap.programme_vectors.index.search(q, s.dense_programmes)[0][0].tolist()
        o_ids = snap.order_vectors.index.search(q, s.dense_orders)[0][0].tolist()
        if text:
            p_ids += snap.programme_bm25.search([text], s.bm25_programmes)[0][0].tolist()
            o_ids += snap.order_bm25.search([text], s.bm25_orders)[0][0].tolist()
        return Candidates(
            snap.programmes.rows_for([i for i in p_ids if i]), snap.orders.rows_for([i for i in o_ids if i])
        )

    def load_worker(self, session: Session, snap: CatalogueSnapshot, worker_id: str) -> WorkerProfile:
        found = load_worker(session, snap.regions, worker_id)
        if found is None:
            raise NotFound(f"未找到劳动者 {worker_id}")
        return found

    # -- requests -------------------------------------------------------------------------------
    def recommend_worker(self, worker_id: str, *, top: int = 10, today: dt.date) -> Recommendation:
        """Top pathways for a stored worker."""
        snap = self.snapshot
        with Session(self.engine) as session:
            worker = self.load_worker(session, snap, worker_id)
            q = self.query(session, snap, worker)
        text = worker_text(worker, snap.occupation_names)
        cands = self.retrieve(snap, q.embedding, text) if q.embedding is not None else Candidates()
        ctx = snap.policies.context(worker.home.adcode, today)
        return recommend(q, cands, snap.programmes, snap.orders, ctx, top)

    def order_record(self, snap: CatalogueSnapshot, order_id: str) -> OrderRecord:
        row = snap.orders.row_of.get(order_id)
        if row is not None:
            return snap.orders.records[row]
        with Session(self.engine) as session:
            o = session.get(Order, order_id)
            if o is None:
                raise NotFound(f"未找到用工订单 {order_id}")
            return order_record(o, snap.regions)

    def candidates_for_order(self, order_id: str, *, top: int = 50, today: dt.date) -> OrderCandidates:
        """Ranked consenting workers for an order: direct fits and trainable ones, among the stored
        profiles (a profile not encoded yet joins once the background encoder has stored it)."""
        snap = self.snapshot
        order = self.order_record(snap, order_id)
        if order_id in snap.order_vectors.index:
            vec = snap.order_vectors.vectors([order_id])[0]
        else:
            vec = self.encoder.encode([order_text(order, snap.occupation_names)], kind="passage")[0]
        ids = self.worker_index.neighbours(vec, self.sizes.order_pool, order.occupation_code)
        with Session(self.engine) as session:
            # only those who share their profile can be candidates (the core checks it again)
            pairs = load_workers(session, snap.regions, ids, consenting=True)
            masked = {w.id: masked_view(w, snap.regions, today) for w, _ in pairs}
            records = [r for _, r in pairs]
            stored = self.store.read(session, [r.id for r in records])
        records = [r for r in records if r.id in stored]
        queries = [
            WorkerQuery(r, stored[r.id].vector, stored[r.id].skills, stored[r.id].wishes) for r in records
        ]
        vectors = (
            np.vstack([stored[r.id].vector for r in records])
            if records
            else np.zeros((0, len(vec)), np.float32)
        )
        sims = vectors @ vec if len(records) else np.zeros(0)
        return rank_candidates(
            order,
            queries,
            snap.programmes,
            snap.policies.context(order.place.adcode, today),
            similarity=sims,
            masked=masked,
            k=top,
        )

    def find_item(
        self, snap: CatalogueSnapshot, session: Session, item_id: str
    ) -> ProgrammeRecord | OrderRecord:
        if item_id in snap.programmes.row_of:
            return snap.programmes.records[snap.programmes.row_of[item_id]]
        if item_id in snap.orders.row_of:
            return snap.orders.records[snap.orders.row_of[item_id]]
        p = session.get(Programme, item_id)
        if p is not None:
            inst = session.get(Institution, p.institution_id)
            assert inst is not None  # foreign key
            return programme_record(p, institution_info(inst), snap.regions)
        o = session.get(Order, item_id)
        if o is not None:
            return order_record(o, snap.regions)
        raise NotFound(f"未找到培训项目或用工订单 {item_id}")

    def why_not(self, worker_id: str, item_id: str, *, today: dt.date, shown: int = 10) -> WhyNot:
        """Failed filters of a programme or order for a worker and its score had it passed; for
        one that passes every filter, the place it takes in the worker's ranking (ranked from the
        same candidates as the list of ``shown`` pathways), the pathway it lost to and the
        features that decided it."""
        snap = self.snapshot
        with Session(self.engine) as session:
            worker = self.load_worker(session, snap, worker_id)
            item = self.find_item(snap, session, item_id)
            q = self.query(session, snap, worker)
        store = snap.programme_vectors if isinstance(item, ProgrammeRecord) else snap.order_vectors
        emb = store.vectors([item.id])[0] if item.id in store.index else None
        text = worker_text(worker, snap.occupation_names)
        cands = self.retrieve(snap, q.embedding, text) if q.embedding is not None else Candidates()
        ctx = snap.policies.context(worker.home.adcode, today)
        return explain_item(q, item, cands, snap.programmes, snap.orders, ctx, shown=shown, embedding=emb)
