"""The HTTP service over a loaded sample: health, catalogue, masked worker view."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from api.settings import Settings
from data.loaders import load_frame
from data.reference import load_reference
from tests import factories


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    load_reference(engine)
    for kind, frame in (
        ("institutions", factories.institutions()),
        ("programmes", factories.programmes()),
        ("orders", factories.orders()),
        ("workers", factories.workers()),
    ):
        load_frame(engine, kind, frame, secret_key="s")
    settings = Settings(database_url=str(engine.url.render_as_string(hide_password=False)), environment="test")
    with TestClient(create_app(settings)) as c:
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
