"""The docs are part of the product: every loader column, CLI command and HTTP route is documented."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from api.cli import main
from data.loader_specs import KINDS

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_loader_column_is_documented(kind: str) -> None:
    text = (ROOT / "docs" / "formats.md").read_text(encoding="utf-8")
    section = text.split(f"## {kind}\n", 1)[1].split("\n## ", 1)[0]
    for field in KINDS[kind].fields:
        assert f"`{field.name}`" in section, f"{kind}.{field.name} missing from docs/formats.md"


def _commands(group: click.Group, prefix: str = "skillbridge") -> list[str]:
    out = []
    for name, cmd in sorted(group.commands.items()):
        full = f"{prefix} {name}"
        out.extend(_commands(cmd, full) if isinstance(cmd, click.Group) else [full])
    return out


def test_every_cli_command_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [c for c in _commands(main) if f"`{c}" not in readme]
    assert not missing, f"commands missing from README.md: {missing}"


def test_every_http_route_is_in_the_readme() -> None:
    from fastapi.routing import iter_route_contexts

    from api.app import create_app
    from api.settings import Settings

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    app = create_app(Settings(environment="test", model="hash"))
    missing = []
    for route in iter_route_contexts(app.routes):
        for method in sorted(getattr(route, "methods", None) or ()):
            if method == "HEAD":
                continue
            if not route.path.startswith(("/api/", "/healthz", "/readyz", "/metrics", "/docs", "/openapi")):
                continue  # the web pages have their own docs
            path = re.sub(r"\{[a-z]+_id\}", "{id}", route.path.replace("{item_id}", "{item}"))
            if f"`{method} {path}`" not in readme:
                missing.append(f"{method} {path}")
    assert not missing, f"routes missing from README.md: {missing}"


def test_every_page_is_in_the_readme() -> None:
    """Each page a browser opens (GET) is named in the README's table of web pages."""
    from fastapi.routing import iter_route_contexts

    from api.app import create_app
    from api.settings import Settings

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    pages = readme.split("## Web pages\n", 1)[1].split("\n## ", 1)[0]
    app = create_app(Settings(environment="test", model="hash"))
    missing = []
    for route in iter_route_contexts(app.routes):
        endpoint = getattr(route, "endpoint", None)
        if endpoint is None or not endpoint.__module__.startswith("api.pages."):
            continue
        if "GET" not in (getattr(route, "methods", None) or ()):
            continue
        path = re.sub(r"\{[a-z]+_id\}", "{id}", route.path)
        if f"`{path}`" not in pages and f"`{path}?" not in pages and f"`{path}` " not in pages:
            missing.append(path)
    assert not missing, f"pages missing from README.md's web pages: {missing}"


def test_every_ledger_column_is_documented() -> None:
    from api.services.ledger_upload import LEDGER_FIELDS

    text = (ROOT / "docs" / "formats.md").read_text(encoding="utf-8")
    section = text.split("## ledger\n", 1)[1].split("\n## ", 1)[0]
    for field in LEDGER_FIELDS:
        assert f"`{field.name}`" in section, f"ledger.{field.name} missing from docs/formats.md"
