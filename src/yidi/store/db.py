"""Engines and the unit of work: one transaction per use case, committed whole or not at all."""

from __future__ import annotations

import os
import select
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from yidi.domain.error_catalogue import error
from yidi.store import json_text

# Connections one process keeps (pool) and may open beyond it at a peak (overflow), on PostgreSQL. `yidi serve
# --workers N` sets both for its workers from the server's max_connections (yidi.serving, docs/serving.md).
POOL_SIZE_ENV, MAX_OVERFLOW_ENV = "YIDI_DB_POOL_SIZE", "YIDI_DB_MAX_OVERFLOW"
DEFAULT_POOL_SIZE, DEFAULT_MAX_OVERFLOW = 10, 10
MAX_POOL = 500  # per process; PostgreSQL's own max_connections is the real bound


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for a yidi database URL (SQLite file or memory, or PostgreSQL via psycopg 3)."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:":
            # `yidi serve` must work on a fresh machine: create ./var (or wherever the file goes).
            Path(u.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        else:
            # one shared connection, or every session would see its own empty memory database
            kwargs.setdefault("poolclass", StaticPool)
            kwargs.setdefault("connect_args", {"check_same_thread": False})
        engine = create_engine(u, **kwargs)
        file_db = bool(u.database) and u.database != ":memory:" and u.query.get("mode") != "memory"
        event.listen(engine, "connect", _sqlite_pragmas_wal if file_db else _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", pool_setting(POOL_SIZE_ENV, DEFAULT_POOL_SIZE, least=1))
    kwargs.setdefault("max_overflow", pool_setting(MAX_OVERFLOW_ENV, DEFAULT_MAX_OVERFLOW, least=0))
    # psycopg's JSON parameters: the same JSON values as its json.dumps, a fifth of its CPU for a settlement's row
    kwargs.setdefault("json_serializer", json_text.dumps)
    # and its JSON/JSONB values read: json.loads' values, orjson's speed (SQLAlchemy sets it on psycopg's adapters)
    kwargs.setdefault("json_deserializer", json_text.loads)
    engine = create_engine(u, **kwargs)
    event.listen(engine, "connect", _pg_utc)
    _ping_when_something_arrived(engine)
    return engine


def _ping_when_something_arrived(engine: Engine) -> None:
    """The pool's check of a connection before it is handed out, without a round trip in the usual case.

    SQLAlchemy's pre-ping sends `SELECT 1` (inside a transaction it then begins) at every checkout: a round trip
    per request, and for a one-statement eligibility check as many as the check itself. A pooled PostgreSQL
    connection sits idle with nothing owed to it, so when the server ends it (a restart, a crash,
    pg_terminate_backend, a failover) what arrives is its farewell message or the socket's end, which makes the
    socket readable. So: a connection whose socket has nothing to read is handed out as it is; one that does
    gets the real ping, and a dead one is replaced, as before. A server that vanished without a word (a cut
    cable) is found by the next statement instead, which answers 503 and invalidates the pool, as it already
    did for a connection dropped between the ping and the statement."""
    real_ping = engine.dialect.do_ping

    def do_ping(dbapi_connection: Any) -> bool:
        if dbapi_connection.closed:
            return False
        readable, _w, _x = select.select([dbapi_connection.fileno()], [], [], 0)
        return real_ping(dbapi_connection) if readable else True

    engine.dialect.do_ping = do_ping  # type: ignore[method-assign]


def pool_setting(name: str, default: int, *, least: int) -> int:
    """A pool size from the environment (whole number in [least, MAX_POOL]), or the default when unset."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit() or not least <= int(raw) <= MAX_POOL:
        raise error("CONFIG_POOL_SIZE", field=name, name=name, least=least, most=MAX_POOL, raw=repr(raw))
    return int(raw)


def connection_limits(engine: Engine) -> tuple[int, int] | None:
    """PostgreSQL's (max_connections, connections reserved for superusers and roles); None on SQLite."""
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as conn:
        most, reserved = conn.execute(text(
            "SELECT current_setting('max_connections')::int, current_setting('superuser_reserved_connections')::int"
            " + coalesce(current_setting('reserved_connections', true), '0')::int")).one()
    return int(most), int(reserved)


def _pg_utc(dbapi_conn: Any, _record: Any) -> None:
    # Times yidi writes without a zone (the audit trail's) are UTC, and the audit digests read them back as
    # UTC: a server or PGTZ set to another zone must not shift them.
    dbapi_conn.execute("SET TIME ZONE 'UTC'")
    dbapi_conn.commit()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # take transaction control from the driver (it would BEGIN lazily, only before the first write)
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")  # SQLite ignores foreign keys unless asked, PostgreSQL never does
    cur.execute("PRAGMA busy_timeout=5000")  # a second writer waits instead of failing at once
    cur.close()


def _sqlite_pragmas_wal(dbapi_conn: Any, record: Any) -> None:
    _sqlite_pragmas(dbapi_conn, record)
    # Write-ahead log (kept in the file once set): a commit appends to <db>-wal instead of rewriting pages
    # through a rollback journal, and readers outside yidi's transactions (backup, sqlite3) do not block the
    # writer. Writers still take turns (BEGIN IMMEDIATE below), in one process or in several workers.
    # synchronous stays FULL: a committed settlement survives a power cut.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    # BEGIN IMMEDIATE takes the write lock at the start: SQLite has no SELECT ... FOR UPDATE, and two
    # deferred transactions that both read and then write would deadlock or both pass a duplicate check.
    # Transactions therefore run one at a time on SQLite (the embedded store); PostgreSQL locks rows.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    # expire_on_commit=False: services return values read inside the transaction after it commits
    factory = sessionmaker(engine, expire_on_commit=False, autoflush=True)
    from yidi.store import audit_chain  # issue 8: every committed write leaves a chained audit record

    audit_chain.install(factory)
    return factory


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One use case = one transaction: commit when the block ends normally, roll back on any error.

    A YidiError raised anywhere inside therefore changes nothing, which is what every door promises.
    """
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
