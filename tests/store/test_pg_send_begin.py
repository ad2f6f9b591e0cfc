"""yidi.store.pg_send (issue 15): a statement that opens the transaction goes with psycopg's BEGIN in one round
trip, and leaves the connection as psycopg's two round trips leave it: the same rows, in the transaction (its
isolation level included), a failure leaving a failed transaction that a rollback ends, a lost backend
invalidating the connection."""

from __future__ import annotations

from typing import Any

import pytest
from psycopg.pq import PipelineStatus, TransactionStatus
from sqlalchemy import Connection, text
from sqlalchemy.exc import DataError, DBAPIError

from yidi.services.context import Context
from yidi.store import pg_send, prebuilt

_SQL = "SELECT %(i)s::INTEGER AS i, %(s)s AS s, current_setting('transaction_isolation') AS iso, g FROM generate_series(1, 2) g"
_PARAMS: dict[str, Any] = {"i": 7, "s": "医保"}


def _pg(ctx: Context) -> None:
    if ctx.engine.dialect.name != "postgresql":
        pytest.skip("psycopg's connection")


def _dc(conn: Connection) -> Any:
    return conn.connection.driver_connection


def _by_cursor(conn: Connection, sql: str, params: dict[str, Any]) -> tuple[list[Any], int, list[int] | None]:
    cur = _dc(conn).cursor()
    cur.execute(sql, params)
    return cur.fetchall(), cur.rowcount, [c.type_code for c in cur.description]


def _no_separate_begin(conn: Connection, monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The commands psycopg sends on its own (BEGIN, COMMIT, ROLLBACK…) from now on, recorded."""
    dc, sent = _dc(conn), []
    own = dc._exec_command

    def recorded(command: Any, *a: Any, **k: Any) -> Any:
        sent.append(bytes(command))
        return own(command, *a, **k)

    monkeypatch.setattr(dc, "_exec_command", recorded)
    return sent


def test_the_first_statement_goes_with_begin_unprepared_and_prepared(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    _pg(ctx)
    with ctx.engine.connect() as conn:
        conn.begin()
        expected = _by_cursor(conn, _SQL, _PARAMS)
        conn.commit()
        sent, began = _no_separate_begin(conn, monkeypatch), []
        for _ in range(8):  # past psycopg's threshold (5): the first statement is then already prepared
            conn.begin()
            names = len(_dc(conn)._prepared._names)
            assert _dc(conn).pgconn.transaction_status == TransactionStatus.IDLE
            assert pg_send.execute(conn, _SQL, _PARAMS) == expected
            assert _dc(conn).pgconn.transaction_status == TransactionStatus.INTRANS
            assert _dc(conn).pgconn.pipeline_status == PipelineStatus.OFF
            assert pg_send.execute(conn, _SQL, _PARAMS) == expected  # inside it: no BEGIN
            began.append(len(_dc(conn)._prepared._names) > names)  # prepared in this round
            conn.commit()
        # BEGIN never alone: unprepared, in the round psycopg prepares the statement (its Parse in the same
        # pipeline) and prepared, it went with the statement; only the COMMITs are psycopg's own commands
        assert began.count(True) == 1 and began.index(True) >= 1
        assert sent == [b"COMMIT"] * len(began)


def test_the_begin_is_psycopgs_own_with_its_isolation_level(ctx: Context) -> None:
    _pg(ctx)
    with ctx.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        conn.begin()
        rows, _n, _t = pg_send.execute(conn, _SQL, _PARAMS)
        assert rows[0][2] == "repeatable read"
        conn.rollback()


def test_a_transaction_opened_so_commits_and_rolls_back(ctx: Context) -> None:
    _pg(ctx)
    ins = "INSERT INTO pg_send_b (k) VALUES (%(k)s) RETURNING k"
    with ctx.engine.connect() as conn:
        conn.execute(text("CREATE TEMP TABLE pg_send_b (k INTEGER PRIMARY KEY)"))
        conn.commit()
        for k, keep in ((1, False), (2, True)):
            conn.begin()
            assert prebuilt.send(conn, ins, {"k": k}).all() == [(k,)]
            conn.commit() if keep else conn.rollback()
        assert conn.execute(text("SELECT array_agg(k) FROM pg_send_b")).scalar_one() == [2]
        conn.rollback()


def test_a_failing_first_statement_leaves_a_failed_transaction_that_a_rollback_ends(ctx: Context) -> None:
    _pg(ctx)
    bad = "SELECT 1 / %(zero)s::INTEGER AS x"
    with ctx.engine.connect() as conn:
        for _ in range(7):  # unprepared, then prepared
            conn.begin()
            with pytest.raises(DataError) as got:
                prebuilt.send(conn, bad, {"zero": 0})
            assert got.value.orig.sqlstate == "22012"  # type: ignore[union-attr]
            pg = _dc(conn).pgconn
            assert (pg.transaction_status, pg.pipeline_status) == (TransactionStatus.INERROR, PipelineStatus.OFF)
            conn.rollback()
            conn.begin()
            assert prebuilt.send(conn, bad, {"zero": 1}).all() == [(1,)]
            conn.commit()


def test_a_lost_backend_at_the_first_statement_invalidates_the_connection(ctx: Context) -> None:
    _pg(ctx)
    with ctx.engine.connect() as conn:
        me = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        conn.commit()
        with ctx.engine.begin() as other:
            other.execute(text("SELECT pg_terminate_backend(:p)"), {"p": me})
        conn.begin()
        with pytest.raises(DBAPIError) as got:
            prebuilt.send(conn, _SQL, _PARAMS)
        assert got.value.connection_invalidated
    with ctx.engine.connect() as conn:
        conn.begin()
        assert pg_send.execute(conn, _SQL, _PARAMS)[0][0][:2] == (7, "医保")
        conn.rollback()
