"""Settlements per second of 20-line bills through the HTTP API on PostgreSQL, beside pgbench's TPC-B rate.

Bounded and loopback only: creates a scratch database, loads the sample packs and N synthetic long-term
filers, starts uvicorn on 127.0.0.1 and, with 8 concurrent keep-alive clients,
  A. registers a visit and uploads its 20 fee lines for each of B bills (timed: preparation rate),
  B. settles every one of them (timed: settlements/s, p50/p99 of POST .../settle),
then runs `pgbench -i -s 8` and the default TPC-B-like `pgbench -c 8 -j 2 -T 10` on the same scratch
database, prints the rates and the ratio, profiles the settle use case in-process (cProfile) to show where
the time goes, verifies the ledger, and drops the database.

    .venv/bin/python benchmarks/settle_http.py [--bills 1200] [--clients 8] [--workers 1] [--persons 400]
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import os
import pstats
import re
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from _common import PG_URL as ADMIN_URL  # benchmarks/ is on sys.path when run as a script
from _common import admin, free_port
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from yidi.demo.dataset import demo_id
from yidi.domain.enums import Category, FilingType, InsuranceStatus, Scheme, VisitType
from yidi.domain.filing_rules import FilingRecord, FilingStatus
from yidi.domain.ids import CitizenId
from yidi.domain.reference import Person
from yidi.domain.validation import validate_model
from yidi.services import hospital_keys, ledger
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
console = Console()




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


def run_clients(base: str, clients: int, jobs: list[Any], work: Any, label: str) -> tuple[float, list[float], int]:
    """Run `work(client, job)` over the jobs from `clients` keep-alive threads; (seconds, latencies, errors)."""
    lock = threading.Lock()
    nxt = 0
    lat: list[float] = []
    errors = 0

    def worker() -> None:
        nonlocal nxt, errors
        with httpx.Client(base_url=base, timeout=30) as c:
            while True:
                with lock:
                    if nxt >= len(jobs):
                        return
                    job = jobs[nxt]
                    nxt += 1
                t0 = time.perf_counter()
                ok = work(c, job)
                t1 = time.perf_counter()
                with lock:
                    lat.append(t1 - t0)
                    errors += 0 if ok else 1

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
    t0 = time.perf_counter()
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task(label, total=len(jobs))
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            bar.update(task, completed=nxt)
            time.sleep(0.1)
    return time.perf_counter() - t0, lat, errors


def pgbench(db: str, clients: int, seconds: int) -> float:
    env = {**os.environ, "PGHOST": "127.0.0.1", "PGUSER": "postgres", "PGPORT": "5432"}
    subprocess.run(["pgbench", "-i", "-q", "-s", str(clients), db], env=env, check=True, capture_output=True, timeout=300)
    out = subprocess.run(["pgbench", "-c", str(clients), "-j", "2", "-T", str(seconds), db],
                         env=env, check=True, capture_output=True, text=True, timeout=seconds + 120).stdout
    m = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", out)
    if m is None:
        raise RuntimeError(f"cannot read pgbench output:\n{out}")
    return float(m.group(1))  # ok-float: a benchmark figure, not money


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
    """Group py-spy's collapsed stacks (all threads of the server) by the innermost layer we know."""
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
    t = Table(title=f"server during the settle phase (py-spy, {busy} busy samples of {total})")
    t.add_column("where (innermost known frame)")
    t.add_column("share of busy", justify="right")
    for g, v in sorted(groups.items(), key=lambda kv: -kv[1]):
        t.add_row(g, f"{v / max(busy, 1):.0%}")
    console.print(t)


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--bills", type=int, default=1200)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--persons", type=int, default=400)
    ap.add_argument("--pgbench-seconds", type=int, default=10)
    ap.add_argument("--profile", type=int, default=200, help="settlements to profile in-process (0: skip)")
    ap.add_argument("--py-spy", default="", metavar="FILE",
                    help="sample the server with py-spy during the settle phase (collapsed stacks to FILE) and print "
                         "where its time goes")
    a = ap.parse_args()

    db = f"yidi_bench_{secrets.token_hex(3)}"
    url = f"{ADMIN_URL.rsplit('/', 1)[0]}/{db}"
    admin(f'CREATE DATABASE "{db}"')
    server = None
    ctx = Context.from_settings(Settings(database_url=url))
    try:
        console.print(f"scratch database {db}: seeding {a.persons} persons …")
        persons = seed(ctx, a.persons)
        keys = {h: hospital_keys.create_key(ctx, h).key for h in HOSPITALS}
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "yidi.api.main:app", "--host", "127.0.0.1", "--port", str(port),
             "--workers", str(a.workers), "--log-level", "warning", "--no-access-log"],
            env={**os.environ, "YIDI_DATABASE_URL": url, "YIDI_SECRET_KEY": secrets.token_urlsafe(32)},
            cwd=Path(__file__).resolve().parents[1])
        base = f"http://127.0.0.1:{port}"
        deadline = time.time() + 60
        while True:
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.time() > deadline or server.poll() is not None:
                raise RuntimeError("the server did not start")
            time.sleep(0.3)
        # each client thread speaks for one hospital (its own key); the bills go round the persons
        jobs = [(i, HOSPITALS[i % len(HOSPITALS)], *persons[i % len(persons)]) for i in range(a.bills)]
        mids: dict[int, str] = {}

        def prepare(c: httpx.Client, job: tuple[int, str, str, str]) -> bool:
            i, inst, cid, name = job
            h = {"Authorization": f"Bearer {keys[inst]}"}
            r = c.post(f"{API}/visits", json={"id_number": cid, "name": name, "visit_type": "OUTPATIENT"}, headers=h)
            if r.status_code != 201:
                console.print(r.text)
                return False
            mid = r.json()["mdtrt_id"]
            r = c.post(f"{API}/visits/{mid}/lines", json={"lines": bill_lines(i)}, headers=h)
            mids[i] = mid
            return r.status_code == 200

        def settle(c: httpx.Client, job: tuple[int, str, str, str]) -> bool:
            i, inst, _cid, _name = job
            r = c.post(f"{API}/visits/{mids[i]}/settle", json={"idempotency_key": f"bench-{mids[i]}"},
                       headers={"Authorization": f"Bearer {keys[inst]}"})
            if r.status_code != 200:
                console.print(r.text)
            return r.status_code == 200

        # warm-up: the scrypt key checks and first-request costs stay out of the figures
        warm = [(10_000_000 + k, HOSPITALS[k % len(HOSPITALS)], *persons[k % len(persons)]) for k in range(40)]
        run_clients(base, a.clients, warm, prepare, "warm-up")
        run_clients(base, a.clients, warm, settle, "warm-up")
        prep_s, prep_lat, prep_err = run_clients(base, a.clients, jobs, prepare, "register + upload 20 lines")
        spy = None
        if a.py_spy:
            spy = subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(server.pid), "--format", "raw", "--rate", "200",
                                    "-o", a.py_spy], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1)
        setl_s, lat, setl_err = run_clients(base, a.clients, jobs, settle, "settle")
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=60)
        server.terminate()
        server.wait(timeout=30)
        server = None
        lat.sort()
        rate = a.bills / setl_s
        prep_rate = a.bills / prep_s
        e2e = 1 / (1 / rate + 1 / prep_rate)
        p50 = statistics.median(lat) * 1000
        p99 = lat[max(0, int(len(lat) * 0.99) - 1)] * 1000
        console.print(f"pgbench TPC-B-like -c {a.clients} -j 2 -T {a.pgbench_seconds} (scale {a.clients}) on {db} …")
        tps = pgbench(db, a.clients, a.pgbench_seconds)
        rep = ledger.verify(ctx)
        console.print()
        console.print(f"machine: {os.cpu_count()} CPUs; uvicorn workers {a.workers}; {a.clients} client threads in one "
                      "process on the same machine; 20-line outpatient bills, 5 hospitals, "
                      f"{a.persons} persons")
        console.print(f"yidi settle over HTTP:      {rate:,.1f} settlements/s  (p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
                      f"{a.bills} bills, {setl_err} errors)")
        console.print(f"register + upload 20 lines: {prep_rate:,.1f} bills/s (p50 {statistics.median(prep_lat) * 1000:.1f} ms "
                      f"for the two requests, {prep_err} errors); whole flow ≈ {e2e:,.1f} bills/s")
        console.print(f"pgbench TPC-B-like:         {tps:,.0f} tps")
        console.print(f"ratio yidi settle/pgbench:  {rate / tps:.3f}")
        console.print(f"ledger verify: {'OK' if rep.ok else 'FAILED'} ({rep.settlements} settlements, {rep.postings} postings)")
        if a.py_spy:
            spy_report(a.py_spy)
        if a.profile:
            profile(ctx, persons, a.profile)
        return 1 if (setl_err or prep_err or not rep.ok) else 0
    finally:
        if server is not None:
            server.kill()
        ctx.close()
        admin(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main())
