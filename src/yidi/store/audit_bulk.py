"""Bulk INSERT / UPDATE / DELETE statements run through a session: which rows they changed, before and after.

The unit of work reports the objects it writes; a statement like `update(ClaimRow).where(...)` reaches rows
no object stands for. For the row log (issue 13) each such statement is run so that it names its rows:
- INSERT gets `RETURNING` every column (the caller still receives exactly the columns it asked for); a
  repository's INSERT of one row whose values it knows (`insert_one`) only the columns the database fills in,
  when each value is stored exactly as given (row_state.sent_forms);
- UPDATE and DELETE first read the rows they will reach (`FOR UPDATE` on PostgreSQL, so nothing changes
  them in between), then run with `synchronize_session="fetch"`, which on SQLite ≥ 3.35 and PostgreSQL
  makes SQLAlchemy return the primary keys actually hit (RETURNING); an UPDATE's rows are read again
  afterwards.
A row the statement hit that the first read did not see (it started to match in between, from another
transaction) gets the before-digest UNKNOWN rather than a guess.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import Column, ColumnElement, Table, select, tuple_
from sqlalchemy.engine import Connection, Dialect, Result
from sqlalchemy.engine import result as result_mod
from sqlalchemy.orm import ORMExecuteState

from yidi.store import prebuilt, row_state
from yidi.store.prebuilt import sent

Note = Callable[[str, str, str, str], None]  # (table, key, before, after)
_WIDE: weakref.WeakKeyDictionary[Any, dict[tuple[str, ...], Any]] = weakref.WeakKeyDictionary()  # INSERT -> widened
_CHUNK = 500


def run(state: ORMExecuteState, table: Table, note: Note) -> Result[Any]:
    """Run the statement of `state` and note every row it changed."""
    dialect = state.session.get_bind().dialect
    if state.is_insert:
        return _insert(state, table, dialect, note)
    if state.is_executemany:
        raise NotImplementedError(f"audit: an UPDATE/DELETE of {table.name} with several parameter sets cannot "
                                  "name its rows; change the objects through the session instead")
    if state.session.autoflush:
        state.session.flush()  # what SQLAlchemy would flush before the statement, noted in order
    conn = state.session.connection()
    stmt: Any = state.statement
    pre = select(*row_state.read_columns(table))
    if stmt.whereclause is not None:
        pre = pre.where(stmt.whereclause)
    if dialect.name == "postgresql":
        pre = pre.with_for_update()
    before = dict(row_state.stored_state(table, row, dialect) for row in conn.execute(pre, state.parameters or {}))
    res = state.invoke_statement(execution_options={"synchronize_session": "fetch"})
    hit: Sequence[Any] | None = getattr(res, "returned_defaults_rows", None)
    if hit is None and getattr(res, "rowcount", -1) == 0:
        hit = []  # no row hit: SQLAlchemy returns no row list at all
    if hit is None:
        raise NotImplementedError("audit: this database cannot say which rows a statement hit (RETURNING: "
                                  "SQLite 3.35 or later, PostgreSQL)")
    pk_cols = list(table.primary_key.columns)
    pks = [tuple(row._mapping[c] for c in pk_cols) for row in hit]  # the returned columns come in no set order
    keys = [row_state.key_of(table, {c.name: row_state.python_form(c, v, dialect)
                                     for c, v in zip(pk_cols, pk, strict=True)}) for pk in pks]
    if state.is_delete:
        for k in keys:
            note(table.name, k, before.get(k, row_state.UNKNOWN), row_state.DELETED)
        return res
    after = dict(_read(conn, table, dialect, pk_cols, pks))
    for k in keys:
        note(table.name, k, before.get(k, row_state.UNKNOWN), after.get(k, row_state.DELETED))
    return res


def _insert(state: ORMExecuteState, table: Table, dialect: Dialect, note: Note) -> Result[Any]:
    stmt: Any = state.statement
    asked = list(stmt._returning)
    if any(not isinstance(c, ColumnElement) for c in asked):
        raise NotImplementedError(f"audit: an INSERT into {table.name} returning ORM objects cannot name its rows; "
                                  "return columns instead")
    frozen: list[Any] = []

    def execute(wide: Any, _narrow: bool) -> Sequence[Any]:
        frozen.append(state.invoke_statement(statement=wide).freeze())
        return frozen[0]().all()  # type: ignore[no-any-return]
    _noted(table, stmt, asked, None, dialect, note, execute)
    if asked:
        return frozen[0]().columns(*range(len(asked)))  # type: ignore[no-any-return]
    return result_mod.null_result()


def insert_one(conn: Connection, stmt: Any, params: dict[str, Any], values: dict[str, Any], note: Note) -> Any:
    """Run `stmt`, an INSERT of the one row `values` ({column name: Python value}) RETURNING what the caller
    asks for, on `conn`, and note the row as `run` would: for a repository's INSERT of a row at a time, without
    the session's ORM execution around it (its event, the statement run again inside, a frozen copy of the
    result). Returns the row of the columns asked for."""
    table: Table = stmt.table
    asked = list(stmt._returning)
    pg = conn.dialect.name == "postgresql"

    def execute(wide: Any, narrow: bool) -> Sequence[Any]:
        if narrow and pg:  # its text compiled once; what comes back (a key, defaults) needs no type processing
            return sent(wide, conn).run(conn, params).all()
        return conn.execute(wide, params).all()
    got = _noted(table, stmt, asked, values, conn.dialect, note, execute)
    return got[0][:len(asked)]


def insert_new(conn: Connection, stmt: Any, params: dict[str, Any], note: Note) -> Sequence[Any]:
    """Run `stmt`, an INSERT built once that may add no row (ON CONFLICT DO NOTHING), on `conn` as prebuilt runs
    it, and note the rows it added as `run` would (every column returned). Returns its rows."""
    return _noted(stmt.table, stmt, list(stmt._returning), None, conn.dialect, note,
                  lambda wide, _narrow: prebuilt.run(conn, wide, params).all())


def _noted(table: Table, stmt: Any, asked: list[Any], sent: dict[str, Any] | None, dialect: Dialect, note: Note,
           execute: Callable[[Any, bool], Sequence[Any]]) -> Sequence[Any]:
    """Run the INSERT `stmt` through `execute` with what the audit needs added to its RETURNING (and whether
    that is only what the database fills in), note its rows, and return them (the columns asked for first)."""
    n = len(asked)
    forms = row_state.sent_forms(table, sent, dialect) if sent is not None else None
    if forms is None:
        got = execute(_widened(stmt, list(table.columns)), False)
        names = [c.name for c in table.columns]
        for row in got:
            note(table.name, *_inserted(row_state.python_state(table, dict(zip(names, row[n:], strict=True)),
                                                               dialect)))
        return got
    # the row's values were all known before the INSERT and are stored as given: only what the database
    # fills in (the generated key, server defaults) comes back for the digest
    rest = [c for c in table.columns if c.name not in forms]
    at = {a.name: i for i, a in enumerate(asked) if isinstance(a, Column) and a.table is table}
    extra = [c for c in rest if c.name not in at]  # what the caller did not ask for itself
    at.update({c.name: n + j for j, c in enumerate(extra)})
    got = execute(_widened(stmt, extra) if extra else stmt, True)
    if len(got) != 1:  # the caller said one row
        raise RuntimeError(f"audit: an INSERT into {table.name} said to add one row added {len(got)}")
    forms.update({c.name: row_state.python_form(c, got[0][at[c.name]], dialect) for c in rest})
    note(table.name, *_inserted(row_state.forms_state(table, forms)))
    return got


def _inserted(state: tuple[str, str]) -> tuple[str, str, str]:
    return state[0], row_state.DELETED, state[1]


def _widened(stmt: Any, cols: list[Any]) -> Any:
    """`stmt` RETURNING also `cols`, built once per statement and columns (the settlements' INSERT is built once
    and run for every settle)."""
    by_cols = _WIDE.get(stmt)
    if by_cols is None:
        by_cols = _WIDE[stmt] = {}
    names = tuple(c.name for c in cols)
    wide = by_cols.get(names)
    if wide is None:
        wide = by_cols[names] = stmt.returning(*cols, sort_by_parameter_order=bool(
            getattr(stmt, "_sort_by_parameter_order", False)))
    return wide


def _read(conn: Connection, table: Table, dialect: Dialect, pk_cols: list[Any],
          pks: Iterable[tuple[Any, ...]]) -> Iterable[tuple[str, str]]:
    """(key, digest) of the rows with these primary keys (values in the order of `pk_cols`), as stored now."""
    target = pk_cols[0] if len(pk_cols) == 1 else tuple_(*pk_cols)
    todo = [pk[0] if len(pk_cols) == 1 else pk for pk in pks]
    for lo in range(0, len(todo), _CHUNK):
        q = select(*row_state.read_columns(table)).where(target.in_(todo[lo:lo + _CHUNK]))
        for row in conn.execute(q):
            yield row_state.stored_state(table, row, dialect)

