"""yidi.store.pg_send (issue 15): a statement sent on psycopg's connection without its cursor gives what the
cursor gives (rows, values and their types, rowcount, errors), prepared as psycopg's own threshold decides, and
keeps working across psycopg's DEALLOCATE ALL (a rollback) and a replaced connection."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from psycopg.types.json import Json, Jsonb
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError, IntegrityError, ProgrammingError

from yidi.services.context import Context
from yidi.store import pg_send, prebuilt

_VALUES = ("SELECT %(i)s::INTEGER AS i, %(big)s AS big, %(s)s AS s, %(j)s::JSON AS j, %(jb)s::JSONB AS jb, "
           "%(at)s::TIMESTAMP WITH TIME ZONE AS at, %(d)s::DATE AS d, %(n)s::NUMERIC AS n, %(b)s AS b, "
           "%(none)s::TEXT AS none, %(i)s + 1 AS again, g FROM generate_series(1, %(rows)s) AS g")
_PARAMS: dict[str, Any] = {
    "i": 7, "big": 2**40, "s": "医保 'quoted' %s", "j": Json({"a": [1, "二"], "b": None}), "jb": Jsonb({"z": 1.5}),
    "at": dt.datetime(2026, 12, 7, 8, 0, 1, 123456, tzinfo=dt.UTC), "d": dt.date(2026, 2, 28), "n": Decimal("12.30"),
    "b": True, "none": None, "rows": 3}


def _pg(ctx: Context) -> None:
    if ctx.engine.dialect.name != "postgresql":
        pytest.skip("psycopg's connection")


def _by_cursor(conn: Connection, sql: str, params: dict[str, Any]) -> tuple[list[Any], int, list[int] | None]:
    cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    cur.execute(sql, params)
    types = None if cur.description is None else [c.type_code for c in cur.description]
    return (cur.fetchall() if types is not None else []), cur.rowcount, types


def _prepared_names(conn: Connection) -> int:
    return len(conn.connection.driver_connection._prepared._names)  # type: ignore[union-attr]


def test_values_rowcounts_and_preparing_are_the_cursors(ctx: Context) -> None:
    _pg(ctx)
    with ctx.engine.connect() as conn:
        conn.begin()
        conn.execute(text("CREATE TEMP TABLE pg_send_t (k INTEGER PRIMARY KEY, v TEXT) ON COMMIT DROP"))
        base = _prepared_names(conn)
        for round_ in range(7):  # past psycopg's threshold (5): prepared from then on, by either path
            fast, slow = pg_send.execute(conn, _VALUES, _PARAMS), _by_cursor(conn, _VALUES, _PARAMS)
            assert fast == slow and len(fast[0]) == 3
            assert [type(v) for v in fast[0][0]] == [type(v) for v in slow[0][0]]
            ins = "INSERT INTO pg_send_t (k, v) VALUES (%(k)s, %(v)s) RETURNING k, v"
            assert pg_send.execute(conn, ins, {"k": round_ * 2, "v": "a"}) == ([(round_ * 2, "a")], 1, [23, 25])
            assert _by_cursor(conn, ins, {"k": round_ * 2 + 1, "v": "b"}) == ([(round_ * 2 + 1, "b")], 1, [23, 25])
            upd = "UPDATE pg_send_t SET v = %(v)s WHERE k <= %(k)s"
            assert pg_send.execute(conn, upd, {"v": "c", "k": round_}) == _by_cursor(conn, upd, {"v": "c", "k": round_})
            assert pg_send.execute(conn, upd, {"v": "c", "k": -1}) == ([], 0, None)
        # the same statements, the same prepared statements (psycopg's manager keys them by text and types)
        assert _prepared_names(conn) == base + 3
        assert pg_send.execute(conn, _VALUES, {**_PARAMS, "rows": 0}) == _by_cursor(conn, _VALUES, {**_PARAMS, "rows": 0})
        conn.rollback()


def test_after_a_rollback_the_prepared_statements_are_made_again(ctx: Context) -> None:
    """psycopg deallocates every prepared statement at a rollback: the statements prepared here go with them."""
    _pg(ctx)
    with ctx.engine.connect() as conn:
        for _ in range(3):
            conn.begin()
            for _n in range(7):
                assert pg_send.execute(conn, _VALUES, _PARAMS) == _by_cursor(conn, _VALUES, _PARAMS)
            assert _prepared_names(conn) >= 1
            conn.rollback()
            assert _prepared_names(conn) == 0


def test_errors_are_sqlalchemys_as_for_its_execution(ctx: Context) -> None:
    _pg(ctx)
    dup = "SELECT * FROM (VALUES (1)) AS v(k) WHERE k = %(k)s"
    with ctx.engine.connect() as conn:
        conn.begin()
        conn.execute(text("CREATE TEMP TABLE pg_send_u (k INTEGER PRIMARY KEY) ON COMMIT DROP"))
        ins = "INSERT INTO pg_send_u (k) VALUES (%(k)s)"
        assert prebuilt.send(conn, ins, {"k": 1}).rowcount == 1
        with pytest.raises(IntegrityError) as got:
            prebuilt.send(conn, ins, {"k": 1})
        assert got.value.orig.sqlstate == "23505" and got.value.statement == ins  # type: ignore[union-attr]
        conn.rollback()
        conn.begin()
        with pytest.raises(ProgrammingError) as missing:
            prebuilt.send(conn, dup, {})
        with pytest.raises(ProgrammingError) as missing_too:
            conn.exec_driver_sql(dup, {})
        assert type(missing.value.orig) is type(missing_too.value.orig)
        conn.rollback()


def test_a_replaced_connection_gets_its_own_adapters(ctx: Context) -> None:
    """The dumpers and loaders are kept with the DBAPI connection: after the backend is gone and the pool gives
    a new connection, statements work again, with the new connection's."""
    _pg(ctx)
    with ctx.engine.connect() as conn:
        conn.begin()
        assert prebuilt.send(conn, _VALUES, _PARAMS).all() == _by_cursor(conn, _VALUES, _PARAMS)[0]
        me = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with ctx.engine.begin() as other:
            other.execute(text("SELECT pg_terminate_backend(:p)"), {"p": me})
        with pytest.raises(DBAPIError) as got:
            prebuilt.send(conn, _VALUES, _PARAMS)
        assert got.value.connection_invalidated
    with ctx.engine.connect() as conn:
        conn.begin()
        assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() != me
        assert prebuilt.send(conn, _VALUES, _PARAMS).all() == _by_cursor(conn, _VALUES, _PARAMS)[0]
        conn.rollback()


def test_a_statement_without_parameters(ctx: Context) -> None:
    _pg(ctx)
    sql = "SELECT 1 AS one, '100%%' AS pct, NULL::INTEGER AS none"
    with ctx.engine.connect() as conn:
        conn.begin()
        for _ in range(7):
            assert pg_send.execute(conn, sql, {}) == _by_cursor(conn, sql, {}) == ([(1, "100%", None)], 1, [23, 25, 23])
        conn.rollback()
