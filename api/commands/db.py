"""``skillbridge db``: schema migrations and reference data."""

from __future__ import annotations

import click

from api.settings import get_settings
from data.db.session import connected, current_revision, downgrade, upgrade
from data.reference import load_reference


@click.group("db")
def db_group() -> None:
    """数据库结构迁移与基础数据 (database schema and reference data)."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def upgrade_cmd(revision: str) -> None:
    """Migrate the database up to REVISION."""
    with connected(get_settings().resolved_database_url) as engine:
        upgrade(engine, revision)
        click.echo(f"数据库版本: {current_revision(engine)}")


@db_group.command("downgrade")
@click.option("--revision", default="base", show_default=True)
def downgrade_cmd(revision: str) -> None:
    """Migrate the database down to REVISION (base = empty)."""
    with connected(get_settings().resolved_database_url) as engine:
        downgrade(engine, revision)
        click.echo(f"数据库版本: {current_revision(engine)}")


@db_group.command("init")
def init_cmd() -> None:
    """Migrate to the newest schema and load the shipped regions and occupation catalogue."""
    with connected(get_settings().resolved_database_url) as engine:
        upgrade(engine)
        regions, occupations = load_reference(engine)
        revision = current_revision(engine)
    click.echo(f"数据库版本: {revision}；新增行政区划 {regions} 个，职业 {occupations} 个")


COMMANDS: list[click.Command] = [db_group]
