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
