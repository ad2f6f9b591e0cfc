"""Plumbing the HTTP benchmarks share: the scratch PostgreSQL they use, a free loopback port, admin SQL."""

from __future__ import annotations

import os
import socket

from sqlalchemy import text

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
