"""Mixed load on `yidi serve` with PostgreSQL, driven by `wrk` (issues 8 and 15): requests/s, errors, p50/p99, a floor.

Bounded and loopback only. A scratch database gets the sample packs, N employees with long-term filings to
Guangdong (people and filings written in Python) and an API key per hospital; `yidi serve --no-demo --workers W`
serves it on 127.0.0.1. The stateful flows are prepared first, with wrk sending each request once: register
the visits the settles need (20 % of --requests and of --warm-up) and --presettle-visits more, and upload 20 fee
lines to each (benchmarks/settle_http.py's bills). After an unmeasured --warm-up mix of the same kinds, --rounds
wrk runs (benchmarks/wrk_list.lua, each request once, saturating) each send a shuffled list of --requests requests
(each round settles visits of its own):

    settle 20 %        POST /api/v1/hospital/visits/{id}/settle    each prepared visit once, its own idempotency key
    pre-settle 15 %    POST /api/v1/hospital/visits/{id}/pre-settle    the other prepared visits (changes nothing)
    eligibility 35 %   POST /api/v1/eligibility
    person read 20 %   POST /api/v1/hospital/persons/query (1101)
    health 10 %        GET  /api/v1/health

Every answer must be 200. In the same run, as the floor, a bare FastAPI app (benchmarks/bare_app.py, same uvicorn
and worker count) answers `SELECT 1` from a sync route with the same wrk
settings for --floor-seconds: the ratio mix / floor says how far the mix is from the framework's floor on this
machine at this moment. Afterwards the database must hold exactly the settlements answered, and `yidi ledger
verify` and `yidi audit verify` must exit 0; the database is dropped at the end.

    .venv/bin/python benchmarks/load_mixed.py [--requests 1000] [--rounds 3] [--warm-up 100] [--connections 8]
        [--workers 2] [--persons 300] [--floor-seconds 5] [--json FILE]

One round of 1,000 requests lasts ~3 s, and the same code's figure moved by a third between such runs: the
figures reported are the MEDIAN round's (requests/s, p50, p99, server CPU per request), with every round beside.
--json FILE writes requests_per_s, errors, p50_ms, p99_ms, floor_per_s, ratio, the mix, the checks and `rounds`.
Exit 1 on any error or failed check.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import sys
from collections import Counter
from pathlib import Path

import _wrk  # benchmarks/ is on sys.path when run as a script
from _common import PG_URL as ADMIN_URL
from _common import admin, free_port
from rich.console import Console
from settle_http import HOSPITALS, bill_lines, seed
from sqlalchemy import func, select

from yidi.services import hospital_keys
from yidi.services.context import Context
from yidi.settings import Settings
from yidi.store.db import unit_of_work
from yidi.store.settlement_models import SettlementRow

API = "/api/v1"
MIX = {"settle": 20, "pre-settle": 15, "eligibility": 35, "person read": 20, "health": 10}  # percent of --requests
PYTHON_THREADS_PER_S = 77.0  # the mix of issue 8 with 16 Python client threads, one process (benchmarks/README.md)
console = Console(width=220)


def mix_rows(n: int, persons: list[tuple[str, str]], keys: dict[str, str], settle_visits: list[tuple[str, str]],
             quote_visits: list[tuple[str, str]], tag: str, rng: random.Random) -> tuple[list[_wrk.Row], Counter[str]]:
    """The shuffled list of one wrk run: MIX by weight, each prepared settle visit exactly once."""
    counts = Counter({k: n * w // 100 for k, w in MIX.items()})
    counts["eligibility"] += n - sum(counts.values())  # rounding
    rows: list[_wrk.Row] = []
    for k, (mid, inst) in enumerate(settle_visits[:counts["settle"]]):
        rows.append(_wrk.Row("POST", f"{API}/hospital/visits/{mid}/settle", keys[inst],
                             json.dumps({"idempotency_key": f"mix-{mid}", "msgid": f"m-{tag}-{k}"})))
    for k in range(counts["pre-settle"]):
        mid, inst = quote_visits[k % len(quote_visits)]
        rows.append(_wrk.Row("POST", f"{API}/hospital/visits/{mid}/pre-settle", keys[inst], "{}"))
    for _ in range(counts["eligibility"]):
        (cid, name), inst = rng.choice(persons), rng.choice(HOSPITALS)
        rows.append(_wrk.Row("POST", f"{API}/eligibility", keys[inst], json.dumps(
            {"id_number": cid, "name": name, "institution": inst, "visit_type": "OUTPATIENT"}, ensure_ascii=False)))
    for _ in range(counts["person read"]):
        (cid, name), inst = rng.choice(persons), rng.choice(HOSPITALS)
        rows.append(_wrk.Row("POST", f"{API}/hospital/persons/query", keys[inst],
                             json.dumps({"id_number": cid, "name": name}, ensure_ascii=False)))
    rows += [_wrk.Row("GET", f"{API}/health")] * counts["health"]
    rng.shuffle(rows)
    return rows, counts


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--requests", type=int, default=1000, help="requests in the mix (each sent once)")
    ap.add_argument("--rounds", type=int, default=3, help="measured mixes, each of --requests (the median is reported)")
    ap.add_argument("--warm-up", type=int, default=100, help="requests of an unmeasured mix sent first")
    ap.add_argument("--presettle-visits", type=int, default=50, help="prepared visits the pre-settles cycle over")
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2, help="wrk threads")
    ap.add_argument("--workers", type=int, default=2, help="yidi serve --workers (and the bare app's)")
    ap.add_argument("--persons", type=int, default=300)
    ap.add_argument("--floor-seconds", type=float, default=5.0)
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--json", default="", metavar="FILE")
    a = ap.parse_args()
    settles = a.requests * MIX["settle"] // 100

    db = f"yidi_mix_{secrets.token_hex(3)}"
    url = f"{ADMIN_URL.rsplit('/', 1)[0]}/{db}"
    admin(f'CREATE DATABASE "{db}"')
    yidi = bare = None
    ctx = Context.from_settings(Settings(database_url=url))
    load_before = os.getloadavg()
    try:
        console.print(f"scratch database {db}: seeding {a.persons} persons with filings …")
        persons = seed(ctx, a.persons)
        keys = {h: f"Bearer {hospital_keys.create_key(ctx, h).key}" for h in HOSPITALS}
        port, bare_port = free_port(), free_port()
        yidi = _wrk.start_yidi(url, port, a.workers, env={"YIDI_SECRET_KEY": secrets.token_urlsafe(32)})
        base = f"http://127.0.0.1:{port}"
        common = {"connections": a.connections, "threads": a.threads, "server_pid": yidi.pid, "mode": "once",
                  "seconds": 600}

        # preparation: visits registered and billed (each request once), their ids captured from the answers
        warm_settles = a.warm_up * MIX["settle"] // 100
        n_visits = warm_settles + settles * a.rounds + a.presettle_visits
        reg_rows = []
        for i in range(n_visits):
            cid, name = persons[i % len(persons)]
            reg_rows.append(_wrk.Row("POST", f"{API}/hospital/visits", keys[HOSPITALS[i % len(HOSPITALS)]], json.dumps(
                {"id_number": cid, "name": name, "visit_type": "OUTPATIENT", "msgid": f"r-{db}-{i}"},
                ensure_ascii=False)))
        reg, visits = _wrk.run(base, reg_rows, label="prepare: register visits", expect=201, **common)
        console.print(reg.line())
        if len(visits) != n_visits:
            raise RuntimeError(f"registered {len(visits)} visits of {n_visits}")
        up, _ = _wrk.run(base, [_wrk.Row("POST", f"{API}/hospital/visits/{mid}/lines", keys[inst],
                                         json.dumps({"lines": bill_lines(k)})) for k, (mid, inst) in enumerate(visits)],
                         label="prepare: upload 20 fee lines", **common)
        console.print(up.line())

        rng = random.Random(a.seed)
        quote_visits = visits[warm_settles + settles * a.rounds:]
        warm_errors = 0
        if a.warm_up:  # every route's first requests (imports, caches, pool connections) stay out of the figures
            warm, _ = mix_rows(a.warm_up, persons, keys, visits[:warm_settles], quote_visits, f"{db}-w", rng)
            warm_res, _ = _wrk.run(base, warm, label="warm-up mix", **common)
            console.print(warm_res.line())
            warm_errors = warm_res.errors
        rounds = []
        for r in range(a.rounds):
            first = warm_settles + r * settles
            rows, counts = mix_rows(a.requests, persons, keys, visits[first:first + settles], quote_visits,
                                    f"{db}-{r}", rng)
            got, _ = _wrk.run(base, rows, label=f"mix {r + 1} (" + ", ".join(f"{k} {v}" for k, v in counts.items())
                              + ")", **common)
            console.print(got.line())
            rounds.append(got)
        mix = sorted(rounds, key=lambda m: m.per_s)[(len(rounds) - 1) // 2]  # the median round (the lower of two)
        mix_errors = sum(m.errors for m in rounds)
        _wrk.stop(yidi)
        yidi = None

        bare = _wrk.start_bare(url, bare_port, a.workers)
        floor, _ = _wrk.run(f"http://127.0.0.1:{bare_port}", [_wrk.Row("GET", "/sync")], label="floor: bare SELECT 1",
                            server_pid=bare.pid, seconds=a.floor_seconds, connections=a.connections, threads=a.threads)
        console.print(floor.line())
        _wrk.stop(bare)
        bare = None

        with unit_of_work(ctx.sessions) as s:
            held = s.scalar(select(func.count()).select_from(SettlementRow).where(SettlementRow.status == "SETTLED")) or 0
        checks = _wrk.verify(url)
        answered = counts["settle"] * a.rounds if mix_errors + warm_errors == 0 else None  # which settles failed is not known per request
        errors = reg.errors + up.errors + warm_errors + mix_errors + floor.errors
        held_ok = answered is not None and held == answered + warm_settles
        out = {
            "requests_per_s": round(mix.per_s, 1), "errors": errors, "p50_ms": round(mix.p50_ms, 2),
            "p99_ms": round(mix.p99_ms, 2), "server_cpu_ms_per_request": round(mix.cpu_ms_per_req, 2),
            "floor_per_s": round(floor.per_s, 1), "ratio": round(mix.per_s / floor.per_s, 4),
            "x_python_threads_mix": round(mix.per_s / PYTHON_THREADS_PER_S, 2),
            "rounds": [{"requests_per_s": round(m.per_s, 1), "p50_ms": round(m.p50_ms, 2), "p99_ms": round(m.p99_ms, 2),
                        "server_cpu_ms_per_request": round(m.cpu_ms_per_req, 2), "errors": m.errors} for m in rounds],
            "mix": dict(counts), "settlements_held": held, "settlements_held_ok": held_ok, **checks,
            "workers": a.workers, "connections": a.connections,
            "load_average": [round(x, 1) for x in (*load_before, *os.getloadavg())],
            "rows": [r.as_dict() for r in (reg, up, *rounds, floor)],
        }
        console.print()
        console.print(f"machine: {_wrk.machine()}; yidi serve --workers {a.workers}; wrk -t {a.threads} -c "
                      f"{a.connections} on the same machine; load average at start {load_before[0]:.1f}")
        console.print(f"mix, median of {a.rounds} rounds ({', '.join(f'{m.per_s:,.0f}' for m in rounds)}/s): "
                      f"{mix.per_s:,.1f} requests/s (p50 {mix.p50_ms:.1f} ms, p99 {mix.p99_ms:.1f} ms, server CPU "
                      f"{mix.cpu_ms_per_req:.1f} ms each), {mix_errors} errors; floor (bare SELECT 1) {floor.per_s:,.0f}/s: "
                      f"ratio {out['ratio']:.3f}; {out['x_python_threads_mix']:.1f} × the Python-thread mix's 77/s")
        console.print(f"settlements held {held} (answered {answered} + {warm_settles} in the warm-up); ledger verify: "
                      f"{'OK' if checks['ledger_verify'] else 'FAILED'}; audit verify: "
                      f"{'OK' if checks['audit_verify'] else 'FAILED'}")
        if a.json:
            Path(a.json).write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return 1 if errors or not held_ok or not all(checks.values()) else 0
    finally:
        _wrk.stop(yidi)
        _wrk.stop(bare)
        ctx.close()
        admin(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main())
