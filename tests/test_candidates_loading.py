"""The candidates of an order read the same workers however they are loaded, on SQLite and
PostgreSQL over the 300-worker synthetic world: the ranked candidates of fixture orders are pinned
(they were the same before the candidates' loading was batched into column queries), and each
worker record of :func:`load_workers` equals the record mapped from the ORM row with its
certificates and past claims."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, selectinload

from api.services.recommend import Recommender
from api.services.records import load_region_names, load_workers, masked_view, worker_record
from data.db.models import GroupFact, Order, SubsidyClaim, Worker
from data.db.session import transaction
from embeddings.encoder import HashEncoder
from matcher.types import PastClaim

TODAY = dt.date(2026, 12, 1)

#: (worker, kind, closing programme, score to 4 places) of the top 8 of the first twelve open orders
PINNED: dict[str, list[tuple[str, str, str | None, float]]] = {
    "O000001": [
        ("W0000151", "direct", None, 2.2504),
        ("W0000067", "direct", None, 1.9325),
        ("W0000237", "direct", None, 1.7393),
    ],
    "O000002": [("W0000039", "direct", None, 2.0519), ("W0000049", "direct", None, 1.9562)],
    "O000004": [],
    "O000005": [
        ("W0000124", "trainable", "P000024", 2.6285),
        ("W0000288", "direct", None, 2.3088),
        ("W0000148", "trainable", "P000024", 1.9591),
        ("W0000205", "trainable", "P000024", 1.9273),
        ("W0000095", "trainable", "P000024", 1.8896),
        ("W0000280", "trainable", "P000024", 1.8691),
        ("W0000039", "trainable", "P000024", 1.862),
        ("W0000151", "trainable", "P000024", 1.7848),
    ],
    "O000006": [],
    "O000007": [],
    "O000008": [],
    "O000009": [
        ("W0000202", "direct", None, 2.2652),
        ("W0000215", "trainable", "P000040", 1.0701),
        ("W0000153", "trainable", "P000040", 1.068),
        ("W0000124", "trainable", "P000040", 1.0433),
        ("W0000187", "trainable", "P000040", 1.0416),
        ("W0000036", "trainable", "P000040", 1.0148),
        ("W0000221", "trainable", "P000040", 1.0139),
        ("W0000049", "trainable", "P000040", 1.0131),
    ],
    "O000010": [],
    "O000011": [
        ("W0000124", "trainable", "P000108", 2.0558),
        ("W0000282", "trainable", "P000108", 1.5987),
        ("W0000051", "trainable", "P000108", 1.3993),
        ("W0000218", "trainable", "P000108", 1.2801),
        ("W0000212", "trainable", "P000108", 1.279),
        ("W0000154", "trainable", "P000023", 1.2726),
        ("W0000256", "trainable", "P000023", 1.2427),
        ("W0000097", "trainable", "P000023", 1.1702),
    ],
    "O000012": [
        ("W0000078", "direct", None, 1.5759),
        ("W0000074", "direct", None, 1.563),
        ("W0000288", "trainable", "P000021", 1.272),
        ("W0000051", "trainable", "P000140", 1.1892),
        ("W0000153", "trainable", "P000140", 1.1777),
        ("W0000076", "trainable", "P000140", 1.1498),
        ("W0000257", "trainable", "P000140", 1.1467),
        ("W0000217", "trainable", "P000140", 1.1457),
    ],
    "O000013": [("W0000014", "direct", None, 1.5937)],
}


def test_candidates_of_fixture_orders_are_pinned(world_engine: Engine, tmp_path: Path) -> None:
    with transaction(world_engine) as s:
        orders = s.scalars(select(Order.id).where(Order.status == "open").order_by(Order.id).limit(12)).all()
    rec = Recommender.build(world_engine, HashEncoder(), tmp_path / "indexes")
    rec.sync_workers()
    got = {
        oid: [
            (c.worker_id, c.kind, c.programme_id, round(c.score, 4))
            for c in rec.candidates_for_order(oid, top=8, today=TODAY).candidates
        ]
        for oid in orders
    }
    assert got == PINNED


def test_load_workers_maps_the_same_records_as_the_orm_rows(world_engine: Engine) -> None:
    """Every active worker's record from the column queries equals :func:`worker_record` of its
    ORM row with the certificates it holds and its live past claims; the masked view too."""
    with Session(world_engine) as session:
        regions = load_region_names(session)
        loaded = load_workers(session, regions)
        orm = list(
            session.scalars(
                select(Worker)
                .where(Worker.active)
                .options(selectinload(Worker.certificates))
                .order_by(Worker.id)
            )
        )
        claims: dict[str, list[PastClaim]] = {}
        live = select(SubsidyClaim).where(SubsidyClaim.status != "驳回", SubsidyClaim.counts_as_training)
        for c in session.scalars(live.order_by(SubsidyClaim.id)):
            claims.setdefault(c.worker_id, []).append(
                PastClaim(c.occupation_code, c.level, c.event_year, c.kind, c.work_type)
            )
        years = {
            w: y
            for w, y in session.execute(
                select(GroupFact.worker_id, GroupFact.graduation_year)
                .where(GroupFact.graduation_year.is_not(None))
                .order_by(GroupFact.worker_id, GroupFact.version)
            )
        }
        want = [worker_record(w, regions, claims.get(w.id, ()), graduation_year=years.get(w.id)) for w in orm]
        assert [r for _, r in loaded] == want
        assert [masked_view(w, regions, TODAY) for w, _ in loaded] == [
            masked_view(w, regions, TODAY) for w in orm
        ]
        assert [w.updated_at for w, _ in loaded] == [w.updated_at for w in orm]
    # the world has what the comparison is about
    assert len(want) == 300
    assert sum(bool(r.certificates) for r in want) > 20 and sum(bool(r.past_claims) for r in want) > 5
