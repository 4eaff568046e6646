"""Every records route is documented in docs/records.md (method and path, ids written ``{id}``)."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.routing import APIRoute

from api.routers import claims, enrollments

DOC = Path(__file__).resolve().parent.parent / "docs" / "records.md"


def test_every_records_route_is_in_the_docs() -> None:
    text = DOC.read_text(encoding="utf-8")
    routes = [
        r for router in (enrollments.router, claims.router) for r in router.routes if isinstance(r, APIRoute)
    ]
    assert len(routes) == 19
    missing = []
    for route in routes:
        path = re.sub(r"\{[^}]+\}", "{id}", route.path)
        for method in route.methods:
            if f"`{method} {path}`" not in text:
                missing.append(f"{method} {path}")
    assert not missing, f"routes missing from docs/records.md: {missing}"
