"""CPU of the Python process per request, in process: a hospital's calls, eligibility and health via ASGI.

No HTTP server and no load generator: httpx drives the app through `httpx.ASGITransport` in this process, one
request at a time, on a scratch PostgreSQL database seeded as benchmarks/eligibility_http.py seeds it (sample
packs, demo dataset, --persons long-term filers, a hospital API key per hospital). The same client drives
benchmarks/bare_app.py's sync and async `SELECT 1` routes and its no-database route, as the floors. For each
kind, --n requests after --warm-up unmeasured ones, in --rounds batches interleaved across the kinds; printed,
as the median of the batches: CPU ms per request (time.process_time, every thread of the process: the app, its
thread pool and httpx's share of the client side), the CPU of the database's PostgreSQL backends per request
(summed over the batches, from /proc: the server must run on this machine) and wall ms per request.
The hospital kinds (benchmarks/settle_http.py's and load_mixed.py's requests): `register` registers an outpatient
visit (2201) per request, `upload` uploads benchmarks/settle_http.py's 20 fee lines to a fresh visit registered
before, untimed (2204); `settle` settles a fresh outpatient
visit with 20 fee lines per request (benchmarks/settle_http.py's bills; every visit registered and its lines uploaded
before any kind is measured, untimed), `pre-settle` quotes one of 50 such visits again and again, `person` is 1101
`POST /api/v1/hospital/persons/query`.
CPU per request is the figure that survives a loaded machine: compare two versions of `src` by running this
script with `PYTHONPATH=<other src>` on the same database, interleaved (A B B A):

    .venv/bin/python benchmarks/cpu_per_request.py --keep            # seeds, prints the database's name
    .venv/bin/python benchmarks/cpu_per_request.py --db yidi_cpu_xxxxxx [--n 400] [--json FILE]
    PYTHONPATH=<other>/src .venv/bin/python benchmarks/cpu_per_request.py --db yidi_cpu_xxxxxx
    .venv/bin/python benchmarks/cpu_per_request.py --db yidi_cpu_xxxxxx --drop
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import psycopg
from _common import PG_URL as ADMIN_URL
from _common import admin
from eligibility_http import AREAS, body_of, seed
from settle_http import bill_lines

from yidi.app import create_app
from yidi.domain.enums import VisitType
from yidi.domain.validation import validate_model
from yidi.http.auth_config import AuthConfig
from yidi.services import hospital_keys
from yidi.services import settlement as svc
from yidi.services.access import Principal, Role
from yidi.services.context import Context
from yidi.settings import Settings

Request = Callable[[httpx.AsyncClient, int], Any]


def _keys(url: str) -> dict[str, str]:
    """A fresh key per hospital (a key is shown only when made, so a reused database gets new ones)."""
    ctx = Context.from_settings(Settings(database_url=url))
    keys = {inst: hospital_keys.create_key(ctx, inst).key for _area, inst in AREAS}
    ctx.close()
    return keys


def _visits(ctx: Context, bodies: list[dict[str, object]], n: int, offset: int, *, lines: bool = True,
            ) -> list[tuple[str, str]]:
    """n outpatient visits of the seeded filers at their hospitals, 20 fee lines each (none without `lines`):
    (mdtrt_id, institution)."""
    out = []
    for i in range(offset, offset + n):
        b = bodies[i % len(bodies)]
        inst = str(b["institution"])
        hosp = Principal(Role.HOSPITAL, inst)
        v = svc.register_visit(ctx, hosp, svc.RegisterVisitIn(id_number=str(b["id_number"]), name=str(b["name"]),
                                                              visit_type=VisitType.OUTPATIENT))
        if lines:
            svc.upload_lines(ctx, hosp, v.mdtrt_id, validate_model(svc.UploadLinesIn, {"lines": bill_lines(i)}))
        out.append((v.mdtrt_id, inst))
    return out


async def _measure(client: httpx.AsyncClient, call: Request, n: int, warm_up: int) -> tuple[float, float]:
    """(CPU ms, wall ms) per request over n calls, after warm_up unmeasured ones; every answer must be 200 (201:
    a registration)."""
    for i in range(warm_up):
        r = await call(client, i)
        if r.status_code not in (200, 201):
            raise SystemExit(f"{r.request.url}: {r.status_code} {r.text[:300]}")
    cpu, wall = time.process_time(), time.perf_counter()
    for i in range(n):
        r = await call(client, warm_up + i)
        if r.status_code not in (200, 201):
            raise SystemExit(f"{r.request.url}: {r.status_code} {r.text[:300]}")
    return (time.process_time() - cpu) * 1000 / n, (time.perf_counter() - wall) * 1000 / n


def _backend_seconds(conn: psycopg.Connection[Any]) -> float:
    """CPU seconds so far of every PostgreSQL backend of this database but the asking one (/proc, same machine)."""
    pids = [r[0] for r in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                       "AND pid <> pg_backend_pid()")]
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


async def run(url: str, n: int, warm_up: int, persons: int, only: set[str], rounds: int,
              ) -> dict[str, dict[str, float]]:
    bodies, keys = [body_of(i) for i in range(persons)], _keys(url)
    ctx = Context.from_settings(Settings(database_url=url))
    app = create_app(ctx=ctx, auth=AuthConfig(secrets.token_bytes(32)))
    os.environ["BARE_DATABASE_URL"] = url
    bare = importlib.import_module("bare_app").app
    out: dict[str, dict[str, float]] = {}
    tag = secrets.token_hex(3)  # this run's idempotency keys and msgids
    per_batch = max(1, n // rounds)
    # a settle per request needs a visit of its own: the warm-up's, the first one's and every batch's
    fresh = iter(_visits(ctx, bodies, warm_up + 1 + per_batch * rounds, 0) if not only or "settle" in only else [])
    quoted = _visits(ctx, bodies, 50, 0) if not only or "pre-settle" in only else []
    # an upload per request needs a visit without lines of its own, as a settle does
    bare_visits = iter(_visits(ctx, bodies, warm_up + 1 + per_batch * rounds, 0, lines=False)
                       if not only or "upload" in only else [])
    print(f"prepared visits ({tag}); measuring …", flush=True)

    def auth(inst: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {keys[inst]}"}

    def settle(c: httpx.AsyncClient, _i: int) -> Any:
        mid, inst = next(fresh)
        return c.post(f"/api/v1/hospital/visits/{mid}/settle", headers=auth(inst),
                      json={"idempotency_key": f"cpu-{tag}-{mid}", "msgid": f"c-{tag}-{mid}"})

    def register(c: httpx.AsyncClient, i: int) -> Any:  # 2201: an outpatient visit (201)
        b = bodies[i % len(bodies)]
        return c.post("/api/v1/hospital/visits", headers=auth(str(b["institution"])),
                      json={"id_number": b["id_number"], "name": b["name"], "visit_type": "OUTPATIENT"})

    def upload(c: httpx.AsyncClient, i: int) -> Any:  # 2204: 20 fee lines, benchmarks/settle_http.py's bills
        mid, inst = next(bare_visits)
        return c.post(f"/api/v1/hospital/visits/{mid}/lines", headers=auth(inst), json={"lines": bill_lines(i)})

    def pre_settle(c: httpx.AsyncClient, i: int) -> Any:
        mid, inst = quoted[i % len(quoted)]
        return c.post(f"/api/v1/hospital/visits/{mid}/pre-settle", headers=auth(inst), json={})

    def person(c: httpx.AsyncClient, i: int) -> Any:
        b = bodies[i % len(bodies)]
        return c.post("/api/v1/hospital/persons/query", headers=auth(str(b["institution"])),
                      json={"id_number": b["id_number"], "name": b["name"]})

    def check(c: httpx.AsyncClient, i: int) -> Any:
        b = bodies[i % len(bodies)]
        return c.post("/api/v1/eligibility", json=b, headers={"Authorization": f"Bearer {keys[str(b['institution'])]}"})

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://yidi") as yc, \
            httpx.AsyncClient(transport=httpx.ASGITransport(app=bare), base_url="http://bare") as bc:
        kinds: list[tuple[str, httpx.AsyncClient, Request]] = [
            ("register 2201", yc, register),
            ("upload 2204", yc, upload),
            ("settle", yc, settle),
            ("pre-settle", yc, pre_settle),
            ("person 1101", yc, person),
            ("eligibility", yc, check),
            ("health", yc, lambda c, _i: c.get("/api/v1/health")),
            ("bare sync SELECT 1", bc, lambda c, _i: c.get("/sync")),
            ("bare async SELECT 1", bc, lambda c, _i: c.get("/async")),
            ("bare no database", bc, lambda c, _i: c.get("/nodb")),
        ]
        kinds = [k for k in kinds if not only or k[0].split()[0] in only]
        for _label, client, call in kinds:
            await _measure(client, call, 1, warm_up)
        cpu: dict[str, list[float]] = {k[0]: [] for k in kinds}
        wall: dict[str, list[float]] = {k[0]: [] for k in kinds}
        pg = dict.fromkeys(cpu, 0.0)
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
            for _ in range(rounds):  # interleaved short batches: a burst of the neighbours' load falls on every kind
                for label, client, call in kinds:
                    before = _backend_seconds(conn)
                    c, w = await _measure(client, call, per_batch, 0)
                    pg[label] += _backend_seconds(conn) - before
                    cpu[label].append(c)
                    wall[label].append(w)
        for label, _client, _call in kinds:
            out[label] = {"cpu_ms": round(statistics.median(cpu[label]), 3), "cpu_ms_min": round(min(cpu[label]), 3),
                          "wall_ms": round(statistics.median(wall[label]), 3),
                          "postgres_cpu_ms": round(pg[label] * 1000 / (per_batch * rounds), 3)}
            print(f"{label:22} {out[label]['cpu_ms']:7.3f} ms CPU/request (median of {rounds} batches, least "
                  f"{out[label]['cpu_ms_min']:.3f}); PostgreSQL backends {out[label]['postgres_cpu_ms']:.3f} ms; "
                  f"{out[label]['wall_ms']:7.3f} ms wall/request  (n={n})", flush=True)
    ctx.close()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--n", type=int, default=400, help="measured requests of each kind")
    ap.add_argument("--warm-up", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=10, help="interleaved batches of n/rounds requests of each kind")
    ap.add_argument("--persons", type=int, default=300)
    ap.add_argument("--db", default="", help="a database seeded by an earlier --keep run (left in place)")
    ap.add_argument("--keep", action="store_true", help="leave the new scratch database in place for --db")
    ap.add_argument("--drop", action="store_true", help="drop --db and stop")
    ap.add_argument("--only", default="", help="comma-separated kinds to run: register, upload, settle, pre-settle, person, eligibility, health, bare "
                                             "(all if empty)")
    ap.add_argument("--json", default="", metavar="FILE")
    a = ap.parse_args()
    db = a.db or f"yidi_cpu_{secrets.token_hex(3)}"
    url = f"{ADMIN_URL.rsplit('/', 1)[0]}/{db}"
    if a.drop:
        admin(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        return 0
    if not a.db:
        admin(f'CREATE DATABASE "{db}"')
        print(f"scratch database {db}: seeding {a.persons} persons …", flush=True)
        seed(url, a.persons)
    try:
        out = asyncio.run(run(url, a.n, a.warm_up, a.persons, {k.strip() for k in a.only.split(",") if k.strip()},
                             a.rounds))
        if a.json:
            Path(a.json).write_text(json.dumps({"database": db, "n": a.n, "load_average": os.getloadavg(), **out},
                                               indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    finally:
        if not a.db and not a.keep:
            admin(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        elif a.keep:
            print(f"kept {db}: --db {db}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
