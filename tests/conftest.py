"""Shared fixtures.

Database tests take the ``engine`` fixture, which runs each test on SQLite and on the real
PostgreSQL. PostgreSQL comes from ``SKILLBRIDGE_TEST_PG_URL`` (default: the local server's
``postgres`` maintenance database); each test session creates its own throw-away database there
so that parallel runs never collide. Where no server answers, the PostgreSQL variants skip with
the reason, unless ``SKILLBRIDGE_REQUIRE_PG=1`` (set by ``.ci/run``) turns that into a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from data.db.models import Base  # noqa: E402
from data.db.session import make_engine, upgrade  # noqa: E402

PG_ADMIN_URL = os.environ.get("SKILLBRIDGE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REQUIRE_PG = os.environ.get("SKILLBRIDGE_REQUIRE_PG") == "1"


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL of a fresh PostgreSQL database for this test session, migrated to head."""
    try:
        admin = make_engine(PG_ADMIN_URL).execution_options(isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            name = f"sb_test_{uuid.uuid4().hex[:10]}"
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any connection failure means "no server"
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL required (SKILLBRIDGE_REQUIRE_PG=1) but unavailable: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc.__class__.__name__}")
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    url = f"{base}/{name}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_all(engine: Engine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    """A migrated, empty database: a SQLite file, then the session's PostgreSQL database."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
        upgrade(eng)
        yield eng
        eng.dispose()
    else:
        url = request.getfixturevalue("pg_url")
        eng = make_engine(url)
        _truncate_all(eng)
        yield eng
        eng.dispose()
