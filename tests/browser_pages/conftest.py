"""Fixtures of the browser tests: one Chromium and one server per test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from data.db.session import make_engine
from tests.apps import TODAY
from tests.browser_pages.harness import Browser, Site, serve, site_app


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium per test module."""
    b = Browser()
    yield b
    b.close()


@pytest.fixture(scope="module")
def site(sqlite_backend, _app_factories, tmp_path_factory) -> Iterator[Site]:  # type: ignore[no-untyped-def]
    """A server over a copy of the 300-worker synthetic world, the pages' today pinned to its
    reference date (one per test module; tests of a module share its database)."""
    from tests.conftest import _factory

    apps = _factory(sqlite_backend, _app_factories, tmp_path_factory, "world")
    url = apps.backend.copy(apps.key, apps.fill)
    engine = make_engine(url)
    app = site_app(url, tmp_path_factory.mktemp("site-home"), apps.snapshot(), today=TODAY)
    try:
        with serve(app) as base:
            yield Site(base, engine, app)
    finally:
        engine.dispose()
        apps.backend.drop(url)
