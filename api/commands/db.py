"""``skillbridge db``: schema migrations."""

from __future__ import annotations

import click

from api.settings import get_settings
from data.db.session import current_revision, downgrade, make_engine, upgrade


@click.group("db")
def db_group() -> None:
    """数据库结构迁移 (database schema migrations)."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def upgrade_cmd(revision: str) -> None:
    """Migrate the database up to REVISION."""
    engine = make_engine(get_settings().resolved_database_url)
    upgrade(engine, revision)
    click.echo(f"database at revision {current_revision(engine)}")


@db_group.command("downgrade")
@click.option("--revision", default="base", show_default=True)
def downgrade_cmd(revision: str) -> None:
    """Migrate the database down to REVISION (base = empty)."""
    engine = make_engine(get_settings().resolved_database_url)
    downgrade(engine, revision)
    click.echo(f"database at revision {current_revision(engine)}")


COMMANDS: list[click.Command] = [db_group]
