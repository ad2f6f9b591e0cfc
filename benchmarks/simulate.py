"""Benchmark: re-adjudicate 1 million settlements of 20 lines (20 million lines) under a changed pack.

In one run: the synthetic data (made once, cached as Parquet), a floor (read the Parquet and sum every
line's amount per settlement), the set-based plan on Polars under the changed pack (read + recompute,
total time and peak memory), and the per-bill engine on a sample of the same settlements (Bill built
from the row, calculate() chained per person-year), compared in lines per second.

    .venv/bin/python benchmarks/simulate.py [--settlements 1000000] [--sample 3000]
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import threading
import time
from pathlib import Path

import polars as pl
import psutil

from yidi.batch.backend import PolarsBackend
from yidi.batch.generate import generate, write
from yidi.batch.plan import Plan
from yidi.batch.rows import run_per_bill
from yidi.batch.simulate import example_proposal
from yidi.policies.loader import SAMPLE_DIR, load_packs


class PeakRSS:
    """Samples this process's resident memory every 20 ms while a block runs."""

    def __init__(self) -> None:
        self.proc = psutil.Process(os.getpid())
        self.peak = 0
        self._stop = threading.Event()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(0.02)

    def __enter__(self) -> PeakRSS:
        self.start = self.proc.memory_info().rss
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self.t.join()
        self.peak = max(self.peak, self.proc.memory_info().rss)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--settlements", type=int, default=1_000_000)
    ap.add_argument("--lines", type=int, default=20)
    ap.add_argument("--sample", type=int, default=3_000)
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "yidi-bench")
    args = ap.parse_args()

    load_start = os.getloadavg()
    base = load_packs(SAMPLE_DIR)
    changed = load_packs(example_proposal(SAMPLE_DIR, args.cache / "proposal-pack"))
    path = args.cache / f"settlements-{args.settlements}x{args.lines}.parquet"
    if not path.exists():
        t = time.perf_counter()
        write(generate(base, settlements=args.settlements, seed=7, lines_per_settlement=args.lines), path)
        print(f"generated {path} in {time.perf_counter() - t:.1f} s")
    n_lines = pl.scan_parquet(path).select(pl.col("lines").list.len().sum()).collect().item()
    n_rows = pl.scan_parquet(path).select(pl.len()).collect().item()

    # floor: read and touch every line once, one sum per settlement
    t = time.perf_counter()
    with PeakRSS() as mem_floor:
        floor = (pl.read_parquet(path, columns=["sid", "lines"]).explode("lines").unnest("lines")
                 .group_by("sid").agg((pl.col("qty_e4") * pl.col("price")).sum()))
    t_floor = time.perf_counter() - t
    del floor

    # the set-based plan under the changed pack, reading included
    t = time.perf_counter()
    cpu = time.process_time()
    with PeakRSS() as mem_plan:
        df = pl.read_parquet(path)
        plan = Plan(PolarsBackend(), changed)
        out = plan.run(df)
    t_plan = time.perf_counter() - t
    cpu_plan = time.process_time() - cpu
    total_fund = int(out["fund_pay_sumamt"].sum())
    del out

    # the per-bill engine on whole person-years of a sample
    people = df.select("person").unique(maintain_order=True).head(max(1, args.sample // 5))
    sample = df.join(people, on="person").head(args.sample)
    rows = sample.to_dicts()
    sample_lines = int(sample.select(pl.col("lines").list.len().sum()).item())
    t = time.perf_counter()
    cpu = time.process_time()
    run_per_bill(rows, changed)
    t_bill = time.perf_counter() - t
    cpu_bill = time.process_time() - cpu

    plan_lps = n_lines / t_plan
    bill_lps = sample_lines / t_bill
    print(f"machine: {platform.machine()}, {psutil.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB, "
          f"Python {platform.python_version()}, polars {pl.__version__}")
    print(f"data: {n_rows:,} settlements, {n_lines:,} lines ({path.stat().st_size / 2**20:.0f} MiB Parquet)")
    print("| what | seconds | lines/s | peak RSS GiB | x per-bill |")
    print("|---|---|---|---|---|")
    print(f"| floor: read + sum lines per settlement | {t_floor:.1f} | {n_lines / t_floor:,.0f} | {mem_floor.peak / 2**30:.1f} | "
          f"{n_lines / t_floor / bill_lps:,.0f} |")
    print(f"| set-based plan, changed pack (read + recompute) | {t_plan:.1f} | {plan_lps:,.0f} | {mem_plan.peak / 2**30:.1f} | "
          f"{plan_lps / bill_lps:,.0f} |")
    print(f"| per-bill engine, {len(rows):,} settlements ({sample_lines:,} lines) | {t_bill:.1f} | {bill_lps:,.0f} | - | 1 |")
    print(f"plan paths: folded rows {plan.stats.folded_rows:,} {plan.stats.folds}, per-bill fallback rows {plan.stats.per_bill_rows:,}")
    print(f"fund total under the changed pack: {total_fund / 100:,.2f} yuan")
    # on a shared machine wall time depends on the load; CPU seconds (all threads) much less so
    print(f"CPU seconds: plan {cpu_plan:.1f} ({n_lines / cpu_plan:,.0f} lines per CPU second), per-bill {cpu_bill:.1f} "
          f"({sample_lines / cpu_bill:,.0f}); ratio {n_lines / cpu_plan / (sample_lines / cpu_bill):,.0f}x")
    print("load average (1, 5, 15 min) at start {:.1f} {:.1f} {:.1f}, at end {:.1f} {:.1f} {:.1f}".format(*load_start, *os.getloadavg()))


if __name__ == "__main__":
    main()
