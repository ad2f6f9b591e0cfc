"""CPU seconds of the Python process per pre-settle (预结算, a quote) of a 20-line bill, in-process on a scratch
PostgreSQL database: benchmarks/settle_cpu.py's seed and visits, each quoted --quotes times per round (a quote
changes nothing), timed with time.process_time. Compare two states of the code with PYTHONPATH=<tree>/src,
interleaved (A B B A).

    .venv/bin/python benchmarks/presettle_cpu.py [--visits 50] [--quotes 4] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from _common import scratch_context
from settle_cpu import prepare, settle_all
from settle_http import HOSPITALS, seed

from yidi.services import settlement as svc
from yidi.services.access import Principal
from yidi.services.access import Role as R


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--visits", type=int, default=50, help="prepared visits (one per person)")
    ap.add_argument("--quotes", type=int, default=4, help="quotes of each visit per round")
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    with scratch_context("yidi_cpu") as ctx:
        persons = seed(ctx, a.visits)
        settle_all(ctx, prepare(ctx, persons, a.visits), "warm")  # every person has this year's accumulators
        visits = prepare(ctx, persons, a.visits)
        hosp = Principal(R.HOSPITAL, HOSPITALS[0])
        cpu = []
        for r in range(a.rounds):
            c0 = time.process_time()
            for _ in range(a.quotes):
                for mid in visits:
                    svc.pre_settle(ctx, hosp, mid, svc.PreSettleIn())
            cpu.append((time.process_time() - c0) / (a.quotes * len(visits)) * 1000)
            print(f"round {r + 1}: {cpu[-1]:.2f} ms CPU per pre-settle", flush=True)
        print(f"median of {a.rounds} rounds: {statistics.median(cpu):.2f} ms CPU per pre-settle (least: {min(cpu):.2f})")
        return 0


if __name__ == "__main__":
    sys.exit(main())
