"""``skillbridge occupations``: the national occupation catalogue."""

from __future__ import annotations

from pathlib import Path

import click

from api.commands.occupations_artefacts import build_artefacts_command, build_seed_command
from api.commands.occupations_match import match_command
from api.settings import get_settings
from data.db.session import connected
from data.occupations import SHIPPED_CATALOGUE, import_catalogue, read_catalogue
from data.tabular import ValidationFailed


@click.group("occupations")
def occupations_group() -> None:
    """职业分类大典（2022）目录：导入、匹配与派生数据。"""


@occupations_group.command("import")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
def import_cmd(file: Path | None) -> None:
    """Load FILE (CSV or XLSX with the book's columns; default: the shipped catalogue)."""
    path = file or SHIPPED_CATALOGUE
    try:
        frame = read_catalogue(path)
    except ValidationFailed as exc:
        raise click.ClickException(str(exc)) from None
    with connected(get_settings().resolved_database_url) as engine:
        inserted, updated = import_catalogue(engine, frame)
    click.echo(f"{path}: {frame.height} 个职业，新增 {inserted}，更新 {updated}")


occupations_group.add_command(match_command)
occupations_group.add_command(build_artefacts_command)
occupations_group.add_command(build_seed_command)

COMMANDS: list[click.Command] = [occupations_group]
