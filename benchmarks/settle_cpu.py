"""CPU seconds of the Python process per settle of a 20-line bill, in-process on a scratch PostgreSQL database.

No HTTP and no load generator: the settle use case itself (`yidi.services.settlement.settle`) with its 6
statements, timed with time.process_time (the CPU this process spends, which survives a loaded machine far
better than a rate does) and time.perf_counter (wall, including the waits for PostgreSQL). Seeds as
benchmarks/settle_http.py does (long-term filers with 10,000 yuan, the same 20-line bills), registers and uploads
every visit first (not timed), settles a few unmeasured, then times --settles settlements in --rounds rounds.

    .venv/bin/python benchmarks/settle_cpu.py [--settles 100] [--rounds 3] [--persons 50 | --first] [--json FILE]
        [--profile FILE]   # cProfile (CPU time) of the timed settles, as a pstats file

To compare two states of the code, run it with PYTHONPATH=<other tree>/src, interleaved (A B B A).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import statistics
import sys
import time
from pathlib import Path

from _common import backends_cpu, scratch_context
from settle_http import HOSPITALS, bill_lines, seed

from yidi.domain.enums import VisitType
from yidi.domain.validation import validate_model
from yidi.services import settlement as svc
from yidi.services.access import Principal
from yidi.services.access import Role as R
from yidi.services.context import Context


def prepare(ctx: Context, persons: list[tuple[str, str]], n: int) -> list[str]:
    hosp = Principal(R.HOSPITAL, HOSPITALS[0])
    out = []
    for i in range(n):
        cid, name = persons[i % len(persons)]
        v = svc.register_visit(ctx, hosp, svc.RegisterVisitIn(id_number=cid, name=name, visit_type=VisitType.OUTPATIENT))
        svc.upload_lines(ctx, hosp, v.mdtrt_id, validate_model(svc.UploadLinesIn, {"lines": bill_lines(i)}))
        out.append(v.mdtrt_id)
    return out


def settle_all(ctx: Context, visits: list[str], tag: str) -> None:
    hosp = Principal(R.HOSPITAL, HOSPITALS[0])
    for mid in visits:
        out = svc.settle(ctx, hosp, mid, svc.SettleIn(idempotency_key=f"{tag}-{mid}"))
        assert out.status == "SETTLED"


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--settles", type=int, default=100, help="timed settlements per round")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--persons", type=int, default=50)
    ap.add_argument("--warm-up", type=int, default=10)
    ap.add_argument("--first", action="store_true",
                    help="every timed settle its person's first of the year (a person each; settle_http.py's bills "
                         "are mostly so: 600 over 400 persons), which also creates their accumulator row")
    ap.add_argument("--profile", default="", metavar="FILE", help="write a cProfile of the timed settles")
    ap.add_argument("--json", default="", metavar="FILE")
    a = ap.parse_args()

    with scratch_context("yidi_cpu") as ctx:
        persons = seed(ctx, a.warm_up + a.settles * a.rounds if a.first else a.persons)
        settle_all(ctx, prepare(ctx, persons, a.warm_up), "warm")
        prof = cProfile.Profile(time.process_time) if a.profile else None  # CPU, not waits
        cpu, wall, pg = [], [], []
        db = ctx.engine.url.database or ""
        for r in range(a.rounds):
            # --first: persons not settled for yet, a.settles of them a round
            visits = prepare(ctx, persons[a.warm_up + r * a.settles:] if a.first else persons, a.settles)
            if prof is not None:
                prof.enable()
            c0, w0, p0 = time.process_time(), time.perf_counter(), backends_cpu(db)
            settle_all(ctx, visits, f"r{r}")
            c1, w1, p1 = time.process_time(), time.perf_counter(), backends_cpu(db)
            if prof is not None:
                prof.disable()
            cpu.append((c1 - c0) / a.settles * 1000)
            wall.append((w1 - w0) / a.settles * 1000)
            pg.append((p1 - p0) / a.settles * 1000)
            print(f"round {r + 1}: {cpu[-1]:.2f} ms CPU, {wall[-1]:.2f} ms wall per settle ({a.settles} settles); "
                  f"PostgreSQL backends {pg[-1]:.2f} ms CPU", flush=True)
        print(f"median of {a.rounds} rounds: {statistics.median(cpu):.2f} ms CPU per settle, "
              f"{statistics.median(wall):.2f} ms wall (least: {min(cpu):.2f} ms CPU; on a busy machine the least "
              f"is the steadier figure); PostgreSQL backends {statistics.median(pg):.2f} ms CPU per settle")
        if prof is not None:
            prof.dump_stats(a.profile)
        if a.json:
            Path(a.json).write_text(json.dumps({"cpu_ms_per_settle": [round(x, 2) for x in cpu],
                                                "wall_ms_per_settle": [round(x, 2) for x in wall],
                                                "pg_backend_ms_per_settle": [round(x, 2) for x in pg],
                                                "settles": a.settles}) + "\n", encoding="utf-8")
        return 0


if __name__ == "__main__":
    sys.exit(main())
