"""Logs the garbage collector's pauses of every Python process started with this folder on PYTHONPATH (each
`yidi serve` worker too: they inherit the environment), when YIDI_BENCH_GC_LOG names a file. Benchmarks only:
benchmarks/settle_ab.py --gc-log puts it on the servers' path; nothing of yidi imports it.

A line per collection of the oldest generation, and per younger one that took over 2 ms:
`pid generation milliseconds collected unix-time`."""

import gc
import os
import time

_LOG = os.environ.get("YIDI_BENCH_GC_LOG", "")

if _LOG:
    _started: list[float] = [0.0]

    def _probe(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            _started[0] = time.perf_counter()
            return
        ms = (time.perf_counter() - _started[0]) * 1000
        if info["generation"] == 2 or ms > 2:
            with open(_LOG, "a", encoding="utf-8") as f:  # appends of one short line: whole, across processes
                f.write(f"{os.getpid()} {info['generation']} {ms:.1f} {info['collected']} {time.time():.3f}\n")

    gc.callbacks.append(_probe)
