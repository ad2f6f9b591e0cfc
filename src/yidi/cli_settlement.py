"""Settlement commands of the `yidi` CLI: `yidi ledger verify`, `yidi hospital key create|list|revoke`."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from yidi.domain.errors import YidiError
from yidi.services import hospital_keys, ledger
from yidi.services.context import Context
from yidi.settings import Settings

ledger_app = typer.Typer(help="账务 ledger of direct settlement", no_args_is_help=True)
hospital_app = typer.Typer(help="医疗机构 hospitals' access to the settlement API", no_args_is_help=True)
key_app = typer.Typer(help="API 密钥 hospital API keys", no_args_is_help=True)
hospital_app.add_typer(key_app, name="key")


def register(app: typer.Typer) -> None:
    app.add_typer(ledger_app, name="ledger")
    app.add_typer(hospital_app, name="hospital")


def _context() -> Context:
    return Context.from_settings(Settings.from_env())


def _fail(err: YidiError) -> None:
    from yidi.cli import _fail as render  # one renderer for every command; imported late (cli imports us)

    render(err, False)


@ledger_app.command("verify")
def verify(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """核对账务 Every posting balances; every accumulator equals the sum of its settlements. Exit 1 if not."""
    ctx = _context()
    try:
        rep = ledger.verify(ctx)
    finally:
        ctx.close()
    if as_json:
        print(json.dumps(rep.as_dict(), ensure_ascii=False, indent=2))
    else:
        console = Console()
        colour = "green" if rep.ok else "red"
        console.print(f"[{colour}]{'账务一致 ledger OK' if rep.ok else '账务不一致 ledger FAILED'}[/]: {rep.postings} postings, "
                      f"{rep.entries} entries, {rep.settlements} settlements, {rep.accumulators} accumulator rows")
        for p in rep.problems:
            console.print(f"  • {p}")
    if not rep.ok:
        raise typer.Exit(1)


@key_app.command("create")
def key_create(institution: Annotated[str, typer.Argument(help="institution code, e.g. H44010000001")]) -> None:
    """新建密钥 Print a new API key for an institution, once; only its scrypt hash is stored."""
    ctx = _context()
    try:
        new = hospital_keys.create_key(ctx, institution)
    except YidiError as err:
        _fail(err)
        return
    finally:
        ctx.close()
    Console(stderr=True).print(f"[green]已为 {new.institution} 创建密钥 {new.key_id}[/]；请妥善保存，之后无法再次查看 "
                               "(shown once; store it now)")
    print(new.key)


@key_app.command("list")
def key_list(institution: Annotated[str | None, typer.Argument()] = None) -> None:
    """列出密钥 Key ids, institutions and state (never secrets)."""
    ctx = _context()
    try:
        rows = hospital_keys.list_keys(ctx, institution)
    finally:
        ctx.close()
    t = Table("key_id", "institution", "created_at", "revoked_at")
    for r in rows:
        t.add_row(r.key_id, r.institution, str(r.created_at), str(r.revoked_at or ""))
    Console().print(t)


@key_app.command("revoke")
def key_revoke(key_id: Annotated[str, typer.Argument()]) -> None:
    """停用密钥 Revoke a key (running servers stop accepting it within a minute)."""
    ctx = _context()
    try:
        hospital_keys.revoke_key(ctx, key_id)
    except YidiError as err:
        _fail(err)
    finally:
        ctx.close()
    Console().print(f"已停用 revoked {key_id}")
