"""Benchmark: clear a month of 10 million settlements on DuckDB (and Spark local), against plain DuckDB
scans-and-sums of the same rows as the floor, in the same run. Totals must agree to the fen.

Two floors: the narrow one (settled minus revoked in the month, fund + acct: 6 columns read, 2 summed)
and the fair one (the rows the month moves, all nine money columns the clearing sums: 13 columns read).

    .venv/bin/python benchmarks/bench_clearing.py                 # 10 M rows, DuckDB + floor
    .venv/bin/python benchmarks/bench_clearing.py --spark         # and Spark local[*]
    .venv/bin/python benchmarks/bench_clearing.py --rows 1000000  # smaller

The month is synthetic (yidi.clearing.synth.write_parquet_month: seeded, reproducible), written once
to Parquet under --dir and reused if present. Each engine reads the same Parquet. The DuckDB steps run
in rounds (narrow floor, fair floor, clearing; --repeat rounds, median reported) so a change in the
machine's load touches all of them alike; the load average is printed before and after. Peak memory
is the largest resident set of this process (DuckDB runs in process) sampled every 10 ms while the
step runs in the first round (later rounds would carry memory retained from earlier steps); for
Spark it is the JVM's (a child process) included, sampled the same way.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil

from yidi.clearing.definition import MONEY, Month, floor_money_query, floor_query
from yidi.clearing.engines import DuckDBEngine, SparkEngine
from yidi.clearing.synth import write_parquet_month


class PeakRSS:
    """Largest RSS of this process and its children while the block runs."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()

    def _rss(self) -> int:
        me = psutil.Process()
        total = me.memory_info().rss
        for c in me.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                total += c.memory_info().rss
        return total

    def __enter__(self) -> PeakRSS:
        self.peak = self._rss()
        self._t = threading.Thread(target=self._loop, daemon=True)
        self._t.start()
        return self

    def _loop(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, self._rss())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._t.join()


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, int, Any]:
    times, peak, out = [], 0, None
    for _ in range(repeat):
        with PeakRSS() as mem:
            t0 = time.perf_counter()
            out = fn()
            times.append(time.perf_counter() - t0)
        peak = max(peak, mem.peak)
    return statistics.median(times), peak, out


def rounds(steps: list[Callable[[], Any]], repeat: int) -> list[tuple[float, int, Any]]:
    """Run the steps in turn, `repeat` rounds: (median s, peak RSS of the first round, last result)."""
    times: list[list[float]] = [[] for _ in steps]
    peaks, outs = [0] * len(steps), [None] * len(steps)
    for r in range(repeat):
        for i, fn in enumerate(steps):
            with PeakRSS() as mem:
                t0 = time.perf_counter()
                outs[i] = fn()
                times[i].append(time.perf_counter() - t0)
            if r == 0:
                peaks[i] = mem.peak
    return [(statistics.median(t), p, o) for t, p, o in zip(times, peaks, outs, strict=True)]


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--month", default="2026-10")
    ap.add_argument("--dir", type=Path, default=Path("var/bench-clearing"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--spark", action="store_true", help="also run Spark local[*] (JVM start not timed)")
    args = ap.parse_args()
    m = Month.parse(args.month)
    folder = args.dir / f"{args.month}-{args.rows}"
    if not (folder / "settlements.parquet").exists():
        t0 = time.perf_counter()
        write_parquet_month(m, args.rows, folder)
        print(f"generated {args.rows:,} settlements in {time.perf_counter() - t0:.1f} s -> {folder}", file=sys.stderr)
    size = sum(f.stat().st_size for f in folder.glob("*.parquet"))

    import duckdb

    def scan(sql: str) -> tuple[int, ...]:
        con = duckdb.connect()
        try:
            con.from_parquet(str(folder / "settlements.parquet")).create_view("settlements")
            return tuple(int(v) for v in con.execute(sql).fetchone())  # type: ignore[union-attr]
        finally:
            con.close()

    load_before = load()
    duck = DuckDBEngine()
    (t_floor, mem_floor, (n, floor_total)), (t_fair, mem_fair, fair), (t_duck, mem_duck, res) = rounds(
        [lambda: scan(floor_query(m)), lambda: scan(floor_money_query(m)),
         lambda: duck.run(m, folder, with_items=False)], args.repeat)
    duck_total = int(res["totals"][0][1])
    assert duck_total == floor_total, (duck_total, floor_total)
    # the fair floor's rows and money sums are the clearing's items and pair-line sums (nothing frozen)
    pair_sums = tuple(sum(row[7 + i] for row in res["pair"]) for i in range(len(MONEY)))
    assert (fair[0], fair[1:]) == (res["totals"][0][0], pair_sums), (fair, res["totals"], pair_sums)
    fair_total = fair[1 + MONEY.index("fund")] + fair[1 + MONEY.index("acct")]
    assert fair_total == duck_total, (fair_total, duck_total)
    rows = [("floor, narrow: DuckDB scan + sum of settled - revoked, fund + acct (6 columns read)", t_floor,
             mem_floor, floor_total),
            ("floor, fair: DuckDB scan + sum of the moved rows, 9 money columns (13 columns read)", t_fair,
             mem_fair, fair_total),
            ("clearing on DuckDB (hospital, pair, province, netting, totals)", t_duck, mem_duck, duck_total)]
    lines = (len(res["hospital"]), len(res["pair"]), len(res["province"]), len(res["netting"]))
    if args.spark:
        spark = SparkEngine(os.environ.get("YIDI_SPARK_MASTER", "local[*]"),
                            {"spark.driver.memory": "6g", "spark.sql.shuffle.partitions": "8"})
        t0 = time.perf_counter()
        spark.session()
        jvm = time.perf_counter() - t0
        t_spark, mem_spark, sres = timed(lambda: spark.run(m, folder, with_items=False), max(1, args.repeat - 1))
        spark.stop()
        assert sres == res, "Spark and DuckDB differ"
        rows.append((f"clearing on Spark {spark.master} (JVM start {jvm:.1f} s not counted)", t_spark, mem_spark,
                     int(sres["totals"][0][1])))

    print(f"\n{args.rows:,} settlements of {m} ({n:,} cross-region rows), Parquet {size / 2**20:,.0f} MiB; "
          f"{lines[0]:,} hospital lines, {lines[1]:,} pair lines, {lines[2]} provinces, {lines[3]} netting rows")
    print(f"machine: {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB, "
          f"Python {platform.python_version()}, duckdb {duckdb.__version__}; "
          f"load average (1, 5, 15 min) {load_before} before, {load()} after")
    print("\n| what | median s | Msettlements/s | peak RSS MiB | × narrow floor | × fair floor | total (fen) |")
    print("|---|---|---|---|---|---|---|")
    for what, t, mem, total in rows:
        print(f"| {what} | {t:.2f} | {args.rows / t / 1e6:.1f} | {mem / 2**20:,.0f} | {t / t_floor:.1f} | "
              f"{t / t_fair:.1f} | {total:,} |")


if __name__ == "__main__":
    main()
