"""``skillbridge load KIND FILE``: validated bulk import of a catalogue or worker file."""

from __future__ import annotations

from pathlib import Path

import click

from api.settings import get_settings
from data.db.session import connected
from data.fact_loaders import FACT_KINDS, load_fact_file
from data.loaders import ORDER, load_file
from data.tabular import ValidationFailed


@click.command("load")
@click.argument("kind", type=click.Choice((*ORDER, *FACT_KINDS)))
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def load_cmd(kind: str, file: Path) -> None:
    """Load FILE (CSV in UTF-8 or GBK, XLSX, Parquet) as KIND. A file with any bad row is
    refused whole, with every bad row's line and field."""
    settings = get_settings()
    try:
        with connected(settings.resolved_database_url) as engine:
            if kind in FACT_KINDS:
                report = load_fact_file(engine, kind, file)
            else:
                report = load_file(engine, kind, file, secret_key=settings.secret_key)
    except ValidationFailed as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(str(report))


COMMANDS: list[click.Command] = [load_cmd]
