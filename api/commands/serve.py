"""``skillbridge serve``: run the HTTP service, in one process or several sharing one home."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import click

from api.settings import get_settings


def prepare_metrics_dir(home: Path) -> Path:
    """A fresh directory for the processes' shared Prometheus metrics (multi-process mode)."""
    path = home / "metrics" / f"serve-{os.getpid()}"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


@click.command("serve")
@click.option("--host", default=None, help="监听地址（默认：SKILLBRIDGE_HOST，127.0.0.1）。")
@click.option(
    "--port", default=None, type=click.IntRange(1, 65535), help="端口（默认：SKILLBRIDGE_PORT，8000）。"
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="服务进程数；多个进程共用同一数据目录与数据库。",
)
def serve_cmd(host: str | None, port: int | None, workers: int) -> None:
    """运行 HTTP 服务（Ctrl-C 或 SIGTERM 平稳停止：不再接收新请求，处理完进行中的请求后退出）。"""
    import uvicorn

    settings = get_settings()
    metrics_dir = None
    if workers > 1:
        metrics_dir = prepare_metrics_dir(settings.home)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
        # each process encodes and searches on one core; two would oversubscribe the machine
        os.environ.setdefault("OMP_NUM_THREADS", "1")
    try:
        uvicorn.run(
            "api.app:create_app",
            factory=True,
            host=host or settings.host,
            port=port or settings.port,
            workers=workers,
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=10,
        )
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)


COMMANDS: list[click.Command] = [serve_cmd]
