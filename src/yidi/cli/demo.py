"""`yidi demo load`: the invented demo persons, filings and an open admission (idempotent)."""

from __future__ import annotations

from typing import Annotated

import typer

from yidi.cli.context import open_context
from yidi.cli.render import console as make_console
from yidi.cli.render import table
from yidi.demo.dataset import PERSONS, load_demo
from yidi.domain.ids import mask_id
from yidi.services import database
from yidi.services.reference import load_reference

demo_app = typer.Typer(help="演示数据 demo dataset", no_args_is_help=True)


@demo_app.command("load")
def demo_load(
    show_ids: Annotated[bool, typer.Option("--show-ids", help="print the (invented) demo ID numbers in full")] = False,
) -> None:
    """加载演示数据 Load the demo persons, filings and an open admission (idempotent)."""
    console = make_console()
    ctx = open_context()
    database.upgrade(ctx)
    load_reference(ctx)
    s = load_demo(ctx)
    ctx.close()
    console.print(f"[green]演示数据 demo[/]: {s.persons} persons, {s.filings} new filings, {s.visits} new open admissions")
    for msg in s.skipped:
        console.print(f"[yellow]skipped[/] {msg}")
    t = table("case", "ID", "name", "insured", "scheme", "note", title="演示参保人 demo persons (invented)")
    for p in PERSONS:
        t.add_row(p.key, p.id_number if show_ids else mask_id(p.id_number), p.name, p.insured_region, p.scheme.value, p.note)
    console.print(t)
