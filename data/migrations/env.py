"""Alembic environment: the engine comes from the caller (``data.db.session.upgrade``).

SQLite needs two things the other databases do not. Its ``ALTER TABLE`` is limited, so migrations
run in batch mode: a changed table is copied to a new one and the old one dropped; with foreign keys
on, dropping ``workers`` fails (or cascades into the certificates, enrollments … pointing at it) on
any populated database. And Python's sqlite3 driver does not open a transaction before DDL, so a
failed migration would leave half of its tables behind. So on SQLite the migration runs with foreign
keys off, inside one explicit ``BEGIN`` … ``COMMIT``, and ``PRAGMA foreign_key_check`` must come back
empty before it commits: a migration either applies whole, with every reference intact, or not at all.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from data.db.models import Base

config = context.config
target_metadata = Base.metadata


def _migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()


def _migrate_sqlite(connection: Connection) -> None:
    dbapi = connection.connection.driver_connection
    assert dbapi is not None
    previous = dbapi.isolation_level
    dbapi.isolation_level = None  # the driver issues no BEGIN/COMMIT of its own; we do
    try:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")  # a no-op inside a transaction
        connection.exec_driver_sql("BEGIN")
        try:
            _migrate(connection)
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"migration would break {len(broken)} references, e.g. {broken[0]}")
            connection.exec_driver_sql("COMMIT")
        except BaseException:
            connection.exec_driver_sql("ROLLBACK")
            raise
    finally:
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        dbapi.isolation_level = previous


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        from sqlalchemy import create_engine

        engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            _migrate_sqlite(connection)
        return
    with engine.begin() as connection:
        _migrate(connection)


run_migrations_online()
