"""``skillbridge risk``: the clause 十三 risk list of one city — report, scheduled scan, follow-up."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from api.services.risk import FlagStateError, risk_report, scan, set_state, stored_flags
from api.settings import get_settings
from data.db.session import make_engine
from data.policy_loader import PolicyFileError, PolicyNotFound
from matcher.subsidy.risk import FLAG_STATES, RISK_KIND_NAMES


@click.group("risk")
def risk_group() -> None:
    """补贴经办风险排查（通知第十三条）：风险隐患清单、定期排查、核查处理。"""


def _city(city: str) -> str:
    if not (len(city) == 4 and city.isdigit()):
        raise click.BadParameter("城市代码应为4位数字，如 1411", param_hint="--city")
    return city


_CITY = click.option("--city", required=True, help="4位城市代码，如 1411（吕梁市）")
_AS_OF = click.option(
    "--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), default=None, help="排查日期（默认今天）"
)
_POLICY_DIR = click.option("--policy-dir", type=click.Path(file_okay=False, path_type=Path), default=None)


@risk_group.command("report")
@_CITY
@_AS_OF
@_POLICY_DIR
@click.option("--json", "as_json", is_flag=True, help="以JSON输出")
def report_cmd(city: str, as_of: dt.datetime | None, policy_dir: Path | None, as_json: bool) -> None:
    """列出城市 CITY 的风险线索及证据和核查状态。"""
    city = _city(city)
    day = as_of.date() if as_of else dt.date.today()
    engine = make_engine(get_settings().resolved_database_url)
    try:
        report = risk_report(engine, city, as_of=day, policy_dir=policy_dir)
    except (PolicyNotFound, PolicyFileError) as exc:
        click.echo(f"错误：{exc}", err=True)
        raise SystemExit(1) from None
    finally:
        engine.dispose()
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2, sort_keys=True, default=str))
        return
    click.echo(f"{report.city_name}（{report.city_code}）补贴经办风险隐患清单，截至{day.isoformat()}")
    click.echo(f"政策版本：{report.rule_version or '无'}" + ("（示例数值）" if report.example_policy else ""))
    for kind, n in report.counts().items():
        click.echo(f"  {RISK_KIND_NAMES[kind]}：{n} 条")
    for i, item in enumerate(report.flags, 1):
        shown = item.as_dict()
        number = f"线索{item.flag_id}" if item.flag_id else "未登记"
        click.echo(
            f"{i}. [{shown['类型']}]（{number}，{item.state}）{item.flag.subject}  {item.flag.message}"
        )
        for label, value in item.flag.evidence_cn().items():
            click.echo(f"     {label}：{value if value is not None else '—'}")
    if not report.flags:
        click.echo("未发现风险线索")


@risk_group.command("scan")
@_CITY
@_AS_OF
@_POLICY_DIR
@click.option("--actor", default="risk-scan", show_default=True, help="记录为发现人的经办人或任务名")
def scan_cmd(city: str, as_of: dt.datetime | None, policy_dir: Path | None, actor: str) -> None:
    """排查城市 CITY 并登记新发现的风险线索（状态“待核查”）；宜定期运行（如每日）。"""
    city = _city(city)
    day = as_of.date() if as_of else dt.date.today()
    engine = make_engine(get_settings().resolved_database_url)
    try:
        result = scan(engine, city, as_of=day, actor=actor, policy_dir=policy_dir)
    except (PolicyNotFound, PolicyFileError) as exc:
        click.echo(f"错误：{exc}", err=True)
        raise SystemExit(1) from None
    finally:
        engine.dispose()
    click.echo(f"{city} 截至{day.isoformat()}：发现风险线索{result.found}条，其中新登记{result.new}条")


@risk_group.command("flags")
@_CITY
@click.option("--state", type=click.Choice(FLAG_STATES), default=None, help="只列出该状态的线索")
def flags_cmd(city: str, state: str | None) -> None:
    """列出城市 CITY 已登记的风险线索及核查状态。"""
    engine = make_engine(get_settings().resolved_database_url)
    try:
        rows = stored_flags(engine, _city(city), state)
    finally:
        engine.dispose()
    for r in rows:
        who = f"，{r.state_by}于{r.state_at:%Y-%m-%d %H:%M}" if r.state_by and r.state_at else ""
        click.echo(
            f"线索{r.id} [{RISK_KIND_NAMES.get(r.kind, r.kind)}]（{r.state}{who}）{r.subject}  {r.message}"
        )
    if not rows:
        click.echo("没有已登记的风险线索")


@risk_group.command("set")
@click.argument("flag_id", type=int)
@click.argument("state", type=click.Choice(FLAG_STATES[1:]))
@click.option("--actor", required=True, help="经办人")
@click.option("--note", default="", help="核查情况（标记误报、已查处时必填）")
def set_cmd(flag_id: int, state: str, actor: str, note: str) -> None:
    """把风险线索 FLAG_ID 标记为 STATE（已核实、误报、已查处）。"""
    engine = make_engine(get_settings().resolved_database_url)
    try:
        record = set_state(engine, flag_id, state, actor=actor, note=note)
    except FlagStateError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        engine.dispose()
    click.echo(f"线索{record.id}已标记为“{record.state}”（{record.state_by}）")


COMMANDS: list[click.Command] = [risk_group]
