"""Eligibility checks per second through the HTTP API on PostgreSQL, beside pgbench's select-only rate.

Bounded and loopback only: creates a scratch database, loads the sample packs, the demo dataset and
N synthetic persons with filings, starts uvicorn on 127.0.0.1, drives POST /api/v1/eligibility from
8 concurrent keep-alive clients for a fixed time, then runs `pgbench -i` and `pgbench -S -c 8 -T 10`
on the same scratch database in the same run, prints both rates and their ratio, and drops the database.

    .venv/bin/python benchmarks/eligibility_http.py [--seconds 10] [--clients 8] [--workers 2] [--persons 2000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import secrets
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
from _common import PG_URL as ADMIN_URL  # benchmarks/ is on sys.path when run as a script
from _common import admin, free_port
from rich.console import Console
from rich.progress import Progress

from yidi.demo.dataset import demo_id, load_demo
from yidi.domain.enums import Category, FilingType, Scheme
from yidi.domain.filing_rules import FilingRequest, new_filing
from yidi.domain.ids import CitizenId
from yidi.domain.reference import Person
from yidi.services.context import Context
from yidi.services.filings import new_filing_id, rules_for
from yidi.services.reference import load_reference
from yidi.settings import Settings
from yidi.store import migrate
from yidi.store.db import unit_of_work
from yidi.store.repositories import Filings, Persons, Regions

AREAS = [("440100", "H44010000001"), ("440300", "H44030000001"), ("110100", "H11010000002"),
         ("310100", "H31010000001"), ("510100", "H51010000001")]
console = Console()




def seed(url: str, persons: int) -> list[dict[str, object]]:
    """Schema, packs, demo, and `persons` synthetic long-term filers; returns one request body each."""
    ctx = Context.from_settings(Settings(database_url=url))
    migrate.upgrade(ctx.engine)
    load_reference(ctx)
    load_demo(ctx)
    today = ctx.today()
    filed_on = today - dt.timedelta(days=30)
    bodies: list[dict[str, object]] = []
    with unit_of_work(ctx.sessions) as s:
        regions = Regions(s).all()
        rules, intra = rules_for(ctx, "369900", filed_on)
        for i in range(persons):
            cid = demo_id("360102", f"19{50 + i % 40:02d}0{1 + i % 9}1{i % 9}", i % 1000)
            area, inst = AREAS[i % len(AREAS)]
            row = Persons(s).upsert_row(Person(CitizenId(cid), f"测试{i}", "369900", Scheme.EMPLOYEE, Category.RETIRED))
            s.flush()
            if not Filings(s).of_person(row.citizen_id):
                req = FilingRequest(type=FilingType.LONG_TERM_RESIDENT, treatment_area=area, commitment=True,
                                    materials=("credential", "filing_form"))
                rec = new_filing(req, Persons(s).get(cid) or _never(), [], rules, regions, filed_on,
                                 new_filing_id(filed_on), intra_province_filing=intra)
                Filings(s).save(rec)
            bodies.append({"id_number": cid, "name": f"测试{i}", "institution": inst, "visit_type": "INPATIENT"})
    ctx.close()
    return bodies


def _never() -> Person:
    raise AssertionError("person just written")


def drive(base: str, bodies: list[dict[str, object]], clients: int, seconds: float, *, floor: bool = False,
          ) -> tuple[int, int, list[float]]:
    """`clients` threads, each a keep-alive connection, for `seconds` after a 2 s warm-up.

    floor: GET /api/v1/health instead (HTTP stack + one SELECT 1), to show what the framework costs."""
    stop = threading.Event()
    measuring = threading.Event()
    lock = threading.Lock()
    ok = errors = 0
    lat: list[float] = []

    def client(k: int) -> None:
        nonlocal ok, errors
        mine_ok = mine_err = 0
        mine_lat: list[float] = []
        with httpx.Client(base_url=base, timeout=10) as c:
            i = k
            while not stop.is_set():
                body = bodies[i % len(bodies)]
                i += clients
                t0 = time.perf_counter()
                if floor:
                    r = c.get("/api/v1/health")
                else:
                    r = c.post("/api/v1/eligibility", json=body,
                               headers={"X-Yidi-Role": "hospital", "X-Yidi-Subject": str(body["institution"])})
                t1 = time.perf_counter()
                if measuring.is_set():
                    if r.status_code == 200 and (floor or r.json()["eligible"]):
                        mine_ok += 1
                        mine_lat.append(t1 - t0)
                    else:
                        mine_err += 1
        with lock:
            ok += mine_ok
            errors += mine_err
            lat.extend(mine_lat)

    threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(clients)]
    for t in threads:
        t.start()
    time.sleep(2)
    measuring.set()
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("health over HTTP" if floor else "eligibility over HTTP", total=seconds)
        start = time.perf_counter()
        while (el := time.perf_counter() - start) < seconds:
            bar.update(task, completed=el)
            time.sleep(0.2)
    measuring.clear()
    stop.set()
    for t in threads:
        t.join(timeout=15)
    return ok, errors, lat


def pgbench(db: str, clients: int, seconds: int) -> float:
    env = {**os.environ, "PGHOST": "127.0.0.1", "PGUSER": "postgres", "PGPORT": "5432"}
    subprocess.run(["pgbench", "-i", "-q", "-s", "1", db], env=env, check=True, capture_output=True, timeout=300)
    out = subprocess.run(["pgbench", "-S", "-c", str(clients), "-j", str(clients), "-T", str(seconds), db],
                         env=env, check=True, capture_output=True, text=True, timeout=seconds + 120).stdout
    m = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", out)
    if m is None:
        raise RuntimeError(f"cannot read pgbench output:\n{out}")
    return float(m.group(1))  # ok-float: a benchmark figure, not money


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--clients", type=int, default=8)
    # 1: with --workers > 1, uvicorn 0.54 answered every request ~44 ms late on this machine (delayed-ACK
    # pattern), at any load; one worker process is faster here until that is understood.
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--persons", type=int, default=2000)
    a = ap.parse_args()

    db = f"yidi_bench_{secrets.token_hex(3)}"
    base_url = ADMIN_URL.rsplit("/", 1)[0]
    url = f"{base_url}/{db}"
    admin(f'CREATE DATABASE "{db}"')
    server = None
    try:
        console.print(f"scratch database {db}: seeding {a.persons} persons …")
        bodies = seed(url, a.persons)
        port = free_port()
        # the benchmark speaks as a hospital through the development headers (a scratch database only)
        env = {**os.environ, "YIDI_DATABASE_URL": url, "YIDI_DEV_HEADERS": "1", "YIDI_SECRET_KEY": secrets.token_urlsafe(32)}
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "yidi.api.main:app", "--host", "127.0.0.1", "--port", str(port),
             "--workers", str(a.workers), "--log-level", "warning", "--no-access-log"],
            env=env, cwd=Path(__file__).resolve().parents[1])
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
        ok, errors, lat = drive(base, bodies, a.clients, a.seconds)
        floor_ok, _floor_err, _ = drive(base, bodies, a.clients, a.seconds, floor=True)
        server.terminate()
        server.wait(timeout=30)
        server = None
        rate = ok / a.seconds
        lat.sort()
        p50 = statistics.median(lat) * 1000 if lat else 0
        p99 = lat[int(len(lat) * 0.99) - 1] * 1000 if lat else 0
        console.print(f"pgbench -S -c {a.clients} -T 10 on {db} …")
        tps = pgbench(db, a.clients, 10)
        console.print()
        console.print(f"machine: {os.cpu_count()} CPUs; uvicorn workers {a.workers}; clients {a.clients} threads "
                      "in one process on the same machine")
        console.print(f"yidi eligibility over HTTP: {rate:,.0f} checks/s  (p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
                      f"{ok} ok, {errors} errors in {a.seconds:.0f} s)")
        console.print(f"floor: GET /health (HTTP + SELECT 1): {floor_ok / a.seconds:,.0f} req/s")
        console.print(f"pgbench select-only:        {tps:,.0f} tps")
        console.print(f"ratio yidi/pgbench:         {rate / tps:.3f}")
        return 1 if errors else 0
    finally:
        if server is not None:
            server.kill()
        admin(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main())
