"""Settlements per second of 20-line bills through the HTTP API on PostgreSQL, beside pgbench's TPC-B rate.

Bounded and loopback only. A scratch database gets the sample packs, N synthetic long-term filers and an API key
per hospital; `yidi serve --no-demo --workers W` serves it on 127.0.0.1, and `wrk` (benchmarks/wrk_list.lua), each
request with its hospital's key and its own msgid,
  A. registers 2 × B visits (each answer's mdtrt_id is captured for the next phases),
  B. uploads 20 fee lines (A, B, C, over-cap and unknown items) to each,
  C. settles B of them as fast as answers come back (settlements/s, p50/p99, server CPU per settle), in --rounds
     parts, each followed by the TPC-B-like `pgbench -c 8 -j 2 -T S` on the same database (its tables made by
     `pgbench -i -s 8` before A; the server idle meanwhile; VACUUM (ANALYZE) before each measured phase,
     pgbench's, yidi's and D's, so that none pays for the one before it), so that each part's
     rate has its own pgbench rate measured beside it on the machine as it was then: a part's ratio is its
     settlements/s over that tps, and the run's figures are the median of the parts' (on a machine whose speed
     drifts by ±20 % within minutes, one settle phase and one pgbench phase apart gave ratios far apart from run
     to run);
  D. settles the others at a fixed offered rate of half the median maximum for --seconds (p50/p99 there);
then `yidi ledger verify` and `yidi audit verify` must pass, and the database is dropped. Each settle has an
idempotency key.

    .venv/bin/python benchmarks/settle_http.py [--bills 1500] [--rounds 3] [--connections 8] [--workers 2]
        [--persons 400] [--seconds 10] [--pgbench-seconds 10] [--json FILE] [--profile 200] [--py-spy FILE]

--json FILE writes settles_per_s, pgbench_tps, ratio, p50_ms, p99_ms (medians of the rounds), each round's, and
the other phases' figures. --rounds 1: one settle phase, then one pgbench run (as before the rounds).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import json
import os
import pstats
import secrets
import signal
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import _wrk  # benchmarks/ is on sys.path when run as a script
from _common import PG_URL as ADMIN_URL
from _common import admin, backends_cpu, free_port
from rich.console import Console
from rich.table import Table
from sqlalchemy import text

from yidi.demo.dataset import demo_id
from yidi.domain.enums import Category, FilingType, InsuranceStatus, Scheme, VisitType
from yidi.domain.filing_rules import FilingRecord, FilingStatus
from yidi.domain.ids import CitizenId
from yidi.domain.reference import Person
from yidi.domain.validation import validate_model
from yidi.services import hospital_keys
from yidi.services import settlement as svc
from yidi.services.access import Principal, Role
from yidi.services.context import Context
from yidi.services.reference import load_reference
from yidi.settings import Settings
from yidi.store import migrate
from yidi.store.db import unit_of_work
from yidi.store.repositories import Filings, Persons

HOSPITALS = ["H44010000001", "H44010000002", "H44010000004", "H44030000001", "H44030000003"]
CODES = ["S001", "XA01", "XB01", "S002", "M002", "XC01", "ZZ-UNKNOWN"]  # A, B, C, over cap and unknown items
API = "/api/v1/hospital"
console = Console(width=220)


def seed(ctx: Context, persons: int) -> list[tuple[str, str]]:
    """Employees insured at 369900 with a long-term filing to Guangdong and 10,000 yuan in the account."""
    migrate.upgrade(ctx.engine)
    load_reference(ctx)
    start = ctx.today() - dt.timedelta(days=400)
    out = []
    with unit_of_work(ctx.sessions) as s:
        for i in range(persons):
            cid = demo_id("360102", f"19{50 + i % 40:02d}0{1 + i % 9}1{i % 9}", i % 1000)
            Persons(s).upsert(Person(CitizenId(cid), f"测试{i}", "369900", Scheme.EMPLOYEE, Category.ACTIVE,
                                           InsuranceStatus.ACTIVE, account_balance=Decimal("10000.00")))
            s.flush()
            Filings(s).save(FilingRecord(f"BA{secrets.token_hex(6).upper()}", cid, "369900",
                                         FilingType.LONG_TERM_RESIDENT, "440000", start, None, FilingStatus.ACTIVE,
                                         True, (), (), start))
            out.append((cid, f"测试{i}"))
    return out


def bill_lines(i: int) -> list[dict[str, str]]:
    return [{"line_id": f"{i}-{k}", "code": CODES[k % len(CODES)], "quantity": str(1 + k % 3),
             "unit_price": f"{20 + (k * 37) % 180}.50"} for k in range(20)]


def profile(ctx: Context, persons: list[tuple[str, str]], n: int) -> None:
    """cProfile n register+upload+settle use cases in-process; own time grouped by layer."""
    hosp = Principal(Role.HOSPITAL, HOSPITALS[0])
    prepared = []
    for i in range(n):
        cid, name = persons[i % len(persons)]
        v = svc.register_visit(ctx, hosp, svc.RegisterVisitIn(id_number=cid, name=name, visit_type=VisitType.OUTPATIENT))
        svc.upload_lines(ctx, hosp, v.mdtrt_id, validate_model(svc.UploadLinesIn, {"lines": bill_lines(10_000_000 + i)}))
        prepared.append(v.mdtrt_id)
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    for mid in prepared:
        svc.settle(ctx, hosp, mid, svc.SettleIn(idempotency_key=f"prof-{mid}"))
    prof.disable()
    per = (time.perf_counter() - t0) / n * 1000
    st = pstats.Stats(prof)
    groups: dict[str, float] = defaultdict(float)
    total = 0.0
    for (filename, _line, _fn), (_cc, _nc, tt, _ct, _callers) in st.stats.items():  # type: ignore[attr-defined]
        total += tt
        f = filename.replace("\\", "/")
        if "yidi/domain/engine" in f or "yidi/domain/bands" in f:
            g = "engine (calculate)"
        elif "yidi/domain" in f:
            g = "domain values (bill, eligibility, filing rules)"
        elif "yidi/" in f:
            g = "yidi services/store"
        elif "psycopg" in f or "{method 'execute'" in _fn or "select" in _fn:
            g = "psycopg + waiting for PostgreSQL"
        elif "sqlalchemy" in f:
            g = "SQLAlchemy (ORM, SQL compile)"
        elif "pydantic" in f:
            g = "pydantic"
        elif "json" in f:
            g = "json"
        elif f.startswith("~") or "<built-in" in _fn or "<method" in _fn:
            g = "builtins (incl. socket waits)"
        else:
            g = "other stdlib"
        groups[g] += tt
    t = Table(title=f"settle use case in-process, {n} settlements: {per:.2f} ms each (cProfile inflates this)")
    t.add_column("where")
    t.add_column("share", justify="right")
    for g, v in sorted(groups.items(), key=lambda kv: -kv[1]):
        t.add_row(g, f"{v / total:.0%}")
    console.print(t)
    st.sort_stats("cumulative").print_stats(r"yidi|sqlalchemy/orm/session.py:.*\(commit|flush\)", 18)


SPY_GROUPS = [  # first match wins, searched from the innermost frame outwards
    ("engine (calculate)", ("yidi/domain/engine", "yidi/domain/bands")),
    ("audit chain (digests, head)", ("yidi/store/audit_chain",)),
    ("psycopg + waiting for PostgreSQL", ("psycopg",)),
    ("SQLAlchemy (ORM, SQL compile)", ("sqlalchemy",)),
    ("pydantic (validation, serialisation)", ("pydantic",)),
    ("json", ("json/",)),
    ("yidi services, domain", ("yidi/",)),
    ("HTTP: uvicorn, starlette, fastapi, event loop", ("uvicorn", "starlette", "fastapi", "anyio", "asyncio", "uvloop",
                                                       "h11", "httptools")),
]


def spy_report(path: str) -> None:
    """Group py-spy's collapsed stacks (the server's threads while they hold the GIL: Python running, not waiting for
    PostgreSQL or a request; without --gil a thread blocked in libpq's poll counted as busy) by the innermost layer
    we know."""
    groups: dict[str, int] = defaultdict(int)
    total = 0
    idle = 0
    for line in Path(path).read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit():
            continue
        frames = stack.split(";")
        total += int(n)
        inner = frames[-1]
        if any(w in inner for w in ("wait (threading", "_worker (concurrent", "select (selectors", "run_once", "poll (")):
            idle += int(n)
            continue
        for g, keys in SPY_GROUPS:
            if any(any(k in f for k in keys) for f in reversed(frames[-3:])):
                groups[g] += int(n)
                break
        else:
            groups["other"] += int(n)
    busy = total - idle
    t = Table(title=f"server's Python during the settle phase (py-spy --gil, {busy} samples of {total})")
    t.add_column("where (innermost known frame)")
    t.add_column("share of busy", justify="right")
    for g, v in sorted(groups.items(), key=lambda kv: -kv[1]):
        t.add_row(g, f"{v / max(busy, 1):.0%}")
    console.print(t)


def settle_down(ctx: Context) -> None:
    """Before a measured phase: the database vacuumed and analysed, so that no phase pays for the one before it
    (autovacuum woken by pgbench's 30,000 updates, or by yidi's writes). No CHECKPOINT: right after one, every
    page's first change writes its whole image to the WAL, which would weigh on the phase after it."""
    with ctx.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("VACUUM (ANALYZE)"))


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--bills", type=int, default=1500, help="settled saturating (as many again at the fixed rate)")
    ap.add_argument("--rounds", type=int, default=3, help="saturating settle parts, each followed by a pgbench run")
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2, help="wrk threads")
    ap.add_argument("--workers", type=int, default=2, help="yidi serve --workers")
    ap.add_argument("--persons", type=int, default=400)
    ap.add_argument("--seconds", type=float, default=10.0, help="length of the fixed-rate phase at most")
    ap.add_argument("--pgbench-seconds", type=int, default=10)
    ap.add_argument("--profile", type=int, default=0, help="settlements to profile in-process afterwards (0: skip)")
    ap.add_argument("--py-spy", default="", metavar="FILE",
                    help="sample the server with py-spy during the saturating settle phase (collapsed stacks to FILE)")
    ap.add_argument("--access-log", action="store_true", help="yidi with its access log on")
    ap.add_argument("--json", default="", metavar="FILE")
    a = ap.parse_args()

    db = f"yidi_bench_{secrets.token_hex(3)}"
    url = f"{ADMIN_URL.rsplit('/', 1)[0]}/{db}"
    admin(f'CREATE DATABASE "{db}"')
    server = None
    ctx = Context.from_settings(Settings(database_url=url))
    load_before = os.getloadavg()
    try:
        console.print(f"scratch database {db}: seeding {a.persons} persons …")
        persons = seed(ctx, a.persons)
        # pgbench's tables first: their 800,000 rows' writes and checkpoint then weigh on no measured phase
        _wrk.pgbench(db, select_only=False, scale=8, seconds=1)
        keys = {h: f"Bearer {hospital_keys.create_key(ctx, h).key}" for h in HOSPITALS}
        port = free_port()
        server = _wrk.start_yidi(url, port, a.workers, access_log=a.access_log,
                                 env={"YIDI_SECRET_KEY": secrets.token_urlsafe(32)})
        base = f"http://127.0.0.1:{port}"
        common = {"connections": a.connections, "threads": a.threads, "server_pid": server.pid, "mode": "once"}

        def register(n: int, offset: int, label: str) -> tuple[_wrk.Result, list[tuple[str, str]]]:
            rows = []
            for i in range(offset, offset + n):
                cid, name = persons[i % len(persons)]
                body = {"id_number": cid, "name": name, "visit_type": "OUTPATIENT", "msgid": f"r-{db}-{i}"}
                rows.append(_wrk.Row("POST", f"{API}/visits", keys[HOSPITALS[i % len(HOSPITALS)]],
                                     json.dumps(body, ensure_ascii=False)))
            return _wrk.run(base, rows, label=label, expect=201, seconds=600, **common)

        def upload(visits: list[tuple[str, str]], label: str) -> _wrk.Result:
            rows = [_wrk.Row("POST", f"{API}/visits/{mid}/lines", keys[inst], json.dumps({"lines": bill_lines(k)}))
                    for k, (mid, inst) in enumerate(visits)]
            return _wrk.run(base, rows, label=label, seconds=600, **common)[0]

        def settle_rows(visits: list[tuple[str, str]]) -> list[_wrk.Row]:
            return [_wrk.Row("POST", f"{API}/visits/{mid}/settle", keys[inst],
                             json.dumps({"idempotency_key": f"bench-{mid}", "msgid": f"s-{mid}"})) for mid, inst in visits]

        # warm-up: the key checks and first-request costs stay out of the figures
        _res, warm = register(40, 10_000_000, "warm-up register")
        upload(warm, "warm-up upload")
        _wrk.run(base, settle_rows(warm), label="warm-up settle", seconds=600, **common)
        reg, visits = register(2 * a.bills, 0, "register visit (2401/2201)")
        console.print(reg.line())
        if len(visits) != 2 * a.bills:
            raise RuntimeError(f"registered {len(visits)} visits of {2 * a.bills}")
        up = upload(visits, "upload 20 fee lines (2301/2204)")
        console.print(up.line())
        spy = None
        if a.py_spy:
            spy = subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(server.pid),
                                    "--subprocesses", "--gil", "--format", "raw", "--rate", "200", "-o", a.py_spy],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1)
        rounds, parts, splits, pg_ms = [], max(1, min(a.rounds, a.bills)), [], []
        for r in range(parts):
            part = visits[a.bills * r // parts: a.bills * (r + 1) // parts]
            settle_down(ctx)
            pg0 = backends_cpu(db)
            with _wrk.SplitWatch(server.pid, port) as split:
                sat, _ = _wrk.run(base, settle_rows(part), label=f"settle 20-line bill (2304/2207) {r + 1}/{parts}",
                                  seconds=600, **common)
            # the database's share under this load (settle_cpu.py reads it one settle at a time)
            pg_ms.append(1000 * (backends_cpu(db) - pg0) / max(1, sat.ok))
            if spy is not None and r == 0:
                spy.send_signal(signal.SIGINT)
                spy.wait(timeout=120)
            settle_down(ctx)
            tps = _wrk.pgbench(db, select_only=False, scale=8, seconds=a.pgbench_seconds, init=False)
            rounds.append((sat, tps))
            console.print(f"{sat.line()}  PostgreSQL {pg_ms[-1]:.2f} ms/settle; pgbench TPC-B {tps:,.0f} tps: ratio "
                          f"{sat.per_s / tps:.4f}; connections by worker {split.seen()}")
            splits.append(split.seen())
        sat = sorted((s for s, _t in rounds), key=lambda x: x.per_s)[len(rounds) // 2]  # the median part's figures
        tps = statistics.median(t for _s, t in rounds)
        ratio = statistics.median(s.per_s / t for s, t in rounds)
        rate = max(1.0, sat.per_s / 2)
        settle_down(ctx)
        rest = visits[a.bills:][: max(a.connections, int(rate * a.seconds))]
        fixed, _ = _wrk.run(base, settle_rows(rest), label="settle 20-line bill (2304/2207)", rate=rate,
                            seconds=600, **common)
        console.print(fixed.line())
        _wrk.stop(server)
        server = None
        checks = _wrk.verify(url)
        errors = sum(r.errors for r in (reg, up, fixed, *(s for s, _t in rounds)))
        out = {
            "settles_per_s": round(sat.per_s, 1), "pgbench_tps": round(tps, 1), "ratio": round(ratio, 4),
            "p50_ms": round(sat.p50_ms, 2), "p99_ms": round(sat.p99_ms, 2),
            "server_cpu_ms_per_settle": round(sat.cpu_ms_per_req, 2), "workers": a.workers,
            "rounds": [{"settles_per_s": round(s.per_s, 1), "pgbench_tps": round(t, 1), "ratio": round(s.per_s / t, 4),
                        "p50_ms": round(s.p50_ms, 2), "p99_ms": round(s.p99_ms, 2),
                        "server_cpu_ms_per_settle": round(s.cpu_ms_per_req, 2), "connections_by_worker": w,
                        "postgres_cpu_ms_per_settle": round(g, 2)}
                       for (s, t), w, g in zip(rounds, splits, pg_ms, strict=True)],
            "connections": a.connections,
            "fixed_rate": {"offered": round(fixed.offered, 1), "per_s": round(fixed.per_s, 1),
                           "p50_ms": round(fixed.p50_ms, 2), "p99_ms": round(fixed.p99_ms, 2), "late": fixed.late},
            "register_per_s": round(reg.per_s, 1), "upload_per_s": round(up.per_s, 1),
            "whole_flow_per_s": round(1 / (1 / reg.per_s + 1 / up.per_s + 1 / sat.per_s), 1),
            "errors": errors, **checks,
            "load_average": [round(x, 1) for x in (*load_before, *os.getloadavg())],
            "rows": [r.as_dict() for r in (reg, up, *(s for s, _t in rounds), fixed)],
        }
        console.print()
        console.print(f"machine: {_wrk.machine()}; yidi serve --workers {a.workers}; wrk -t {a.threads} -c "
                      f"{a.connections} on the same machine; load average at start {load_before[0]:.1f}")
        console.print(f"yidi settle (the median of {len(rounds)} parts): {sat.per_s:,.1f} settlements/s (p50 {sat.p50_ms:.1f} ms, p99 {sat.p99_ms:.1f} ms, "
                      f"server CPU {sat.cpu_ms_per_req:.1f} ms each); at {fixed.offered:,.0f}/s offered: p50 "
                      f"{fixed.p50_ms:.1f} ms, p99 {fixed.p99_ms:.1f} ms (aim ≤ 50), {fixed.late} late")
        console.print(f"whole flow (register, upload, settle) ≈ {out['whole_flow_per_s']:,.1f} bills/s")
        console.print(f"pgbench TPC-B-like {tps:,.0f} tps (median); ratio yidi settle / pgbench {ratio:.4f} (median of "
                      f"the parts' {', '.join(f'{s.per_s / t:.4f}' for s, t in rounds)}; aim 0.1, then 0.3)")
        console.print(f"ledger verify: {'OK' if checks['ledger_verify'] else 'FAILED'}; audit verify: "
                      f"{'OK' if checks['audit_verify'] else 'FAILED'}")
        if a.json:
            Path(a.json).write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        if a.py_spy:
            spy_report(a.py_spy)
        if a.profile:
            profile(ctx, persons, a.profile)
        return 1 if errors or not all(checks.values()) else 0
    finally:
        _wrk.stop(server)
        ctx.close()
        admin(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main())
