"""`yidi ledger verify`: every posting of direct settlement balances; every accumulator equals its settlements."""

from __future__ import annotations

from typing import Annotated

import typer

from yidi.cli.context import open_context
from yidi.cli.render import EXIT_CHECK_FAILED, console, print_json
from yidi.services import ledger

ledger_app = typer.Typer(help="账务 ledger of direct settlement", no_args_is_help=True)


@ledger_app.command("verify")
def verify(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """核对账务 Every posting balances; every accumulator equals the sum of its settlements. Exit 1 if not."""
    ctx = open_context()
    try:
        rep = ledger.verify(ctx)
    finally:
        ctx.close()
    if as_json:
        print_json(rep.as_dict())
    else:
        con = console()
        colour = "green" if rep.ok else "red"
        con.print(f"[{colour}]{'账务一致 ledger OK' if rep.ok else '账务不一致 ledger FAILED'}[/]: {rep.postings} postings, "
                  f"{rep.entries} entries, {rep.settlements} settlements, {rep.accumulators} accumulator rows")
        for p in rep.problems:
            con.print(f"  • {p}")
    if not rep.ok:
        raise typer.Exit(EXIT_CHECK_FAILED)
