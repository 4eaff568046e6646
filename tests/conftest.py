"""Shared fixtures.

Database tests take the ``engine`` fixture, which runs each test on SQLite and on the real
PostgreSQL, each time on a database of its own: a copy of a template built once per session (a
file copy on SQLite, ``CREATE DATABASE … TEMPLATE`` on PostgreSQL), dropped afterwards. Nothing is
truncated between tests, so the audit log's append-only rule holds in tests as in production.

PostgreSQL comes from ``SKILLBRIDGE_TEST_PG_URL`` (default: the local server's ``postgres``
maintenance database). Where no server answers, the PostgreSQL variants skip with the reason,
unless ``SKILLBRIDGE_REQUIRE_PG=1`` (set by ``.ci/run``) turns that into a failure.

``sample_engine`` is the same for a database holding the factory sample (:mod:`tests.factories`);
``client`` is an HTTP client of an app serving a copy of it, started from a catalogue snapshot
built once per session and backend (see :mod:`tests.apps`).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from hypothesis import settings as hypothesis_settings  # noqa: E402

from data.db.session import make_engine, upgrade  # noqa: E402

# no per-example deadline anywhere: these machines are shared and noisy; speed lives in eval/
hypothesis_settings.register_profile("skillbridge", deadline=None)
hypothesis_settings.load_profile("skillbridge")

PG_ADMIN_URL = os.environ.get("SKILLBRIDGE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REQUIRE_PG = os.environ.get("SKILLBRIDGE_REQUIRE_PG") == "1"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
SHARED = Path(__file__).resolve().parents[2] / "shared"


def shared_path(*parts: str) -> Path:
    """A file under ``../shared`` (reference data for evaluation-grade tests). Missing: the test
    skips with the reason — but fails under ``CI=true``, where it must be present."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        if IN_CI:
            pytest.fail(f"{path} is required in CI but missing")
        pytest.skip(f"{path} not present")
    return path


class Backend:
    """Databases of one kind for a test session: named templates, and per-test copies of them."""

    def __init__(self, kind: str, root: Path, admin_url: str | None = None) -> None:
        self.kind = kind
        self.root = root
        self.admin_url = admin_url
        self.templates: dict[str, str] = {}
        self.created: list[str] = []

    def _admin(self) -> Engine:
        assert self.admin_url is not None
        return make_engine(self.admin_url).execution_options(isolation_level="AUTOCOMMIT")

    def _new_url(self, name: str) -> str:
        if self.kind == "sqlite":
            return f"sqlite:///{self.root / (name + '.db')}"
        assert self.admin_url is not None
        return f"{self.admin_url.rsplit('/', 1)[0]}/{name}"

    def template(self, key: str, fill: Callable[[Engine], None]) -> str:
        """The template ``key`` (built on first use by ``fill`` on a migrated database)."""
        if key not in self.templates:
            name = f"sb_tpl_{key}_{uuid.uuid4().hex[:8]}"
            if self.kind == "postgresql":
                admin = self._admin()
                with admin.connect() as conn:
                    conn.execute(text(f'CREATE DATABASE "{name}"'))
                admin.dispose()
                self.created.append(name)
            url = self._new_url(name)
            engine = make_engine(url)
            try:
                upgrade(engine)
                fill(engine)
            finally:
                engine.dispose()
            self.templates[key] = name
        return self.templates[key]

    def copy(self, key: str, fill: Callable[[Engine], None]) -> str:
        """A new database holding what the template ``key`` holds; its URL."""
        source = self.template(key, fill)
        name = f"sb_t_{uuid.uuid4().hex[:12]}"
        if self.kind == "sqlite":
            shutil.copyfile(self.root / f"{source}.db", self.root / f"{name}.db")
        else:
            admin = self._admin()
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source}"'))
            admin.dispose()
        return self._new_url(name)

    def drop(self, url: str) -> None:
        name = url.rsplit("/", 1)[-1]
        if self.kind == "sqlite":
            Path(url.split("///", 1)[1]).unlink(missing_ok=True)
            return
        admin = self._admin()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    def close(self) -> None:
        if self.kind == "postgresql":
            admin = self._admin()
            with admin.connect() as conn:
                for name in self.created:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


@pytest.fixture(scope="session")
def sqlite_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    backend = Backend("sqlite", tmp_path_factory.mktemp("databases"))
    yield backend
    backend.close()


@pytest.fixture(scope="session")
def pg_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    try:
        admin = make_engine(PG_ADMIN_URL).execution_options(isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
        admin.dispose()
    except Exception as exc:  # noqa: BLE001 - any connection failure means "no server"
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL required (SKILLBRIDGE_REQUIRE_PG=1) but unavailable: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc.__class__.__name__}")
    backend = Backend("postgresql", tmp_path_factory.mktemp("pg"), PG_ADMIN_URL)
    yield backend
    backend.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> Backend:
    """The database kind of this test run (each database test runs on both)."""
    return request.getfixturevalue("sqlite_backend" if request.param == "sqlite" else "pg_backend")


@pytest.fixture(scope="session")
def pg_url(pg_backend: Backend) -> Iterator[str]:
    """URL of a fresh migrated PostgreSQL database of its own (for tests that manage schema)."""
    url = pg_backend.copy("migrated", lambda _engine: None)
    yield url
    pg_backend.drop(url)


def _copy_engine(backend: Backend, key: str, fill: Callable[[Engine], None]) -> Iterator[Engine]:
    url = backend.copy(key, fill)
    eng = make_engine(url)
    try:
        yield eng
    finally:
        eng.dispose()
        backend.drop(url)


@pytest.fixture
def engine(backend: Backend) -> Iterator[Engine]:
    """A migrated, empty database of this test's own, on SQLite and then on PostgreSQL."""
    yield from _copy_engine(backend, "migrated", lambda _engine: None)


@pytest.fixture
def sample_engine(backend: Backend) -> Iterator[Engine]:
    """A database of this test's own holding the reference data and the factory sample."""
    from tests.apps import load_factory_sample

    yield from _copy_engine(backend, "sample", load_factory_sample)


@pytest.fixture(scope="session")
def _app_factories(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], object]:
    return {}


def _factory(backend: Backend, cache: dict, tmp_path_factory: pytest.TempPathFactory, key: str):  # type: ignore[no-untyped-def]
    from tests.apps import AppFactory, load_factory_sample, load_synth_world

    if (backend.kind, key) not in cache:
        root = tmp_path_factory.mktemp(f"apps-{key}-{backend.kind}")
        fill = load_factory_sample if key == "sample" else load_synth_world(root)
        cache[(backend.kind, key)] = AppFactory(backend, key, fill, root)
    return cache[(backend.kind, key)]


@pytest.fixture
def sample_apps(backend, _app_factories, tmp_path_factory):  # type: ignore[no-untyped-def]
    """Apps over copies of the factory sample (this test's backend)."""
    return _factory(backend, _app_factories, tmp_path_factory, "sample")


@pytest.fixture
def world_apps(backend, _app_factories, tmp_path_factory):  # type: ignore[no-untyped-def]
    """Apps over copies of the 300-worker synthetic world (this test's backend)."""
    return _factory(backend, _app_factories, tmp_path_factory, "world")


@pytest.fixture
def client(sample_apps, tmp_path):  # type: ignore[no-untyped-def]
    """An HTTP client of an app serving a copy of the factory sample."""
    with sample_apps.client(tmp_path) as c:
        yield c


@pytest.fixture
def world_client(world_apps, tmp_path):  # type: ignore[no-untyped-def]
    """An HTTP client of an app serving a copy of the synthetic world."""
    with world_apps.client(tmp_path) as c:
        yield c


@pytest.fixture
def world_engine(world_apps):  # type: ignore[no-untyped-def]
    """A database of this test's own holding the 300-worker synthetic world."""
    yield from _copy_engine(world_apps.backend, world_apps.key, world_apps.fill)
