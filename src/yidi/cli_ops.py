"""Operator commands of the `yidi` CLI: serve, db upgrade/downgrade, demo load, import persons/institutions/catalogue."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from yidi.demo.dataset import PERSONS, load_demo
from yidi.domain.errors import YidiError
from yidi.domain.ids import mask_id
from yidi.services.context import Context
from yidi.services.imports import ImportReport, Kind, import_catalogue, import_table
from yidi.services.reference import load_reference
from yidi.services.tabular import read_table
from yidi.settings import Settings
from yidi.store import migrate

db_app = typer.Typer(help="数据库 database schema (Alembic migrations)", no_args_is_help=True)
demo_app = typer.Typer(help="演示数据 demo dataset", no_args_is_help=True)
import_app = typer.Typer(help="导入 import agency tables (CSV UTF-8/GB18030, Excel .xlsx)", no_args_is_help=True)
EXIT_BAD_INPUT = 2  # same meaning as in yidi.cli: the error says which field and why


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.add_typer(db_app, name="db")
    app.add_typer(demo_app, name="demo")
    app.add_typer(import_app, name="import")


def _fail(err: YidiError, as_json: bool = False) -> None:
    from yidi.cli import _fail as render  # one renderer for every command; imported late (cli imports us)

    render(err, as_json)


def _context() -> Context:
    try:
        return Context.from_settings(Settings.from_env())
    except YidiError as err:
        _fail(err)
        raise  # unreachable: _fail exits


def prepare(ctx: Context, console: Console, *, demo: bool) -> None:
    """Bring the schema to head; on an empty database also load the packs' reference data (and demo)."""
    empty = migrate.is_empty(ctx.engine)
    if empty or migrate.current(ctx.engine) != migrate.head():
        migrate.upgrade(ctx.engine)
        console.print(f"[green]数据库已迁移到 {migrate.head()}[/] schema at {migrate.head()} ({ctx.engine.url.render_as_string()})")
    if empty:
        loaded = load_reference(ctx)
        console.print(f"已加载政策包参考数据 loaded {loaded.regions} regions, {loaded.institutions} institutions "
                      f"from {ctx.packs.name}@{ctx.packs.version}")
        if demo:
            s = load_demo(ctx)
            console.print(f"已加载演示数据 demo: {s.persons} persons, {s.filings} filings, {s.visits} open admissions")


def serve(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    demo: Annotated[bool, typer.Option("--demo/--no-demo", help="load the demo dataset into an empty database")] = True,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes")] = 1,
) -> None:
    """启动服务 Start the HTTP API (an empty database is migrated and gets the sample packs and demo data)."""
    import uvicorn

    from yidi.api.auth_config import AuthConfig

    console = Console(stderr=True)
    ctx = _context()
    try:  # a missing, weak or world-readable signing secret stops the start here, with its reason
        AuthConfig.from_env(ctx.engine.url.render_as_string())
    except YidiError as err:
        ctx.close()
        _fail(err)
    prepare(ctx, console, demo=demo)
    ctx.close()
    console.print(f"yidi API: http://{host}:{port}/api/v1/health  ·  OpenAPI: http://{host}:{port}/docs")
    if workers > 1:
        uvicorn.run("yidi.api.main:app", host=host, port=port, workers=workers, log_level="info")
    else:
        from yidi.api.app import create_app

        uvicorn.run(create_app(Settings.from_env()), host=host, port=port, log_level="info")


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """升级 Migrate the database (YIDI_DATABASE_URL) up to a revision (default: head)."""
    ctx = _context()
    migrate.upgrade(ctx.engine, revision)
    Console().print(f"[green]ok[/] {ctx.engine.url.render_as_string()} at {migrate.current(ctx.engine)}")
    ctx.close()


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument()] = "base",
    yes: Annotated[bool, typer.Option("--yes", help="confirm: a downgrade drops tables and their data")] = False,
) -> None:
    """降级 Migrate down (default: base, which drops every yidi table)."""
    if not yes:
        _fail(YidiError("CONFIRM_REQUIRED", "降级会删除数据表及其数据：确认请加 --yes",
                        "a downgrade drops tables and their data: add --yes to confirm", "--yes", 400))
    ctx = _context()
    migrate.downgrade(ctx.engine, revision)
    Console().print(f"[green]ok[/] {ctx.engine.url.render_as_string()} at {migrate.current(ctx.engine) or 'base'}")
    ctx.close()


@db_app.command("current")
def db_current() -> None:
    """当前版本 Show the database's revision and the code's head."""
    ctx = _context()
    Console().print(f"database: {migrate.current(ctx.engine) or '(empty)'} · code head: {migrate.head()}")
    ctx.close()


@demo_app.command("load")
def demo_load(
    show_ids: Annotated[bool, typer.Option("--show-ids", help="print the (invented) demo ID numbers in full")] = False,
) -> None:
    """加载演示数据 Load the demo persons, filings and an open admission (idempotent)."""
    console = Console()
    ctx = _context()
    migrate.upgrade(ctx.engine)
    load_reference(ctx)
    s = load_demo(ctx)
    ctx.close()
    console.print(f"[green]演示数据 demo[/]: {s.persons} persons, {s.filings} new filings, {s.visits} new open admissions")
    for msg in s.skipped:
        console.print(f"[yellow]skipped[/] {msg}")
    t = Table(title="演示参保人 demo persons (invented)")
    for col in ("case", "ID", "name", "insured", "scheme", "note"):
        t.add_column(col)
    for p in PERSONS:
        t.add_row(p.key, p.id_number if show_ids else mask_id(p.id_number), p.name, p.insured_region, p.scheme.value, p.note)
    console.print(t)


def _import(kind: Kind, file: Path, accept_valid: bool, as_json: bool) -> None:
    console = Console(stderr=as_json)
    ctx = _context()
    try:
        prepare(ctx, console, demo=False)
        table = read_table(file)
        with Progress(TextColumn(f"导入 {kind}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console, disable=as_json) as bar:
            task = bar.add_task(kind, total=len(table.rows))
            report = import_table(ctx, kind, table, accept_valid=accept_valid,
                                  progress=lambda n: bar.update(task, completed=n))
    except YidiError as err:
        _fail(err, as_json)
        return
    finally:
        ctx.close()
    _report(report, console, as_json)
    if report.rejected and not accept_valid:
        raise typer.Exit(EXIT_BAD_INPUT)


def _report(r: ImportReport, console: Console, as_json: bool) -> None:
    if as_json:
        print(json.dumps({
            "kind": r.kind, "encoding": r.encoding, "rows": r.rows, "accepted": r.accepted, "written": r.written,
            **({"file": r.target} if r.target else {}),
            "rejected": [{"line": x.line, "key": x.key, "problems": [p.as_dict() for p in x.problems]} for x in r.rejected],
        }, ensure_ascii=False, indent=2))
        return
    console.print(f"{r.rows} 行 rows ({r.encoding}): {r.accepted} 通过 accepted, {len(r.rejected)} 拒绝 rejected, "
                  f"{r.written} 写入 written" + (f" → {r.target}" if r.target else ""))
    if r.rejected:
        t = Table(title="被拒绝的行 rejected rows")
        for col in ("line", "key", "code", "field", "reason"):
            t.add_column(col)
        for x in r.rejected:
            for p in x.problems:
                t.add_row(str(x.line), x.key, p.code, p.field, f"{p.message_zh}\n[dim]{p.message_en}[/]")
        console.print(t)
        if not r.written:
            console.print("[red]没有导入任何行：请修正以上各行后重新导入（或用 --accept-valid 只导入通过的行）[/]\n"
                          "[dim]nothing was imported: fix the rows above and run again (or --accept-valid)[/]")


AcceptValid = Annotated[bool, typer.Option("--accept-valid", help="write the accepted rows even if some are rejected")]
AsJson = Annotated[bool, typer.Option("--json", help="print the report as JSON")]


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
    console = Console(stderr=as_json)
    try:
        table = read_table(file)
        with Progress(TextColumn("导入 catalogue"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console, disable=as_json) as bar:
            task = bar.add_task("catalogue", total=len(table.rows))
            report = import_catalogue(table, region=region, packs=packs, name=name, b_ratio=b_ratio,
                                      accept_valid=accept_valid, source_name=file.name,
                                      progress=lambda n: bar.update(task, completed=n))
    except YidiError as err:
        _fail(err, as_json)
        return
    _report(report, console, as_json)
    if report.rejected and not accept_valid:
        raise typer.Exit(EXIT_BAD_INPUT)
