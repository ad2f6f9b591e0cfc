"""Trust commands of the `yidi` CLI (issue 8): `audit verify` (with the row check of issue 13), `backup`, `restore`,
`users add|list|passwd|disable`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from yidi.domain.errors import YidiError
from yidi.services import accounts, backup, ledger
from yidi.services.context import Context
from yidi.settings import Settings
from yidi.store import audit_chain, row_check
from yidi.store.db import unit_of_work

audit_app = typer.Typer(help="审计 the audit trail (hash-chained)", no_args_is_help=True)
users_app = typer.Typer(help="账号 user accounts (persons, agency staff, clearing operators)", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
    app.add_typer(users_app, name="users")
    app.command("backup")(backup_command)
    app.command("restore")(restore_command)


def _fail(err: YidiError) -> None:
    from yidi.cli import _fail as render  # one renderer for every command; imported late (cli imports us)

    render(err, False)


def _context() -> Context:
    try:
        return Context.from_settings(Settings.from_env())
    except YidiError as err:
        _fail(err)
        raise


def audit_report(ctx: Context) -> audit_chain.ChainReport:
    """The chain alone (`yidi audit verify --no-rows`)."""
    return trail_report(ctx, rows=False)[0]


def trail_report(ctx: Context, *, rows: bool = True) -> tuple[audit_chain.ChainReport, row_check.RowReport | None]:
    """The chain and (rows) every audited row against the row log, from one snapshot."""
    with unit_of_work(ctx.sessions) as s:
        row_check.snapshot(s)
        chain = audit_chain.verify(s)
        return chain, row_check.verify_rows(s) if rows else None


@audit_app.command("verify")
def audit_verify(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    rows: Annotated[bool, typer.Option("--rows/--no-rows", help="also compare every audited row with the row log "
                                       "(reads every table once)")] = True,
) -> None:
    """核对审计链 Recompute the hash chain and compare every row with what yidi last wrote: a record edited or
    deleted, or a row changed, added or deleted outside yidi, fails (exit 1)."""
    ctx = _context()
    try:
        rep, rrep = trail_report(ctx, rows=rows)
    finally:
        ctx.close()
    ok = rep.ok and (rrep is None or rrep.ok)
    if as_json:
        print(json.dumps({"ok": ok, "records": rep.records, "head_seq": rep.head_seq, "head_hash": rep.head_hash,
                          "problems": rep.problems, "rows": rrep.as_dict() if rrep else None},
                         ensure_ascii=False, indent=2))
    else:
        console = Console()
        colour = "green" if rep.ok else "red"
        console.print(f"[{colour}]{'审计链完整 audit chain OK' if rep.ok else '审计链被破坏 audit chain BROKEN'}[/]: "
                      f"{rep.records} records, head seq {rep.head_seq} {rep.head_hash[:16]}")
        for p in rep.problems:
            console.print(f"  • {p}")
        if rrep is not None:
            print_rows(console, rrep)
    if not ok:
        raise typer.Exit(1)


def print_rows(console: Console, rep: row_check.RowReport) -> None:
    colour = "green" if rep.ok else "red"
    head = "数据与审计一致 rows match the audit trail" if rep.ok else "数据在 yidi 之外被改动 rows changed outside yidi"
    counts = ", ".join(f"{k} {v}" for k, v in sorted(rep.counts.items()))
    console.print(f"[{colour}]{head}[/]: {rep.rows} rows in {rep.tables} tables, {rep.lines} log lines"
                  + (f" — {counts}" if counts else ""))
    for text in rep.log_problems:
        console.print(f"  • {text}")
    for p in rep.problems:
        zh, en = row_check.WHAT[p.kind]
        at = f" (seq {p.seq})" if p.seq else ""
        console.print(f"  • {p.table} {p.key}: {zh} {en}{at}")
    if sum(rep.counts.values()) > len(rep.problems):
        console.print(f"  … {sum(rep.counts.values()) - len(rep.problems)} more (--json lists the first "
                      f"{len(rep.problems)})")


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
        _fail(err)
        return
    Console().print(f"[green]已备份 backed up[/] {res.kind} → {res.path} ({res.bytes:,} bytes)")


def restore_command(
    file: Annotated[Path, typer.Argument(help="a file made by `yidi backup`")],
    yes: Annotated[bool, typer.Option("--yes", help="confirm: the database's current content is replaced")] = False,
) -> None:
    """恢复 Restore a backup over the database, then verify the ledger and the audit chain (exit 1 if either fails)."""
    if not yes:
        _fail(YidiError("CONFIRM_REQUIRED", "恢复会覆盖当前数据库：确认请加 --yes",
                        "a restore replaces the database's content: add --yes to confirm", "--yes", 400))
    url = Settings.from_env().database_url
    try:
        kind = backup.restore(url, file)
    except YidiError as err:
        _fail(err)
        return
    ctx = _context()
    try:
        led = ledger.verify(ctx)
        aud, rows = trail_report(ctx)
    finally:
        ctx.close()
    console = Console()
    console.print(f"[green]已恢复 restored[/] {kind} from {file}")
    console.print(f"  ledger: {'OK' if led.ok else 'FAILED'} ({led.postings} postings) · audit chain: "
                  f"{'OK' if aud.ok else 'BROKEN'} ({aud.records} records)")
    for p in [*led.problems, *aud.problems]:
        console.print(f"  • {p}")
    if rows is not None:
        print_rows(console, rows)
    if not (led.ok and aud.ok and (rows is None or rows.ok)):
        raise typer.Exit(1)


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
    ctx = _context()
    try:
        accounts.create_user(ctx, username, pw, role, subject, duties=duties.split(","), display_name=name)
    except YidiError as err:
        _fail(err)
    finally:
        ctx.close()
    Console().print(f"[green]已创建 created[/] {username} ({role.value})")


@users_app.command("list")
def users_list() -> None:
    """账号列表 List accounts (citizen IDs masked)."""
    from yidi.domain.ids import mask_id
    from yidi.services.personal_data import mask_name

    ctx = _context()
    try:
        rows = accounts.list_users(ctx)
    finally:
        ctx.close()
    t = Table("username", "role", "subject", "duties", "name", "active")
    for u in rows:
        shown = mask_id(u.subject) if u.role == "person" else u.subject
        user = mask_id(u.username) if u.username == u.subject and u.role == "person" else u.username
        t.add_row(user, u.role, shown, u.duties, mask_name(u.display_name), "yes" if u.active else "no")
    Console().print(t)


@users_app.command("passwd")
def users_passwd(username: Annotated[str, typer.Argument()],
                 password: Annotated[str | None, typer.Option()] = None) -> None:
    """改密码 Set a new password (ends the account's open sessions)."""
    pw = password or typer.prompt("新密码 new password", hide_input=True, confirmation_prompt=True)
    ctx = _context()
    try:
        accounts.set_password(ctx, username, pw)
    except YidiError as err:
        _fail(err)
    finally:
        ctx.close()
    Console().print(f"[green]已更新 updated[/] {username}")


@users_app.command("disable")
def users_disable(username: Annotated[str, typer.Argument()],
                  enable: Annotated[bool, typer.Option("--enable", help="enable again")] = False) -> None:
    """停用账号 Disable (or --enable) an account; its tokens stop working within 10 s (a running server re-reads accounts)."""
    ctx = _context()
    try:
        accounts.set_active(ctx, username, enable)
    except YidiError as err:
        _fail(err)
    finally:
        ctx.close()
    Console().print(f"[green]{'已启用 enabled' if enable else '已停用 disabled'}[/] {username}")
