"""`yidi audit verify`: the hash-chained audit trail, and every audited row against what yidi last wrote."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from yidi.cli.context import open_context
from yidi.cli.render import EXIT_CHECK_FAILED, console, print_json
from yidi.services.trail import WHAT, RowReport, trail_report

audit_app = typer.Typer(help="审计 the audit trail (hash-chained)", no_args_is_help=True)


@audit_app.command("verify")
def audit_verify(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    rows: Annotated[bool, typer.Option("--rows/--no-rows", help="also compare every audited row with the row log "
                                       "(reads every table once)")] = True,
) -> None:
    """核对审计链 Recompute the hash chain and compare every row with what yidi last wrote: a record edited or
    deleted, or a row changed, added or deleted outside yidi, fails (exit 1)."""
    ctx = open_context()
    try:
        rep, rrep = trail_report(ctx, rows=rows)
    finally:
        ctx.close()
    ok = rep.ok and (rrep is None or rrep.ok)
    if as_json:
        print_json({"ok": ok, "records": rep.records, "head_seq": rep.head_seq, "head_hash": rep.head_hash,
                    "lanes": {str(k): {"place": n, "hash": h} for k, (n, h) in sorted(rep.lanes.items())},
                    "problems": rep.problems, "rows": rrep.as_dict() if rrep else None})
    else:
        con = console()
        colour = "green" if rep.ok else "red"
        con.print(f"[{colour}]{'审计链完整 audit chain OK' if rep.ok else '审计链被破坏 audit chain BROKEN'}[/]: "
                  f"{rep.records} records in {sum(1 for n, _h in rep.lanes.values() if n)} lanes, newest seq "
                  f"{rep.head_seq}, heads {rep.head_hash[:16]}")
        for p in rep.problems:
            con.print(f"  • {p}")
        if rrep is not None:
            print_rows(con, rrep)
    if not ok:
        raise typer.Exit(EXIT_CHECK_FAILED)


def print_rows(con: Console, rep: RowReport) -> None:
    """The row check's summary and its first problems."""
    colour = "green" if rep.ok else "red"
    head = "数据与审计一致 rows match the audit trail" if rep.ok else "数据在 yidi 之外被改动 rows changed outside yidi"
    counts = ", ".join(f"{k} {v}" for k, v in sorted(rep.counts.items()))
    con.print(f"[{colour}]{head}[/]: {rep.rows} rows in {rep.tables} tables, {rep.lines} log lines"
              + (f" — {counts}" if counts else ""))
    for text in rep.log_problems:
        con.print(f"  • {text}")
    for p in rep.problems:
        zh, en = WHAT[p.kind]
        at = f" (seq {p.seq})" if p.seq else ""
        con.print(f"  • {p.table} {p.key}: {zh} {en}{at}")
    if sum(rep.counts.values()) > len(rep.problems):
        con.print(f"  … {sum(rep.counts.values()) - len(rep.problems)} more (--json lists the first "
                  f"{len(rep.problems)})")
