"""The recommender service: database rows → records, candidate generation, the pure ranking core.

:class:`Recommender` is built once per process (CLI run or FastAPI lifespan) from the database, an
encoder and the index directory. It holds the catalogue as columnar tables with their stored
embeddings, the BM25 indexes and the per-city weights and subsidy policies. A request then:

1. loads the worker (with certificates and past claims) from the database;
2. takes the worker's stored embedding (encoding it once, and storing it, only if the profile
   text is new or changed — never the catalogue);
3. retrieves candidates: dense nearest programmes and orders in the shared vector space, BM25 on
   the profile text, and programmes of the worker's occupations (inside the core);
4. ranks them with :func:`matcher.pathways.recommend`, pricing each programme under the city
   policy in force on its start date (:class:`matcher.subsidy.PolicyAmounts` while ranking,
   :func:`matcher.subsidy.estimate_support`, with its reasons, for the pathways returned).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy.orm import Session

from api.services.recommend.index_store import EntityVectors, SkillCodes, lexical_index
from api.services.recommend.skills import SkillRecogniser, profile_text
from api.services.records import (
    CatalogueVersion,
    RegionNames,
    catalogue_version,
    institution_info,
    load_occupation_names,
    load_orders,
    load_programmes,
    load_region_names,
    load_workers,
    masked_view,
    order_record,
    programme_record,
)
from data.db.models import Institution, Order, Programme
from data.policy_loader import PolicyNotFound, available_cities, load_city_policy
from data.ranking_config import load_ranking_weights
from embeddings.texts import order_text, programme_text, worker_text
from matcher.candidates import OrderCandidates, rank_candidates
from matcher.pathways import Candidates, MatchContext, Recommendation, WorkerQuery, recommend
from matcher.scoring import RankingWeights
from matcher.subsidy import (
    CityPolicy,
    CityPolicyBook,
    PolicyAmounts,
    SubsidyDecision,
    city_code_of,
    estimate_support,
    unpriced,
)
from matcher.tables import OrderTable, ProgrammeTable
from matcher.types import OrderRecord, ProgrammeRecord, WorkerProfile
from matcher.whynot import WhyNot, explain_exclusion

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from embeddings.lexical import BM25Index
    from matcher.protocols import Encoder

__all__ = ["NotFound", "Recommender", "RetrievalSizes"]

NO_POLICY_REASON = "该市暂未配置补贴政策，按全额学费估算"


class NotFound(LookupError):
    """No such worker, programme or order; the message is user-facing Chinese."""


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


@dataclass
class Recommender:
    engine: Engine
    encoder: Encoder
    index_dir: Path
    regions: RegionNames
    occupation_names: dict[str, str]
    programmes: ProgrammeTable
    orders: OrderTable
    programme_vectors: EntityVectors
    order_vectors: EntityVectors
    worker_vectors: EntityVectors
    programme_bm25: BM25Index
    order_bm25: BM25Index
    skill_codes: SkillCodes
    sizes: RetrievalSizes = field(default_factory=RetrievalSizes)
    policy_dir: Path | None = None
    ranking_dir: Path | None = None
    _skills: SkillRecogniser | None = None
    _books: dict[str, CityPolicyBook | None] = field(default_factory=dict)
    _weights: dict[str, RankingWeights] = field(default_factory=dict)
    _workers_synced: bool = False
    _by_occupation: dict[str, list[str]] = field(default_factory=dict)
    _allowance_groups: frozenset[str] | None = None
    _amounts: PolicyAmounts | None = None
    #: guards the stored worker embeddings and skill codes, which a request may extend (cold start)
    _lock: threading.RLock = field(default_factory=threading.RLock)
    #: :func:`catalogue_version` of the database when the tables above were read
    version: CatalogueVersion = field(default_factory=CatalogueVersion)

    # -- building -----------------------------------------------------------------------------
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
    ) -> Recommender:
        """Load the catalogue and open orders, bring their stored embeddings and BM25 indexes up
        to date (encoding only new or changed texts) and save them under ``index_dir/recommend``."""
        root = Path(index_dir) / "recommend"
        with Session(engine) as session:
            # read first: a change made while building shows as a newer version at the next check
            version = catalogue_version(session)
            regions = load_region_names(session)
            names = load_occupation_names(session)
            progs = load_programmes(session, regions)
            ords = load_orders(session, regions)
        p_ids, p_texts = [p.id for p in progs], [programme_text(p, names) for p in progs]
        o_ids, o_texts = [o.id for o in ords], [order_text(o, names) for o in ords]
        pv = EntityVectors.open(root / "programmes", encoder)
        pv.sync(p_ids, p_texts, encoder, kind="passage", complete=True)
        ov = EntityVectors.open(root / "orders", encoder)
        ov.sync(o_ids, o_texts, encoder, kind="passage", complete=True)
        pv.save()
        ov.save()
        words = sorted({n for n in names.values() if len(n) >= 2})
        return cls(
            engine=engine,
            encoder=encoder,
            index_dir=Path(index_dir),
            regions=regions,
            occupation_names=names,
            programmes=ProgrammeTable.from_records(progs, pv.vectors(p_ids)),
            orders=OrderTable.from_records(ords, ov.vectors(o_ids)),
            programme_vectors=pv,
            order_vectors=ov,
            worker_vectors=EntityVectors.open(root / "workers", encoder),
            programme_bm25=lexical_index(root / "programmes" / "bm25", p_ids, p_texts, words),
            order_bm25=lexical_index(root / "orders" / "bm25", o_ids, o_texts, words),
            skill_codes=SkillCodes.open(root / "workers" / "skills.json"),
            sizes=sizes or RetrievalSizes(),
            policy_dir=policy_dir,
            ranking_dir=ranking_dir,
            version=version,
        )

    def stored_version(self) -> CatalogueVersion:
        """The database's catalogue version now (one query of aggregates)."""
        with Session(self.engine) as session:
            return catalogue_version(session)

    def refresh_if_changed(self) -> bool:
        """Refresh when an import (say ``skillbridge load`` beside a running server) changed the
        programmes, orders, institutions, regions or occupations since the tables were read."""
        if self.stored_version() == self.version:
            return False
        self.refresh()
        return True

    def refresh(self) -> None:
        """Reload programmes and open orders from the database after a change (an import, a new
        order): only new or changed texts are encoded, so a new item is matchable at once."""
        fresh = Recommender.build(
            self.engine,
            self.encoder,
            self.index_dir,
            sizes=self.sizes,
            policy_dir=self.policy_dir,
            ranking_dir=self.ranking_dir,
        )
        with self._lock:
            self.regions, self.occupation_names = fresh.regions, fresh.occupation_names
            self.programmes, self.orders = fresh.programmes, fresh.orders
            self.programme_vectors, self.order_vectors = fresh.programme_vectors, fresh.order_vectors
            self.programme_bm25, self.order_bm25 = fresh.programme_bm25, fresh.order_bm25
            self._workers_synced = False
            if fresh.version.occupations != self.version.occupations:
                self._skills = None
                self.skill_codes.clear()
            self.version = fresh.version

    def save(self) -> None:
        with self._lock:
            self.worker_vectors.save()
            self.skill_codes.save()

    # -- workers: stored embeddings and recognised occupations -------------------------------------
    def _recogniser(self) -> SkillRecogniser:
        if self._skills is None:
            self._skills = SkillRecogniser.build(
                self.engine,
                None if self.encoder.name == "hash" else self.encoder,
                self.index_dir / "recommend" / "encoder-cache",
                margin=self.sizes.skill_margin,
            )
        return self._skills

    def occupation_recogniser(self) -> SkillRecogniser:
        """The occupation matcher used to read profiles, built once (also serves occupation search)."""
        with self._lock:
            return self._recogniser()

    def skills_of(self, workers: Sequence[WorkerProfile]) -> list[tuple[frozenset[str], frozenset[str]]]:
        """(skill codes, wish codes) recognised in each worker's skills text and work history,
        cached by text hash next to the stored embeddings (see :mod:`api.services.recommend.skills`)."""
        with self._lock:
            return self._skills_of(workers)

    def _skills_of(self, workers: Sequence[WorkerProfile]) -> list[tuple[frozenset[str], frozenset[str]]]:
        out: list[tuple[frozenset[str], frozenset[str]] | None] = [
            self.skill_codes.get(w.id, profile_text(w)) for w in workers
        ]
        todo = [j for j, hit in enumerate(out) if hit is None]
        if todo:
            found = self._recogniser().recognise([profile_text(workers[j]) for j in todo])
            for j, pair in zip(todo, found, strict=True):
                self.skill_codes.put(workers[j].id, profile_text(workers[j]), pair)
                out[j] = pair
        return [o if o is not None else (frozenset(), frozenset()) for o in out]

    def worker_embeddings(self, workers: Sequence[WorkerProfile]) -> np.ndarray:
        """Stored embeddings of ``workers`` (n, d) float32; a new or edited profile is encoded once."""
        ids = [w.id for w in workers]
        texts = [worker_text(w, self.occupation_names) for w in workers]
        with self._lock:
            self.worker_vectors.sync(ids, texts, self.encoder, kind="query", complete=False)
            return self.worker_vectors.vectors(ids)

    def sync_workers(self) -> int:
        """Bring every worker's stored embedding and recognised occupations up to date (for reverse
        matching). Returns how many profiles were encoded."""
        with Session(self.engine) as session:
            pairs = load_workers(session, self.regions, with_claims=False)
        records = [r for _, r in pairs]
        ids = [w.id for w in records]
        texts = [worker_text(w, self.occupation_names) for w in records]
        with self._lock:
            encoded = self.worker_vectors.sync(ids, texts, self.encoder, kind="query", complete=True)
        by_occ: dict[str, set[str]] = {}
        for w, (skills, wishes) in zip(records, self.skills_of(records), strict=True):
            codes = skills | wishes | set(w.desired_occupations) | {c.occupation_code for c in w.certificates}
            for code in codes:
                by_occ.setdefault(code, set()).add(w.id)
        self._by_occupation = {k: sorted(v) for k, v in by_occ.items()}
        self._workers_synced = True
        self.save()
        return encoded

    # -- policy and weights -------------------------------------------------------------------
    def weights_for(self, adcode: str) -> RankingWeights:
        city = city_code_of(adcode)
        if city not in self._weights:
            self._weights[city] = load_ranking_weights(city, self.ranking_dir)
        return self._weights[city]

    def _book(self, city: str) -> CityPolicyBook | None:
        if city not in self._books:
            try:
                self._books[city] = load_city_policy(city, self.policy_dir)
            except PolicyNotFound:
                self._books[city] = None
        return self._books[city]

    def policy_of(self, programme: ProgrammeRecord) -> CityPolicy | None:
        """The policy of the programme's city in force on its start date, if any."""
        book = self._book(city_code_of(programme.place.adcode))
        return book.find(programme.start_date) if book is not None else None

    def support(
        self, worker: WorkerProfile, programme: ProgrammeRecord, order: OrderRecord | None
    ) -> SubsidyDecision:
        """Subsidy estimate under the policy of the programme's city in force on its start date."""
        policy = self.policy_of(programme)
        if policy is None:
            return unpriced(programme, order, (NO_POLICY_REASON,))
        return estimate_support(worker, programme, policy, order)

    @property
    def amounts(self) -> PolicyAmounts:
        """What the ranking reads of :meth:`support`'s estimates (net cost, living allowance), from
        subsidy terms cached per programme."""
        if self._amounts is None:
            self._amounts = PolicyAmounts(self.policy_of)
        return self._amounts

    def allowance_groups(self) -> frozenset[str]:
        """Every group any city policy (any version) grants a living allowance."""
        if self._allowance_groups is None:
            groups: set[str] = set()
            for city in available_cities(self.policy_dir):
                book = self._book(city)
                for version in book.versions if book is not None else ():
                    groups |= version.living.groups
            self._allowance_groups = frozenset(groups)
        return self._allowance_groups

    def context(self, adcode: str, today: dt.date) -> MatchContext:
        groups = self.allowance_groups()
        return MatchContext(
            today,
            self.weights_for(adcode),
            self.support,
            self.occupation_names,
            allowance_possible=lambda w: bool(w.groups & groups),
            support_amounts=self.amounts,
        )

    # -- retrieval ------------------------------------------------------------------------------
    def retrieve(
        self, vector: np.ndarray, text: str, *, dense: bool = True, lexical: bool = True
    ) -> Candidates:
        """Candidate rows for one worker: dense neighbours and BM25 hits of the profile text."""
        s = self.sizes
        p_ids: list[str] = []
        o_ids: list[str] = []
        if dense:
            q = vector[None, :]
            p_ids += self.programme_vectors.index.search(q, s.dense_programmes)[0][0].tolist()
            o_ids += self.order_vectors.index.search(q, s.dense_orders)[0][0].tolist()
        if lexical and text:
            p_ids += self.programme_bm25.search([text], s.bm25_programmes)[0][0].tolist()
            o_ids += self.order_bm25.search([text], s.bm25_orders)[0][0].tolist()
        return Candidates(
            self.programmes.rows_for([i for i in p_ids if i]), self.orders.rows_for([i for i in o_ids if i])
        )

    def query(self, worker: WorkerProfile) -> WorkerQuery:
        vector = self.worker_embeddings([worker])[0]
        skills, wishes = self.skills_of([worker])[0]
        return WorkerQuery(worker, vector, skills, wishes)

    def load_worker(self, session: Session, worker_id: str) -> WorkerProfile:
        found = load_workers(session, self.regions, [worker_id])
        if not found:
            raise NotFound(f"未找到劳动者 {worker_id}")
        return found[0][1]

    # -- requests -------------------------------------------------------------------------------
    def recommend_worker(self, worker_id: str, *, top: int = 10, today: dt.date) -> Recommendation:
        """Top pathways for a stored worker."""
        with Session(self.engine) as session:
            worker = self.load_worker(session, worker_id)
        q = self.query(worker)
        text = worker_text(worker, self.occupation_names)
        cands = self.retrieve(q.embedding, text) if q.embedding is not None else Candidates()
        rec = recommend(q, cands, self.programmes, self.orders, self.context(worker.home.adcode, today), top)
        self.save()
        return rec

    def order_record(self, order_id: str) -> OrderRecord:
        row = self.orders.row_of.get(order_id)
        if row is not None:
            return self.orders.records[row]
        with Session(self.engine) as session:
            o = session.get(Order, order_id)
            if o is None:
                raise NotFound(f"未找到用工订单 {order_id}")
            return order_record(o, self.regions)

    def candidates_for_order(self, order_id: str, *, top: int = 50, today: dt.date) -> OrderCandidates:
        """Ranked consenting workers for an order: direct fits and trainable ones."""
        order = self.order_record(order_id)
        if not self._workers_synced:
            self.sync_workers()
        if order_id in self.order_vectors.index:
            vec = self.order_vectors.vectors([order_id])
        else:
            vec = self.encoder.encode([order_text(order, self.occupation_names)], kind="passage")
        found, _ = self.worker_vectors.index.search(vec, self.sizes.order_pool)
        ids = [i for i in found[0].tolist() if i]
        ids = sorted(set(ids) | set(self._by_occupation.get(order.occupation_code, ())))
        with Session(self.engine) as session:
            pairs = load_workers(session, self.regions, ids)
            masked = {w.id: masked_view(w, self.regions, today) for w, _ in pairs}
        records = [r for _, r in pairs]
        vectors = self.worker_embeddings(records)
        skills = self.skills_of(records)
        queries = [WorkerQuery(r, vectors[j], *skills[j]) for j, r in enumerate(records)]
        sims = vectors @ vec[0] if len(records) else np.zeros(0)
        return rank_candidates(
            order,
            queries,
            self.programmes,
            self.context(order.place.adcode, today),
            similarity=sims,
            masked=masked,
            k=top,
        )

    def why_not(self, worker_id: str, item_id: str, *, today: dt.date) -> WhyNot:
        """Failed filters of a programme or order for a worker, and its score had it passed."""
        with Session(self.engine) as session:
            worker = self.load_worker(session, worker_id)
            item: ProgrammeRecord | OrderRecord
            if item_id in self.programmes.row_of:
                item = self.programmes.records[self.programmes.row_of[item_id]]
            elif (p := session.get(Programme, item_id)) is not None:
                inst = session.get(Institution, p.institution_id)
                assert inst is not None  # foreign key
                item = programme_record(p, institution_info(inst), self.regions)
            else:
                item = self.order_record(item_id)
        q = self.query(worker)
        store = self.programme_vectors if isinstance(item, ProgrammeRecord) else self.order_vectors
        emb = store.vectors([item.id])[0] if item.id in store.index else None
        return explain_exclusion(q, item, self.context(worker.home.adcode, today), embedding=emb)
