"""Plumbing the HTTP benchmarks share: the scratch PostgreSQL they use, a free loopback port, admin SQL."""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from yidi.services.context import Context
from yidi.settings import Settings
from yidi.store.db import make_engine

PG_URL = os.environ.get("YIDI_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (benchmarks only ever listen on loopback)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def admin(sql: str) -> None:
    """Run one statement outside a transaction (CREATE/DROP DATABASE or SCHEMA)."""
    eng = make_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with eng.connect() as conn:
        conn.execute(text(sql))
    eng.dispose()


@contextmanager
def scratch_context(prefix: str) -> Iterator[Context]:
    """A context on a new scratch database (migrated when the context opens it), dropped afterwards."""
    db = f"{prefix}_{secrets.token_hex(3)}"
    admin(f'CREATE DATABASE "{db}"')
    ctx = Context.from_settings(Settings(database_url=f"{PG_URL.rsplit('/', 1)[0]}/{db}"))
    try:
        yield ctx
    finally:
        ctx.close()
        admin(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def backends_cpu(db: str) -> float:
    """CPU seconds (user + system) so far of the PostgreSQL backends serving database `db` on this machine
    (their process titles name it), for a benchmark's share of the database's work; 0 when none is visible."""
    import psutil  # the HTTP benchmarks' dependency too (benchmarks/_wrk.py)

    total = 0.0
    for p in psutil.process_iter(["name", "cmdline"]):
        try:
            title = " ".join(p.info["cmdline"] or [])
            if title.startswith("postgres:") and f" {db} " in f"{title} ":
                t = p.cpu_times()
                total += t.user + t.system
        except psutil.Error:  # a backend that ended meanwhile
            continue
    return total
