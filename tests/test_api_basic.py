"""The HTTP service over a loaded sample: health, catalogue, masked worker view."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from api.settings import Settings
from data.loaders import load_frame
from data.reference import load_reference
from tests import factories


def _loaded_settings(engine: Engine, home: Path, **overrides: Any) -> Settings:
    """Load the factory sample into ``engine``; settings for an app serving it."""
    load_reference(engine)
    for kind, frame in (
        ("institutions", factories.institutions()),
        ("programmes", factories.programmes()),
        ("orders", factories.orders()),
        ("workers", factories.workers()),
    ):
        load_frame(engine, kind, frame, secret_key="s")
    url = engine.url.render_as_string(hide_password=False)
    return Settings(database_url=url, environment="test", model="hash", home=home, **overrides)


@pytest.fixture
def client(engine: Engine, tmp_path) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(_loaded_settings(engine, tmp_path / "home"))) as c:
        yield c


def test_healthz(client: TestClient) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["revision"]


def test_programme_catalogue_filters(client: TestClient) -> None:
    assert client.get("/api/v1/programmes").json()["total"] == 2
    page = client.get("/api/v1/programmes", params={"city": "1411"}).json()
    assert [p["id"] for p in page["items"]] == ["P1"]
    assert client.get("/api/v1/programmes", params={"city": "abc"}).status_code == 422


def test_worker_view_is_masked(client: TestClient) -> None:
    body = client.get("/api/v1/workers/W1").json()
    raw = factories.workers()["id_number"][0]
    assert raw not in str(body)
    assert body["id_number_masked"].count("*") == 11 and body["phone_masked"] == "138****5678"
    assert client.get("/api/v1/workers/NOPE").json()["detail"] == "未找到劳动者 NOPE"


def test_orders_show_flags(client: TestClient) -> None:
    items = client.get("/api/v1/orders").json()["items"]
    assert items[0]["flags"] == ["性别限制"]


def test_occupation_search(client: TestClient) -> None:
    body = client.get("/api/v1/occupations/search", params={"q": "招聘电焊工，包吃住", "top": 5}).json()
    assert body["query"] == "招聘电焊工，包吃住"
    assert len(body["results"]) == 5
    assert "6-18-02-04" in [r["code"] for r in body["results"]]  # 焊工
    assert client.get("/api/v1/occupations/search", params={"q": ""}).status_code == 422


def test_recommendations_over_http(client: TestClient) -> None:
    body = client.get("/api/v1/workers/W1/recommendations", params={"today": "2026-12-01"}).json()
    assert body["worker_id"] == "W1" and body["status"] in {"ok", "no_match"}
    for p in body["pathways"]:
        assert p["explanation"] and set(p["contributions"]) <= set(p["features"]) | {"kind_bonus"}
    again = client.get("/api/v1/workers/W1/recommendations", params={"today": "2026-12-01"}).json()
    assert again == body  # deterministic
    assert client.get("/api/v1/workers/NOPE/recommendations").status_code == 404
    why = client.get("/api/v1/workers/W1/why-not/O1", params={"today": "2026-12-01"})
    assert why.status_code == 200
    cands = client.get("/api/v1/orders/O1/candidates", params={"today": "2026-12-01"}).json()
    assert "W2" not in str(cands)  # W2 did not consent to share
    assert factories.workers()["id_number"][0] not in str(cands)


def test_openapi_documents_typed_recommender_responses(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert {"RecommendationOut", "PathwayOut", "CandidatesOut", "WhyNotOut"} <= set(schemas)


def _pathway_programmes(client: TestClient) -> set[str | None]:
    body = client.get("/api/v1/workers/W1/recommendations", params={"today": "2026-12-01", "top": 50})
    assert body.status_code == 200
    return {p["programme_id"] for p in body.json()["pathways"]}


def _new_programme() -> Any:
    """A 砌筑工 course one level above W1's certificate, at P1's institution near W1's home (W1 is
    already certified for P1's level, so before this import W1 has no pathway at all)."""
    return (
        factories.programmes()
        .head(1)
        .with_columns(
            id=pl.lit("P3"),
            title=pl.lit("砌筑工（中级）技能提升"),
            level=pl.lit("4"),
            training_type=pl.lit("岗位技能提升培训"),
            start_date=pl.lit("2027-01-10"),
        )
    )


@pytest.mark.parametrize("interval", [0.0, 3600.0])
def test_running_server_sees_a_catalogue_import(engine: Engine, tmp_path, interval: float) -> None:  # type: ignore[no-untyped-def]
    """An import beside a running server (``skillbridge load``) reaches its recommendations at
    the next check — and not before: with an hour's interval the server keeps what it read."""
    settings = _loaded_settings(engine, tmp_path / "home", catalogue_check_seconds=interval)
    with TestClient(create_app(settings)) as c:
        before = _pathway_programmes(c)
        assert "P3" not in before
        load_frame(engine, "programmes", _new_programme(), secret_key="s")
        after = _pathway_programmes(c)
        if interval == 0:
            assert "P3" in after
            why = c.get("/api/v1/workers/W1/why-not/P3", params={"today": "2026-12-01"}).json()
            assert why["item_id"] == "P3"
            # an edit is seen too: the course is full now
            load_frame(
                engine, "programmes", _new_programme().with_columns(seats_left=pl.lit("0")), secret_key="s"
            )
            assert "P3" not in _pathway_programmes(c)
        else:
            assert after == before


def test_a_failed_catalogue_reread_keeps_serving(engine: Engine, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from api.services.recommend import Recommender

    settings = _loaded_settings(engine, tmp_path / "home", catalogue_check_seconds=0)
    with TestClient(create_app(settings)) as c:
        before = _pathway_programmes(c)

        def broken(self: Recommender) -> None:
            raise RuntimeError("database gone")

        monkeypatch.setattr(Recommender, "refresh", broken)
        load_frame(engine, "programmes", _new_programme(), secret_key="s")
        assert _pathway_programmes(c) == before
