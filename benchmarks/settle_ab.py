"""Two `yidi serve` servers, A and B, on ONE scratch database, their settle phases alternated: a comparison whose
two sides see the machine as it was within the same minutes.

Each of settle_http.py's runs measures one tree after the other, a couple of minutes apart, and this machine's
speed drifts by ±20 % in that time. Here both servers run at once (only the one measured gets requests) on one
database seeded once; --reps rounds each settle --sat bills saturating, then --fixed bills at --rate offered
per second, on A then B (B then A every other round). A and B may differ by tree (--a-src/--b-src: PYTHONPATH of
their `yidi serve`, trees of one schema: the seeding migrates with this tree), by workers, or by environment.
--gc-log logs every full collection of Python's garbage collector in the servers' processes
(benchmarks/gc_probe): pauses with every thread of a worker stopped, which were the settle's p99 spikes.

    .venv/bin/python benchmarks/settle_ab.py [--a-src T/src] [--b-src src] [--a-workers 2] [--b-workers 2]
        [--a-env '{"K": "V"}'] [--b-env …] [--reps 3] [--sat 500] [--fixed 1200] [--rate 160] [--warm-up 200] [--gc-log] [--json F]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import _wrk
import psutil
from _common import PG_URL, admin, free_port
from settle_http import API, HOSPITALS, bill_lines, console, seed, settle_down

from yidi.services import hospital_keys
from yidi.services.context import Context
from yidi.settings import Settings

HERE = Path(__file__).resolve().parent


def gc_pauses(path: Path, pids: set[int], since: float, until: float) -> dict[str, float]:
    """Full collections of these processes from `since` to `until` (the measured phases; a worker's start runs
    several before its heap is frozen, and every process one as it stops): how many, milliseconds in all, the
    longest."""
    full = [float(ms) for pid, gen, ms, _n, at in (line.split() for line in path.read_text().splitlines())
            if int(pid) in pids and gen == "2" and since <= float(at) <= until] if path.exists() else []
    return {"full_collections": len(full), "full_ms": round(sum(full), 1), "longest_ms": max(full, default=0.0)}


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    for side in "ab":
        ap.add_argument(f"--{side}-src", default="", help="PYTHONPATH of this server's yidi (default: this tree)")
        ap.add_argument(f"--{side}-workers", type=int, default=2)
        ap.add_argument(f"--{side}-env", default="{}", help="JSON object: more environment for this server")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--sat", type=int, default=500, help="bills settled saturating per phase")
    ap.add_argument("--fixed", type=int, default=1200, help="bills settled at --rate per phase")
    ap.add_argument("--rate", type=float, default=160.0)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--persons", type=int, default=400)
    ap.add_argument("--warm-up", type=int, default=200,
                    help="settles per server before the measured phases: its key checks, pool connections and "
                         "prepared statements")
    ap.add_argument("--gc-log", action="store_true", help="log the servers' garbage collections (benchmarks/gc_probe)")
    ap.add_argument("--json", default="", metavar="FILE")
    a = ap.parse_args()
    envs: dict[str, dict[str, str]] = {}
    for side in "AB":  # refused before anything is made, not after seeding
        try:
            envs[side] = json.loads(getattr(a, f"{side.lower()}_env"))
        except json.JSONDecodeError as e:
            ap.error(f"--{side.lower()}-env is not JSON: {e}")
        if not isinstance(envs[side], dict) or not all(isinstance(v, str) for v in envs[side].values()):
            ap.error(f"--{side.lower()}-env must be a JSON object of strings")

    db = f"yidi_ab_{secrets.token_hex(3)}"
    url = f"{PG_URL.rsplit('/', 1)[0]}/{db}"
    admin(f'CREATE DATABASE "{db}"')
    gc_dir = Path(tempfile.mkdtemp(prefix="yidi-gc-"))
    gc_log = gc_dir / "gc.log"
    ctx = Context.from_settings(Settings(database_url=url))
    servers: list[tuple[str, subprocess.Popen[bytes], int]] = []
    try:
        persons = seed(ctx, a.persons)
        keys = {h: f"Bearer {hospital_keys.create_key(ctx, h).key}" for h in HOSPITALS}
        secret = secrets.token_urlsafe(32)
        for side in "AB":
            src, env = getattr(a, f"{side.lower()}_src"), envs[side]
            path = [p for p in (src, str(HERE / "gc_probe") if a.gc_log else "", os.environ.get("PYTHONPATH", "")) if p]
            env = {"YIDI_SECRET_KEY": secret, "PYTHONPATH": os.pathsep.join(path), "YIDI_BENCH_GC_LOG": str(gc_log)
                   if a.gc_log else "", **env}
            port = free_port()
            servers.append((side, _wrk.start_yidi(url, port, getattr(a, f"{side.lower()}_workers"), env=env), port))

        def common(proc: subprocess.Popen[bytes]) -> dict[str, object]:
            return {"connections": a.connections, "threads": 2, "server_pid": proc.pid, "mode": "once", "seconds": 900}

        first = servers[0]
        need = 2 * a.reps * (a.sat + a.fixed) + 2 * a.warm_up
        rows = [_wrk.Row("POST", f"{API}/visits", keys[HOSPITALS[i % len(HOSPITALS)]],
                         json.dumps({"id_number": persons[i % len(persons)][0], "name": persons[i % len(persons)][1],
                                     "visit_type": "OUTPATIENT", "msgid": f"r-{db}-{i}"}, ensure_ascii=False))
                for i in range(need)]
        _reg, visits = _wrk.run(f"http://127.0.0.1:{first[2]}", rows, label="register", expect=201, **common(first[1]))
        _wrk.run(f"http://127.0.0.1:{first[2]}", [_wrk.Row("POST", f"{API}/visits/{mid}/lines", keys[inst],
                 json.dumps({"lines": bill_lines(k)})) for k, (mid, inst) in enumerate(visits)], label="upload",
                 **common(first[1]))
        todo = iter(visits)

        def settles(n: int) -> list[_wrk.Row]:
            return [_wrk.Row("POST", f"{API}/visits/{mid}/settle", keys[inst],
                             json.dumps({"idempotency_key": f"ab-{mid}", "msgid": f"s-{mid}"}))
                    for mid, inst in (next(todo) for _ in range(n))]

        for side, proc, port in servers:  # warm-up: key checks, pools, prepared statements
            _wrk.run(f"http://127.0.0.1:{port}", settles(a.warm_up), label=f"{side} warm-up", **common(proc))
        got: dict[str, list[dict[str, float]]] = {"A": [], "B": []}
        measured_from = time.time()
        for r in range(a.reps):
            for side, proc, port in (servers if r % 2 == 0 else servers[::-1]):
                base = f"http://127.0.0.1:{port}"
                settle_down(ctx)
                sat, _ = _wrk.run(base, settles(a.sat), label=f"{side} saturating", **common(proc))
                settle_down(ctx)
                fix, _ = _wrk.run(base, settles(a.fixed), label=f"{side} at {a.rate:.0f}/s", rate=a.rate, **common(proc))
                console.print(sat.line())
                console.print(fix.line())
                got[side].append({"settles_per_s": sat.per_s, "server_cpu_ms": sat.cpu_ms_per_req, "p99_ms": sat.p99_ms,
                                  "fixed_p99_ms": fix.p99_ms, "fixed_late": fix.late, "errors": sat.errors + fix.errors})
        measured_to = time.time()
        pids = {side: {proc.pid, *(c.pid for c in psutil.Process(proc.pid).children(recursive=True))}
                for side, proc, _port in servers}
        for _side, proc, _port in servers:
            _wrk.stop(proc)
        servers = []
        checks = _wrk.verify(url)
        out: dict[str, object] = {"reps": a.reps, "sat": a.sat, "fixed": a.fixed, "rate": a.rate, **checks}
        for side in "AB":
            g = got[side]
            summary = {
                "src": getattr(a, f"{side.lower()}_src") or "this tree", "workers": getattr(a, f"{side.lower()}_workers"),
                "env": envs[side],
                "settles_per_s": round(statistics.median(x["settles_per_s"] for x in g), 1),
                "server_cpu_ms": round(statistics.median(x["server_cpu_ms"] for x in g), 2),
                "p99_ms_worst": round(max(x["p99_ms"] for x in g), 1),
                "fixed_p99_ms": round(statistics.median(x["fixed_p99_ms"] for x in g), 1),
                "fixed_p99_ms_worst": round(max(x["fixed_p99_ms"] for x in g), 1),
                "fixed_late": sum(int(x["fixed_late"]) for x in g), "errors": sum(int(x["errors"]) for x in g),
                "rounds": g, **(gc_pauses(gc_log, pids[side], measured_from, measured_to) if a.gc_log else {}),
            }
            out[side] = summary
            each = ", ".join(f"{x['settles_per_s']:.0f}" for x in g)
            console.print(f"{side}: {summary['settles_per_s']:,.1f} settles/s at {summary['server_cpu_ms']:.2f} ms "
                          f"(medians; rounds {each}); saturating p99 "
                          f"worst {summary['p99_ms_worst']:.0f} ms; at {a.rate:.0f}/s p99 {summary['fixed_p99_ms']:.1f} "
                          f"ms (worst {summary['fixed_p99_ms_worst']:.1f}), {summary['fixed_late']} late"
                          + (f"; full collections {summary['full_collections']}, {summary['full_ms']:.0f} ms in all, "
                             f"longest {summary['longest_ms']:.0f} ms" if a.gc_log else ""))
        console.print(f"ledger verify: {'OK' if checks['ledger_verify'] else 'FAILED'}; audit verify: "
                      f"{'OK' if checks['audit_verify'] else 'FAILED'}")
        if a.json:
            Path(a.json).write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return 0 if all(checks.values()) else 1
    finally:
        for _side, proc, _port in servers:
            _wrk.stop(proc)
        ctx.close()
        admin(f'DROP DATABASE "{db}" WITH (FORCE)')
        shutil.rmtree(gc_dir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
