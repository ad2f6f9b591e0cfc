"""yidi.store.pg_send.execute_and_commit and prebuilt.run_and_commit (issue 15): a transaction's last statement and
its COMMIT in one round trip. What it wrote is committed (another connection sees it) exactly when the statement
and the COMMIT both succeed; a failing statement commits nothing and leaves a failed transaction a rollback ends;
a COMMIT that fails is raised; where the statement cannot go in a pipeline it goes alone and the caller commits."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from psycopg.pq import PipelineStatus, TransactionStatus
from sqlalchemy import Connection, Integer, bindparam, column, insert, table, text
from sqlalchemy.exc import DataError, IntegrityError

from tests.store.test_pg_send_together import _round_trips
from yidi.services.context import Context
from yidi.store import pg_send, prebuilt


@pytest.fixture
def scratch(ctx: Context) -> Iterator[str]:
    """A table of its own (not TEMP: another connection must see what was committed), dropped afterwards."""
    if ctx.engine.dialect.name != "postgresql":
        pytest.skip("psycopg's connection")
    name = f"pg_send_commit_{secrets.token_hex(4)}"
    with ctx.engine.begin() as conn:
        conn.execute(text(f"CREATE TABLE {name}_parent (k INTEGER PRIMARY KEY)"))
        # a deferred foreign key: checked at COMMIT, so the statement succeeds and the COMMIT can fail
        conn.execute(text(f"CREATE TABLE {name} (k INTEGER PRIMARY KEY, parent INTEGER REFERENCES {name}_parent "
                          "DEFERRABLE INITIALLY DEFERRED)"))
    yield name
    with ctx.engine.begin() as conn:
        conn.execute(text(f"DROP TABLE {name}, {name}_parent"))


def _keys(ctx: Context, name: str) -> list[int]:
    with ctx.engine.connect() as other:
        return list(other.execute(text(f"SELECT k FROM {name} ORDER BY k")).scalars())


def _status(conn: Connection) -> tuple[TransactionStatus, PipelineStatus]:
    pg = conn.connection.driver_connection.pgconn  # type: ignore[union-attr]
    return pg.transaction_status, pg.pipeline_status


def test_the_last_statement_and_commit_in_one_round_trip(ctx: Context, scratch: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    sql = f"INSERT INTO {scratch} (k) VALUES (%(k)s) RETURNING k * 10"
    with ctx.engine.connect() as conn:
        waits, done = _round_trips(monkeypatch), []
        for k in range(1, 9):  # unprepared, then prepared past psycopg's threshold (5)
            conn.begin()
            pg_send.execute(conn, "SELECT %(x)s::INTEGER", {"x": k})  # the transaction is open (BEGIN sent)
            before = waits[0]
            (rows, count, _types), committed = pg_send.execute_and_commit(conn, sql, {"k": k})
            assert (rows, count) == ([(k * 10,)], 1)
            done.append(committed)
            if committed:  # (asserted below)
                assert waits[0] - before == 1  # the statement and COMMIT: one round trip
                assert _status(conn) == (TransactionStatus.IDLE, PipelineStatus.OFF)
                assert _keys(ctx, scratch)[-1] == k  # another connection sees it at once
            conn.commit()  # sends nothing when committed already
        assert _keys(ctx, scratch) == list(range(1, 9))
        # unprepared, in the round psycopg prepares it (threshold 5: its Parse in the same pipeline), then prepared:
        # always with COMMIT
        assert done == [True] * 8, done


def test_a_failing_statement_commits_nothing(ctx: Context, scratch: str) -> None:
    with ctx.engine.connect() as conn:
        conn.begin()
        prebuilt.send(conn, f"INSERT INTO {scratch} (k) VALUES (%(k)s)", {"k": 1})  # written before, in the transaction
        with pytest.raises(DataError):  # not an integer: the server skips the COMMIT behind it
            prebuilt.run_and_commit(conn, insert(table(scratch, column("k", Integer))).values(
                k=bindparam("k", type_=Integer) / 0), {"k": 2})
        assert _keys(ctx, scratch) == []
        conn.rollback()
        assert _status(conn) == (TransactionStatus.IDLE, PipelineStatus.OFF)
        conn.begin()  # the connection goes on working
        prebuilt.send(conn, "SELECT %(x)s::INTEGER", {"x": 1})
        rows, committed = prebuilt.run_and_commit(conn, insert(table(scratch, column("k", Integer))).values(
            k=bindparam("k", type_=Integer)), {"k": 3})
        conn.commit()
        assert committed and rows.rowcount == 1 and _keys(ctx, scratch) == [3]


def test_a_commit_that_fails_is_raised(ctx: Context, scratch: str) -> None:
    with ctx.engine.connect() as conn:
        conn.begin()
        prebuilt.send(conn, "SELECT %(x)s::INTEGER", {"x": 1})
        # the statement succeeds (the foreign key is checked at COMMIT), the COMMIT fails: no parent 99
        with pytest.raises(IntegrityError, match="foreign key"):
            prebuilt.run_and_commit(conn, insert(table(scratch, column("k", Integer), column("parent", Integer))).values(
                k=bindparam("k", type_=Integer), parent=bindparam("p", type_=Integer)), {"k": 1, "p": 99})
        conn.rollback()
        assert _keys(ctx, scratch) == []


def test_outside_a_transaction_the_caller_commits(ctx: Context, scratch: str) -> None:
    with ctx.engine.connect() as conn:
        conn.begin()  # SQLAlchemy's transaction, psycopg's not begun yet (its BEGIN goes with the first statement)
        _rows, committed = prebuilt.run_and_commit(conn, insert(table(scratch, column("k", Integer))).values(
            k=bindparam("k", type_=Integer)), {"k": 5})
        assert not committed and _status(conn)[0] == TransactionStatus.INTRANS and _keys(ctx, scratch) == []
        conn.commit()
        assert _keys(ctx, scratch) == [5]
