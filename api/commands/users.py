"""``skillbridge users``: accounts — create, list, revoke."""

from __future__ import annotations

import click

from api.errors import ServiceError
from api.services.auth import ROLES
from api.services.users import create_user, deactivate_user, list_users
from api.settings import get_settings
from data.db.session import connected


@click.group("users")
def users_group() -> None:
    """账号管理：创建、列出、停用（停用后其令牌立即失效）。"""


@users_group.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(ROLES), help="角色")
@click.option("--region", required=True, help="可见范围（行政区划代码前缀）：省 14、市 1401、县 141124")
@click.option("--institution", "institution_id", default=None, help="培训机构账号所代表的机构编号")
@click.option("--employer", "employer_id", default=None, help="用人单位账号所代表的单位编号")
@click.option("--worker", "worker_id", default=None, help="劳动者账号所代表的劳动者编号")
@click.option(
    "--password",
    prompt="密码",
    hide_input=True,
    confirmation_prompt="再次输入密码",
    help="密码（不给则提示输入）",
)
def create_cmd(
    username: str,
    role: str,
    region: str,
    institution_id: str | None,
    employer_id: str | None,
    worker_id: str | None,
    password: str,
) -> None:
    """创建账号 USERNAME。"""
    with connected(get_settings().resolved_database_url) as engine:
        try:
            user = create_user(
                engine,
                username,
                password,
                role,
                region,
                institution_id=institution_id,
                employer_id=employer_id,
                worker_id=worker_id,
            )
        except ServiceError as exc:
            raise click.ClickException(exc.message) from None
    click.echo(f"已创建账号 {user.username}（{user.role}，范围 {user.region}）")


@users_group.command("list")
def list_cmd() -> None:
    """列出所有账号。"""
    with connected(get_settings().resolved_database_url) as engine:
        users = list_users(engine)
    for u in users:
        acts = u.institution_id or u.employer_id or u.worker_id or ""
        state = "" if u.active else "（已停用）"
        click.echo(f"{u.username}\t{u.role}\t{u.region}\t{acts}{state}")
    click.echo(f"共 {len(users)} 个账号")


@users_group.command("revoke")
@click.argument("username")
def revoke_cmd(username: str) -> None:
    """停用账号 USERNAME，其所有令牌立即失效。"""
    with connected(get_settings().resolved_database_url) as engine:
        try:
            revoked = deactivate_user(engine, username)
        except ServiceError as exc:
            raise click.ClickException(exc.message) from None
    click.echo(f"已停用账号 {username}，撤销令牌 {revoked} 个")


COMMANDS: list[click.Command] = [users_group]
