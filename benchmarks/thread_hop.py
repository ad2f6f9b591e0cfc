"""CPU of the hop from the event loop to a thread and back, per hop: yidi's (`yidi.http.threads.in_thread`) beside
anyio's `to_thread.run_sync` (what starlette's `run_in_threadpool` calls, and what every API route used before)
and the standard library's `loop.run_in_executor`, measured in one process on uvloop, interleaved in rounds.

Every API request makes one such hop for its use case, so its cost is paid by every settle, eligibility check and
health check. The hopped function does nothing: what is timed is the hop alone (time.process_time, every thread
of this process), one caller at a time and 4 callers at once (what one worker sees under 8 connections on 2
workers).

    .venv/bin/python benchmarks/thread_hop.py [--hops 20000] [--rounds 3] [--json FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import anyio.to_thread
import uvloop

from yidi.http.threads import THREADS, in_thread


def nothing() -> int:
    return 1


async def hops(hop: Callable[[], Awaitable[int]], n: int, callers: int) -> tuple[float, float]:
    """(CPU µs, wall µs) per hop of `n` hops made by `callers` tasks at once."""
    async def caller() -> None:
        for _ in range(n // callers):
            await hop()

    c0, w0 = time.process_time(), time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(callers)))
    return 1e6 * (time.process_time() - c0) / n, 1e6 * (time.perf_counter() - w0) / n


async def measure(n: int, rounds: int) -> dict[str, dict[str, float]]:
    loop = asyncio.get_running_loop()
    pool = ThreadPoolExecutor(THREADS)
    kinds: dict[str, Callable[[], Awaitable[int]]] = {
        "anyio to_thread (before)": lambda: anyio.to_thread.run_sync(nothing),
        "loop.run_in_executor": lambda: loop.run_in_executor(pool, nothing),
        "yidi in_thread": lambda: in_thread(nothing),
    }
    for hop in kinds.values():  # threads started, first-call costs paid
        await hops(hop, 400, 4)
    got: dict[tuple[str, int], list[float]] = {}
    for _ in range(rounds):
        for name, hop in kinds.items():
            for callers in (1, 4):
                got.setdefault((name, callers), []).append((await hops(hop, n, callers))[0])
    pool.shutdown()
    out: dict[str, dict[str, float]] = {}
    for (name, callers), cpu in got.items():
        out.setdefault(name, {})[f"cpu_us_per_hop_{callers}"] = round(statistics.median(cpu), 1)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--hops", type=int, default=20_000, help="hops per kind, callers and round")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--json", default="", metavar="FILE")
    a = ap.parse_args()
    if a.hops < 4 or a.rounds < 1:  # 4 callers share the hops: fewer would time none
        ap.error("--hops must be at least 4 and --rounds at least 1")
    out = uvloop.run(measure(a.hops, a.rounds))
    before = out["anyio to_thread (before)"]
    for name, cpu in out.items():
        one, four = cpu["cpu_us_per_hop_1"], cpu["cpu_us_per_hop_4"]
        print(f"{name:26s} 1 caller {one:6.1f} µs CPU/hop ({one / before['cpu_us_per_hop_1']:.2f} × anyio)"
              f"   4 callers {four:6.1f} µs ({four / before['cpu_us_per_hop_4']:.2f} × anyio)")
    print(f"(median of {a.rounds} interleaved rounds of {a.hops:,} hops each)")
    if a.json:
        Path(a.json).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
