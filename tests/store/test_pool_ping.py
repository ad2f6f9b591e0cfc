"""The pool's check of a PostgreSQL connection before it hands it out (yidi.store.db): a connection the server
ended while it sat in the pool is replaced without the caller seeing an error, and a healthy one is handed out
without a `SELECT 1` round trip first."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

from tests.support.db import PG_URL, require_pg
from yidi.store.db import make_engine


@pytest.fixture(autouse=True)
def _pg() -> None:
    require_pg()  # a failure under CI=true when PostgreSQL is down, a skip otherwise


def _backend(engine: Engine) -> int:
    with engine.connect() as c:
        return int(c.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _engine_counting_pings(monkeypatch: pytest.MonkeyPatch) -> tuple[Engine, list[int]]:
    """An engine of one pooled connection whose real pings (the dialect's `SELECT 1`) are counted."""
    sent: list[int] = []
    real = PGDialect_psycopg.do_ping

    def counting(self: PGDialect_psycopg, dbapi_connection: object) -> bool:
        sent.append(1)
        return bool(real(self, dbapi_connection))

    monkeypatch.setattr(PGDialect_psycopg, "do_ping", counting)  # before the engine wraps it
    return make_engine(PG_URL, pool_size=1, max_overflow=0), sent


def test_a_healthy_pooled_connection_is_handed_out_without_a_round_trip(monkeypatch: pytest.MonkeyPatch) -> None:
    engine, pings = _engine_counting_pings(monkeypatch)
    try:
        first = _backend(engine)
        for _ in range(5):
            assert _backend(engine) == first  # the same pooled connection each time
        assert pings == []
    finally:
        engine.dispose()


def test_a_connection_the_server_ended_is_replaced_unseen(monkeypatch: pytest.MonkeyPatch) -> None:
    engine, pings = _engine_counting_pings(monkeypatch)
    other = make_engine(PG_URL, pool_size=1, max_overflow=0)
    try:
        first = _backend(engine)
        # the server ends the pooled connection (as a restart or pg_terminate_backend does) while it is idle
        with other.connect() as c:
            assert c.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first}).scalar_one() is True
            for _ in range(50):  # until the backend is gone
                if not c.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"),
                                 {"pid": first}).scalar_one():
                    break
                c.execute(text("SELECT pg_sleep(0.02)"))
        # the next caller gets a live connection, not an error: its socket had the server's farewell to read,
        # so the pool pinged it for real, found it dead and connected anew
        assert _backend(engine) != first
        assert len(pings) == 1
    finally:
        engine.dispose()
        other.dispose()
