"""``skillbridge serve``: run the HTTP service."""

from __future__ import annotations

import click

from api.settings import get_settings


@click.command("serve")
@click.option("--host", default=None, help="default: SKILLBRIDGE_HOST (127.0.0.1)")
@click.option("--port", default=None, type=int, help="default: SKILLBRIDGE_PORT (8000)")
def serve_cmd(host: str | None, port: int | None) -> None:
    """Serve the API on HOST:PORT."""
    import uvicorn

    from api.app import create_app

    settings = get_settings()
    uvicorn.run(
        create_app(settings), host=host or settings.host, port=port or settings.port, log_level="info"
    )


COMMANDS: list[click.Command] = [serve_cmd]
