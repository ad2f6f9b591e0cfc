"""How `yidi serve` runs the API: one process, or N uvicorn workers sharing one socket, one secret, a pool budget.

docs/serving.md says what changes with several workers; benchmarks/README.md what they measured.
"""

from __future__ import annotations

import gc
import logging
import os
import secrets
import socket
from dataclasses import dataclass

from sqlalchemy.engine import make_url

from yidi.domain.error_catalogue import error
from yidi.services.context import Context
from yidi.store.db import (
    DEFAULT_MAX_OVERFLOW,
    DEFAULT_POOL_SIZE,
    MAX_OVERFLOW_ENV,
    POOL_SIZE_ENV,
    connection_limits,
    pool_setting,
)

log = logging.getLogger("yidi.serving")

APP = "yidi.asgi:app"  # what each worker imports (uvicorn needs an import string for workers)
MAX_WORKERS = 64
# Connections left to everything that is not a worker: the CLI (backup, audit verify, migrations), psql,
# monitoring, a second deployment during a rolling restart.
HEADROOM = 10
# uvicorn's supervisor pings each worker and kills one that does not answer within 5 s by default. A worker
# importing the app (polars, pyarrow, duckdb …) on a busy machine took longer and was killed and restarted in
# a loop ("Child process died"): give a start time that a loaded 2-core machine meets.
HEALTHCHECK_SECONDS = 60
# Allocations (net of frees) of collector-tracked objects before a young collection; Python's default is 700
# (prepare_collector says why more while serving).
YOUNG_THRESHOLD = 20_000


@dataclass(frozen=True)
class PoolPlan:
    """Connections each worker may hold on PostgreSQL: `pool_size` kept open, `max_overflow` more at a peak."""

    pool_size: int
    max_overflow: int
    budget: int | None  # what all workers together may hold (max_connections - reserved - HEADROOM); None: SQLite
    given: bool  # set by the operator (YIDI_DB_POOL_SIZE / YIDI_DB_MAX_OVERFLOW) rather than planned here

    @property
    def per_worker(self) -> int:
        return self.pool_size + self.max_overflow


def check_workers(workers: int, database_url: str) -> None:
    """Refuse what several workers cannot do: a count out of range, or a database that lives in one process."""
    if not 1 <= workers <= MAX_WORKERS:
        raise error("CONFIG_WORKERS", most=MAX_WORKERS, workers=workers)
    u = make_url(database_url)
    in_memory = u.get_backend_name() == "sqlite" and (not u.database or u.database == ":memory:"
                                                       or u.query.get("mode") == "memory")
    if workers > 1 and in_memory:
        raise error("CONFIG_WORKERS_MEMORY")


def plan_pools(ctx: Context, workers: int) -> PoolPlan:
    """Per-worker pool sizes so that all workers together stay within PostgreSQL's max_connections.

    Each worker gets at most today's single-process default (10 kept + 10 at a peak) and a fair share of
    `max_connections - reserved - HEADROOM`; with fewer than 2 connections per worker the start is refused.
    Values the operator set are kept (a pooler such as PgBouncer may stand in between) — with a warning
    when they exceed the share."""
    given = bool(os.environ.get(POOL_SIZE_ENV, "").strip() or os.environ.get(MAX_OVERFLOW_ENV, "").strip())
    size = pool_setting(POOL_SIZE_ENV, DEFAULT_POOL_SIZE, least=1)
    overflow = pool_setting(MAX_OVERFLOW_ENV, DEFAULT_MAX_OVERFLOW, least=0)
    limits = connection_limits(ctx.engine)
    if limits is None:
        return PoolPlan(size, overflow, None, given)
    max_conn, reserved = limits
    budget = max_conn - reserved - HEADROOM
    if given:
        if workers * (size + overflow) > budget:
            log.warning("%d workers × (%s %d + %s %d) connections exceed PostgreSQL's budget of %d "
                        "(max_connections %d − reserved %d − headroom %d): peaks may be refused",
                        workers, POOL_SIZE_ENV, size, MAX_OVERFLOW_ENV, overflow, budget, max_conn, reserved, HEADROOM)
        return PoolPlan(size, overflow, budget, True)
    share = min(DEFAULT_POOL_SIZE + DEFAULT_MAX_OVERFLOW, budget // workers)
    if share < 2:
        raise error("CONFIG_POOL_TOO_SMALL", max_connections=max_conn, workers=workers, headroom=HEADROOM)
    return PoolPlan(max(1, share // 2), share - max(1, share // 2), budget, False)


def share_secret(auth_source: str, workers: int) -> bool:
    """Make every worker sign with one secret; True when this run made one.

    The secret comes from YIDI_SECRET_KEY or the file beside a SQLite database, which every worker reads
    alike. Only a secret "of this process" (PostgreSQL with YIDI_DEV_HEADERS=1 and no key) would differ per
    worker — a token from one worker would fail at the next — so one is made here and handed to the workers
    through their environment. It ends with this run, as the single process's did."""
    if workers <= 1 or auth_source != "process" or os.environ.get("YIDI_SECRET_KEY"):
        return False
    os.environ["YIDI_SECRET_KEY"] = secrets.token_urlsafe(32)
    return True


def apply_pools(plan: PoolPlan) -> None:
    """Hand the plan to the workers (they read it in yidi.store.db.make_engine)."""
    os.environ[POOL_SIZE_ENV] = str(plan.pool_size)
    os.environ[MAX_OVERFLOW_ENV] = str(plan.max_overflow)


def listen_socket(host: str, port: int, backlog: int) -> socket.socket:
    """The listening socket the workers share, with TCP_NODELAY set on it (accepted sockets inherit it on Linux).

    uvicorn binds the shared socket with protocol 0 and asyncio sets TCP_NODELAY only on sockets whose
    protocol reads IPPROTO_TCP, so under the plain asyncio loop workers answered with Nagle on: uvicorn writes
    the head and the body of a response separately, the body waited for the client's delayed ACK, and every
    answer came ~44 ms late (benchmarks/README.md, "Serving with several workers"). uvloop sets the option
    itself; this makes it hold whichever loop runs."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
        sock.listen(backlog)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def run_workers(host: str, port: int, workers: int, *, access_log: bool) -> None:
    """Serve with `workers` processes (each imports yidi.asgi) until SIGINT/SIGTERM."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    config = uvicorn.Config(APP, host=host, port=port, workers=workers, log_level="info", access_log=access_log,
                            timeout_worker_healthcheck=HEALTHCHECK_SECONDS)
    sock = listen_socket(host, port, config.backlog)
    try:
        Multiprocess(config, sockets=[sock]).run()
    finally:
        sock.close()


def prepare_collector() -> None:
    """Set Python's cyclic garbage collector up for serving: the objects the app made at start frozen out of its
    reach, and its youngest generation collected after YOUNG_THRESHOLD net allocations rather than 700.

    A built app holds ~450,000 objects the collector tracks (packs, catalogues, SQLAlchemy's and pydantic's
    structures), and they live as long as the process. Every full (oldest-generation) collection walked all of
    them: 130 ms on an idle 2-core machine, 170–270 ms under load, with the process's every thread stopped. Those
    pauses were the settle benchmark's p99 of 150–330 ms (benchmarks/README.md). Frozen objects are still freed
    by reference counting; only a cycle among them would stay, and they stay anyway.

    The threshold: with several requests in flight in a worker, the collector's count of objects allocated and
    not yet freed passed 700 about once per settle, and each young collection moved the in-flight requests'
    objects a generation up, where they later made the full collections run: in one benchmark server's measured
    three minutes 7,468 young, 678 middle and 52 full collections (1.6 s, up to 64 ms each); with 20,000, 5 young
    ones and no other (benchmarks/README.md, "The collector's young threshold"). Requests leave almost no cyclic
    garbage behind (1,660 objects found in those 5), so what waits longer for its collection is little."""
    gc.collect()  # what start-up left as garbage goes now, not into the frozen heap
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
