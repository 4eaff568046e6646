"""The HTTP service over the factory sample: health and readiness, catalogue, masked worker view,
strict inputs, error bodies, metrics and the offline docs page."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests import factories
from tests.apps import settings_for
from tests.auth_helpers import sign_in


def test_healthz_and_readyz(client: TestClient) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["revision"]
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready" and ready.json()["missing"] == []


def test_readyz_is_503_until_the_first_snapshot_and_routes_say_so(sample_apps, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A fresh home with no snapshot answers at once: 503 with what is missing, never a wait."""
    from api.app import create_app

    url = sample_apps.backend.copy("sample", sample_apps.fill)
    try:
        with TestClient(create_app(settings_for(url, tmp_path / "home"))) as c:
            ready = c.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["status"] == "starting" and ready.json()["missing"]
            sign_in(c)
            rec = c.get("/api/v1/workers/W1/recommendations")
            assert rec.status_code == 503 and rec.headers["retry-after"] == "5"
            assert "请稍后再试" in rec.json()["detail"] and rec.json()["request_id"]
            assert c.get("/api/v1/programmes").status_code == 200  # the catalogue needs no snapshot
            c.app.state.refresher.run_once()  # type: ignore[attr-defined]
            assert c.get("/readyz").status_code == 200
            assert c.get("/api/v1/workers/W1/recommendations").status_code == 200
    finally:
        sample_apps.backend.drop(url)


def test_programme_catalogue_filters(client: TestClient) -> None:
    assert client.get("/api/v1/programmes").json()["total"] == 2
    page = client.get("/api/v1/programmes", params={"city": "1411"}).json()
    assert [p["id"] for p in page["items"]] == ["P1"]
    # a city's own code, as /regions lists it, means the same as its prefix
    assert [p["id"] for p in client.get("/api/v1/programmes", params={"city": "141100"}).json()["items"]] == [
        "P1"
    ]
    assert client.get("/api/v1/programmes", params={"city": "140000"}).json()["total"] == 2
    bad = client.get("/api/v1/programmes", params={"city": "abc"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["loc"] == ["query", "city"]
    assert bad.json()["errors"][0]["msg"] == "格式不正确"
    assert client.get("/api/v1/programmes", params={"open_on": "2027-01-10"}).json()["total"] == 1


def test_institutions_regions_and_orders(client: TestClient) -> None:
    inst = client.get("/api/v1/institutions").json()
    assert inst["total"] == 2 and {i["id"] for i in inst["items"]} == {"I1", "I2"}
    assert [i["id"] for i in client.get("/api/v1/institutions", params={"city": "1401"}).json()["items"]] == [
        "I2"
    ]
    regions = client.get("/api/v1/regions").json()
    assert len(regions) == 1 + 11 + 117
    assert {"adcode": "141124", "name": "临县"}.items() <= next(
        r for r in regions if r["adcode"] == "141124"
    ).items()
    orders = client.get("/api/v1/orders").json()["items"]
    assert [o["id"] for o in orders] == ["O1"] and orders[0]["flags"] == ["性别限制"]


def test_worker_views_are_masked(client: TestClient) -> None:
    sign_in(client)
    body = client.get("/api/v1/workers/W1").json()
    raw = factories.workers()["id_number"][0]
    assert raw not in str(body)
    assert body["id_number_masked"].count("*") == 11 and body["phone_masked"] == "138****5678"
    listing = client.get("/api/v1/workers").json()
    assert listing["total"] == 2 and raw not in str(listing)
    missing = client.get("/api/v1/workers/NOPE")
    assert missing.status_code == 404 and missing.json()["detail"] == "未找到劳动者 NOPE"


@pytest.mark.parametrize(
    ("params", "loc", "msg"),
    [
        ({"offset": str(2**63)}, ["query", "offset"], "不能大于2147483647"),
        ({"offset": "-1"}, ["query", "offset"], "不能小于0"),
        ({"limit": "0"}, ["query", "limit"], "不能小于1"),
        ({"open_on": "0"}, ["query", "open_on"], "日期格式应为 YYYY-MM-DD，如 2026-12-01"),
        ({"open_on": "2026-02-30"}, ["query", "open_on"], "日期不存在，请检查年月日"),
        ({"open_on": "2026/12/01"}, ["query", "open_on"], "日期格式应为 YYYY-MM-DD，如 2026-12-01"),
    ],
)
def test_strict_inputs_get_chinese_errors(client: TestClient, params: dict, loc: list, msg: str) -> None:
    r = client.get("/api/v1/programmes", params=params)
    assert r.status_code == 422
    errors = r.json()["errors"]
    assert errors[0]["loc"] == loc and errors[0]["msg"] == msg
    assert r.json()["detail"].startswith("输入有误")


def test_today_zero_is_not_1970(client: TestClient) -> None:
    sign_in(client)
    r = client.get("/api/v1/workers/W1/recommendations", params={"today": "0"})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["query", "today"]


def test_error_bodies_do_not_echo_long_ids_or_control_characters(client: TestClient) -> None:
    sign_in(client)
    long_id = "W" * 10_000
    r = client.get(f"/api/v1/workers/{long_id}")
    assert r.status_code == 422
    assert len(r.text) < 1_000
    r = client.get("/api/v1/workers/W1%0A%1Bx/recommendations")
    assert r.status_code == 422 and "\n" not in r.json()["detail"] and "\x1b" not in r.text


def test_unknown_route_and_method_answer_in_chinese(client: TestClient) -> None:
    r = client.get("/api/v1/nothing-here")
    assert r.status_code == 404 and r.json()["detail"] == "未找到所请求的地址"
    r = client.delete("/api/v1/programmes")
    assert r.status_code == 405 and r.json()["detail"] == "不支持此请求方法"


def test_an_unhandled_error_is_a_json_500_and_the_connection_stays(
    client: TestClient, monkeypatch, caplog
) -> None:  # type: ignore[no-untyped-def]
    from api.services.recommend.service import Recommender

    def broken(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    sign_in(client)
    monkeypatch.setattr(Recommender, "recommend_worker", broken)
    r = client.get("/api/v1/workers/W1/recommendations", headers={"X-Request-ID": "test-req-1"})
    assert r.status_code == 500
    assert r.json() == {
        "detail": "服务内部错误，请稍后再试；如问题持续，请提供请求编号",
        "request_id": "test-req-1",
    }
    assert r.headers["x-request-id"] == "test-req-1"
    logged = [rec for rec in caplog.records if rec.getMessage() == "unhandled error"]
    assert len(logged) == 1 and logged[0].exc_info is not None
    # the next request on the same client (connection) is answered
    assert client.get("/api/v1/programmes").status_code == 200


def test_every_response_carries_a_request_id(client: TestClient) -> None:
    r = client.get("/api/v1/programmes")
    assert re.fullmatch(r"[0-9a-f]{16}", r.headers["x-request-id"])
    assert client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"}).headers["x-request-id"] != (
        "bad id with spaces"
    )


def test_metrics_count_requests_by_route_template(client: TestClient) -> None:
    sign_in(client)
    client.get("/api/v1/workers/W1")
    client.get("/api/v1/workers/NOPE")
    text = client.get("/metrics").text
    assert (
        'skillbridge_http_requests_total{method="GET",route="/api/v1/workers/{worker_id}",status="200"}'
        in text
    )
    assert 'route="/api/v1/workers/{worker_id}",status="404"' in text
    assert "W1" not in text  # templates, never raw paths
    assert "skillbridge_snapshot_age_seconds" in text and "skillbridge_pending_profile_encodings" in text


def test_docs_page_loads_nothing_from_off_the_machine(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    urls = re.findall(r"""(?:src|href)=["']([^"']+)""", page.text)
    assert urls and all(u.startswith("/") for u in urls), urls
    for url in urls:
        assert client.get(url).status_code == 200, url
    assert "validatorUrl" in page.text


def test_openapi_documents_responses_and_errors(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    schemas = doc["components"]["schemas"]
    assert {"RecommendationOut", "PathwayOut", "CandidatesOut", "WhyNotOut", "ErrorOut"} <= set(schemas)
    route = doc["paths"]["/api/v1/workers/{worker_id}/recommendations"]["get"]["responses"]
    assert {"200", "404", "422", "503"} <= set(route)
    assert schemas["PathwayOut"]["properties"]["payee"]["anyOf"][-1] == {"type": "null"}


def test_training_types_are_the_documented_ones(client: TestClient) -> None:
    from typing import get_args

    from api.routers.catalogue import TrainingType
    from matcher.types import TRAINING_TYPES

    assert get_args(TrainingType) == TRAINING_TYPES
    assert client.get("/api/v1/programmes", params={"training_type": "就业技能培训"}).json()["total"] == 1
    r = client.get("/api/v1/programmes", params={"training_type": "学开车"})
    assert r.status_code == 422 and r.json()["errors"][0]["msg"].startswith("取值应为")


def test_an_exhausted_connection_pool_is_a_503_to_retry(client: TestClient, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Overload (every pooled connection busy past the pool's wait) is not the request's fault:
    a 503 with Retry-After, in Chinese, never a 500."""
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    from api.services.recommend.service import Recommender

    def busy(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise PoolTimeout("QueuePool limit of size 5 overflow 10 reached")

    sign_in(client)
    monkeypatch.setattr(Recommender, "recommend_worker", busy)
    r = client.get("/api/v1/workers/W1/recommendations")
    assert (r.status_code, r.headers["retry-after"]) == (503, "1")
    assert r.json()["detail"] == "服务繁忙，请稍后再试"
