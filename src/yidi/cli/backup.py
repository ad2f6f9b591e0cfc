"""`yidi backup` and `yidi restore`: the whole database to a file and back, then the ledger and trail re-checked."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from yidi.cli.audit import print_rows
from yidi.cli.context import open_context
from yidi.cli.render import EXIT_CHECK_FAILED, console, fail
from yidi.domain.error_catalogue import error
from yidi.domain.errors import YidiError
from yidi.services import backup, ledger
from yidi.services.trail import trail_report
from yidi.settings import Settings


def backup_command(
    file: Annotated[Path | None, typer.Argument(help="backup file (default: var/backups/yidi-<time>.<db|dump>)")] = None,
) -> None:
    """备份 Back up the database (SQLite: online backup API; PostgreSQL: pg_dump custom format)."""
    url = Settings.from_env().database_url
    kind = "sqlite" if url.startswith("sqlite") else "postgresql"
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = file or Path("var/backups") / f"yidi-{stamp}.{'db' if kind == 'sqlite' else 'dump'}"
    try:
        res = backup.backup(url, target)
    except YidiError as err:
        fail(err)
    console().print(f"[green]已备份 backed up[/] {res.kind} → {res.path} ({res.bytes:,} bytes)")


def restore_command(
    file: Annotated[Path, typer.Argument(help="a file made by `yidi backup`")],
    yes: Annotated[bool, typer.Option("--yes", help="confirm: the database's current content is replaced")] = False,
) -> None:
    """恢复 Restore a backup over the database, then verify the ledger and the audit chain (exit 1 if either fails)."""
    if not yes:
        fail(error("CONFIRM_REQUIRED", what_zh="恢复会覆盖当前数据库", what_en="a restore replaces the database's content"))
    url = Settings.from_env().database_url
    try:
        kind = backup.restore(url, file)
    except YidiError as err:
        fail(err)
    ctx = open_context()
    try:
        led = ledger.verify(ctx)
        aud, rows = trail_report(ctx)
    finally:
        ctx.close()
    con = console()
    con.print(f"[green]已恢复 restored[/] {kind} from {file}")
    con.print(f"  ledger: {'OK' if led.ok else 'FAILED'} ({led.postings} postings) · audit chain: "
              f"{'OK' if aud.ok else 'BROKEN'} ({aud.records} records)")
    for p in [*led.problems, *aud.problems]:
        con.print(f"  • {p}")
    if rows is not None:
        print_rows(con, rows)
    if not (led.ok and aud.ok and (rows is None or rows.ok)):
        raise typer.Exit(EXIT_CHECK_FAILED)
