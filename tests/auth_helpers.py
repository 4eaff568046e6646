"""Accounts and sign-in for tests: ``make_user`` creates an account of a role (a fresh name and
password each call), ``bearer`` signs it in over HTTP and returns the request headers."""

from __future__ import annotations

import secrets

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.services.users import create_user


def make_user(
    engine: Engine,
    role: str,
    *,
    region: str = "14",
    institution_id: str | None = None,
    employer_id: str | None = None,
    worker_id: str | None = None,
) -> tuple[str, str]:
    """A new active account; its (username, password)."""
    username = f"{role}-{secrets.token_hex(4)}"
    password = secrets.token_urlsafe(12)
    create_user(
        engine,
        username,
        password,
        role,
        region,
        institution_id=institution_id,
        employer_id=employer_id,
        worker_id=worker_id,
        actor="test",
    )
    return username, password


def bearer(client: TestClient, username: str, password: str) -> dict[str, str]:
    """``{"Authorization": "Bearer …"}`` for the account, signed in through the API."""
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def sign_in(client: TestClient, role: str = "counselor", **account: str | None) -> dict[str, str]:
    """Create an account on the client's database, sign it in and make its token the client's
    default header (``region`` defaults to the province, so a counselor sees every worker).
    Returns the headers."""
    engine = client.app.state.engine  # type: ignore[attr-defined]
    username, password = make_user(engine, role, **account)  # type: ignore[arg-type]
    headers = bearer(client, username, password)
    client.headers.update(headers)
    return headers
