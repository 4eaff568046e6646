"""The recommender service in process and through the CLI, on the 300-worker synthetic world, on
SQLite and PostgreSQL: pathways, candidates, why-not, stored profiles, batch."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, func, select, update

from api.cli import main
from api.services.recommend import Recommender
from api.services.recommend.views import candidates_out
from api.settings import get_settings
from data.db.models import Certificate, Order, ProfileEmbedding, Programme, Worker
from data.db.session import transaction
from embeddings.encoder import HashEncoder
from tests.apps import SECRET

TODAY = dt.date(2026, 12, 1)


class CountingEncoder(HashEncoder):
    """The fake encoder, counting how many texts it was asked to encode."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def encode(self, texts, *, kind="passage"):  # type: ignore[no-untyped-def]
        self.count += len(texts)
        return super().encode(texts, kind=kind)


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture
def cli(world_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator:  # type: ignore[type-arg]
    """Run ``skillbridge …`` against this test's world database (exit 0 expected unless said)."""
    monkeypatch.setenv("SKILLBRIDGE_HOME", str(tmp_path / "cli-home"))
    monkeypatch.setenv("SKILLBRIDGE_DATABASE_URL", _url(world_engine))
    monkeypatch.setenv("SKILLBRIDGE_MODEL", "hash")
    monkeypatch.setenv("SKILLBRIDGE_SECRET_KEY", SECRET)
    get_settings.cache_clear()

    def run(*args: str, code: int = 0) -> str:
        result = CliRunner().invoke(main, [*args, "--today", TODAY.isoformat()])
        assert result.exit_code == code, result.output
        return result.output

    yield run
    get_settings.cache_clear()


def _best_worker(rec: Recommender) -> str:
    for n in range(1, 100):
        wid = f"W{n:07d}"
        if len(rec.recommend_worker(wid, today=TODAY).pathways) >= 5:
            return wid
    raise AssertionError("no worker with five pathways in the sample world")


def test_recommend_cli_text_and_json(world_engine: Engine, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    wid = _best_worker(
        Recommender.build(world_engine, HashEncoder(), tmp_path / "probe", store_profiles=False)
    )
    data = json.loads(cli("recommend", "--worker", wid, "--json"))
    assert data["status"] == "ok"
    paths = data["pathways"]
    assert 5 <= len(paths) <= 10
    assert [p["score"] for p in paths] == sorted((p["score"] for p in paths), reverse=True)
    for p in paths:
        assert p["explanation"]
        assert abs(sum(p["contributions"].values()) - p["score"]) < 1e-3
    text = cli("recommend", "--worker", wid, "--top", "3")
    assert f"劳动者 {wid} 的推荐路径" in text and "主要因素" in text
    # same input → same output, in a new process' worth of loading (the profile is stored now)
    assert cli("recommend", "--worker", wid, "--json") == cli("recommend", "--worker", wid, "--json")


def test_empty_profile_gets_asked_for_more(world_engine: Engine, cli) -> None:  # type: ignore[no-untyped-def]
    with transaction(world_engine) as s:  # one worker with nothing usable in the profile
        s.execute(
            update(Worker)
            .where(Worker.id == "W0000002")
            .values(skills_text="无", work_history="", desired_occupations=[])
        )
        s.query(Certificate).filter(Certificate.worker_id == "W0000002").delete()
    data = json.loads(cli("recommend", "--worker", "W0000002", "--json"))
    assert data["status"] == "needs_profile"
    assert data["message"] == "请补充技能和求职意向"
    assert data["pathways"] == []


def test_unknown_ids_are_clean_errors_before_anything_loads(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert "未找到劳动者 W9999999" in cli("recommend", "--worker", "W9999999", code=1)
    assert "未找到用工订单 O999" in cli("candidates", "--order", "O999", code=1)
    assert "未找到培训项目或用工订单 X1" in cli("why-not", "--worker", "W0000001", "--item", "X1", code=1)
    # nothing was built for the unknown ids: no index directory, no model
    assert not (tmp_path / "cli-home" / "indexes").exists()


def test_candidates_are_consenting_and_masked(world_engine: Engine, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with transaction(world_engine) as s:
        order_ids = s.scalars(select(Order.id).where(Order.status == "open").order_by(Order.id)).all()
        consent = {i: c for i, c in s.execute(select(Worker.id, Worker.consent_share))}
    rec = Recommender.build(world_engine, HashEncoder(), tmp_path / "indexes")
    rec.sync_workers()
    seen = 0
    for n, oid in enumerate(order_ids[:15]):
        if n == 0:
            data = json.loads(cli("candidates", "--order", oid, "--json", "--top", "20"))
        else:
            data = candidates_out(rec.candidates_for_order(oid, top=20, today=TODAY)).model_dump()
        for c in data["candidates"]:
            seen += 1
            assert consent[c["worker_id"]]
            assert c["phone"] is None or "****" in c["phone"]
            assert (c["programme_id"] is None) == (c["kind"] == "direct")
        scores = [c["score"] for c in data["candidates"]]
        assert scores == sorted(scores, reverse=True)
    assert seen > 0
    kinds = {
        c.kind for oid in order_ids for c in rec.candidates_for_order(oid, top=50, today=TODAY).candidates
    }
    assert kinds == {"direct", "trainable"}


def test_why_not(world_engine: Engine, cli) -> None:  # type: ignore[no-untyped-def]
    with transaction(world_engine) as s:
        pid = s.scalars(select(Programme.id).order_by(Programme.id)).first()
    data = json.loads(cli("why-not", "--worker", "W0000001", "--item", pid, "--json"))
    assert data["item_id"] == pid and data["item_kind"] == "programme"
    assert isinstance(data["score_if_passed"], float)
    assert data["passed"] == (data["exclusions"] == [])


def test_profiles_are_stored_and_only_changes_are_encoded(world_engine: Engine, tmp_path: Path) -> None:
    index_dir = tmp_path / "indexes"
    enc = CountingEncoder()
    rec = Recommender.build(world_engine, enc, index_dir)
    first = enc.count
    assert first == len(rec.programmes) + len(rec.orders)
    rec.recommend_worker("W0000001", today=TODAY)
    assert enc.count == first + 1  # the worker's profile, once
    rec.recommend_worker("W0000001", today=TODAY)
    assert enc.count == first + 1  # stored, not re-encoded
    # a new process re-encodes nothing; a changed programme is encoded alone (cold start)
    enc2 = CountingEncoder()
    with transaction(world_engine) as s:
        s.execute(
            update(Programme).where(Programme.id == rec.programmes.records[0].id).values(title="电焊工新班")
        )
    rec2 = Recommender.build(world_engine, enc2, index_dir)
    assert enc2.count == 1
    rec2.recommend_worker("W0000001", today=TODAY)
    assert enc2.count == 1
    vec = rec2.snapshot.programme_vectors.vectors([rec2.programmes.records[0].id])
    assert vec.shape == (1, 384) and vec.dtype == np.float32
    # refresh() after a catalogue change picks the change up
    with transaction(world_engine) as s:
        s.execute(update(Order).where(Order.id == rec2.orders.records[0].id).values(required_skills="会电焊"))
    before = enc2.count
    assert rec2.refresh_if_changed()
    assert enc2.count == before + 1
    assert rec2.orders.records[0].required_skills == "会电焊"
    assert not rec2.refresh_if_changed()  # nothing new


def test_pending_profiles_are_encoded_in_bounded_batches(world_engine: Engine, tmp_path: Path) -> None:
    enc = CountingEncoder()
    rec = Recommender.create(world_engine, enc, tmp_path / "indexes")
    rec.refresh()
    # the service syncs its worker index before any profile is stored (a fresh world): that must
    # keep working, and later pick up every profile
    for _ in range(3):
        assert rec.worker_index.sync(world_engine) == 0
    assert rec.worker_index.complete
    encoded_catalogue = enc.count
    batches = []
    while n := rec.encode_pending(limit=64):
        batches.append(n)
    assert sum(batches) == 300 and max(batches) == 64
    assert enc.count == encoded_catalogue + 300
    with transaction(world_engine) as s:
        assert s.scalar(select(func.count()).select_from(ProfileEmbedding)) == 300
        assert rec.store.pending_count(s, rec.snapshot.skills.fingerprint) == 0
        # an edit makes that one profile pending again
        s.execute(update(Worker).where(Worker.id == "W0000005").values(skills_text="会开挖掘机，干过三年"))
    with transaction(world_engine) as s:
        assert rec.store.pending_count(s, rec.snapshot.skills.fingerprint) == 1
    assert rec.encode_pending() == 1 and enc.count == encoded_catalogue + 301
    assert rec.encode_pending() == 0
    # the worker index picks up every stored profile
    rec.sync_workers()
    assert len(rec.worker_index) == 300


def test_stored_and_derived_profiles_rank_alike(world_engine: Engine, tmp_path: Path) -> None:
    """A worker whose profile is not stored yet gets exactly the pathways they get once it is."""
    rec = Recommender.build(world_engine, HashEncoder(), tmp_path / "indexes", store_profiles=False)
    before = [rec.recommend_worker(f"W{n:07d}", today=TODAY) for n in range(1, 41)]
    rec.sync_workers()
    after = [rec.recommend_worker(f"W{n:07d}", today=TODAY) for n in range(1, 41)]
    assert before == after


def test_a_request_derives_one_missing_profile_at_a_time_and_defers_the_rest(
    world_engine: Engine, tmp_path: Path
) -> None:
    """In a server (profiles not stored by requests), a request for a worker without a stored
    profile derives it only when no other request of the process is deriving one; otherwise it
    waits ``inline_wait_seconds`` and answers 503 with Retry-After, holding no connection."""
    from api.errors import NotReady

    wid = _best_worker(Recommender.build(world_engine, HashEncoder(), tmp_path / "a", store_profiles=False))
    enc = CountingEncoder()
    rec = Recommender.build(world_engine, enc, tmp_path / "indexes", store_profiles=False)
    rec.inline_wait_seconds = 0.0
    catalogue = enc.count
    assert rec._inline_slot.acquire()  # another request is deriving a profile
    try:
        with pytest.raises(NotReady) as err:
            rec.recommend_worker(wid, today=TODAY)
        assert err.value.retry_after == 2 and "推荐正在生成" in err.value.message
        assert enc.count == catalogue  # nothing was encoded for the deferred request
    finally:
        rec._inline_slot.release()
    held: list[int] = []
    encode = enc.encode
    enc.encode = lambda texts, *, kind="passage": (
        held.append(world_engine.pool.checkedout()),
        encode(texts, kind=kind),
    )[1]  # type: ignore[method-assign,attr-defined]  # noqa: E501
    first = rec.recommend_worker(wid, today=TODAY)
    assert held == [0]  # the encode ran with no database connection checked out
    assert enc.count == catalogue + 1 and first.pathways
    # derived once, remembered: the next request neither encodes nor waits for the slot
    assert rec._inline_slot.acquire()
    try:
        assert rec.recommend_worker(wid, today=TODAY) == first
    finally:
        rec._inline_slot.release()
    assert enc.count == catalogue + 1


def test_batch_gives_each_worker_what_a_request_gives(world_engine: Engine, tmp_path: Path) -> None:
    """The batch run (two forked processes, chunks, Parquet) writes for every worker exactly the
    pathways and scores of a single request, in rank order."""
    import polars as pl

    from api.services.recommend.batch import recommend_all

    rec = Recommender.build(world_engine, HashEncoder(), tmp_path / "batch-indexes")
    out = tmp_path / "batch.parquet"
    stats = recommend_all(rec, out, today=TODAY, processes=2, chunk=40, progress=False)
    frame = pl.read_parquet(out)
    assert stats.workers == 300 and stats.rows == frame.height
    got: dict[str, list[tuple[object, ...]]] = {}
    for row in frame.iter_rows(named=True):
        got.setdefault(row["worker_id"], []).append(
            (row["rank"], row["kind"], row["programme_id"], row["order_id"], row["score"])
        )
    for n in range(1, 301):
        wid = f"W{n:07d}"
        want = [
            (r, p.kind, p.programme_id, p.order_id, p.score)
            for r, p in enumerate(rec.recommend_worker(wid, today=TODAY).pathways, 1)
        ]
        assert got.get(wid, []) == want, wid
    assert stats.no_pathway == 300 - len(got)


def test_batch_cli(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import polars as pl

    out = tmp_path / "b.parquet"
    text = cli("recommend-batch", "--out", str(out), "--workers-limit", "50", "--processes", "1")
    assert "50 workers" in text
    frame = pl.read_parquet(out)
    assert frame.columns == ["worker_id", "rank", "kind", "programme_id", "order_id", "score"]
    assert frame["worker_id"].n_unique() <= 50 and frame.height > 0


def test_top_k_is_the_head_of_the_full_ranking_for_every_worker(world_engine: Engine, tmp_path: Path) -> None:
    """The lazy top-10 (pricing subsidies only while a draft can still reach the top) returns
    exactly the first 10 of the worker's complete ranking, for every worker of the world."""
    rec = Recommender.build(world_engine, HashEncoder(), tmp_path / "exact-indexes")
    for n in range(1, 301):
        wid = f"W{n:07d}"
        top = rec.recommend_worker(wid, top=10, today=TODAY).pathways
        full = rec.recommend_worker(wid, top=10_000, today=TODAY).pathways
        assert [(p.kind, p.programme_id, p.order_id, p.score) for p in top] == [
            (p.kind, p.programme_id, p.order_id, p.score) for p in full[:10]
        ], wid


def test_two_processes_on_one_home_publish_the_same_indexes(world_engine: Engine, tmp_path: Path) -> None:
    """Indexes are published as immutable, content-named directories: a second builder on the
    same home (another server process) finds them and encodes nothing."""
    index_dir = tmp_path / "shared-home"
    first = Recommender.build(world_engine, CountingEncoder(), index_dir)
    enc = CountingEncoder()
    second = Recommender.build(world_engine, enc, index_dir)
    assert enc.count == 0
    root = index_dir / "recommend" / "programmes"
    assert (root / "CURRENT").read_text() == f"vectors-{second.snapshot.programme_vectors.version}"
    assert [p.name for p in root.iterdir() if p.name.startswith(".")] == []  # no temporary left
    assert first.recommend_worker("W0000003", today=TODAY) == second.recommend_worker("W0000003", today=TODAY)


def test_occupation_vector_cache_is_kept_per_model(world_engine: Engine, tmp_path: Path) -> None:
    """Switching SKILLBRIDGE_MODEL over an existing home must not meet the other model's cache."""
    from api.services.recommend.skills import SkillRecogniser

    class OtherModel(HashEncoder):
        name = "e5-small-occ@0123456789ab"

    cache = tmp_path / "encoder-cache"
    first = SkillRecogniser.build(world_engine, HashEncoder(), cache)
    second = SkillRecogniser.build(world_engine, OtherModel(), cache)
    again = SkillRecogniser.build(world_engine, HashEncoder(), cache)
    assert sorted(p.name for p in cache.iterdir()) == ["e5-small-occ@0123456789ab", "hash"]
    assert first.matcher.codes == second.matcher.codes == again.matcher.codes
    assert first.fingerprint == again.fingerprint != second.fingerprint
