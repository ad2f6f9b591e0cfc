"""Engines and the unit of work: one transaction per use case, committed whole or not at all."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool


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
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    engine = create_engine(u, **kwargs)
    event.listen(engine, "connect", _pg_utc)
    return engine


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
