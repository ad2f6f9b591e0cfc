"""One simulation run for every door (the `yidi simulate` command, POST /api/v1/simulate, /agency/simulate):
load the packs, make the proposal (a pack folder or the example change), read or generate settlements,
simulate, write the report; and the summary figures as plain JSON."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from yidi.batch.simulate import DIMENSIONS, ProposalChange, Result, check_change
from yidi.domain.error_catalogue import error
from yidi.policies.loader import load_packs

SUMMARY_AMOUNTS = ("fund_pay_sumamt", "hifp_pay", "hifob_pay", "hifmi_pay", "maf_pay", "psn_part_amt", "act_pay_dedc")


def run_simulation(
    baseline_dir: Path, period: tuple[dt.date, dt.date], out: Path, *,
    proposal_dir: Path | None = None, data: Path | None = None, settlements: int = 20_000, seed: int = 1,
    top: int = 10, step: Callable[[str], None] | None = None, change: ProposalChange | None = None,
) -> tuple[Result, dict[str, Path]]:
    """Simulate and write report.html, CSV and Excel into `out`. Without `proposal_dir` the example proposal
    (simulate.example_proposal) is made under `out`; without `data` a synthetic year of `settlements` is
    generated from the baseline (and kept as out/synthetic.parquet). Raises YidiError on a bad pack."""
    import polars as pl

    from yidi.batch.generate import generate, write
    from yidi.batch.report import write_report
    from yidi.batch.simulate import example_proposal, simulate

    def tick(label: str) -> None:
        if step:
            step(label)

    base = load_packs(baseline_dir)
    if proposal_dir is None:
        proposal_dir = example_proposal(baseline_dir, out / "example-proposal", change)
    prop = load_packs(proposal_dir)
    tick("读取结算 reading settlements")
    if data is None:
        df = generate(base, settlements=settlements, seed=seed, year=period[0].year)
        write(df, out / "synthetic.parquet")
    else:
        df = pl.read_parquet(data)
    tick("现行政策重算 recomputing under the baseline")
    res = simulate(df, base, prop, period, top=top, step=step)
    tick("写报告 writing the report")
    return res, write_report(res, out)


def summary(res: Result) -> dict[str, Any]:
    """The report's figures as JSON (amounts in integer fen): totals, fund spend by dimension, people."""
    t = res.totals
    return {
        "period": {"from": res.period[0].isoformat(), "to": res.period[1].isoformat()},
        "baseline": res.baseline_name,
        "proposal": res.proposal_name,
        "settlements": t["settlements"],
        "people": t["people"],
        "people_pay_more": t["people_pay_more"],
        "people_pay_less": t["people_pay_less"],
        "totals_fen": {a: {"baseline": t[f"baseline_{a}"], "proposal": t[f"proposal_{a}"],
                           "change": t[f"proposal_{a}"] - t[f"baseline_{a}"]} for a in SUMMARY_AMOUNTS},
        "by": {dim: [{"key": str(r[dim]), "settlements": int(r["settlements"]),
                      "baseline_fund_fen": int(r["baseline_fund"]), "proposal_fund_fen": int(r["proposal_fund"]),
                      "fund_change_fen": int(r["fund_change"]), "person_change_fen": int(r["person_change"])}
                     for r in res.by[dim].rows(named=True)] for dim in DIMENSIONS},
    }


# --- runs for agency staff (API and page): a synthetic year, the example proposal, a report kept by id
MIN_SETTLEMENTS, MAX_SETTLEMENTS = 100, 50_000
RUN_ID = r"^[0-9a-f]{32}$"


def staff_period(first: str, last: str) -> tuple[dt.date, dt.date]:
    """Months "YYYY-MM" of one year, first <= last; YidiError SIMULATE_MONTH_INVALID / SIMULATE_PERIOD_INVALID."""
    import re

    from yidi.batch.simulate import month_range

    for name, v in (("from_month", first), ("to_month", last)):
        if not re.fullmatch(r"\d{4}-\d{2}", v or "") or not 1 <= int(v[5:]) <= 12:
            raise error("SIMULATE_MONTH_INVALID", field=name)
    period = month_range(first, last)
    if period[0] > period[1] or period[0].year != period[1].year:
        raise error("SIMULATE_PERIOD_INVALID")
    return period


def simulations_dir() -> Path:
    """Where staff runs keep their reports: $YIDI_DATA_DIR/simulations (as claims keep scans)."""
    import os

    return Path(os.environ.get("YIDI_DATA_DIR") or "./var/data") / "simulations"


def staff_run(baseline_dir: Path, first: str, last: str, settlements: int, seed: int,
              change: ProposalChange | None = None) -> tuple[str, Result]:
    """Simulate the example proposal (as `change` edits it) on a synthetic year; the report is kept under
    simulations_dir()/<id>."""
    import uuid


    period = staff_period(first, last)
    if not MIN_SETTLEMENTS <= settlements <= MAX_SETTLEMENTS:
        raise error("SIMULATE_SIZE_INVALID", min_settlements=MIN_SETTLEMENTS, max_settlements=MAX_SETTLEMENTS)
    if not 0 <= seed <= 2**31 - 1:
        raise error("SIMULATE_SEED_INVALID")
    if change is not None:
        check_change(change)
    run_id = uuid.uuid4().hex
    res, _files = run_simulation(baseline_dir, period, simulations_dir() / run_id, settlements=settlements, seed=seed,
                                 change=change)
    return run_id, res


def report_file(run_id: str) -> Path:
    """The report.html of a staff run; YidiError SIMULATION_NOT_FOUND (404) for an unknown id."""
    import re


    path = simulations_dir() / run_id / "report.html"
    if not re.fullmatch(RUN_ID, run_id) or not path.is_file():
        raise error("SIMULATION_NOT_FOUND")
    return path
