"""End to end on the synthetic sample world: CLI → service → indexes → pure core."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from api.cli import main
from api.services.recommend import Recommender
from api.services.recommend.views import candidates_dict
from api.settings import get_settings
from data.db.models import Certificate, Order, Programme, Worker
from data.db.session import make_engine, transaction
from embeddings.encoder import HashEncoder

TODAY = "2026-12-01"


class CountingEncoder(HashEncoder):
    """The fake encoder, counting how many texts it was asked to encode."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def encode(self, texts, *, kind="passage"):  # type: ignore[no-untyped-def]
        self.count += len(texts)
        return super().encode(texts, kind=kind)


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[Path]:  # type: ignore[no-untyped-def]
    home = tmp_path_factory.mktemp("world") / "home"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SKILLBRIDGE_HOME", str(home))
        mp.setenv("SKILLBRIDGE_MODEL", "hash")
        mp.setenv("SKILLBRIDGE_SECRET_KEY", "recommend-test")
        get_settings.cache_clear()
        runner = CliRunner()
        assert runner.invoke(main, ["db", "init"]).exit_code == 0
        result = runner.invoke(main, ["data", "synth", "--workers", "300", "--seed", "7", "--load"])
        assert result.exit_code == 0, result.output
        engine = make_engine(get_settings().resolved_database_url)
        with transaction(engine) as s:  # one worker with nothing usable in the profile
            s.execute(
                update(Worker)
                .where(Worker.id == "W0000002")
                .values(skills_text="无", work_history="", desired_occupations=[])
            )
            s.query(Certificate).filter(Certificate.worker_id == "W0000002").delete()
        engine.dispose()
        yield home
        get_settings.cache_clear()


def cli(world: Path, *args: str) -> str:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SKILLBRIDGE_HOME", str(world))
        mp.setenv("SKILLBRIDGE_MODEL", "hash")
        get_settings.cache_clear()
        result = CliRunner().invoke(main, [*args, "--today", TODAY])
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    return result.output


def _best_worker(world: Path, tmp_path: Path) -> str:
    """A worker with at least five pathways (found in-process, then checked through the CLI)."""
    engine = make_engine(f"sqlite:///{world / 'skillbridge.db'}")
    rec = Recommender.build(engine, HashEncoder(), tmp_path / "probe-indexes")
    try:
        for n in range(1, 100):
            wid = f"W{n:07d}"
            if len(rec.recommend_worker(wid, today=dt.date.fromisoformat(TODAY)).pathways) >= 5:
                return wid
    finally:
        engine.dispose()
    raise AssertionError("no worker with five pathways in the sample world")


def test_recommend_cli_text_and_json(world: Path, tmp_path: Path) -> None:
    wid = _best_worker(world, tmp_path)
    data = json.loads(cli(world, "recommend", "--worker", wid, "--json"))
    assert data["status"] == "ok"
    paths = data["pathways"]
    assert 5 <= len(paths) <= 10
    assert [p["score"] for p in paths] == sorted((p["score"] for p in paths), reverse=True)
    for p in paths:
        assert p["explanation"]
        assert abs(sum(p["contributions"].values()) - p["score"]) < 1e-3
    text = cli(world, "recommend", "--worker", wid, "--top", "3")
    assert f"劳动者 {wid} 的推荐路径" in text and "主要因素" in text
    # same input → same output, across processes' worth of rebuilding
    assert cli(world, "recommend", "--worker", wid, "--json") == cli(
        world, "recommend", "--worker", wid, "--json"
    )


def test_empty_profile_gets_asked_for_more(world: Path) -> None:
    data = json.loads(cli(world, "recommend", "--worker", "W0000002", "--json"))
    assert data["status"] == "needs_profile"
    assert data["message"] == "请补充技能和求职意向"
    assert data["pathways"] == []


def test_unknown_worker_is_a_clean_error(world: Path) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SKILLBRIDGE_HOME", str(world))
        mp.setenv("SKILLBRIDGE_MODEL", "hash")
        get_settings.cache_clear()
        result = CliRunner().invoke(main, ["recommend", "--worker", "W9999999"])
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert "未找到劳动者 W9999999" in result.output


def test_candidates_are_consenting_and_masked(world: Path, tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{world / 'skillbridge.db'}")
    with transaction(engine) as s:
        order_ids = s.scalars(select(Order.id).where(Order.status == "open").order_by(Order.id)).all()
        consent = {i: c for i, c in s.execute(select(Worker.id, Worker.consent_share))}
    rec = Recommender.build(engine, HashEncoder(), tmp_path / "indexes")
    seen = 0
    for n, oid in enumerate(order_ids[:15]):
        if n == 0:
            data = json.loads(cli(world, "candidates", "--order", oid, "--json", "--top", "20"))
        else:
            res = rec.candidates_for_order(oid, top=20, today=dt.date.fromisoformat(TODAY))
            data = candidates_dict(res)
        for c in data["candidates"]:
            seen += 1
            assert consent[c["worker_id"]]
            assert c["phone"] is None or "****" in c["phone"]
            assert c["kind"] in ("direct", "trainable")
            assert (c["programme_id"] is None) == (c["kind"] == "direct")
        scores = [c["score"] for c in data["candidates"]]
        assert scores == sorted(scores, reverse=True)
    assert seen > 0
    engine.dispose()


def test_why_not(world: Path) -> None:
    engine = make_engine(f"sqlite:///{world / 'skillbridge.db'}")
    with transaction(engine) as s:
        pid = s.scalars(select(Programme.id).order_by(Programme.id)).first()
    engine.dispose()
    data = json.loads(cli(world, "why-not", "--worker", "W0000001", "--item", pid, "--json"))
    assert data["item_id"] == pid
    assert isinstance(data["score_if_passed"], float)
    assert data["passed"] == (data["exclusions"] == [])


def test_embeddings_are_stored_and_only_changes_are_encoded(world: Path, tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{world / 'skillbridge.db'}")
    index_dir = tmp_path / "indexes"
    enc = CountingEncoder()
    rec = Recommender.build(engine, enc, index_dir)
    first = enc.count
    assert first == len(rec.programmes) + len(rec.orders)
    today = dt.date.fromisoformat(TODAY)
    rec.recommend_worker("W0000001", today=today)
    assert enc.count == first + 1  # the worker, once
    rec.recommend_worker("W0000001", today=today)
    assert enc.count == first + 1  # stored, not re-encoded
    # a new process re-encodes nothing; a changed programme is encoded alone (cold start)
    enc2 = CountingEncoder()
    with transaction(engine) as s:
        s.execute(
            update(Programme).where(Programme.id == rec.programmes.records[0].id).values(title="电焊工新班")
        )
    rec2 = Recommender.build(engine, enc2, index_dir)
    assert enc2.count == 1
    rec2.recommend_worker("W0000001", today=today)
    assert enc2.count == 1
    vec = rec2.programme_vectors.vectors([rec2.programmes.records[0].id])
    assert vec.shape == (1, 384) and vec.dtype == np.float32
    # refresh() after a catalogue change picks the change up in a running service
    with transaction(engine) as s:
        s.execute(update(Order).where(Order.id == rec2.orders.records[0].id).values(required_skills="会电焊"))
    before = enc2.count
    rec2.refresh()
    assert enc2.count == before + 1
    assert rec2.orders.records[0].required_skills == "会电焊"
    engine.dispose()


def test_batch_gives_each_worker_what_a_request_gives(world: Path, tmp_path: Path) -> None:
    """The batch run (two forked processes, chunks, Parquet) writes for every worker exactly the
    pathways and scores of a single request, in rank order."""
    import polars as pl

    from api.services.recommend.batch import recommend_all

    today = dt.date.fromisoformat(TODAY)
    engine = make_engine(f"sqlite:///{world / 'skillbridge.db'}")
    try:
        rec = Recommender.build(engine, HashEncoder(), tmp_path / "batch-indexes")
        out = tmp_path / "batch.parquet"
        stats = recommend_all(rec, out, today=today, processes=2, chunk=40, progress=False)
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
                for r, p in enumerate(rec.recommend_worker(wid, today=today).pathways, 1)
            ]
            assert got.get(wid, []) == want, wid
        assert stats.no_pathway == 300 - len(got)
    finally:
        engine.dispose()


def test_top_k_is_the_head_of_the_full_ranking_for_every_worker(world: Path, tmp_path: Path) -> None:
    """The lazy top-10 (pricing subsidies only while a draft can still reach the top) returns
    exactly the first 10 of the worker's complete ranking, for every worker of the sample world —
    also where a train pathway is dropped for a better train→job on the same programme."""
    today = dt.date.fromisoformat(TODAY)
    engine = make_engine(f"sqlite:///{world / 'skillbridge.db'}")
    try:
        rec = Recommender.build(engine, HashEncoder(), tmp_path / "exact-indexes")
        for n in range(1, 301):
            wid = f"W{n:07d}"
            top = rec.recommend_worker(wid, top=10, today=today).pathways
            full = rec.recommend_worker(wid, top=10_000, today=today).pathways
            assert [(p.kind, p.programme_id, p.order_id, p.score) for p in top] == [
                (p.kind, p.programme_id, p.order_id, p.score) for p in full[:10]
            ], wid
    finally:
        engine.dispose()


def test_occupation_vector_cache_is_kept_per_model(world: Path, tmp_path: Path) -> None:
    """Switching SKILLBRIDGE_MODEL over an existing home must not meet the other model's cache
    (which refused to load, so the recommender failed to start, before caches were per model)."""
    from api.services.recommend.skills import SkillRecogniser

    class OtherModel(HashEncoder):
        name = "e5-small-occ@0123456789ab"

    engine = make_engine(f"sqlite:///{world / 'skillbridge.db'}")
    cache = tmp_path / "encoder-cache"
    try:
        first = SkillRecogniser.build(engine, HashEncoder(), cache)
        second = SkillRecogniser.build(engine, OtherModel(), cache)
        again = SkillRecogniser.build(engine, HashEncoder(), cache)
    finally:
        engine.dispose()
    assert sorted(p.name for p in cache.iterdir()) == ["e5-small-occ@0123456789ab", "hash"]
    assert first.matcher.codes == second.matcher.codes == again.matcher.codes
