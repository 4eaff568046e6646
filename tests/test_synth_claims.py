"""The synthetic last year of training and claims (data.synth.claims): deterministic, in the stated
proportions, with every planted case in the truth — and, loaded, found by the risk scan."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, func, select

from api.services.risk import find_flags
from api.services.synth_claims import load_claims_world
from data.db.models import Certificate, Enrollment, SubsidyClaim
from data.db.session import transaction
from data.loaders import ORDER, load_frame
from data.reference import load_reference
from data.synth import SynthConfig, generate
from data.synth.claims import PATTERNS, make_claims_world

REFERENCE = dt.date(2026, 12, 1)


@pytest.fixture(scope="module")
def world():  # type: ignore[no-untyped-def]
    frames = generate(SynthConfig(workers=800, seed=11, reference_date=REFERENCE))
    return frames, make_claims_world(frames, seed=11, reference_date=REFERENCE)


def test_same_seed_same_records(world) -> None:  # type: ignore[no-untyped-def]
    frames, first = world
    again = make_claims_world(frames, seed=11, reference_date=REFERENCE)
    for name in ("programmes", "enrollments", "certificates", "hires", "claims", "truth", "workers"):
        assert getattr(first, name).equals(getattr(again, name)), name


def test_records_are_last_year_and_in_stated_proportions(world) -> None:  # type: ignore[no-untyped-def]
    frames, w = world
    assert w.programmes["end_date"].max() < REFERENCE + dt.timedelta(days=120)
    assert w.programmes["start_date"].min() >= REFERENCE - dt.timedelta(days=365)
    ordinary = w.enrollments.filter(~pl.col("worker_id").str.starts_with("WG"))
    share = ordinary["worker_id"].n_unique() / frames["workers"].height
    assert 0.06 < share < 0.14  # ~12% of the 17–58-year-olds
    assert 0.8 < ordinary["completed"].mean() < 1.0  # type: ignore[operator]
    assert w.certificates["number"].n_unique() == w.certificates.height
    assert (w.certificates["issued_on"] < REFERENCE).all()
    assert set(w.truth["pattern"]) == set(PATTERNS)
    assert w.workers.height == 16 and w.workers["id_number"].n_unique() == 16  # two ghost classes of 8


def test_loaded_world_is_scanned_and_planted_cases_are_found(engine: Engine, world) -> None:  # type: ignore[no-untyped-def]
    """Legitimate claims go through the service; planted ones around it; the scan names the
    ghost institutions, the phantom and over-age claims, the double enrollments."""
    frames, w = world
    if engine.dialect.name != "sqlite":
        pytest.skip("the loading path is the same on PostgreSQL; one database keeps this test short")
    load_reference(engine)
    for kind in ORDER:
        load_frame(engine, kind, frames[kind], secret_key="test")
    loaded = load_claims_world(engine, w, today=REFERENCE, secret_key="test")
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(Enrollment)) == w.enrollments.height
        assert s.scalar(
            select(func.count()).select_from(Certificate).where(Certificate.source == "registry")
        ) == (w.certificates.height)
        claims = list(s.scalars(select(SubsidyClaim).where(~SubsidyClaim.history)))
        history = s.scalar(select(func.count()).select_from(SubsidyClaim).where(SubsidyClaim.history))
    assert history and history == frames["workers"]["claimed_subsidies"].str.split("|").list.len().sum()
    assert (
        loaded.counts["accepted"] > 0 and len(claims) == loaded.counts["accepted"] + loaded.counts["direct"]
    )
    assert {c.submitted_by for c in claims} == {"synth-clerk"}
    assert all(c.paid_by in (None, "synth-finance") for c in claims)
    flagged = set()
    for city in sorted({c.city for c in claims}):
        _book, flags = find_flags(engine, city, as_of=REFERENCE)
        flagged |= {f.subject for f in flags}
    truth = loaded.truth.to_dicts()
    found = {c["pattern"] for c in truth if set(c["subjects"]) & flagged}
    assert {"phantom_claim", "over_age", "double_enrollment"} <= found
    assert "attendance_padding" not in found  # leaves no trace in the records


def test_synth_command_loads_the_history(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from api.cli import main
    from api.settings import get_settings

    monkeypatch.setenv("SKILLBRIDGE_DATABASE_URL", f"sqlite:///{tmp_path / 'sb.db'}")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            main, ["data", "synth", "--workers", "300", "--out", str(tmp_path / "w"), "--load", "--history"]
        )
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "去年的培训与补贴记录" in result.output and (tmp_path / "w" / "history_truth.parquet").exists()
