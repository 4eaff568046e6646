"""``skillbridge risk``: the clause 十三 risk report of one city."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from api.services.risk import risk_report
from api.settings import get_settings
from data.db.session import make_engine
from data.policy_loader import PolicyFileError, PolicyNotFound
from matcher.risk import RISK_KIND_NAMES


@click.group("risk")
def risk_group() -> None:
    """补贴经办风险排查 (subsidy risk flags, clause 十三)."""


@risk_group.command("report")
@click.option("--city", required=True, help="4-digit city code, e.g. 1411 (吕梁市)")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), default=None, help="report date")
@click.option("--policy-dir", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
def report_cmd(city: str, as_of: dt.datetime | None, policy_dir: Path | None, as_json: bool) -> None:
    """List the risk flags of CITY with their evidence."""
    if not (len(city) == 4 and city.isdigit()):
        raise click.BadParameter("城市代码应为4位数字，如 1411", param_hint="--city")
    day = as_of.date() if as_of else dt.date.today()
    engine = make_engine(get_settings().resolved_database_url)
    try:
        report = risk_report(engine, city, as_of=day, policy_dir=policy_dir)
    except (PolicyNotFound, PolicyFileError) as exc:
        click.echo(f"错误 (error): {exc}", err=True)
        raise SystemExit(1) from None
    finally:
        engine.dispose()
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2, sort_keys=True))
        return
    click.echo(f"{report.city_name}（{report.city_code}）补贴经办风险清单，截至 {day.isoformat()}")
    click.echo(f"政策版本 {report.rule_version or '无'}" + ("（示例数值）" if report.example_policy else ""))
    for kind, n in report.counts().items():
        click.echo(f"  {RISK_KIND_NAMES[kind]}：{n} 条")
    for i, flag in enumerate(report.flags, 1):
        click.echo(f"{i}. [{RISK_KIND_NAMES[flag.kind]}] {flag.subject}  {flag.message}")
        for name, value in flag.evidence_dict().items():
            click.echo(f"     {name} = {value}")
    if not report.flags:
        click.echo("未发现风险线索")


COMMANDS: list[click.Command] = [risk_group]
