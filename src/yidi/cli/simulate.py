"""`yidi simulate`: recompute a period's settlements under a baseline and a proposed pack, report changes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from yidi.cli.render import EXIT_BAD_INPUT, fail
from yidi.cli.render import console as make_console
from yidi.domain.errors import YidiError
from yidi.policies.loader import SAMPLE_DIR


def simulate_command(
    first: Annotated[str, typer.Option("--from", help="first month, YYYY-MM")],
    last: Annotated[str, typer.Option("--to", help="last month, YYYY-MM")],
    baseline: Annotated[Path, typer.Option("--baseline", help="policy pack folder in force")] = SAMPLE_DIR,
    proposal: Annotated[Path | None, typer.Option("--proposal", help="proposed policy pack folder")] = None,
    data: Annotated[Path | None, typer.Option("--data", help="settlements Parquet (docs/batch.md); default: a synthetic year")] = None,
    out: Annotated[Path, typer.Option("--out", help="folder for report.html, CSV and Excel")] = Path("simulate-out"),
    settlements: Annotated[int, typer.Option(help="synthetic settlements when --data is not given")] = 20_000,
    seed: Annotated[int, typer.Option(help="seed of the synthetic year")] = 1,
    example_proposal: Annotated[bool, typer.Option("--example-proposal", help="use a changed copy of the baseline as the proposal")] = False,
    top: Annotated[int, typer.Option(help="how many of the biggest changes to explain")] = 10,
) -> None:
    """政策模拟 Simulate a policy change: fund spend and personal burden, baseline vs proposal."""
    from yidi.batch.report import yuan
    from yidi.batch.service import run_simulation
    from yidi.batch.simulate import month_range

    console = make_console()
    try:
        period = month_range(first, last)
    except ValueError:
        console.print("[red]--from/--to 应为 YYYY-MM（months as YYYY-MM）[/]")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    if proposal is None and not example_proposal:
        console.print("[red]需要 --proposal 政策包，或 --example-proposal（needs a proposal pack）[/]")
        raise typer.Exit(EXIT_BAD_INPUT)
    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console) as prog:
        task = prog.add_task("载入政策包 loading packs", total=7)
        try:
            res, files = run_simulation(baseline, period, out, proposal_dir=proposal, data=data,
                                        settlements=settlements, seed=seed, top=top,
                                        step=lambda label: prog.update(task, advance=1, description=label))
        except YidiError as err:
            prog.stop()
            fail(err)
        prog.update(task, advance=1, description="完成 done")

    t = res.totals
    tab = Table(title=f"政策模拟 {res.period[0]} – {res.period[1]}: {res.baseline_name} → {res.proposal_name}")
    for col in ("amount", "baseline (元)", "proposal (元)", "change (元)"):
        tab.add_column(col, justify="right" if col != "amount" else "left")
    for a in ("fund_pay_sumamt", "hifp_pay", "hifob_pay", "hifmi_pay", "maf_pay", "psn_part_amt"):
        tab.add_row(a, yuan(t[f"baseline_{a}"]), yuan(t[f"proposal_{a}"]), yuan(t[f"proposal_{a}"] - t[f"baseline_{a}"]))
    console.print(tab)
    console.print(f"结算 settlements {t['settlements']:,}；参保人 people {t['people']:,}；个人负担增加 pay more "
                  f"{t['people_pay_more']:,}，减少 pay less {t['people_pay_less']:,}")
    for name, st in res.stats.items():
        console.print(f"[dim]{name}: {res.seconds[name]:.2f} s; rows folded {st.folded_rows:,}, "
                      f"per-bill fallback {st.per_bill_rows:,}[/]")
    console.print(f"报告 report: {files['html']}  (CSV/Excel: {files['detail'].parent})")
