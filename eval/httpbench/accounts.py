"""The bench's own sign-in: the protected routes (a worker's pathways, an order's candidates,
why-not) need a bearer token. Unless ``--header 'Authorization: …'`` gives one, a run against a
database it can reach creates a province-wide counselor account ``bench-…`` there and mints a
token for it with the server's settings (the same secret), before the clock starts. Reports show
the header redacted."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from eval.httpbench.runs import RunOptions


def ensure_bench_token(opts: RunOptions) -> None:
    """Add ``Authorization: Bearer …`` to ``opts.headers`` when it has none and the database is
    known; the account is a counselor covering the province (``14``)."""
    if any(k.lower() == "authorization" for k in opts.headers):
        return
    url = opts.resolved_database_url()
    if not url:
        return
    from api.services.auth import authenticate
    from api.services.users import create_user
    from data.db.session import connected

    username = f"bench-{secrets.token_hex(4)}"
    password = secrets.token_urlsafe(16)
    with connected(url) as engine:
        create_user(engine, username, password, "counselor", "14", actor="bench")
        token = authenticate(engine, username, password, "bench", settings=opts.settings())
    opts.headers["Authorization"] = f"Bearer {token.access_token}"
