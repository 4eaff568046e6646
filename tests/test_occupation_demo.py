"""The demo's bricklayer (issue 15): a worker registered as "在工地干过十年瓦工，会贴砖", with no
desired occupation, gets a first pathway in his own trade — 砌筑工 or 镶贴工 (装饰装修工) — on the
shipped default (shipped catalogue, derived artefacts, lexicon; the fake encoder, so skill
recognition is lexical), on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select, update

from data.db.models import Certificate, Order, Programme, Worker
from data.db.session import transaction
from tests.apps import TODAY, engine_of
from tests.auth_helpers import sign_in

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
    sign_in(world_client)
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
    # two trades named, two trades found: close scores, so the recogniser names neither alone
    assert body["abstain"] is True
    assert "砌筑工" in body["reason"] and "装饰装修工" in body["reason"]


def test_search_decides_on_a_clear_title(world_client: TestClient) -> None:
    body = world_client.get("/api/v1/occupations/search", params={"q": "外卖骑手"}).json()
    assert body["results"][0]["code"] == "4-10-08-01"
    assert body["abstain"] is False and body["reason"] is None


def test_search_abstains_on_a_text_without_an_occupation(world_client: TestClient) -> None:
    r = world_client.get("/api/v1/occupations/search", params={"q": "你好，请问"})
    body = r.json()
    assert body["abstain"] is True
    assert body["reason"]


@pytest.fixture(scope="module")
def e5_recogniser(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The shipped default's recogniser with the real e5-small over the shipped catalogue.
    ``SKILLBRIDGE_TEST_EMBEDDING_CACHE`` may name an embedding cache directory to reuse."""
    from api.services.recommend.skills import SkillRecogniser
    from data.db.session import make_engine, upgrade
    from data.reference import load_reference
    from embeddings.encoder import load_encoder

    root = tmp_path_factory.mktemp("e5-demo")
    engine = make_engine(f"sqlite:///{root / 'db.sqlite'}")
    upgrade(engine)
    load_reference(engine)
    encoder = load_encoder("e5-small", Path(os.environ.get("SKILLBRIDGE_TEST_MODELS", "var/models")))
    cache = Path(os.environ.get("SKILLBRIDGE_TEST_EMBEDDING_CACHE", root / "cache"))
    recogniser = SkillRecogniser.build(engine, encoder, cache)
    engine.dispose()
    return recogniser


@pytest.mark.slow
def test_the_bricklayer_is_recognised_with_the_real_model(e5_recogniser) -> None:  # type: ignore[no-untyped-def]
    """What decides the demo's first pathway with the real model: the recognised skills."""
    skills, wishes = e5_recogniser.recognise(["在工地干过十年瓦工，会贴砖"])[0]
    assert skills and skills <= OWN_TRADE and not wishes
    assert sorted(c for c, _, _ in e5_recogniser.search("会砌墙、贴瓷砖", 2)[0]) == sorted(OWN_TRADE)
    for query, code in (("保姆", "4-10-01-06"), ("外卖骑手", "4-10-08-01"), ("开叉车", "6-30-05-01")):
        assert e5_recogniser.search(query, 1)[0][0][0] == code
