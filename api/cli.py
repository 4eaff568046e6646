"""The ``skillbridge`` command group. Each area keeps its commands in ``api/commands/<area>.py``
and exposes a ``COMMANDS`` list, listed here; they call the same services as the HTTP API.

Errors are printed in Chinese: click's usage errors (a missing or unknown option, a value out of
range or in the wrong format) are translated, the option's name kept as typed so that scripts can
still tell which one was wrong.
"""

from __future__ import annotations

import re
import sys
from typing import Any

import click

from api.commands import (
    batch,
    data,
    db,
    demo,
    load,
    model,
    occupations,
    policy,
    recommend,
    risk,
    serve,
    users,
)

AREAS = (db, load, data, occupations, model, policy, risk, recommend, batch, users, serve, demo)

#: click's English messages about a value → Chinese (regular expression, replacement)
_VALUE_MESSAGES: tuple[tuple[str, str], ...] = (
    (
        r"^'?(.+?)'? is not in the range (-?\d+(?:\.\d+)?)<=x<=(-?\d+(?:\.\d+)?)\.?$",
        r"\1 不在 \2 至 \3 的范围内",
    ),
    (r"^'?(.+?)'? is not in the range x>=(-?\d+(?:\.\d+)?)\.?$", r"\1 应不小于 \2"),
    (r"^'?(.+?)'? is not in the range x<=(-?\d+(?:\.\d+)?)\.?$", r"\1 应不大于 \2"),
    (r"^'?(.+?)'? is not a valid integer( range)?\.?$", r"\1 不是整数"),
    (r"^'?(.+?)'? is not a valid float( range)?\.?$", r"\1 不是数字"),
    (r"^'?(.+?)'? is not a valid boolean\.?$", r"\1 不是是/否（true/false）"),
    (r"^'?(.+?)'? does not match the formats? (.+)\.$", r"\1 不符合格式 YYYY-MM-DD"),
    (r"^'?(.+?)'? is not one of (.+)\.$", r"\1 不是以下取值之一：\2"),
    (r"^'?(.+?)'? is not (?:a )?one of (.+)\.$", r"\1 不是以下取值之一：\2"),
    (r"^(?:File|Path|Directory) '(.+)' does not exist\.$", r"文件或目录 \1 不存在"),
    (r"^(?:File|Path) '(.+)' is a directory\.$", r"\1 是目录，应为文件"),
    (r"^Directory '(.+)' is a file\.$", r"\1 是文件，应为目录"),
)


def _value_message(message: str) -> str:
    for pattern, replacement in _VALUE_MESSAGES:
        if re.match(pattern, message):
            return re.sub(pattern, replacement, message)
    return message


def chinese_usage_error(exc: click.UsageError) -> str:
    """The Chinese text of one of click's usage errors (options named as the user typed them)."""
    if isinstance(exc, click.MissingParameter):
        hint = exc.param_hint or (exc.param.get_error_hint(exc.ctx) if exc.param and exc.ctx else "")
        what = "参数" if exc.param_type == "argument" else "选项"
        return f"缺少{what} {hint}".strip()
    if isinstance(exc, click.NoSuchOption):
        suggest = f"（是否想输入：{'、'.join(exc.possibilities)}？）" if exc.possibilities else ""
        return f"没有此选项：{exc.option_name}{suggest}"
    if isinstance(exc, click.BadOptionUsage):
        return f"选项 {exc.option_name} 用法有误：{_value_message(exc.message)}"
    if isinstance(exc, click.BadParameter):
        hint = exc.param_hint or (exc.param.get_error_hint(exc.ctx) if exc.param and exc.ctx else "")
        return f"{hint} 的值无效：{_value_message(exc.message)}"
    message = exc.message
    if m := re.match(r"^No such command '(.+)'\.$", message):
        return f"没有此命令：{m.group(1)}"
    if m := re.match(r"^Got unexpected extra arguments? \((.+)\)$", message):
        return f"多余的参数：{m.group(1)}"
    if message == "Missing command.":
        return "缺少子命令"
    return _value_message(message)


class ChineseGroup(click.Group):
    """A command group whose errors read in Chinese (see the module docstring)."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:  # type: ignore[override]
        run: Any = super().main
        if not standalone_mode:
            return run(*args, standalone_mode=False, **kwargs)
        try:
            return run(*args, standalone_mode=False, **kwargs)
        except click.UsageError as exc:
            ctx = exc.ctx
            if ctx is not None:
                click.echo(ctx.get_usage().replace("Usage: ", "用法：", 1), err=True)
                click.echo(f"查看帮助：{ctx.command_path} -h", err=True)
            click.echo(f"错误：{chinese_usage_error(exc)}", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            click.echo(f"错误：{exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except (click.Abort, KeyboardInterrupt):
            click.echo("已中止。", err=True)
            sys.exit(1)


@click.group(cls=ChineseGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="skillbridge")
def main() -> None:
    """SkillBridge 技能通：农民工职业技能培训与就业岗位匹配。"""


for _area in AREAS:
    for _command in _area.COMMANDS:
        main.add_command(_command)


if __name__ == "__main__":
    main()
