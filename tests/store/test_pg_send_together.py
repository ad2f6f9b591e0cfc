"""yidi.store.pg_send.execute_all and prebuilt.run_all (issue 15): statements whose parameters do not depend on
each other's results go in one round trip, run in the server in the order given, and give what each gives alone;
the first that fails is raised and leaves a failed transaction that a rollback ends."""

from __future__ import annotations

import secrets
from typing import Any

import psycopg
import pytest
from psycopg.pq import PipelineStatus, TransactionStatus
from sqlalchemy import Integer, bindparam, column, insert, literal_column, select, table, text
from sqlalchemy.exc import DataError, ProgrammingError

from yidi.services.context import Context
from yidi.store import pg_send, prebuilt

_A = ("SELECT %(i)s::INTEGER AS i, %(s)s AS s, g FROM generate_series(1, 2) g", {"i": 7, "s": "医保"})
_B = ("SELECT %(d)s::DATE AS d, %(n)s::NUMERIC AS n", {"d": "2026-12-07", "n": "12.34"})


def _pg(ctx: Context) -> None:
    if ctx.engine.dialect.name != "postgresql":
        pytest.skip("psycopg's connection")


def _round_trips(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times psycopg waits for the server from now on: one wait, one round trip (every statement,
    BEGIN and COMMIT of a psycopg connection goes through Connection.wait)."""
    n = [0]
    real = psycopg.Connection.wait

    def counted(self: Any, *a: Any, **k: Any) -> Any:
        n[0] += 1
        return real(self, *a, **k)
    monkeypatch.setattr(psycopg.Connection, "wait", counted)
    return n


def test_two_statements_in_one_round_trip_give_what_each_gives_alone(ctx: Context,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    _pg(ctx)
    with ctx.engine.connect() as conn:
        conn.begin()
        alone = [pg_send.execute(conn, *_A), pg_send.execute(conn, *_B)]
        conn.rollback()
        assert alone[0][0] == [(7, "医保", 1), (7, "医保", 2)] and alone[0][1] == 2
        waits = _round_trips(monkeypatch)
        rounds = []
        for _ in range(8):  # unprepared, then past psycopg's threshold (5): prepared
            conn.begin()
            before = waits[0]
            assert pg_send.execute_all(conn, [_A, _B]) == alone  # BEGIN, A and B: one round trip (but below)
            rounds.append(waits[0] - before)
            pg = conn.connection.driver_connection.pgconn  # type: ignore[union-attr]
            assert (pg.transaction_status, pg.pipeline_status) == (TransactionStatus.INTRANS, PipelineStatus.OFF)
            conn.commit()  # (a rollback would make psycopg forget what it prepared)
        # (the rollback above made psycopg forget the two executions alone) five executions unprepared, then the
        # round in which psycopg prepares them (its threshold: 5: their Parse in the same pipeline), then prepared:
        # one round trip each time
        assert rounds == [1] * 8, rounds
        assert len(conn.connection.driver_connection._prepared._names) >= 2  # type: ignore[union-attr]


def test_they_run_in_the_order_given(ctx: Context) -> None:
    _pg(ctx)
    with ctx.engine.connect() as conn:
        conn.execute(text("CREATE TEMP TABLE pg_send_order (k INTEGER PRIMARY KEY)"))
        conn.commit()
        t = table("pg_send_order", column("k", Integer))
        add = insert(t).values(k=bindparam("k", type_=Integer)).returning(t.c.k)
        count = select(literal_column("count(*)", Integer)).select_from(t).where(t.c.k <= bindparam("top", type_=Integer))
        for k in range(1, 8):
            conn.begin()
            added, seen = prebuilt.run_all(conn, [(add, {"k": k}), (count, {"top": 100})])
            assert (added.scalar_one(), seen.scalar_one()) == (k, k)  # the read sees the write sent before it
            conn.commit()
        conn.execute(text("DROP TABLE pg_send_order"))  # the pooled connection outlives the test
        conn.commit()


@pytest.mark.parametrize("which", [0, 1])
def test_the_failing_statement_is_raised_and_a_rollback_ends_the_transaction(ctx: Context, which: int) -> None:
    _pg(ctx)
    with ctx.engine.connect() as conn:
        conn.execute(text("CREATE TEMP TABLE IF NOT EXISTS pg_send_fail (k INTEGER PRIMARY KEY)"))
        conn.commit()
        ok = ("INSERT INTO pg_send_fail (k) VALUES (%(k)s) RETURNING k", {"k": 1})
        bad = ("SELECT 1 / %(zero)s::INTEGER AS x", {"zero": 0})
        for _ in range(7):  # unprepared, then prepared
            conn.begin()
            with pytest.raises(DataError) as got:
                prebuilt.on_cursor_all(conn, [bad, ok] if which == 0 else [ok, bad])
            assert got.value.orig.sqlstate == "22012"  # type: ignore[union-attr]
            pg = conn.connection.driver_connection.pgconn  # type: ignore[union-attr]
            assert (pg.transaction_status, pg.pipeline_status) == (TransactionStatus.INERROR, PipelineStatus.OFF)
            conn.rollback()
            # nothing of either was kept, and the connection serves the next transaction
            assert conn.execute(text("SELECT count(*) FROM pg_send_fail")).scalar_one() == 0
            conn.rollback()


def test_a_parse_that_fails_in_the_pipeline_is_raised(ctx: Context) -> None:
    """The round in which psycopg prepares a statement sends its Parse in the pipeline: a Parse the server refuses
    (here the table was dropped by another connection, which this one cannot know) is raised, the statement and
    those after it skipped, and a rollback ends the failed transaction."""
    _pg(ctx)
    name = f"pg_send_parse_{secrets.token_hex(4)}"
    with ctx.engine.begin() as other:
        other.execute(text(f"CREATE TABLE {name} (k INTEGER)"))
    read = (f"SELECT count(*) FROM {name} WHERE k = %(k)s", {"k": 1})
    with ctx.engine.connect() as conn:
        for _ in range(5):  # unprepared: five executions, psycopg's threshold
            conn.begin()
            assert pg_send.execute_all(conn, [read, _B])[0][0] == [(0,)]
            conn.commit()
        counts = conn.connection.driver_connection._prepared._counts  # type: ignore[union-attr]
        assert sorted(counts.values())[-2:] == [5, 5]  # the next round prepares both (their Parse in the pipeline)
        with ctx.engine.begin() as other:
            other.execute(text(f"DROP TABLE {name}"))
        conn.begin()
        with pytest.raises(ProgrammingError, match="does not exist"):
            prebuilt.on_cursor_all(conn, [read, _B])
        pg = conn.connection.driver_connection.pgconn  # type: ignore[union-attr]
        assert (pg.transaction_status, pg.pipeline_status) == (TransactionStatus.INERROR, PipelineStatus.OFF)
        conn.rollback()
        assert conn.execute(text("SELECT 1")).scalar_one() == 1
        conn.rollback()


def test_elsewhere_they_run_one_after_the_other(ctx: Context) -> None:
    with ctx.engine.connect() as conn:
        q = select(bindparam("a", type_=Integer).label("a"))
        got = prebuilt.run_all(conn, [(q, {"a": 1}), (q, {"a": 2})])
        assert [r.scalar_one() for r in got] == [1, 2]
        conn.rollback()


def test_a_statement_missing_a_parameter_is_refused_before_anything_is_sent(ctx: Context) -> None:
    _pg(ctx)
    with ctx.engine.connect() as conn:
        conn.begin()
        with pytest.raises(Exception, match="query parameter missing: s"):
            pg_send.execute_all(conn, [_B, (_A[0], {"i": 1})])
        assert conn.connection.driver_connection.pgconn.transaction_status == TransactionStatus.IDLE  # type: ignore[union-attr]
        conn.rollback()


