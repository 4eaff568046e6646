"""``skillbridge demo``: the README's one-command tour on the embedded default.

Sets up the SQLite database (schema, Shanxi regions, occupation catalogue), generates and loads
the synthetic sample world on first use, converts the bundled model if needed, then serves HTTP on
127.0.0.1:8000 in the foreground. A helper thread follows ``/readyz`` (printing each step of the
first snapshot as it advances), signs in as the demo counselor (account ``demo-counselor``,
province-wide, given a fresh random password each run and printed), asks the service over HTTP
for one worker's pathways and prints them. Every step that can take more than a second says so;
the first Ctrl-C stops the service cleanly (``--no-serve`` stops by itself after printing).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import click

from api.settings import get_settings


def _say(text: str) -> None:
    click.echo(text, err=False)


def _print_pathways(data: dict[str, Any]) -> None:
    _say(f"\n劳动者 {data['worker_id']} 的推荐路径：")
    if data["status"] != "ok":
        _say(f"  {data['message']}")
        return
    for n, p in enumerate(data["pathways"], 1):
        ids = " → ".join(i for i in (p["programme_id"], p["order_id"]) if i)
        _say(f"{n:>2}. 【{p['kind_name']}】{ids}  匹配度 {p['match']}分  补贴后个人承担 {p['net_cost']} 元")
        _say(f"    {p['explanation']}")


def _ensure_world(n_workers: int, seed: int) -> None:
    from sqlalchemy import func, select

    from data.db.models import Worker
    from data.db.session import make_engine, session_factory, upgrade
    from data.loaders import ORDER, load_file
    from data.reference import load_reference
    from data.synth import SynthConfig, write_world

    settings = get_settings()
    engine = make_engine(settings.resolved_database_url)
    started = time.monotonic()
    _say("准备数据库（结构迁移、行政区划、职业分类）……")
    upgrade(engine)
    load_reference(engine)
    _say(f"  完成（{time.monotonic() - started:.1f} 秒）")
    with session_factory(engine)() as session:
        if session.scalar(select(func.count()).select_from(Worker)):
            _say(f"使用已有数据库 {engine.url}")
            engine.dispose()
            return
    out = settings.home / "sample"
    _say(f"生成样例数据（{n_workers} 名劳动者，种子 {seed}）→ {out}")
    config = SynthConfig(workers=n_workers, seed=seed, reference_date=dt.date.today())
    started = time.monotonic()
    paths = write_world(config, out, progress=lambda k: _say(f"  已生成 {k} 名劳动者"))
    _say(f"  完成（{time.monotonic() - started:.1f} 秒）")
    for kind in ORDER:
        started = time.monotonic()
        _say(f"导入 {kind} ……")
        report = load_file(engine, kind, paths[kind], secret_key=settings.secret_key)
        _say(f"  {report}（{time.monotonic() - started:.1f} 秒）")
    engine.dispose()


DEMO_USER = "demo-counselor"


def _ensure_demo_counselor() -> str:
    """The demo counselor's password: a fresh random one each run (its old tokens revoked)."""
    import secrets

    from api.errors import NotFound
    from api.services.users import create_user, set_password
    from data.db.session import connected

    password = secrets.token_urlsafe(12)
    with connected(get_settings().resolved_database_url) as engine:
        try:
            set_password(engine, DEMO_USER, password, actor="demo")
        except NotFound:
            create_user(engine, DEMO_USER, password, "counselor", "14", actor="demo")
    return password


def _ensure_model() -> None:
    settings = get_settings()
    if settings.model not in ("e5-small", "e5-small-occ", "e5-small-int8", "e5-small-static"):
        return
    from embeddings.e5_convert import build_e5_model

    target = settings.model_cache_dir / "e5-small"
    if not (target / "model.safetensors").exists():
        _say("首次使用：转换内置的 multilingual-e5-small 模型（约一分钟）……")
    started = time.monotonic()
    build_e5_model(target)
    if time.monotonic() - started > 1:
        _say(f"  完成（{time.monotonic() - started:.1f} 秒）")


def _pick_worker(client: Any) -> dict[str, Any]:
    """The first worker (by id) with a complete pathway list: what a counselor would show first."""
    workers = [w["id"] for w in client.get("/api/v1/workers", params={"limit": 30}).json()["items"]]
    best: dict[str, Any] | None = None
    data: dict[str, Any] = {}
    for wid in workers:
        response = client.get(f"/api/v1/workers/{wid}/recommendations", params={"top": 5})
        response.raise_for_status()
        data = response.json()
        if data.get("status") == "ok" and any(p["kind"] == "train_then_job" for p in data["pathways"]):
            return data
        best = best or (data if data.get("status") == "ok" else None)
    return best or data


def _tour(base: str, server: Any, serve: bool, failed: list[str], password: str) -> None:
    """Follow readiness, print one worker's pathways, then stop the server unless serving on."""
    import httpx

    try:
        with httpx.Client(base_url=base, timeout=60) as client:
            while not server.started:
                if server.should_exit:
                    return
                time.sleep(0.1)
            last = ""
            started = time.monotonic()
            while True:
                ready = client.get("/readyz")
                body = ready.json()
                if ready.status_code == 200:
                    break
                line = body["step"] + (f"（{body['progress']}）" if body.get("progress") else "")
                if line != last:
                    _say(f"  建立推荐数据：{line}")
                    last = line
                time.sleep(0.5)
            _say(f"推荐数据已就绪（{time.monotonic() - started:.1f} 秒）")
            health = client.get("/healthz")
            _say(f"GET {base}/healthz → {health.status_code} {health.json()}")
            login = client.post("/api/v1/auth/login", json={"username": DEMO_USER, "password": password})
            login.raise_for_status()
            client.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
            _say(f"以就业指导员 {DEMO_USER} 登录（本次密码：{password}）")
            _print_pathways(_pick_worker(client))
        if serve:
            _say(f"\n服务运行中：{base}/docs （Ctrl-C 停止）")
    except Exception as exc:  # noqa: BLE001 - report and stop the server; the command then fails
        failed.append(f"{exc.__class__.__name__}: {exc}")
        serve = False
    if not serve:
        server.should_exit = True


@click.command("demo")
@click.option("--workers", "n_workers", default=2000, show_default=True, help="首次运行时生成的劳动者人数。")
@click.option("--seed", default=20240204, show_default=True, help="样例数据的随机种子。")
@click.option("--serve/--no-serve", default=True, show_default=True, help="打印推荐后是否继续提供服务。")
def demo_cmd(n_workers: int, seed: int, serve: bool) -> None:
    """样例演示：建立样例数据、启动服务并打印一名劳动者的推荐路径。"""
    import uvicorn

    from api.app import create_app

    # the service's JSON request log would drown the tour: warnings and errors only
    settings = get_settings().model_copy(update={"log_level": "WARNING"})
    _ensure_world(n_workers, seed)
    _ensure_model()
    password = _ensure_demo_counselor()
    base = f"http://{settings.host}:{settings.port}"
    _say(f"启动服务 {base} ……")
    config = uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="warning",
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    failed: list[str] = []
    threading.Thread(target=_tour, args=(base, server, serve, failed, password), daemon=True).start()
    server.run()  # in the foreground: uvicorn handles Ctrl-C (the first one) and shuts down cleanly
    if failed:
        raise click.ClickException("演示未能完成：" + failed[0])
    if not server.started:
        raise click.ClickException(f"服务未能在 {base} 启动（端口被占用？可设置 SKILLBRIDGE_PORT）")
    _say("服务已停止。")


COMMANDS: list[click.Command] = [demo_cmd]
