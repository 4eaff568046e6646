"""Worker profiles as the recommender sees them: each worker's profile embedding and the
occupations recognised in their own words, stored in ``profile_embeddings`` (one row per worker
and encoder model) and kept up to date off the request path.

- :func:`derive` computes the rows for some workers (one batched encode, one batched recognition);
- :class:`ProfileStore` reads and upserts them;
- :class:`PendingScan` finds workers whose row is missing or stale, in bounded batches: a full
  pass by id at start (and after every bulk import of workers), then only the workers changed
  since the last pass (``workers.updated_at``, indexed), so a quiet population costs nothing;
- :class:`WorkerIndex` is a process's in-memory faiss index over every stored profile vector,
  for an order's candidates, synced incrementally from the table.

A row is stale when the worker's profile text hashes differently (``text_hash``: the vector must
be recomputed) or the occupation recogniser changed (``recogniser``: the codes must).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from api.services.recommend.index_store import text_hash
from api.services.recommend.skills import profile_text
from api.services.records import RegionNames, load_workers
from data.db.models import ImportBatch, ProfileEmbedding, Worker
from embeddings.texts import worker_text
from embeddings.vector_index import FaissIndex
from matcher.types import WorkerProfile

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from api.services.recommend.skills import SkillRecogniser
    from matcher.protocols import Encoder

__all__ = ["PendingScan", "Profile", "ProfileStore", "WorkerIndex", "derive", "occupations_of"]

#: rows changed this long before the newest change seen are looked at again (a transaction that
#: started earlier may commit later than rows it stamped)
RESCAN_MARGIN = dt.timedelta(minutes=5)
#: the same for profile rows, which only short transactions write
INDEX_MARGIN = dt.timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class Profile:
    """A worker's derived profile: ``vector`` (d,) float32 L2-normalised, recognised codes."""

    text_hash: str
    recogniser: str
    vector: np.ndarray
    skills: frozenset[str]
    wishes: frozenset[str]

    def fresh_for(self, text: str, recogniser: str) -> bool:
        return self.text_hash == text_hash(text) and self.recogniser == recogniser


def occupations_of(worker: WorkerProfile, skills: frozenset[str], wishes: frozenset[str]) -> list[str]:
    """Every occupation code a worker is linked to (for an order's reverse lookup)."""
    codes = set(skills) | set(wishes) | set(worker.desired_occupations)
    codes |= {c.occupation_code for c in worker.certificates}
    return sorted(codes)


def derive(
    workers: Sequence[WorkerProfile],
    encoder: Encoder,
    recogniser: SkillRecogniser,
    occupation_names: dict[str, str],
    *,
    known: dict[str, Profile] | None = None,
) -> list[Profile]:
    """The profiles of ``workers``: vectors encoded as queries in one batch (except where ``known``
    already holds this text's vector), codes recognised in one batch (except where ``known`` holds
    them for this text and recogniser)."""
    known = known or {}
    texts = [worker_text(w, occupation_names) for w in workers]
    hashes = [text_hash(t) for t in texts]
    old = [known.get(w.id) for w in workers]
    need_vec = [j for j, p in enumerate(old) if p is None or p.text_hash != hashes[j]]
    need_codes = [
        j for j, p in enumerate(old) if p is None or not p.fresh_for(texts[j], recogniser.fingerprint)
    ]
    vectors: dict[int, np.ndarray] = {}
    if need_vec:
        encoded = encoder.encode([texts[j] for j in need_vec], kind="query")
        vectors = {j: encoded[r] for r, j in enumerate(need_vec)}
    codes: dict[int, tuple[frozenset[str], frozenset[str]]] = {}
    if need_codes:
        found = recogniser.recognise([profile_text(workers[j]) for j in need_codes])
        codes = dict(zip(need_codes, found, strict=True))
    out = []
    for j, prev in enumerate(old):
        # what was not recomputed is known from ``prev`` (need_vec and need_codes hold every j
        # whose ``prev`` is None)
        vec = vectors[j] if prev is None or j in vectors else prev.vector
        skills, wishes = codes[j] if prev is None or j in codes else (prev.skills, prev.wishes)
        out.append(Profile(hashes[j], recogniser.fingerprint, np.asarray(vec, np.float32), skills, wishes))
    return out


_profile_rows = ProfileEmbedding.__table__.c
# built once (Core, cache key memoised): read on every recommendation request
_READ = select(
    _profile_rows.worker_id,
    _profile_rows.text_hash,
    _profile_rows.recogniser,
    _profile_rows.vector,
    _profile_rows.skill_codes,
    _profile_rows.wish_codes,
).where(
    _profile_rows.model == bindparam("model"),
    _profile_rows.worker_id.in_(bindparam("ids", expanding=True)),
)


@dataclass
class ProfileStore:
    """Rows of ``profile_embeddings`` for one encoder model."""

    model: str
    dimension: int

    def _decode(self, row: Any) -> Profile:
        """A stored row (its columns by name) as a :class:`Profile`."""
        vector = np.frombuffer(row.vector, dtype="<f4")
        if vector.shape != (self.dimension,):
            raise ValueError(f"stored profile of {row.worker_id} has {vector.size} dimensions")
        return Profile(
            row.text_hash, row.recogniser, vector, frozenset(row.skill_codes), frozenset(row.wish_codes)
        )

    def read(self, session: Session, ids: Sequence[str]) -> dict[str, Profile]:
        if not ids:
            return {}
        rows = session.connection().execute(_READ, {"model": self.model, "ids": list(ids)})
        return {r.worker_id: self._decode(r) for r in rows}

    def write(
        self,
        session: Session,
        workers: Sequence[WorkerProfile],
        profiles: Sequence[Profile],
        source_updated_at: Sequence[dt.datetime],
    ) -> None:
        """Upsert the rows of ``workers`` (in the caller's transaction)."""
        if not workers:
            return
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        rows = [
            {
                "worker_id": w.id,
                "model": self.model,
                "text_hash": p.text_hash,
                "source_updated_at": stamp,
                "vector": np.ascontiguousarray(p.vector, dtype="<f4").tobytes(),
                "recogniser": p.recogniser,
                "skill_codes": sorted(p.skills),
                "wish_codes": sorted(p.wishes),
                "occupations": occupations_of(w, p.skills, p.wishes),
                "updated_at": now,
            }
            for w, p, stamp in zip(workers, profiles, source_updated_at, strict=True)
        ]
        insert = (
            pg_insert
            if session.bind is not None and session.bind.dialect.name == "postgresql"
            else sqlite_insert
        )
        stmt = insert(ProfileEmbedding)
        columns = ("text_hash", "source_updated_at", "vector", "recogniser", "skill_codes", "wish_codes")
        stmt = stmt.on_conflict_do_update(
            index_elements=["worker_id", "model"],
            set_={c: stmt.excluded[c] for c in (*columns, "occupations", "updated_at")},
        )
        session.execute(stmt, rows)

    def stale_clause(self, recogniser: str):  # type: ignore[no-untyped-def]
        """SQL condition (over workers outer-joined to this model's rows) for "missing or stale"."""
        return or_(
            ProfileEmbedding.worker_id.is_(None),
            ProfileEmbedding.source_updated_at != Worker.updated_at,
            ProfileEmbedding.recogniser != recogniser,
        )

    def _joined(self, *columns):  # type: ignore[no-untyped-def]
        on = and_(ProfileEmbedding.worker_id == Worker.id, ProfileEmbedding.model == self.model)
        return select(*columns).select_from(Worker).outerjoin(ProfileEmbedding, on)

    def pending_count(self, session: Session, recogniser: str) -> int:
        stmt = self._joined(func.count()).where(self.stale_clause(recogniser))
        return int(session.scalar(stmt) or 0)


@dataclass
class PendingScan:
    """Where the background encoder stands: a full pass by id (``cursor``), or incremental
    (changes at or after ``high_water``). See the module docstring."""

    store: ProfileStore
    cursor: str | None = ""
    high_water: dt.datetime | None = None
    imports_seen: int | None = None
    recogniser: str = ""

    def next_batch(self, session: Session, recogniser: str, limit: int) -> list[str]:
        """Ids of up to ``limit`` workers whose profile row is missing or stale."""
        last_import = session.scalar(select(func.max(ImportBatch.id)).where(ImportBatch.kind == "workers"))
        if recogniser != self.recogniser or last_import != self.imports_seen:
            self.recogniser, self.imports_seen, self.cursor = recogniser, last_import, ""
        stale = self.store.stale_clause(recogniser)
        if self.cursor is not None:
            stmt = self.store._joined(Worker.id).where(stale, Worker.id > self.cursor).order_by(Worker.id)
            ids = list(session.scalars(stmt.limit(limit)))
            if len(ids) < limit:
                # pass complete: from now on only what changes
                newest = session.scalar(select(func.max(Worker.updated_at)))
                self.cursor, self.high_water = None, newest
            else:
                self.cursor = ids[-1]
            return ids
        if self.high_water is None:
            self.high_water = session.scalar(select(func.max(Worker.updated_at)))
            if self.high_water is None:
                return []
        since = self.high_water - RESCAN_MARGIN
        stmt = (
            self.store._joined(Worker.id, Worker.updated_at)
            .where(stale, Worker.updated_at >= since)
            .order_by(Worker.updated_at, Worker.id)
            .limit(limit)
        )
        rows = session.execute(stmt).all()
        if rows:
            self.high_water = max(self.high_water, max(r[1] for r in rows))
        return [r[0] for r in rows]


def encode_pending(
    engine: Engine,
    store: ProfileStore,
    scan: PendingScan,
    encoder: Encoder,
    recogniser: SkillRecogniser,
    regions: RegionNames,
    occupation_names: dict[str, str],
    *,
    limit: int = 256,
) -> int:
    """Bring up to ``limit`` pending profiles up to date; returns how many workers were handled
    (0: nothing pending). Reads in one session, encodes outside any transaction, writes in one."""
    with Session(engine) as session:
        ids = scan.next_batch(session, recogniser.fingerprint, limit)
        if not ids:
            return 0
        pairs = load_workers(session, regions, ids, with_claims=False)
        known = store.read(session, ids)
    workers = [r for _, r in pairs]
    stamps = [w.updated_at for w, _ in pairs]
    profiles = derive(workers, encoder, recogniser, occupation_names, known=known)
    with Session(engine) as session, session.begin():
        # a worker deleted meanwhile has no row to point at: skip it
        alive = set(session.scalars(select(Worker.id).where(Worker.id.in_([w.id for w in workers]))))
        keep = [j for j, w in enumerate(workers) if w.id in alive]
        store.write(
            session, [workers[j] for j in keep], [profiles[j] for j in keep], [stamps[j] for j in keep]
        )
    return len(ids)


@dataclass
class WorkerIndex:
    """Every stored profile vector of one model in a faiss index, with the reverse map from
    occupation code to worker ids; synced from the table by :meth:`sync`. Searches and syncs take
    a short lock of this index only (faiss is not safe to change while it is searched)."""

    store: ProfileStore
    index: FaissIndex
    by_occupation: dict[str, set[str]] = field(default_factory=dict)
    occupations: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: keyset position of the initial load: (updated_at, worker_id) of the last row read
    cursor: tuple[dt.datetime, str] | None = None
    #: the initial load is done; from then on only rows changed since ``high_water`` are read
    complete: bool = False
    high_water: dt.datetime | None = None
    #: rows applied within the re-scan window: worker id → updated_at
    recent: dict[str, dt.datetime] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def empty(cls, store: ProfileStore) -> WorkerIndex:
        return cls(store, FaissIndex.create(store.dimension, model=store.model))

    def __len__(self) -> int:
        return len(self.index)

    def __contains__(self, worker_id: object) -> bool:
        return worker_id in self.index

    def sync(self, engine: Engine, *, limit: int = 20_000) -> int:
        """Apply stored rows not yet in the index; returns how many were applied. The initial load
        reads ``limit`` rows per call (``complete`` once caught up); after it, each call reads the
        rows changed within :data:`INDEX_MARGIN` of the newest seen and applies the new ones."""
        p = ProfileEmbedding
        stmt = (
            select(p.worker_id, p.vector, p.occupations, p.updated_at)
            .where(p.model == self.store.model)
            .order_by(p.updated_at, p.worker_id)
        )
        with Session(engine) as session:
            if not self.complete:
                if self.cursor is not None:
                    at, wid = self.cursor
                    stmt = stmt.where(or_(p.updated_at > at, and_(p.updated_at == at, p.worker_id > wid)))
                rows = session.execute(stmt.limit(limit)).all()
            else:
                # no row seen yet (an empty table when the initial load ran): read them all
                if self.high_water is not None:
                    stmt = stmt.where(p.updated_at >= self.high_water - INDEX_MARGIN)
                rows = [r for r in session.execute(stmt) if self.recent.get(r[0]) != r[3]]
        if not self.complete:
            if rows:
                self.cursor = (rows[-1][3], rows[-1][0])
            if len(rows) < limit:
                self.complete = True
                self.high_water = self.cursor[0] if self.cursor is not None else None
        self._apply(rows)
        if self.complete and rows:
            self.high_water = max(self.high_water or rows[-1][3], max(r[3] for r in rows))
            for r in rows:
                self.recent[r[0]] = r[3]
            floor = self.high_water - INDEX_MARGIN
            self.recent = {k: v for k, v in self.recent.items() if v >= floor}
        return len(rows)

    def _apply(self, rows: Sequence[tuple[str, bytes, list[str], dt.datetime]]) -> None:
        if not rows:
            return
        ids = [r[0] for r in rows]
        vectors = np.vstack([np.frombuffer(r[1], dtype="<f4") for r in rows])
        with self._lock:
            self.index.add(ids, vectors)
            for worker_id, _vec, codes, _at in rows:
                for code in self.occupations.get(worker_id, ()):
                    self.by_occupation.get(code, set()).discard(worker_id)
                self.occupations[worker_id] = tuple(codes)
                for code in codes:
                    self.by_occupation.setdefault(code, set()).add(worker_id)

    def neighbours(self, vector: np.ndarray, k: int, occupation: str) -> list[str]:
        """Ids of the ``k`` stored profiles nearest to ``vector`` (d,) and of the workers linked to
        ``occupation``, sorted."""
        with self._lock:
            found, _ = self.index.search(vector[None, :], k)
            linked = set(self.by_occupation.get(occupation, ()))
        return sorted({i for i in found[0].tolist() if i} | linked)
