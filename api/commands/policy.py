"""``skillbridge policy``: check a city's subsidy policy file."""

from __future__ import annotations

from pathlib import Path

import click

from data.policy_loader import PolicyFileError, load_policy_file
from matcher.types import SHORT_LEVEL_NAMES


@click.group("policy")
def policy_group() -> None:
    """补贴政策配置 (per-city subsidy policy files)."""


@policy_group.command("check")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def check_cmd(file: Path) -> None:
    """Validate a policy FILE and summarise its versions; exit 1 with the error otherwise."""
    try:
        book = load_policy_file(file)
    except PolicyFileError as exc:
        click.echo(f"错误 (error): {exc}", err=True)
        raise SystemExit(1) from None
    click.echo(f"{file.name}: {book.city_name} ({book.city_code}), {len(book.versions)} 个版本 (versions)")
    for v in book.versions:
        levels = sorted({lv for o in v.occupations for lv in o.amounts.levels}, reverse=True)
        click.echo(
            f"  {v.rule_version}  自 {v.effective_from.isoformat()} 起施行；"
            f"补贴职业 {len(v.occupations)} 个，等级 {'、'.join(SHORT_LEVEL_NAMES[lv] for lv in levels)}；"
            f"{'取得证书后' if v.certification.pay_on == 'certification' else '结业后'}发放；"
            f"生活费补贴每天 {v.living.per_day} 元、上限 {v.living.cap} 元"
        )
    if any(v.example for v in book.versions):
        click.echo("  注意：本文件数值为示例，不是官方补贴标准 (example values, not official)")
    click.echo("OK")


COMMANDS: list[click.Command] = [policy_group]
