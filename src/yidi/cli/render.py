"""The one renderer of the `yidi` CLI: errors, JSON, tables and messages, the same way for every command."""

from __future__ import annotations

import json
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from yidi.domain.errors import YidiError

# Exit codes: 0 done; 1 a check failed or an unexpected failure; 2 bad input (the error says which field and why).
EXIT_BAD_INPUT = 2
EXIT_CHECK_FAILED = 1


def console(*, stderr: bool = False) -> Console:
    """Where Rich output goes: stdout, or stderr when stdout carries JSON or a key."""
    return Console(stderr=stderr)


def fail(err: YidiError, as_json: bool = False) -> NoReturn:
    """Render a refusal (code, zh message, en message, each problem with its field) and exit 2."""
    if as_json:
        print(json.dumps({"error": err.as_dict()}, ensure_ascii=False, indent=2))
    else:
        con = console(stderr=True)
        con.print(f"[bold red]错误 {err.code}[/]：{err.message_zh}")
        con.print(f"[dim]error {err.code}: {err.message_en}[/]")
        for p in err.problems:
            con.print(f"  • [{p.code}] {p.field}: {p.message_zh}\n    [dim]{p.message_en}[/]")
    raise typer.Exit(EXIT_BAD_INPUT)


def print_json(data: Any, *, indent: int | None = 2, default: Any = None) -> None:
    """JSON on stdout, Chinese unescaped, for scripts (never wrapped or coloured)."""
    print(json.dumps(data, ensure_ascii=False, indent=indent, default=default))


def table(*columns: str, title: str | None = None, show_header: bool = True) -> Table:
    """A Rich table with the given columns."""
    t = Table(title=title, show_header=show_header)
    for col in columns:
        t.add_column(col)
    return t


def show(*renderables: Any, stderr: bool = False) -> None:
    """Print tables or marked-up lines (a one-off console)."""
    con = console(stderr=stderr)
    for r in renderables:
        con.print(r)
