"""`yidi db upgrade|downgrade|current`: the database schema (Alembic migrations)."""

from __future__ import annotations

from typing import Annotated

import typer

from yidi.cli.context import open_context
from yidi.cli.render import console, fail
from yidi.domain.error_catalogue import error
from yidi.services import database

db_app = typer.Typer(help="数据库 database schema (Alembic migrations)", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """升级 Migrate the database (YIDI_DATABASE_URL) up to a revision (default: head)."""
    ctx = open_context()
    database.upgrade(ctx, revision)
    console().print(f"[green]ok[/] {database.url(ctx)} at {database.current(ctx)}")
    ctx.close()


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument()] = "base",
    yes: Annotated[bool, typer.Option("--yes", help="confirm: a downgrade drops tables and their data")] = False,
) -> None:
    """降级 Migrate down (default: base, which drops every yidi table)."""
    if not yes:
        fail(error("CONFIRM_REQUIRED", what_zh="降级会删除数据表及其数据", what_en="a downgrade drops tables and their data"))
    ctx = open_context()
    database.downgrade(ctx, revision)
    console().print(f"[green]ok[/] {database.url(ctx)} at {database.current(ctx) or 'base'}")
    ctx.close()


@db_app.command("current")
def db_current() -> None:
    """当前版本 Show the database's revision and the code's head."""
    ctx = open_context()
    console().print(f"database: {database.current(ctx) or '(empty)'} · code head: {database.head()}")
    ctx.close()
