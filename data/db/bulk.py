"""Fast bulk insert: PostgreSQL ``COPY`` through psycopg, Core ``executemany`` elsewhere.

Both run inside the caller's transaction (the session's connection), so a failure later in the
same load rolls the rows back too.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import JSON, Table, insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.schema import CallableColumnDefault, ScalarElementColumnDefault

CHUNK = 20_000


def bulk_insert(session: Session, table: Table, rows: Sequence[dict]) -> None:
    """Insert ``rows`` (dicts keyed by column name, all with the same keys) into ``table``."""
    if not rows:
        return
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        # COPY bypasses SQLAlchemy's Python-side defaults (timestamps, flags): apply them here.
        defaults = {}
        for c in table.columns:
            d = c.default
            if isinstance(d, ScalarElementColumnDefault | CallableColumnDefault) and c.name not in rows[0]:
                defaults[c.name] = d.arg(None) if isinstance(d, CallableColumnDefault) else d.arg  # type: ignore[arg-type]
        if defaults:
            rows = [{**defaults, **row} for row in rows]
        columns = list(rows[0])
        json_cols = {c for c in columns if isinstance(table.c[c].type, JSON)}
        quoted = ", ".join(f'"{c}"' for c in columns)
        dbapi = conn.connection.driver_connection
        with dbapi.cursor() as cur, cur.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row(
                    [json.dumps(row[c], ensure_ascii=False) if c in json_cols else row[c] for c in columns]
                )
        return
    for start in range(0, len(rows), CHUNK):
        conn.execute(insert(table), list(rows[start : start + CHUNK]))
