"""`yidi clearing …` commands: seed, run (with a progress bar), verify, close, report, confirm, dispute,
resolve, list. Registered on the main CLI by yidi.cli.main."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from yidi.clearing import report, synth
from yidi.clearing.definition import Month
from yidi.cli.context import open_context
from yidi.cli.render import EXIT_CHECK_FAILED, fail, print_json, table
from yidi.cli.render import console as make_console
from yidi.domain.error_catalogue import error
from yidi.domain.errors import YidiError
from yidi.services import clearing as service
from yidi.services.access import Principal, Role
from yidi.services.context import Context

clearing_app = typer.Typer(help="清算 monthly clearing between agencies", no_args_is_help=True)

STEPS = ("extract", "lines", "hospital", "pair", "pairs", "province", "netting", "totals", "items", "advance", "store",
         "verify")
STEP_ZH = {"extract": "读取结算 reading settlements", "lines": "汇总一遍 one pass over settlements",
           "pairs": "省际汇总 province pairs", "hospital": "医疗机构 hospitals", "pair": "统筹区对 pairs",
           "province": "各省头寸 provinces", "netting": "轧差 netting", "totals": "合计 totals",
           "items": "结算明细 items", "advance": "预付金 advance funds", "store": "保存 storing",
           "verify": "核对到分 verifying to the fen"}

MonthOpt = Annotated[str, typer.Option("--month", "-m", help="清算月份 YYYY-MM")]
AsOpt = Annotated[str, typer.Option("--as", help="经办机构统筹区编码 the agency's region code (placeholder auth)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON")]


def _print_json(action: Callable[[Context], Any]) -> None:
    """Run one service call in its own context and print its answer as JSON (errors: exit 2)."""
    ctx = open_context()
    try:
        out = action(ctx)
    except YidiError as err:
        fail(err)
    finally:
        ctx.close()
    print_json(out, indent=None)


def _operator(region: str | None = None) -> Principal:
    # The console is trusted like the server's own operator: the national clearing operator by default,
    # or the agency named with --as for its confirmations and disputes.
    return Principal(Role.AGENCY, region) if region else Principal(Role.CLEARING, "000000")


def _pct(text: str) -> Decimal:
    try:
        return Decimal(text.strip().rstrip("%"))
    except InvalidOperation:
        raise error("CLEARING_PARAM_INVALID", field="warning", detail_zh=f"预警线应为百分数，收到“{text}”",
                    detail_en=f"the warning line must be a percentage, got {text!r}") from None


def _print_outcome(out: service.RunOutcome, console: Console) -> None:
    state = "已关账（冻结）frozen" if out.frozen else ("结果未变 unchanged" if out.unchanged else "已更新 updated")
    console.print(f"[bold]{out.month}[/] {out.status} · {out.engine} · {state} · run {out.runs}")
    console.print(f"  清算结算 settlements moved: {out.items:,} (read {out.candidates:,})")
    console.print(f"  清算金额 cleared: {report.yuan(out.cleared_fen):,} 元 · 往月调整 adjustments "
                  f"{report.yuan(out.adjust_fen):,} 元")
    colour = "green" if out.verification.ok else "red"
    console.print(f"  [{colour}]核对 verification: {'OK' if out.verification.ok else 'FAILED'}[/]")
    for c in out.verification.checks:
        console.print(f"    {'✓' if c.ok else '✗'} {c.name} {c.detail}")
    if out.alerts:
        console.print(f"  [bold red]预付金预警 {len(out.alerts)} advance-fund alert(s)[/] (largest top-up requests first):")
    for a in sorted(out.alerts, key=lambda a: -a.topup_request_fen)[:5]:
        console.print(f"    {a.holder_province} holds for {a.payer_province}: "
                      f"used {a.used_pct or '∞'} % of {report.yuan(a.sized_fen):,} (line {a.warning_pct} %); "
                      f"追加申请 top-up request {report.yuan(a.topup_request_fen):,} 元")
    console.print(f"  hash {out.content_hash}")


def _with_progress(fn: object, console: Console, quiet: bool) -> service.RunOutcome:
    if quiet:
        return fn(None)  # type: ignore[operator, no-any-return]
    with Progress(TextColumn("{task.description:<36}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=console, transient=False) as progress:
        task = progress.add_task("清算 clearing", total=len(STEPS))

        def step(name: str) -> None:
            progress.update(task, description=STEP_ZH.get(name, name),
                            completed=STEPS.index(name) if name in STEPS else 0)

        out = fn(step)  # type: ignore[operator]
        progress.update(task, description="完成 done", completed=len(STEPS))
        return out  # type: ignore[no-any-return]


@clearing_app.command("run")
def run(month: MonthOpt,
        engine: Annotated[str, typer.Option(help="duckdb (default) or spark")] = "duckdb",
        advance_months: Annotated[int, typer.Option(help="预付金月数 months of payments the advance fund holds")] = 2,
        warning: Annotated[str, typer.Option(help="预警线 warning line, percent used")] = "70",
        as_json: JsonOpt = False) -> None:
    """清算 Clear a month (rerun while open; a closed month shows its frozen results). Exit 1 if the
    totals do not equal the sum of the settlements behind them."""
    console = make_console(stderr=as_json)
    ctx = open_context()
    try:
        out = _with_progress(lambda step: service.run_month(
            ctx, _operator(), month, engine=engine, advance_months=advance_months, warning_pct=_pct(warning),
            step=step), console, as_json)
    except YidiError as err:
        fail(err, as_json)
    except ValueError as err:
        fail(error("CLEARING_PARAM_INVALID", field="engine", detail_zh=str(err), detail_en=str(err)), as_json)
    finally:
        ctx.close()
    if as_json:
        print_json(out.as_dict(), default=str)
    else:
        _print_outcome(out, console)
    if not out.verification.ok:
        raise typer.Exit(EXIT_CHECK_FAILED)


@clearing_app.command("close")
def close(month: MonthOpt, engine: Annotated[str, typer.Option(help="duckdb or spark")] = "duckdb",
          as_json: JsonOpt = False) -> None:
    """关账 Run the month a last time and freeze it; later changes land in the next month."""
    console = make_console(stderr=as_json)
    ctx = open_context()
    try:
        out = _with_progress(lambda step: service.close_month(ctx, _operator(), month, engine=engine, step=step),
                             console, as_json)
    except YidiError as err:
        fail(err, as_json)
    finally:
        ctx.close()
    if as_json:
        print_json(out.as_dict(), default=str)
    else:
        _print_outcome(out, console)


@clearing_app.command("verify")
def verify(month: MonthOpt) -> None:
    """核对 Recheck a stored month to the fen. Exit 1 if anything differs."""
    ctx = open_context()
    try:
        ver = service.verify(ctx, month)
    except YidiError as err:
        fail(err)
    finally:
        ctx.close()
    for c in ver.checks:
        print(f"{'✓' if c.ok else '✗'} {c.name} {c.detail}")
    if not ver.ok:
        raise typer.Exit(EXIT_CHECK_FAILED)


@clearing_app.command("report")
def report_cmd(month: MonthOpt,
               region: Annotated[str | None, typer.Option(help="经办机构 agency region (default: national report)")] = None,
               fmt: Annotated[str, typer.Option("--format", help="html, csv or xlsx (csv/xlsx need --region)")] = "html",
               out: Annotated[Path | None, typer.Option(help="output file (default: clearing-<month>[-region].<format>)")] = None,
               ) -> None:
    """报表 The month's printable HTML report, or an agency's statement as CSV or Excel."""
    ctx = open_context()
    try:
        if fmt not in ("html", "csv", "xlsx"):
            raise error("CLEARING_FORMAT", format=fmt)
        if fmt != "html" and not region:
            raise error("CLEARING_REGION_REQUIRED")
        view = service.month_view(ctx, month)
        if fmt == "html":
            data: bytes = report.html_report(view, region).encode("utf-8")
        elif fmt == "csv":
            data = report.statement_csv(view, region or "").encode("utf-8")
        else:
            data = report.statement_xlsx(view, region or "", service.items(ctx, month, region=region, limit=100_000))
    except YidiError as err:
        fail(err)
    finally:
        ctx.close()
    path = out or Path(f"clearing-{month}{'-' + region if region else ''}.{fmt}")
    path.write_bytes(data)
    print(f"wrote {path} ({len(data):,} bytes)")


@clearing_app.command("confirm")
def confirm(month: MonthOpt, region: AsOpt, note: Annotated[str, typer.Option(help="备注")] = "") -> None:
    """确认 The agency confirms its lines of a closed month."""
    _print_json(lambda ctx: service.confirm(ctx, _operator(region), month, note))


@clearing_app.command("dispute")
def dispute(month: MonthOpt, region: AsOpt,
            setl_id: Annotated[list[str], typer.Option("--setl-id", help="争议结算号 (repeat)")],
            reason: Annotated[str, typer.Option(help="争议理由 reason")]) -> None:
    """争议 The agency disputes settlements on its lines of a closed month."""
    _print_json(lambda ctx: service.dispute(ctx, _operator(region), month, setl_id, reason))


@clearing_app.command("resolve")
def resolve(dispute_id: Annotated[int, typer.Argument(help="争议编号")], region: AsOpt,
            upheld: Annotated[bool, typer.Option("--upheld/--rejected", help="争议成立/驳回")],
            note: Annotated[str, typer.Option(help="裁定说明")] = "") -> None:
    """裁定 The counterpart agency decides a dispute (upheld: adjusted in the next open month)."""
    _print_json(lambda ctx: service.resolve(ctx, _operator(region), dispute_id, upheld, note))


@clearing_app.command("list")
def list_months() -> None:
    """各月清算 The months cleared so far."""
    ctx = open_context()
    try:
        rows = service.months(ctx)
    finally:
        ctx.close()
    t = table("month", "status", "engine", "items", "cleared (yuan)", "adjustments", "runs")
    for r in rows:
        t.add_row(r["month"], r["status"], r["engine"], f"{r['items']:,}", f"{report.yuan(r['cleared_fen']):,}",
                  f"{report.yuan(r['adjust_fen']):,}", str(r["runs"]))
    make_console().print(t)


@clearing_app.command("seed")
def seed(months: Annotated[list[str], typer.Option("--month", "-m", help="月份 YYYY-MM (repeat)")],
         count: Annotated[int, typer.Option(help="每月结算笔数 settlements per month")] = 2000,
         previous_year: Annotated[int, typer.Option(help="同时为上一年每月写入的笔数 (sizes advance funds); 0 = none")] = 0,
         seed_: Annotated[int, typer.Option("--seed")] = 7) -> None:
    """示例数据 Write synthetic cross-region settlements into the store (needs `yidi demo load` first)."""
    ctx = open_context()
    try:
        ms = [service.month_of(x) for x in months]
        prev = sorted({Month(m.year - 1, k) for m in ms for k in range(1, 13)}, key=str) if previous_year else []
        if prev:
            s0 = synth.seed_store(ctx.engine, prev, previous_year, seed=seed_)
            print(f"previous year: {s0.settlements:,} settlements in {len(s0.months)} months "
                  f"(skipped {len(s0.skipped_months)} already seeded)")
        s1 = synth.seed_store(ctx.engine, ms, count, seed=seed_)
    except YidiError as err:
        fail(err)
    except ValueError as err:
        fail(error("CLEARING_SEED", reason=str(err)))
    finally:
        ctx.close()
    print(f"seeded {s1.settlements:,} settlements ({s1.revoked:,} revoked) in {', '.join(s1.months) or 'no month'}"
          f"{'; already there: ' + ', '.join(s1.skipped_months) if s1.skipped_months else ''}")
