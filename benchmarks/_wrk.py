"""Load from `wrk` (C, not Python) for the HTTP benchmarks: request lists, fixed or saturating rates, server CPU.

`run()` drives benchmarks/wrk_list.lua and returns what it counted: answers by status, p50/p99 (wrk's own
histogram), the offered rate kept or not, and the server's CPU per answer (psutil: the server process and its
workers, user + system). Servers are started as the production command, `yidi serve --workers N`.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx
import psutil

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCRIPT = HERE / "wrk_list.lua"
WRK = os.environ.get("YIDI_BENCH_WRK", "/usr/bin/wrk")
PG_ENV = {"PGHOST": "127.0.0.1", "PGUSER": "postgres", "PGPORT": "5432"}


@dataclass(frozen=True)
class Row:
    """One request of a list: method, path, Authorization header value (or ""), JSON body (or "")."""

    method: str
    path: str
    auth: str = ""
    body: str = ""


@dataclass(frozen=True)
class Result:
    label: str
    ok: int
    bad: int
    seconds: float  # first request sent to last answer received
    per_s: float  # answers with the expected status per second
    p50_ms: float
    p99_ms: float
    max_ms: float
    offered: float  # requests/s asked for (0: saturating)
    late: int  # paced requests sent more than one interval after their slot
    cpu_ms_per_req: float  # server CPU (all its processes) per answer
    connections: int
    socket_errors: int  # loop mode: connect/read/write errors and timeouts; once mode: requests never answered

    @property
    def errors(self) -> int:
        return self.bad + self.socket_errors

    def line(self) -> str:
        rate = f"offered {self.offered:,.0f}/s" if self.offered else "saturating"
        late = f", {self.late} late" if self.offered else ""
        return (f"{self.label:<44} {self.per_s:>9,.1f}/s  p50 {self.p50_ms:7.2f} ms  p99 {self.p99_ms:7.2f} ms  "
                f"server CPU {self.cpu_ms_per_req:5.2f} ms/req  ({rate}, {self.connections} conn{late}, "
                f"{self.ok} ok, {self.bad} bad)")

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def write_list(path: Path, rows: Iterable[Row]) -> int:
    n = 0
    with path.open("w", encoding="utf-8") as f:
        for r in rows:
            if "\t" in r.body or "\n" in r.body:
                raise ValueError("a body must be one line without tabs")
            f.write(f"{r.method}\t{r.path}\t{r.auth}\t{r.body}\n")
            n += 1
    return n


def server_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process and all its children so far."""
    total = 0.0
    try:
        procs = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    for p in procs:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


class SplitWatch:
    """How the load generator's connections are spread over the server's worker processes during a phase: the
    workers share one listening socket and each takes what it accepts, so 8 connections may go 4/4 or 6/2, and
    a worker with 6 is one process (one GIL) doing three quarters of the work. Sampled every 0.2 s."""

    def __init__(self, server_pid: int, port: int) -> None:
        self.pid, self.port = server_pid, port
        self.samples: list[tuple[int, ...]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> SplitWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        while not self._stop.wait(0.2):
            try:
                workers = [w for w in psutil.Process(self.pid).children()  # not multiprocessing's resource tracker
                           if "resource_tracker" not in " ".join(w.cmdline())]
                got = tuple(sorted((sum(1 for c in w.net_connections("tcp") if c.status == psutil.CONN_ESTABLISHED
                                        and c.laddr and c.laddr.port == self.port) for w in workers), reverse=True))
            except psutil.Error:
                continue
            if sum(got):
                self.samples.append(got)

    def seen(self) -> str:
        """The spread seen most often ("4/4"), or "?" when none was seen."""
        if not self.samples:
            return "?"
        return "/".join(map(str, max(set(self.samples), key=self.samples.count)))


def run(base: str, rows: Sequence[Row], *, label: str, server_pid: int, mode: str = "loop", seconds: float = 10,
        rate: float = 0, connections: int = 8, threads: int = 2, expect: int = 200, work: Path | None = None,
        ) -> tuple[Result, list[tuple[str, str]]]:
    """Send `rows` with wrk. mode "once": each row once, stop when all are answered (`seconds` is only an upper
    bound); "loop": cycle through them for `seconds`. Returns the result and the captured (mdtrt_id, institution)."""
    tmp = Path(tempfile.mkdtemp(prefix="yidi-wrk-", dir=work))
    lst = tmp / "list.tsv"
    write_list(lst, rows)
    out = tmp / "run"
    threads = max(1, min(threads, connections, len(rows)))
    limit = int(seconds + 1) if mode == "loop" else int(seconds) + 600
    cmd = [WRK, "-t", str(threads), "-c", str(connections), "-d", f"{limit}s", "--timeout", "30s", "-s", str(SCRIPT),
           base, "--", str(lst), mode, str(rate), str(threads), str(expect), str(out)]
    cpu0 = server_cpu(server_pid)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp)
    if mode == "once":
        deadline = time.monotonic() + seconds + 600
        done = out.with_suffix(".done")
        while proc.poll() is None:
            if done.exists() and len(done.read_text().split()) >= threads:
                break
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)  # wrk prints its summary and calls done() on SIGINT
    text, _ = proc.communicate(timeout=120)
    cpu1 = server_cpu(server_pid)
    m = re.search(r"^WRKJSON (\{.*\})$", text, re.M)
    if m is None:
        raise RuntimeError(f"wrk gave no result:\n{text}")
    d = json.loads(m.group(1))
    errs = out.with_suffix(".err")
    if errs.exists():
        print(f"  first unexpected answers ({label}):\n  " + errs.read_text().replace("\n", "\n  "), file=sys.stderr)
    captured: list[tuple[str, str]] = []
    for f in sorted(tmp.glob("run.cap.*")):
        for line in f.read_text().splitlines():
            mid, _, inst = line.partition("\t")
            captured.append((mid, inst))
    secs = float(d["seconds"]) or 1e-9
    answered = int(d["ok"]) + int(d["bad"])
    # once mode: connections left idle at the end are closed by the server's keep-alive timeout (read errors
    # that lose nothing); what counts is whether every request was answered
    lost = len(rows) - answered if mode == "once" else int(d["socket_errors"]) + int(d["timeouts"])
    res = Result(label, int(d["ok"]), int(d["bad"]), secs, int(d["ok"]) / secs, d["p50_us"] / 1000,
                 d["p99_us"] / 1000, d["max_us"] / 1000, rate, int(d["late"]),
                 (cpu1 - cpu0) * 1000 / max(answered, 1), connections, lost)
    for f in tmp.iterdir():
        f.unlink()
    tmp.rmdir()
    return res, captured


def wait_healthy(base: str, proc: subprocess.Popen[bytes], what: str, path: str = "/api/v1/health",
                 seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(base + path, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            raise RuntimeError(f"{what} did not start")
        time.sleep(0.3)


def start_yidi(url: str, port: int, workers: int, *, access_log: bool = False,
               env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """`yidi serve --no-demo --workers N` (the production command) on a prepared database; its output goes to
    <temp>/yidi-bench-<port>.log."""
    cmd = [sys.executable, "-m", "yidi.cli", "serve", "--no-demo", "--host", "127.0.0.1", "--port", str(port),
           "--workers", str(workers), "--access-log" if access_log else "--no-access-log"]
    log = Path(tempfile.gettempdir()) / f"yidi-bench-{port}.log"
    with log.open("wb") as f:
        proc = subprocess.Popen(cmd, env={**os.environ, "YIDI_DATABASE_URL": url, **(env or {})}, cwd=ROOT,
                                stdout=f, stderr=subprocess.STDOUT)
    wait_healthy(f"http://127.0.0.1:{port}", proc, "yidi serve")
    return proc


def start_bare(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    """The floor: benchmarks/bare_app.py (FastAPI, SELECT 1 sync and async, and no database) under uvicorn."""
    cmd = [sys.executable, "-m", "uvicorn", "bare_app:app", "--app-dir", str(HERE), "--host", "127.0.0.1",
           "--port", str(port), "--workers", str(workers), "--no-access-log", "--log-level", "warning"]
    proc = subprocess.Popen(cmd, env={**os.environ, "BARE_DATABASE_URL": url}, cwd=HERE,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_healthy(f"http://127.0.0.1:{port}", proc, "the bare app", "/nodb")
    return proc


def stop(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def pgbench(db: str, *, select_only: bool, clients: int = 8, jobs: int = 2, seconds: int = 10, scale: int = 1,
            init: bool = True) -> float:
    """pgbench's tps on the scratch database (initialised here at `scale` unless `init` is False: a second run on
    tables an earlier run made): TPC-B-like or select-only."""
    env = {**os.environ, **PG_ENV}
    if init:
        subprocess.run(["pgbench", "-i", "-q", "-s", str(scale), db], env=env, check=True, capture_output=True,
                       timeout=600)
    cmd = ["pgbench", *(["-S"] if select_only else []), "-c", str(clients), "-j", str(jobs), "-T", str(seconds), db]
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True, timeout=seconds + 300).stdout
    m = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", out)
    if m is None:
        raise RuntimeError(f"cannot read pgbench output:\n{out}")
    return float(m.group(1))  # ok-float: a benchmark figure, not money


def verify(url: str) -> dict[str, bool]:
    """`yidi ledger verify` and `yidi audit verify` on the benchmark's database: both must exit 0."""
    env = {**os.environ, "YIDI_DATABASE_URL": url}
    res = {}
    for name, args in (("ledger_verify", ["ledger", "verify"]), ("audit_verify", ["audit", "verify"])):
        p = subprocess.run([sys.executable, "-m", "yidi.cli", *args], env=env, cwd=ROOT, capture_output=True,
                           text=True, timeout=1800)
        res[name] = p.returncode == 0
        if p.returncode != 0:
            print(f"yidi {' '.join(args)} failed:\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}", file=sys.stderr)
    return res


def machine() -> str:
    load = os.getloadavg()
    return (f"{os.cpu_count()} CPUs, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}; "
            f"wrk {subprocess.run([WRK, '-v'], capture_output=True, text=True).stdout.split()[1]}")
