"""The demo's bricklayer (issue 15): a worker registered as "在工地干过十年瓦工，会贴砖", with no
desired occupation, gets a first pathway in his own trade — 砌筑工 or 镶贴工 (装饰装修工) — on the
shipped default (shipped catalogue, derived artefacts, lexicon; the fake encoder, so skill
recognition is lexical), on SQLite and PostgreSQL."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import delete, select, update

from data.db.models import Certificate, Order, Programme, Worker
from data.db.session import transaction
from tests.apps import TODAY, engine_of

OWN_TRADE = {"6-29-01-01", "6-29-04-01"}  # 砌筑工, 装饰装修工 (工种 镶贴工)


def test_the_bricklayers_first_pathway_is_in_his_trade(world_client: TestClient) -> None:
    engine = engine_of(world_client)
    with transaction(engine) as s:
        s.execute(
            update(Worker)
            .where(Worker.id == "W0000010")
            .values(
                skills_text="在工地干过十年瓦工，会贴砖",
                work_history="",
                desired_occupations=[],
                max_commute_km=300,
            )
        )
        s.execute(delete(Certificate).where(Certificate.worker_id == "W0000010"))
    r = world_client.get(
        "/api/v1/workers/W0000010/recommendations", params={"today": TODAY.isoformat(), "top": 3}
    )
    assert r.status_code == 200, r.text
    first = r.json()["pathways"][0]
    with transaction(engine) as s:
        if first["programme_id"] is not None:
            code = s.scalar(select(Programme.occupation_code).where(Programme.id == first["programme_id"]))
        else:
            code = s.scalar(select(Order.occupation_code).where(Order.id == first["order_id"]))
    assert code in OWN_TRADE, (code, first["explanation"])


def test_the_readme_example_is_searched_to_both_trades(world_client: TestClient) -> None:
    r = world_client.get("/api/v1/occupations/search", params={"q": "会砌墙、贴瓷砖", "top": 2})
    assert r.status_code == 200
    body = r.json()
    assert sorted(hit["code"] for hit in body["results"]) == sorted(OWN_TRADE)
    assert body["abstain"] is False and body["reason"] is None


def test_search_abstains_on_a_text_without_an_occupation(world_client: TestClient) -> None:
    r = world_client.get("/api/v1/occupations/search", params={"q": "你好，请问"})
    body = r.json()
    assert body["abstain"] is True
    assert body["reason"]
