"""``skillbridge policy``: check a city's subsidy policy file, for form and for meaning."""

from __future__ import annotations

from pathlib import Path

import click

from data.policy_check import overrides
from data.policy_loader import PolicyFileError, load_policy_file
from matcher.subsidy import DAY_COUNTS, DUPLICATE_BY, CityPolicyBook
from matcher.types import SHORT_LEVEL_NAMES


@click.group("policy")
def policy_group() -> None:
    """补贴政策配置：检查各市补贴政策文件。"""


def _used_changes(book: CityPolicyBook) -> list[PolicyFileError] | None:
    """Versions of ``book`` that decisions in the configured database used with other content;
    None when there is no database to compare with."""
    from sqlalchemy import inspect

    from api.services.policy_versions import changed_versions
    from api.settings import get_settings
    from data.db.session import make_engine

    engine = make_engine(get_settings().resolved_database_url)
    try:
        if "policy_versions" not in inspect(engine).get_table_names():
            return None
        return changed_versions(engine, book)
    except Exception:  # noqa: BLE001 - an unreachable database only skips this comparison
        return None
    finally:
        engine.dispose()


@policy_group.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--db/--no-db", default=True, show_default=True, help="与数据库中已使用的政策版本比对内容哈希")
def check_cmd(files: tuple[Path, ...], db: bool) -> None:
    """检查政策文件 FILES：格式；含义（职业目录、通知第九条规定的对象和范围、金额上限）；
    已被补贴决定使用的版本是否被改动。有错误时退出码为1。"""
    failed = False
    for file in files:
        try:
            book = load_policy_file(file)
        except PolicyFileError as exc:
            click.echo(f"错误：{exc}", err=True)
            failed = True
            continue
        click.echo(f"{file.name}：{book.city_name}（{book.city_code}），共{len(book.versions)}个版本")
        for v in book.versions:
            levels = sorted({lv for o in v.occupations for lv in o.amounts.levels}, reverse=True)
            click.echo(
                f"  {v.rule_version}  自{v.effective_from.isoformat()}起施行，"
                f"内容哈希 {v.content_hash[:12]}；"
                f"补贴职业{len(v.occupations)}个，等级{'、'.join(SHORT_LEVEL_NAMES[lv] for lv in levels)}；"
                f"{'取得证书后' if v.certification.pay_on == 'certification' else '结业后'}发放；"
                f"生活费补贴每天{v.living.per_day}元、上限{v.living.cap}元，{DAY_COUNTS[v.living.day_count]}；"
                f"{DUPLICATE_BY[v.duplicate_by]}；金额上限{v.amount_ceiling}元"
            )
            for field, reason in overrides(v):
                click.echo(f"  注意：{v.rule_version} 偏离通知第九条之处已说明（{field}）：{reason}")
        if any(v.example for v in book.versions):
            click.echo("  注意：本文件数值为示例，不是官方补贴标准")
        changes = _used_changes(book) if db else None
        for error in changes or ():
            click.echo(f"错误：{error}", err=True)
            failed = True
        if not changes:
            click.echo("通过")
    if failed:
        raise SystemExit(1)


COMMANDS: list[click.Command] = [policy_group]
