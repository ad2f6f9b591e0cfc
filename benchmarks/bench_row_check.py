"""What `yidi audit verify` costs on a large table (issue 13, item 9): the row check reads every audited row.

A scratch database (a SQLite file, or a PostgreSQL schema dropped at the end) gets the sample packs and
`--settlements` synthetic settlements (with their visits and persons) written through the audited store, as
`yidi clearing seed` writes them; then `yidi audit verify --json` runs as its own process twice, without and
with the row check (--no-rows first), timed, with each command's peak memory (RSS sampled every 50 ms).

    .venv/bin/python benchmarks/bench_row_check.py --backend postgresql --settlements 200000
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time

import psutil
from _common import PG_URL, admin  # benchmarks/ is on sys.path when run as a script

from yidi.clearing.definition import Month
from yidi.clearing.synth import seed_store
from yidi.policies.loader import SAMPLE_DIR, load_packs
from yidi.services.context import Context
from yidi.services.reference import load_reference
from yidi.store import migrate
from yidi.store.db import make_engine, session_factory


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", choices=["sqlite", "postgresql"], default="postgresql")
    ap.add_argument("--settlements", type=int, default=200_000)
    args = ap.parse_args()
    schema = None
    if args.backend == "sqlite":
        url = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    else:
        schema = f"bench_rows_{secrets.token_hex(3)}"
        admin(f'CREATE SCHEMA "{schema}"')
        url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        ctx = Context(engine, session_factory(engine), load_packs(SAMPLE_DIR), dt.date.today)
        load_reference(ctx)
        months = [Month(2026, m) for m in range(1, 13)]
        t0 = time.perf_counter()
        seed_store(engine, months, args.settlements // len(months))
        seeded = time.perf_counter() - t0
        print(f"{args.backend}: {args.settlements:,} settlements seeded through the audited store in {seeded:.1f} s")
        for flag in ("--no-rows", "--rows"):
            t0 = time.perf_counter()
            proc = subprocess.Popen([sys.executable, "-m", "yidi.cli", "audit", "verify", "--json", flag],
                                    env={**os.environ, "YIDI_DATABASE_URL": url, "YIDI_SECRET_KEY": "bench-" * 4},
                                    stdout=subprocess.PIPE, text=True)
            peak = 0
            ps = psutil.Process(proc.pid)
            while proc.poll() is None:  # sampled: a fork inherits the parent's peak, so ru_maxrss would mislead
                with contextlib.suppress(psutil.Error):
                    peak = max(peak, ps.memory_info().rss)
                time.sleep(0.05)
            stdout = proc.stdout.read() if proc.stdout else ""
            took = time.perf_counter() - t0
            rss = peak / 2**20
            status = proc.returncode
            assert status == 0, stdout[-2000:]
            rep = json.loads(stdout)
            what = (f"{rep['records']:,} records" if flag == "--no-rows" else
                    f"{rep['rows']['rows']:,} rows in {rep['rows']['tables']} tables, {rep['rows']['log_lines']:,} log "
                    f"lines, {rep['rows']['rows'] / took:,.0f} rows/s")
            print(f"  yidi audit verify {flag}: {took:.1f} s ({what}); peak memory {rss:.0f} MB")
    finally:
        engine.dispose()
        if schema:
            admin(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


if __name__ == "__main__":
    main()
