"""Statements compiled once and sent as their text: the few statements every settle sends (issue 15)."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import MultipleResultsFound, NoResultFound
from sqlalchemy.util import is_exit_exception

from yidi.store import pg_send


class Sent:
    """A statement compiled once for a database and sent as its text, with its parameters bound as SQLAlchemy
    would bind them (each type's bind processing, the constants it holds) and its result columns processed as
    SQLAlchemy would process them (each column type's result processor, from the compiled statement): one of
    the few statements of every write, where looking it up in the compiled cache, building its result's
    metadata and processing each parameter's type anew cost more CPU than sending it.
    On psycopg it goes on the psycopg connection as its cursor would send it (`on_cursor`), without SQLAlchemy's
    execution around it (~130 µs of CPU a statement) nor the cursor's (~25 µs); otherwise through exec_driver_sql."""

    def __init__(self, stmt: Any, conn: Connection) -> None:
        dialect = self._dialect = conn.dialect
        compiled = stmt.compile(dialect=dialect)
        self.sql = str(compiled)
        self._procs = [(name, proc) for name, bp in compiled.binds.items()
                       if (proc := bp.type.dialect_impl(dialect).bind_processor(dialect)) is not None]
        # the constants it holds (`seq + 1`): the parameters without a value are the caller's to give
        self._fixed = {k: v for k, v in self._bind(compiled.construct_params(_check=False), {}).items() if v is not None}
        # the result's columns in the order sent (a compiled Core statement's columns match the cursor's by place,
        # as SQLAlchemy matches them); their processors are known once the database names the columns' types
        assert compiled._ordered_columns and not compiled._textual_ordered_columns
        self._types = [c[3] for c in compiled._result_columns]
        self._out: list[tuple[int, Callable[[Any], Any]]] | None = None

    def _bind(self, params: dict[str, Any], into: dict[str, Any]) -> dict[str, Any]:
        """`params` put into `into`, each value but None through its type's bind processor (only the few types
        that have one are visited, not every parameter)."""
        into.update(params)
        for k, f in self._procs:
            if (v := params.get(k)) is not None:
                into[k] = f(v)
        return into

    def run(self, conn: Connection, params: dict[str, Any]) -> Rows:
        """Send the statement on `conn` (in its transaction) with `params` (Python values, as for execute)."""
        return self.rows(*_send(conn, self.sql, self.bound(params)))

    def bound(self, params: dict[str, Any]) -> dict[str, Any]:
        """`params` (Python values) as the statement's text takes them: its constants, each type's bind processing."""
        return self._bind(params, {**self._fixed})

    def rows(self, rows: list[Any], count: int, coltypes: list[Any] | None) -> Rows:
        """The statement's result (as the driver gave it) with its columns processed as SQLAlchemy would."""
        if coltypes is not None and rows:
            out = self._out
            if out is None:  # a fixed text on a fixed schema: the columns' types stay those of the first result
                assert len(coltypes) == len(self._types), f"prebuilt: {len(coltypes)} columns, {len(self._types)} compiled"
                got = [t._cached_result_processor(self._dialect, c) for t, c in zip(self._types, coltypes, strict=True)]
                out = self._out = [(i, f) for i, f in enumerate(got) if f is not None]
            if out:  # only the columns with a processor (the enums) are visited
                for n, row in enumerate(rows):
                    values = list(row)
                    for i, f in out:
                        values[i] = f(values[i])
                    rows[n] = tuple(values)
        return Rows(rows, count)


class Rows:
    """What the callers use of a statement's result: its rows (tuples) and row count; one/first/scalar raise as
    SQLAlchemy's Result does."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: Sequence[Any], rowcount: int) -> None:
        self._rows, self.rowcount = rows, rowcount

    def all(self) -> list[Any]:
        return list(self._rows)

    def first(self) -> Any:
        return self._rows[0] if self._rows else None

    def one_or_none(self) -> Any:
        if len(self._rows) > 1:
            raise MultipleResultsFound("Multiple rows were found when one or none was required")
        return self.first()

    def one(self) -> Any:
        if not self._rows:
            raise NoResultFound("No row was found when one was required")
        if len(self._rows) > 1:
            raise MultipleResultsFound("Multiple rows were found when exactly one was required")
        return self._rows[0]

    def scalar(self) -> Any:
        return None if not self._rows else self._rows[0][0]

    def scalar_one(self) -> Any:
        return self.one()[0]


def send(conn: Connection, sql: str, params: dict[str, Any]) -> Rows:
    """`sql` (a statement's text, its parameters bound) on `conn` as `Sent` sends it; its values as the driver
    gives them (as Connection.exec_driver_sql's)."""
    rows, count, _types = _send(conn, sql, params)
    return Rows(rows, count)


def _send(conn: Connection, sql: str, params: dict[str, Any]) -> tuple[list[Any], int, list[Any] | None]:
    if conn.dialect.driver == "psycopg" and _bare(conn):
        return on_cursor(conn, sql, params)
    # today's path: SQLAlchemy's execution and its events (tests count statements with them)
    res = conn.exec_driver_sql(sql, params)
    if not res.returns_rows:
        return [], res.rowcount, None
    coltypes = [d[1] for d in res.cursor.description]
    return list(res.all()), res.rowcount, coltypes


def _bare(conn: Connection) -> bool:
    """Whether a statement on `conn` may skip SQLAlchemy's execution: inside the transaction SQLAlchemy began
    (so the driver's own BEGIN is already sent or goes with it), nothing listening to executions (then the
    ordinary path, so the listeners see every statement: tests count statements with them), no statement
    logging, and psycopg not in pipeline mode."""
    if not conn.in_transaction() or conn.invalidated or conn._echo:
        return False
    if conn.connection.driver_connection._pipeline is not None:  # type: ignore[union-attr]
        return False  # psycopg's pipeline mode queues statements: its cursor's own execution
    if conn._has_events or conn.engine._has_events:  # (stays True once a listener was ever added)
        d = conn.dispatch  # the connection's listeners joined with its engine's
        if d.before_execute or d.after_execute or d.before_cursor_execute or d.after_cursor_execute:
            return False
    return not (conn.dialect._has_events and conn.dialect.dispatch.do_execute)


def on_cursor(conn: Connection, sql: str, params: dict[str, Any]) -> tuple[list[Any], int, list[int] | None]:
    """(rows, rowcount, the columns' type codes or None when it returns no rows) of `sql` run on `conn`'s psycopg
    connection as its cursor runs it (`pg_send`). An error is handled by the Connection as its own execution
    handles it: a psycopg error becomes the same SQLAlchemy exception (OperationalError, IntegrityError…; on a
    lost connection `connection_invalidated`, the connection and the pool invalidated), with the handle_error
    events."""
    try:
        return pg_send.execute(conn, sql, params)
    except BaseException as e:
        _mapped(conn, e, sql, params)
        raise  # not the database's error: raised as it is (as SQLAlchemy does with it)


def _mapped(conn: Connection, e: BaseException, sql: str, params: dict[str, Any]) -> None:
    if isinstance(e, conn.dialect.loaded_dbapi.Error) or is_exit_exception(e):
        conn._handle_dbapi_exception(e, sql, params, None, None)  # raises the SQLAlchemy exception


def run_all(conn: Connection, statements: list[tuple[Any, dict[str, Any]]]) -> list[Rows]:
    """Several statements built once, whose parameters do not depend on each other's results, each as `run`
    runs it; on psycopg all in one round trip (`on_cursor_all`), elsewhere one after the other. They run in
    the server in the order given, so a read after a lock sees what the lock waited for."""
    if not (conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg" and _bare(conn)):
        return [run(conn, stmt, params) for stmt, params in statements]
    sents = [sent(stmt, conn) for stmt, _p in statements]
    got = on_cursor_all(conn, [(s.sql, s.bound(params)) for s, (_stmt, params) in zip(sents, statements, strict=True)])
    return [s.rows(*g) for s, g in zip(sents, got, strict=True)]


def on_cursor_all(conn: Connection, texts: list[tuple[str, dict[str, Any]]]) -> list[tuple[list[Any], int, list[int] | None]]:
    """`on_cursor` of each of `texts` (statement, parameters), all sent in one round trip (`pg_send.execute_all`);
    an error is handled as there, the statements' texts joined as its statement."""
    try:
        return pg_send.execute_all(conn, texts)
    except BaseException as e:
        _mapped(conn, e, ";\n".join(t for t, _p in texts), {})
        raise


def run_and_commit(conn: Connection, stmt: Any, params: dict[str, Any]) -> tuple[Rows, bool]:
    """`run`, then (psycopg, SQLAlchemy's execution not needed: `_bare`) COMMIT in the same round trip
    (`pg_send.execute_and_commit`): (its rows, whether the transaction was committed). The statement must be the
    transaction's last; when it was committed, the Connection's own commit afterwards sends nothing (psycopg's
    commit of a connection out of its transaction). An error is handled as `on_cursor` handles it."""
    if not (conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg" and _bare(conn)):
        return run(conn, stmt, params), False
    s = sent(stmt, conn)
    try:
        got, committed = pg_send.execute_and_commit(conn, s.sql, s.bound(params))
    except BaseException as e:
        _mapped(conn, e, s.sql + ";\nCOMMIT", params)
        raise
    return s.rows(*got), committed


_SENT: weakref.WeakKeyDictionary[Any, dict[str, Sent]] = weakref.WeakKeyDictionary()


def sent(stmt: Any, conn: Connection) -> Sent:
    """`stmt` compiled once for this connection's driver (a statement built once, at import or per shape)."""
    by_driver = _SENT.get(stmt)
    if by_driver is None:
        by_driver = _SENT[stmt] = {}
    got = by_driver.get(conn.dialect.driver)
    if got is None:
        got = by_driver[conn.dialect.driver] = Sent(stmt, conn)
    return got


def run(conn: Connection, stmt: Any, params: dict[str, Any]) -> Rows:
    """`stmt` (a Core statement built once) on `conn`: on PostgreSQL as `Sent`, elsewhere through execute."""
    if conn.dialect.name == "postgresql":
        return sent(stmt, conn).run(conn, params)
    res = conn.execute(stmt, params)
    return Rows(res.all() if res.returns_rows else [], res.rowcount)
