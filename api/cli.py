"""The ``skillbridge`` command group. Each area keeps its commands in ``api/commands/<area>.py``
and exposes a ``COMMANDS`` list; they call the same services as the HTTP API."""

from __future__ import annotations

import importlib

import click

AREAS = (
    "db",
    "load",
    "data",
    "occupations",
    "model",
    "policy",
    "risk",
    "recommend",
    "batch",
    "serve",
    "demo",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="skillbridge")
def main() -> None:
    """SkillBridge 技能通: job–training matching for migrant workers."""


for _area in AREAS:
    _module = importlib.import_module(f"api.commands.{_area}")
    for _command in _module.COMMANDS:
        main.add_command(_command)


if __name__ == "__main__":
    main()
