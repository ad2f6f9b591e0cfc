"""`yidi import persons|institutions|catalogue`: agency tables (CSV UTF-8/GB18030, Excel .xlsx), all or nothing
unless --accept-valid."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from yidi.cli.context import open_context
from yidi.cli.render import EXIT_BAD_INPUT, fail, print_json, table
from yidi.cli.render import console as make_console
from yidi.cli.serve import prepare
from yidi.domain.errors import YidiError
from yidi.services.imports import ImportReport, Kind, import_catalogue, import_table
from yidi.services.tabular import read_table

import_app = typer.Typer(help="导入 import agency tables (CSV UTF-8/GB18030, Excel .xlsx)", no_args_is_help=True)

AcceptValid = Annotated[bool, typer.Option("--accept-valid", help="write the accepted rows even if some are rejected")]
AsJson = Annotated[bool, typer.Option("--json", help="print the report as JSON")]


def _import(kind: Kind, file: Path, accept_valid: bool, as_json: bool) -> None:
    console = make_console(stderr=as_json)
    ctx = open_context()
    try:
        prepare(ctx, console, demo=False)
        rows = read_table(file)
        with Progress(TextColumn(f"导入 {kind}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console, disable=as_json) as bar:
            task = bar.add_task(kind, total=len(rows.rows))
            report = import_table(ctx, kind, rows, accept_valid=accept_valid,
                                  progress=lambda n: bar.update(task, completed=n))
    except YidiError as err:
        fail(err, as_json)
    finally:
        ctx.close()
    _report(report, console, as_json)
    if report.rejected and not accept_valid:
        raise typer.Exit(EXIT_BAD_INPUT)


def _report(r: ImportReport, console: Console, as_json: bool) -> None:
    if as_json:
        print_json({
            "kind": r.kind, "encoding": r.encoding, "rows": r.rows, "accepted": r.accepted, "written": r.written,
            **({"file": r.target} if r.target else {}),
            "rejected": [{"line": x.line, "key": x.key, "problems": [p.as_dict() for p in x.problems]} for x in r.rejected],
        })
        return
    console.print(f"{r.rows} 行 rows ({r.encoding}): {r.accepted} 通过 accepted, {len(r.rejected)} 拒绝 rejected, "
                  f"{r.written} 写入 written" + (f" → {r.target}" if r.target else ""))
    if r.rejected:
        t = table("line", "key", "code", "field", "reason", title="被拒绝的行 rejected rows")
        for x in r.rejected:
            for p in x.problems:
                t.add_row(str(x.line), x.key, p.code, p.field, f"{p.message_zh}\n[dim]{p.message_en}[/]")
        console.print(t)
        if not r.written:
            console.print("[red]没有导入任何行：请修正以上各行后重新导入（或用 --accept-valid 只导入通过的行）[/]\n"
                          "[dim]nothing was imported: fix the rows above and run again (or --accept-valid)[/]")


@import_app.command("persons")
def import_persons(file: Annotated[Path, typer.Argument(help=".csv or .xlsx")], accept_valid: AcceptValid = False,
                   as_json: AsJson = False) -> None:
    """导入参保人 Import insured persons (all or nothing unless --accept-valid)."""
    _import("persons", file, accept_valid, as_json)


@import_app.command("institutions")
def import_institutions(file: Annotated[Path, typer.Argument(help=".csv or .xlsx")], accept_valid: AcceptValid = False,
                        as_json: AsJson = False) -> None:
    """导入定点医疗机构 Import designated institutions (all or nothing unless --accept-valid)."""
    _import("institutions", file, accept_valid, as_json)


@import_app.command("catalogue")
def import_catalogue_cmd(
    file: Annotated[Path, typer.Argument(help=".csv or .xlsx")],
    region: Annotated[str, typer.Option("--region", help="region code, or province code XX0000")],
    packs: Annotated[Path, typer.Option("--packs", help="the policy pack folder to write catalogues/<region>.yaml into")],
    name: Annotated[str | None, typer.Option("--name", help="catalogue name (default: the replaced file's)")] = None,
    b_ratio: Annotated[str, typer.Option("--b-ratio", help="default pay-first share of class-B items")] = "0.10",
    accept_valid: AcceptValid = False,
    as_json: AsJson = False,
) -> None:
    """导入目录 Import a treatment region's catalogue into a policy pack (replaces the region's file; the pack is re-loaded)."""
    console = make_console(stderr=as_json)
    try:
        rows = read_table(file)
        with Progress(TextColumn("导入 catalogue"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console, disable=as_json) as bar:
            task = bar.add_task("catalogue", total=len(rows.rows))
            report = import_catalogue(rows, region=region, packs=packs, name=name, b_ratio=b_ratio,
                                      accept_valid=accept_valid, source_name=file.name,
                                      progress=lambda n: bar.update(task, completed=n))
    except YidiError as err:
        fail(err, as_json)
    _report(report, console, as_json)
    if report.rejected and not accept_valid:
        raise typer.Exit(EXIT_BAD_INPUT)
