"""`yidi serve`: bring the database to head (an empty one gets the packs' reference data and the demo), then serve
the API and the pages."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from yidi.cli.context import open_context
from yidi.cli.render import console as make_console
from yidi.cli.render import fail
from yidi.demo.dataset import load_demo
from yidi.domain.errors import YidiError
from yidi.services import database
from yidi.services.context import Context
from yidi.services.reference import load_reference


def prepare(ctx: Context, console: Console, *, demo: bool) -> None:
    """Bring the schema to head; on an empty database also load the packs' reference data (and demo)."""
    empty = database.is_empty(ctx)
    if empty or database.current(ctx) != database.head():
        database.upgrade(ctx)
        console.print(f"[green]数据库已迁移到 {database.head()}[/] schema at {database.head()} ({database.url(ctx)})")
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
    workers: Annotated[int, typer.Option(help="worker processes (docs/serving.md: one per core on PostgreSQL)")] = 1,
    access_log: Annotated[bool, typer.Option("--access-log/--no-access-log", help="log every request")] = True,
) -> None:
    """启动服务 Start the HTTP API (an empty database is migrated and gets the sample packs and demo data)."""
    import uvicorn

    from yidi import serving
    from yidi.http.auth_config import AuthConfig
    from yidi.settings import Settings

    console = make_console(stderr=True)
    settings = Settings.from_env()
    try:
        serving.check_workers(workers, settings.database_url)
    except YidiError as err:
        fail(err)
    ctx = open_context()
    try:  # a missing, weak or world-readable signing secret stops the start here, with its reason
        auth = AuthConfig.from_env(database.url(ctx))
        plan = serving.plan_pools(ctx, workers)
    except YidiError as err:
        ctx.close()
        fail(err)
    prepare(ctx, console, demo=demo)
    ctx.close()
    console.print(f"yidi API: http://{host}:{port}/api/v1/health  ·  OpenAPI: http://{host}:{port}/docs")
    if workers > 1:
        serving.share_secret(auth.source, workers)
        serving.apply_pools(plan)
        pools = (f"; PostgreSQL connections per worker {plan.pool_size} + {plan.max_overflow} at a peak"
                 f" (budget {plan.budget})" if plan.budget is not None else "")
        console.print(f"{workers} worker processes{pools} — per-process limits and caches: docs/serving.md")
        serving.run_workers(host, port, workers, access_log=access_log)
    else:
        from yidi.app import create_app

        app = create_app(settings)
        serving.prepare_collector()
        uvicorn.run(app, host=host, port=port, log_level="info", access_log=access_log)
