"""Schema migrations work both ways on SQLite and PostgreSQL; the audit log is append-only."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DBAPIError

from data.db.models import Base
from data.db.session import current_revision, downgrade, make_engine, upgrade


def _roundtrip(engine: Engine) -> None:
    downgrade(engine)
    assert current_revision(engine) is None
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    assert current_revision(engine) is not None
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())


def test_migrations_roundtrip_sqlite(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(engine)
    _roundtrip(engine)


@pytest.mark.postgres
def test_migrations_roundtrip_postgres(pg_url: str) -> None:
    engine = make_engine(pg_url)
    _roundtrip(engine)
    engine.dispose()


def test_audit_events_are_append_only(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_events (at, actor, action, entity, entity_id, payload) "
                "VALUES (CURRENT_TIMESTAMP, 'test', 'x', 'worker', 'W1', '{}')"
            )
        )
    for stmt in ("UPDATE audit_events SET actor = 'evil'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(stmt))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT actor FROM audit_events")).scalar_one() == "test"


def test_0006_gives_existing_orders_an_employer(engine: Engine) -> None:
    """Orders written before 0006 get one employer row per distinct (name, kind), with the id the
    loaders give, and keep it after a round trip down to 0005 and up again."""
    from data.credit_code import employer_id
    from data.reference import load_reference

    downgrade(engine, "0005")
    load_reference(engine)
    insert = text(
        "INSERT INTO orders (id, employer_name, employer_kind, occupation_code, head_count, adcode, "
        "lat, lon, wage_min, wage_max, start_date, requires_certificate, required_skills, "
        "employer_trains, description, flags, priority, status, updated_at) "
        "VALUES (:id, :name, :kind, '6-29-01-01', 5, :adcode, 37.8, 112.5, 5000, 7000, '2027-01-01', "
        "false, '', false, '', '[]', 0, 'open', CURRENT_TIMESTAMP)"
    )
    with engine.begin() as conn:
        for oid, name, kind, adcode in (
            ("O1", "太原建工集团", "企业", "140105"),
            ("O2", "太原建工集团", "企业", "140106"),
            ("O3", "老王装修", "个体工商户", "141124"),
        ):
            conn.execute(insert, {"id": oid, "name": name, "kind": kind, "adcode": adcode})
    upgrade(engine)
    with engine.connect() as conn:
        employers = conn.execute(text("SELECT id, name, kind, adcode FROM employers ORDER BY name")).all()
        links = dict(conn.execute(text("SELECT id, employer_id FROM orders")).all())
    big, small = employer_id("太原建工集团", "企业"), employer_id("老王装修", "个体工商户")
    assert sorted(map(tuple, employers)) == sorted(
        [(big, "太原建工集团", "企业", "140105"), (small, "老王装修", "个体工商户", "141124")]
    )
    assert links == {"O1": big, "O2": big, "O3": small}


def test_0006_round_trip_keeps_a_populated_database(engine: Engine) -> None:
    """A database with workers, programmes, orders and rows that reference them (the demo's, a
    city's) migrates 0006 down and up again: on SQLite the batch copy of ``workers`` must not trip
    the foreign keys of the rows pointing at it, and nothing is lost."""
    from tests.apps import load_factory_sample

    load_factory_sample(engine)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO certificates (worker_id, occupation_code, level, year) "
                "VALUES ('W1', '6-29-01-01', 4, 2020)"
            )
        )
    counts = (
        "SELECT (SELECT count(*) FROM workers), (SELECT count(*) FROM orders), "
        "(SELECT count(*) FROM certificates)"
    )
    with engine.connect() as conn:
        before = tuple(conn.execute(text(counts)).one())
    assert before[0] > 0 and before[2] > 1
    downgrade(engine, "0005")
    upgrade(engine)
    with engine.connect() as conn:
        assert tuple(conn.execute(text(counts)).one()) == before
        assert conn.execute(text("SELECT count(*) FROM workers WHERE active")).scalar() == before[0]
