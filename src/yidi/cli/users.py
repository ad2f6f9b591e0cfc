"""`yidi users add|list|passwd|disable`: accounts of persons, hospital desk staff, agency staff and clearing operators."""

from __future__ import annotations

from typing import Annotated

import typer

from yidi.cli.context import open_context
from yidi.cli.render import console, fail, table
from yidi.domain.errors import YidiError
from yidi.domain.ids import mask_id
from yidi.services import accounts
from yidi.services.personal_data import mask_name

users_app = typer.Typer(help="账号 user accounts (persons, agency staff, clearing operators)", no_args_is_help=True)


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument()],
    role: Annotated[accounts.AccountRole, typer.Option(help="person / hospital / agency / clearing")],
    subject: Annotated[str, typer.Option(help="citizen ID (person), institution code (hospital desk staff), "
                                              "region code (agency), 000000 or XX0000 (clearing)")],
    duties: Annotated[str, typer.Option(help="agency: comma-separated reviewer,payer,administrator")] = "",
    name: Annotated[str, typer.Option(help="display name")] = "",
    password: Annotated[str | None, typer.Option(help="omit to be asked (not echoed)")] = None,
) -> None:
    """新建账号 Add an account; the password is hashed (scrypt) and never shown again."""
    pw = password or typer.prompt("密码 password", hide_input=True, confirmation_prompt=True)
    ctx = open_context()
    try:
        accounts.create_user(ctx, username, pw, role, subject, duties=duties.split(","), display_name=name)
    except YidiError as err:
        fail(err)
    finally:
        ctx.close()
    console().print(f"[green]已创建 created[/] {username} ({role.value})")


@users_app.command("list")
def users_list() -> None:
    """账号列表 List accounts (citizen IDs masked)."""
    ctx = open_context()
    try:
        rows = accounts.list_users(ctx)
    finally:
        ctx.close()
    t = table("username", "role", "subject", "duties", "name", "active")
    for u in rows:
        shown = mask_id(u.subject) if u.role == "person" else u.subject
        user = mask_id(u.username) if u.username == u.subject and u.role == "person" else u.username
        t.add_row(user, u.role, shown, ",".join(u.duties), mask_name(u.display_name), "yes" if u.active else "no")
    console().print(t)


@users_app.command("passwd")
def users_passwd(username: Annotated[str, typer.Argument()],
                 password: Annotated[str | None, typer.Option()] = None) -> None:
    """改密码 Set a new password (ends the account's open sessions)."""
    pw = password or typer.prompt("新密码 new password", hide_input=True, confirmation_prompt=True)
    ctx = open_context()
    try:
        accounts.set_password(ctx, username, pw)
    except YidiError as err:
        fail(err)
    finally:
        ctx.close()
    console().print(f"[green]已更新 updated[/] {username}")


@users_app.command("disable")
def users_disable(username: Annotated[str, typer.Argument()],
                  enable: Annotated[bool, typer.Option("--enable", help="enable again")] = False) -> None:
    """停用账号 Disable (or --enable) an account; its tokens stop working within 10 s (a running server re-reads accounts)."""
    ctx = open_context()
    try:
        accounts.set_active(ctx, username, enable)
    except YidiError as err:
        fail(err)
    finally:
        ctx.close()
    console().print(f"[green]{'已启用 enabled' if enable else '已停用 disabled'}[/] {username}")
