"""The command group, in process, on SQLite and PostgreSQL: db init / upgrade / downgrade, load
(good and bad files of every kind), occupations import, data synth --load, Chinese usage errors,
and the demo end to end."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, func, inspect, select

from api.cli import main
from api.settings import get_settings
from data.db.models import Occupation, Order, Programme, Worker
from data.db.session import current_revision, session_factory
from tests import factories

Run = Callable[..., str]


@pytest.fixture
def run(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Run]:
    """``skillbridge …`` against this test's own (empty, migrated) database."""
    monkeypatch.setenv("SKILLBRIDGE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SKILLBRIDGE_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("SKILLBRIDGE_SECRET_KEY", "cli-test")
    monkeypatch.setenv("SKILLBRIDGE_MODEL", "hash")
    get_settings.cache_clear()

    def invoke(*args: str, code: int = 0) -> str:
        result = CliRunner().invoke(main, list(args))
        assert result.exit_code == code, result.output
        return result.output

    yield invoke
    get_settings.cache_clear()


def _count(engine: Engine, model: type) -> int:
    with session_factory(engine)() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_init_load_and_refuse_bad_file(run: Run, engine: Engine, tmp_path: Path) -> None:
    assert "职业 1670" in run("db", "init")
    inst, prog = tmp_path / "inst.csv", tmp_path / "prog.csv"
    factories.institutions().write_csv(inst)
    factories.programmes().write_csv(prog)
    run("load", "institutions", str(inst))
    bad = tmp_path / "bad.csv"
    factories.programmes().with_columns(fee=factories.programmes()["fee"].replace("1500", "免费")).write_csv(
        bad
    )
    out = run("load", "programmes", str(bad), code=1)
    assert "第2行 [fee]" in out and "未导入任何数据" in out
    assert _count(engine, Programme) == 0 and _count(engine, Occupation) == 1670
    run("load", "programmes", str(prog))
    assert _count(engine, Programme) == 2


def test_load_orders_and_workers_in_utf8_and_gbk(run: Run, engine: Engine, tmp_path: Path) -> None:
    run("db", "init")
    for kind, frame in (("institutions", factories.institutions()), ("programmes", factories.programmes())):
        frame.write_csv(tmp_path / f"{kind}.csv")
        run("load", kind, str(tmp_path / f"{kind}.csv"))
    orders = tmp_path / "orders.csv"
    factories.orders().write_csv(orders)
    assert "新增 1" in run("load", "orders", str(orders))
    workers = tmp_path / "workers-gbk.csv"
    workers.write_bytes(factories.workers().write_csv().encode("gb18030"))  # as Excel saves it
    assert "新增 2" in run("load", "workers", str(workers))
    assert _count(engine, Order) == 1 and _count(engine, Worker) == 2
    # the same file again changes nothing
    assert "新增 0，更新 0" in run("load", "workers", str(workers))


def test_db_downgrade_and_upgrade(run: Run, engine: Engine) -> None:
    run("db", "init")
    assert "数据库版本: None" in run("db", "downgrade")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    out = run("db", "upgrade")
    assert f"数据库版本: {current_revision(engine)}" in out and current_revision(engine) is not None


def test_occupations_import_good_and_bad_files(run: Run, engine: Engine, tmp_path: Path) -> None:
    run("db", "upgrade")
    header = "code,name,major_code,major_name,middle_code,middle_name,minor_code,minor_name\n"
    row = "GBM60000,生产制造及有关人员,GBM62900,建筑施工人员,GBM62901,房屋建筑施工人员\n"
    good = tmp_path / "occ.csv"
    good.write_text(header + "6-29-01-01,砌筑工," + row + "6-29-01-02,石工," + row, encoding="utf-8")
    assert "2 个职业，新增 2，更新 0" in run("occupations", "import", str(good))
    bad = tmp_path / "bad.csv"
    bad.write_text(header + "6-29-1-01,坏编码," + row, encoding="utf-8")
    assert "第2行 [code]" in run("occupations", "import", str(bad), code=1)
    assert _count(engine, Occupation) == 2
    assert "1670 个职业" in run("occupations", "import")  # the shipped catalogue


def test_data_synth_load(run: Run, engine: Engine, tmp_path: Path) -> None:
    run("db", "init")
    out = run("data", "synth", "--workers", "120", "--seed", "3", "--out", str(tmp_path / "w"), "--load")
    assert "workers 120 行，新增 120" in out
    assert _count(engine, Worker) == 120 and _count(engine, Programme) > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["recommend"], "错误：缺少选项 '--worker'"),
        (["recommend", "--worker", "W1", "--top", "0"], "错误：'--top' 的值无效：0 不在 1 至 100 的范围内"),
        (
            ["recommend", "--worker", "W1", "--today", "2026/12/01"],
            "'--today' 的值无效：2026/12/01 不符合格式 YYYY-MM-DD",
        ),
        (["recommend", "--wrker", "W1"], "错误：没有此选项：--wrker（是否想输入：--worker？）"),
        (["nosuch"], "错误：没有此命令：nosuch"),
        (["load", "pets", "x.csv"], "pets 不是以下取值之一"),
    ],
)
def test_usage_errors_are_chinese(run: Run, args: list[str], message: str) -> None:
    out = run(*args, code=2)
    assert message in out and "用法：" in out
    assert "Error" not in out and "Usage" not in out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_demo_end_to_end(engine: Engine, tmp_path: Path) -> None:
    """The README's first command on a small world, as a user runs it (its own process): sets up,
    serves over HTTP, prints one worker's pathways with reasons, and stops (``--no-serve``)."""
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "SKILLBRIDGE_HOME": str(tmp_path / "home"),
        "SKILLBRIDGE_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "SKILLBRIDGE_MODEL": "hash",
        "SKILLBRIDGE_PORT": str(_free_port()),
    }
    cmd = [sys.executable, "-m", "api.cli", "demo", "--workers", "200", "--no-serve"]
    first = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
    assert first.returncode == 0, first.stdout + first.stderr
    out = first.stdout
    assert "生成样例数据（200 名劳动者" in out
    assert "推荐数据已就绪" in out
    assert "以就业指导员 demo-counselor 登录" in out
    assert "的推荐路径：" in out and "补贴后个人承担" in out and "匹配度" in out and "得分" not in out
    assert "服务已停止" in out
    assert "Traceback" not in first.stderr
    # a second run reuses the database
    again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
    assert again.returncode == 0 and "使用已有数据库" in again.stdout
    assert "以就业指导员 demo-counselor 登录" in again.stdout  # a fresh password, the same account
