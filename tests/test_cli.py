"""The command group, in process: db init, load (good and bad files), occupations import."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from api.cli import main
from api.settings import get_settings
from data.db.models import Occupation, Programme
from data.db.session import make_engine, session_factory
from tests import factories


@pytest.fixture
def runner(tmp_path, monkeypatch) -> Iterator[CliRunner]:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SKILLBRIDGE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SKILLBRIDGE_SECRET_KEY", "cli-test")
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_init_load_and_refuse_bad_file(runner: CliRunner, tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(main, ["db", "init"])
    assert result.exit_code == 0, result.output
    assert "职业 1670" in result.output
    inst, prog = tmp_path / "inst.csv", tmp_path / "prog.csv"
    factories.institutions().write_csv(inst)
    factories.programmes().write_csv(prog)
    assert runner.invoke(main, ["load", "institutions", str(inst)]).exit_code == 0
    bad = tmp_path / "bad.csv"
    factories.programmes().with_columns(fee=factories.programmes()["fee"].replace("1500", "免费")).write_csv(
        bad
    )
    result = runner.invoke(main, ["load", "programmes", str(bad)])
    assert result.exit_code == 1
    assert "第2行 [fee]" in result.output and "未导入任何数据" in result.output
    engine = make_engine(get_settings().resolved_database_url)
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(Programme)) == 0
        assert s.scalar(select(func.count()).select_from(Occupation)) == 1670
    assert runner.invoke(main, ["load", "programmes", str(prog)]).exit_code == 0


def test_occupations_import_reports_bad_rows(runner: CliRunner, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    path = tmp_path / "occ.csv"
    path.write_text(
        "code,name,major_code,major_name,middle_code,middle_name,minor_code,minor_name\n"
        "6-29-01-01,砌筑工,GBM60000,生产制造及有关人员,GBM62900,建筑施工人员,GBM62901,房屋建筑施工人员\n"
        "6-29-1-01,坏编码,GBM60000,生产制造及有关人员,GBM62900,建筑施工人员,GBM62901,房屋建筑施工人员\n",
        encoding="utf-8",
    )
    result = runner.invoke(main, ["occupations", "import", str(path)])
    assert result.exit_code == 1 and "第3行 [code]" in result.output
