"""``skillbridge demo``: the README's one-command tour on the embedded default.

Sets up the SQLite database (schema, Shanxi regions, occupation catalogue), generates and loads
the small synthetic sample world on first use, starts the HTTP service on 127.0.0.1:8000 (which
builds the embeddings and indexes), asks it over HTTP for one worker's pathways and prints them,
then keeps serving until Ctrl-C (``--no-serve`` stops after printing).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time
from typing import Any

import click

from api.settings import get_settings


def _print_pathways(data: dict[str, Any]) -> None:
    click.echo(f"\n劳动者 {data['worker_id']} 的推荐路径：")
    if data["status"] != "ok":
        click.echo(f"  {data['message']}")
        return
    for n, p in enumerate(data["pathways"], 1):
        ids = " → ".join(i for i in (p["programme_id"], p["order_id"]) if i)
        click.echo(f"{n:>2}. 【{p['kind_name']}】{ids}  得分 {p['score']:.2f}  个人费用 {p['net_cost']} 元")
        click.echo(f"    {p['explanation']}")


def _ensure_world(n_workers: int, seed: int) -> None:
    from sqlalchemy import func, select

    from data.db.models import Worker
    from data.db.session import make_engine, session_factory, upgrade
    from data.loaders import ORDER, load_file
    from data.reference import load_reference
    from data.synth import SynthConfig, write_world

    settings = get_settings()
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine)
    load_reference(engine)
    with session_factory(engine)() as session:
        if session.scalar(select(func.count()).select_from(Worker)):
            click.echo(f"使用已有数据库 {engine.url}")
            return
    out = settings.home / "sample"
    click.echo(f"生成样例数据（{n_workers} 名劳动者，种子 {seed}）→ {out}")
    config = SynthConfig(workers=n_workers, seed=seed, reference_date=dt.date.today())
    paths = write_world(config, out)
    for kind in ORDER:
        click.echo("  " + str(load_file(engine, kind, paths[kind], secret_key=settings.secret_key)))
    engine.dispose()


def _pick_worker(client: Any) -> dict[str, Any]:
    """The first worker (by id) with a complete pathway list: what a counselor would show first."""
    workers = [w["id"] for w in client.get("/api/v1/workers", params={"limit": 30}).json()["items"]]
    best: dict[str, Any] | None = None
    for wid in workers:
        data = client.get(f"/api/v1/workers/{wid}/recommendations", params={"top": 5}).json()
        if data.get("status") == "ok" and any(p["kind"] == "train_then_job" for p in data["pathways"]):
            return data
        best = best or (data if data.get("status") == "ok" else None)
    return best or data


@click.command("demo")
@click.option(
    "--workers", "n_workers", default=2000, show_default=True, help="Sample world size on first use."
)
@click.option("--seed", default=20240204, show_default=True)
@click.option("--serve/--no-serve", default=True, show_default=True, help="Keep serving after printing.")
def demo_cmd(n_workers: int, seed: int, serve: bool) -> None:
    """样例演示: set up the sample world, serve the API and print one worker's pathways."""
    import httpx
    import uvicorn

    from api.app import create_app

    settings = get_settings()
    _ensure_world(n_workers, seed)
    click.echo("启动服务并建立向量索引（首次运行需转换模型并编码目录，约需数分钟）……")
    config = uvicorn.Config(create_app(settings), host=settings.host, port=settings.port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://{settings.host}:{settings.port}"
    deadline = time.monotonic() + 1800
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise click.ClickException(f"服务未能在 {base} 启动（端口被占用？可设置 SKILLBRIDGE_PORT）")
        time.sleep(0.2)
    with httpx.Client(base_url=base, timeout=600) as client:
        health = client.get("/healthz")
        click.echo(f"GET {base}/healthz → {health.status_code} {health.json()}")
        _print_pathways(_pick_worker(client))
    if serve:
        click.echo(f"\n服务运行中：{base}/docs （Ctrl-C 停止）")
        with contextlib.suppress(KeyboardInterrupt):
            thread.join()
    server.should_exit = True
    thread.join(timeout=10)


COMMANDS: list[click.Command] = [demo_cmd]
