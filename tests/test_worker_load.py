"""The one-worker loader of the request path (``records.load_worker``) builds exactly the record
the bulk loader (``records.load_workers``) builds, for every worker of the synthetic world, on
both databases; with graduation facts, rejected and non-training claims and a deactivated worker
added so that every filter and ordering of the two paths is exercised."""

from __future__ import annotations

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from api.services.records import load_region_names, load_worker, load_workers
from data.db.models import SubsidyClaim, Worker
from tests.subsidy_factories import add_group

GRADUATE = "高校毕业生"


def _vary(engine: Engine) -> tuple[str, str, str]:
    """Adds what the synthetic world lacks; returns (graduate, rejected claim's worker, inactive)."""
    with Session(engine) as s, s.begin():
        ids = list(s.scalars(select(Worker.id).order_by(Worker.id)))
        graduate, inactive = ids[3], ids[-1]
        add_group(s, graduate, GRADUATE, graduation_year=2024, version=1)
        add_group(s, graduate, GRADUATE, graduation_year=2025, version=2)
        add_group(s, graduate, GRADUATE, graduation_year=None, version=3)
        add_group(s, ids[4], GRADUATE, graduation_year=2023, version=1)
        claims = list(s.scalars(select(SubsidyClaim).order_by(SubsidyClaim.id)))
        assert len(claims) >= 2, "the synthetic world has past claims"
        claims[0].status = "驳回"
        claims[1].counts_as_training = False
        rejected = claims[0].worker_id
        s.execute(update(Worker).where(Worker.id == inactive).values(active=False))
    return graduate, rejected, inactive


def test_load_worker_equals_load_workers_for_every_worker(world_engine: Engine) -> None:
    graduate, rejected, inactive = _vary(world_engine)
    with Session(world_engine) as s:
        regions = load_region_names(s)
        bulk = {r.id: r for _, r in load_workers(s, regions)}
        all_ids = list(s.scalars(select(Worker.id).order_by(Worker.id)))
        single = {i: load_worker(s, regions, i) for i in all_ids}
    assert len(all_ids) == 300
    assert single.pop(inactive) is None
    assert inactive not in bulk
    assert single == bulk
    assert single[graduate] is not None and single[graduate].graduation_year == 2025
    assert sum(1 for r in bulk.values() if r.certificates) > 0
    assert sum(1 for r in bulk.values() if r.past_claims) > 0
    assert sum(1 for r in bulk.values() if r.desired_city is not None) > 0
    assert rejected in bulk


def test_load_worker_unknown_id_is_none(world_engine: Engine) -> None:
    with Session(world_engine) as s:
        assert load_worker(s, load_region_names(s), "W-NOPE") is None
