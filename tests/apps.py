"""Worlds and apps for service tests: built once per session and backend, copied per test.

- :func:`load_factory_sample` — the hand-written factory sample (2 institutions, 2 programmes, 1
  order, 2 workers);
- :func:`load_synth_world` — the synthetic Shanxi world of 300 workers (seed 7), whose pathways
  include every kind (job, train→job, train, start-up), both payees and every place preference;
- :class:`AppFactory` — an app over a per-test copy of such a world, seeded with a catalogue
  snapshot built once from the template (the copy holds the same rows, so the snapshot's version
  matches and nothing is rebuilt). The background refresher is off: a test steps it with
  :func:`refresh`, so what it sees never depends on timing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from api.settings import Settings
from data.db.session import make_engine
from data.loaders import load_frame
from data.reference import load_reference
from tests import factories

if TYPE_CHECKING:
    from api.services.recommend.snapshot import CatalogueSnapshot
    from tests.conftest import Backend

SECRET = "s"
WORLD_SEED = 7
WORLD_WORKERS = 300
TODAY = dt.date(2026, 12, 1)


def load_factory_sample(engine: Engine) -> None:
    load_reference(engine)
    for kind, frame in (
        ("institutions", factories.institutions()),
        ("programmes", factories.programmes()),
        ("orders", factories.orders()),
        ("workers", factories.workers()),
    ):
        load_frame(engine, kind, frame, secret_key=SECRET)


_WORLD_FILES: dict[str, Path] = {}


def world_files(root: Path) -> dict[str, Path]:
    """The synthetic world's Parquet files (generated once per session)."""
    if not _WORLD_FILES:
        from data.synth import SynthConfig, write_world

        config = SynthConfig(workers=WORLD_WORKERS, seed=WORLD_SEED, reference_date=TODAY)
        _WORLD_FILES.update(write_world(config, root / "world-files"))
    return _WORLD_FILES


def load_synth_world(root: Path):  # type: ignore[no-untyped-def]
    def fill(engine: Engine) -> None:
        from data.loaders import ORDER, load_file

        load_reference(engine)
        for kind in ORDER:
            load_file(engine, kind, world_files(root)[kind], secret_key=SECRET)

    return fill


def settings_for(url: str, home: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": url,
        "environment": "test",
        "model": "hash",
        "home": home,
        "secret_key": SECRET,
        "background_refresh": False,
        "catalogue_check_seconds": 0.0,
        **overrides,
    }
    return Settings(**values)


@dataclass
class AppFactory:
    """Apps over copies of one world on one backend, sharing one snapshot."""

    backend: Backend
    key: str
    fill: Any
    home: Path
    _snapshot: CatalogueSnapshot | None = None
    _urls: list[str] = field(default_factory=list)

    def snapshot(self) -> CatalogueSnapshot:
        if self._snapshot is None:
            from api.services.recommend import Recommender
            from embeddings.encoder import HashEncoder

            name = self.backend.template(self.key, self.fill)
            engine = make_engine(self.backend._new_url(name))
            try:
                # institutions' outcome rates as of the tests' day, not the calendar's
                rec = Recommender.build(
                    engine, HashEncoder(), self.home / "seed-indexes", store_profiles=False, today=TODAY
                )
                self._snapshot = rec.snapshot
            finally:
                engine.dispose()
        return self._snapshot

    @contextmanager
    def client(self, tmp_path: Path, **overrides: Any) -> Iterator[TestClient]:
        """A started app over a new copy of the world (dropped afterwards)."""
        seed = self.snapshot()
        url = self.backend.copy(self.key, self.fill)
        try:
            app = create_app(settings_for(url, tmp_path / "home", **overrides), seed=seed)
            with TestClient(app) as c:
                yield c
        finally:
            self.backend.drop(url)


def refresh(client: TestClient, *, encode: bool = False) -> None:
    """Step the app's refresher once: rebuild the snapshot when the catalogue changed; with
    ``encode``, also store every pending profile and sync the worker index."""
    refresher = client.app.state.refresher  # type: ignore[attr-defined]
    refresher.run_once()
    if encode:
        refresher.rec.sync_workers()


def engine_of(client: TestClient) -> Engine:
    return client.app.state.engine  # type: ignore[attr-defined,no-any-return]
