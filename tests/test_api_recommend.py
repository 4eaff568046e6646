"""The recommender over HTTP on the 300-worker synthetic world, on SQLite and PostgreSQL: every
worker, order and why-not answered and valid; every pathway kind and payee reached; the CLI's
``--json`` equal to the HTTP body; imports and writes visible after a refresh, never a stall."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from api.cli import main
from api.schemas.recommend import CandidatesOut, RecommendationOut, WhyNotOut
from api.settings import get_settings
from data.db.models import Order, Worker
from data.db.session import transaction
from data.loaders import load_frame
from tests import factories
from tests.apps import SECRET, TODAY, engine_of, refresh
from tests.auth_helpers import sign_in

DAY = {"today": TODAY.isoformat()}
WORKERS = [f"W{n:07d}" for n in range(1, 301)]


@pytest.fixture(autouse=True)
def _signed_in_counselor(request: pytest.FixtureRequest) -> None:
    """Every client of this file calls as a province-wide counselor (the routes' scope is tested
    in test_api_access.py)."""
    if "world_client" in request.fixturenames:
        sign_in(request.getfixturevalue("world_client"))


def _open_orders(client: TestClient) -> list[str]:
    with transaction(engine_of(client)) as s:
        return list(s.scalars(select(Order.id).where(Order.status == "open").order_by(Order.id)))


def test_every_worker_order_and_why_not_answers_200(world_client: TestClient) -> None:
    """What a counselor meets: each worker's pathways, each order's candidates and a why-not per
    worker, all 200 and valid against the documented models — and covering every pathway kind,
    every payee and both recommendation outcomes, so a schema bug on any of them fails here."""
    refresh(world_client, encode=True)  # profiles stored, as the background encoder leaves them
    kinds: Counter[str] = Counter()
    payees: Counter[str | None] = Counter()
    statuses: Counter[str] = Counter()
    programmes = []
    for wid in WORKERS:
        r = world_client.get(f"/api/v1/workers/{wid}/recommendations", params=DAY)
        assert r.status_code == 200, (wid, r.text[:300])
        body = RecommendationOut.model_validate(r.json())
        statuses[body.status] += 1
        for p in body.pathways:
            kinds[p.kind] += 1
            payees[p.payee] += 1
            assert (p.payee is None) == (p.programme_id is None)
        programmes.append(
            body.pathways[0].programme_id if body.pathways and body.pathways[0].programme_id else "P000001"
        )
    assert set(kinds) == {"job", "train_then_job", "train", "start_up"}, kinds
    # who receives the training subsidy, over the 300 workers' pathways: the worker, nobody, no
    # course (a job) — and the enterprise that trains its hire at its own cost (直补企业).
    # One pathway of these 1,407 sits on a near-tie that the embedding's last float bits decide, and
    # those differ between CPUs: the same commit gives none 775 / worker 419 on some machines (stop
    # 19's CI, stop 21's) and 774 / 420 on others (stop 20's machine and CI). So the split between
    # "none" and "worker" is pinned to within 2; the job pathways (no payee) are exact.
    assert set(payees) == {"none", "worker", "enterprise", None}, payees
    assert (payees[None], payees["enterprise"]) == (127, 86), payees
    assert abs(payees["none"] - 775) <= 2 and abs(payees["worker"] - 419) <= 2, payees
    assert payees["none"] + payees["worker"] == 1194, payees
    assert set(statuses) == {"ok", "needs_profile", "no_match"} and statuses["ok"] >= 150, statuses
    with_candidates = 0
    for oid in _open_orders(world_client):
        r = world_client.get(f"/api/v1/orders/{oid}/candidates", params=DAY)
        assert r.status_code == 200, (oid, r.text[:300])
        with_candidates += bool(CandidatesOut.model_validate(r.json()).candidates)
    assert with_candidates >= 50
    for wid, pid in zip(WORKERS, programmes, strict=True):
        r = world_client.get(f"/api/v1/workers/{wid}/why-not/{pid}", params=DAY)
        assert r.status_code == 200, (wid, pid, r.text[:300])
        WhyNotOut.model_validate(r.json())


def test_answers_are_deterministic(world_client: TestClient) -> None:
    for wid in WORKERS[:30]:
        first = world_client.get(f"/api/v1/workers/{wid}/recommendations", params=DAY).json()
        assert world_client.get(f"/api/v1/workers/{wid}/recommendations", params=DAY).json() == first


def test_many_concurrent_requests_never_exhaust_the_connection_pool(world_client: TestClient) -> None:
    """60 requests at once, more than the pool's 30 connections: each handler held its session's
    connection while the recommender waited for a second one, so with 40 handler threads the pool
    ran dry and every request got a 503 after the pool's 30-s timeout (found by the HTTP bench)."""
    ids = WORKERS[:60]
    want = {w: world_client.get(f"/api/v1/workers/{w}/recommendations", params=DAY).json() for w in ids}
    got: dict[str, tuple[int, object]] = {}
    barrier = threading.Barrier(len(ids))

    def ask(wid: str) -> None:
        barrier.wait()
        r = world_client.get(f"/api/v1/workers/{wid}/recommendations", params=DAY)
        got[wid] = (r.status_code, r.json())

    threads = [threading.Thread(target=ask, args=(w,)) for w in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)  # only against a hang
    assert {w: code for w, (code, _) in got.items()} == dict.fromkeys(ids, 200)
    assert {w: body for w, (_, body) in got.items()} == want


def test_unknown_ids_say_which_kind(world_client: TestClient) -> None:
    r = world_client.get("/api/v1/workers/W9999999/recommendations", params=DAY)
    assert r.status_code == 404 and r.json()["detail"] == "未找到劳动者 W9999999"
    r = world_client.get("/api/v1/orders/O999999/candidates", params=DAY)
    assert r.status_code == 404 and r.json()["detail"] == "未找到用工订单 O999999"
    r = world_client.get("/api/v1/workers/W0000001/why-not/P999999", params=DAY)
    assert r.status_code == 404 and r.json()["detail"] == "未找到培训项目或用工订单 P999999"


def test_cli_json_equals_the_http_body(world_client: TestClient, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """One source of truth for the shape: the CLI prints the service's response models."""
    url = engine_of(world_client).url.render_as_string(hide_password=False)
    monkeypatch.setenv("SKILLBRIDGE_HOME", str(tmp_path / "cli-home"))
    monkeypatch.setenv("SKILLBRIDGE_DATABASE_URL", url)
    monkeypatch.setenv("SKILLBRIDGE_MODEL", "hash")
    monkeypatch.setenv("SKILLBRIDGE_SECRET_KEY", SECRET)
    get_settings.cache_clear()
    try:
        refresh(world_client, encode=True)
        oid = _open_orders(world_client)[0]
        pairs = [
            (["recommend", "--worker", "W0000004", "--json"], "/api/v1/workers/W0000004/recommendations"),
            (
                ["recommend", "--worker", "W0000007", "--top", "3", "--json"],
                "/api/v1/workers/W0000007/recommendations?top=3",
            ),
            (["candidates", "--order", oid, "--json"], f"/api/v1/orders/{oid}/candidates"),
            (
                ["why-not", "--worker", "W0000004", "--item", "P000001", "--json"],
                "/api/v1/workers/W0000004/why-not/P000001",
            ),
        ]
        for args, path in pairs:
            result = CliRunner().invoke(main, [*args, "--today", TODAY.isoformat()])
            assert result.exit_code == 0, result.output
            http = world_client.get(path, params=DAY)
            assert http.status_code == 200
            assert json.loads(result.output) == http.json(), args
    finally:
        get_settings.cache_clear()


def _course_near(client: TestClient, worker_id: str) -> pl.DataFrame:
    """A new 砌筑工 course at an institution of the worker's city, starting soon."""
    from data.db.models import Institution

    with transaction(engine_of(client)) as s:
        home = s.scalar(select(Worker.home_adcode).where(Worker.id == worker_id))
        inst = s.scalar(
            select(Institution.id)
            .where(Institution.adcode.startswith(home[:4]))
            .order_by(Institution.id)
            .limit(1)
        )
    assert inst is not None
    return (
        factories.programmes()
        .head(1)
        .with_columns(
            id=pl.lit("PNEW1"),
            institution_id=pl.lit(inst),
            title=pl.lit("砌筑工（初级）新开班"),
            start_date=pl.lit("2026-12-20"),
            end_date=pl.lit("2027-01-10"),
        )
    )


def _recommended(client: TestClient, worker_id: str) -> set[str | None]:
    r = client.get(f"/api/v1/workers/{worker_id}/recommendations", params={**DAY, "top": 100})
    assert r.status_code == 200
    return {p["programme_id"] for p in r.json()["pathways"]}


def _mason(client: TestClient) -> str:
    """A worker who wants 砌筑工 (so a new 砌筑工 course near home is among their pathways)."""
    with transaction(engine_of(client)) as s:
        s.execute(
            update(Worker)
            .where(Worker.id == "W0000010")
            .values(
                skills_text="在工地干过十年瓦工，会砌墙",
                desired_occupations=["6-29-01-01"],
                max_commute_km=200,
            )
        )
    return "W0000010"


def test_an_import_is_served_after_the_next_refresh(world_client: TestClient) -> None:
    wid = _mason(world_client)
    before = _recommended(world_client, wid)
    assert before and "PNEW1" not in before
    load_frame(engine_of(world_client), "programmes", _course_near(world_client, wid), secret_key=SECRET)
    assert "PNEW1" not in _recommended(world_client, wid)  # the snapshot is immutable until swapped
    refresh(world_client)
    after = _recommended(world_client, wid)
    assert "PNEW1" in after
    why = world_client.get(f"/api/v1/workers/{wid}/why-not/PNEW1", params=DAY).json()
    assert why["item_id"] == "PNEW1" and why["passed"]
    # an edit is seen too: the course is full now
    full = _course_near(world_client, wid).with_columns(seats_left=pl.lit("0"))
    load_frame(engine_of(world_client), "programmes", full, secret_key=SECRET)
    refresh(world_client)
    assert "PNEW1" not in _recommended(world_client, wid)
    assert _recommended(world_client, wid) == before


def test_a_failed_rebuild_keeps_serving_the_last_snapshot(world_client: TestClient, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import api.services.recommend.service as service

    wid = _mason(world_client)
    before = _recommended(world_client, wid)
    assert len(before) >= 3  # a non-empty catalogue to lose

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("database gone")

    monkeypatch.setattr(service, "build_snapshot", broken)
    load_frame(engine_of(world_client), "programmes", _course_near(world_client, wid), secret_key=SECRET)
    refresh(world_client)
    assert _recommended(world_client, wid) == before
    assert world_client.get("/readyz").status_code == 200


def test_the_background_refresher_serves_an_import_without_a_request_waiting(world_apps, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """With the real refresher thread running: an import becomes visible by itself, and requests
    made meanwhile are answered from the old snapshot."""
    with world_apps.client(tmp_path, background_refresh=True, catalogue_check_seconds=0.1) as c:
        sign_in(c)
        wid = _mason(c)
        assert "PNEW1" not in _recommended(c, wid)
        load_frame(engine_of(c), "programmes", _course_near(c, wid), secret_key=SECRET)
        deadline = time.monotonic() + 120  # a hang guard only
        while "PNEW1" not in _recommended(c, wid):
            assert time.monotonic() < deadline, "the import never became visible"
            time.sleep(0.1)
        # the refresher also stored every worker's profile in the background
        deadline = time.monotonic() + 120
        while c.get("/readyz").json()["pending_profiles"] != 0:
            assert time.monotonic() < deadline, "profiles were never encoded"
            time.sleep(0.2)


def test_a_new_worker_is_matchable_at_once(world_client: TestClient) -> None:
    """Cold start: a worker imported a moment ago (no stored profile yet) gets pathways on the
    first request."""
    frame = (
        factories.workers()
        .head(1)
        .with_columns(id=pl.lit("WNEW1"), id_number=pl.lit(factories.id_number("141124", "19880808", "551")))
    )
    load_frame(engine_of(world_client), "workers", frame, secret_key=SECRET)
    r = world_client.get("/api/v1/workers/WNEW1/recommendations", params=DAY)
    assert r.status_code == 200 and r.json()["worker_id"] == "WNEW1"
    assert r.json()["status"] in {"ok", "no_match"}


@pytest.mark.parametrize(
    "path", ["/api/v1/workers/W0000001/recommendations", "/api/v1/orders/O000001/candidates"]
)
def test_top_is_bounded(world_client: TestClient, path: str) -> None:
    assert world_client.get(path, params={"top": 0}).status_code == 422
    assert world_client.get(path, params={"top": 10_000}).status_code == 422
