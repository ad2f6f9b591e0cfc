"""Statements compiled once and sent as their text: the few statements every settle sends (issue 15)."""

from __future__ import annotations

import weakref
from typing import Any

from sqlalchemy import Connection


class Sent:
    """A statement compiled once for a database and sent as its text (Connection.exec_driver_sql), with its
    parameters bound as SQLAlchemy would bind them (each type's bind processing, the constants it holds): one
    of the few statements of every write, where looking it up in the compiled cache, building its result's
    metadata and processing each parameter's type anew cost more CPU than sending it."""

    def __init__(self, stmt: Any, conn: Connection) -> None:
        dialect = conn.dialect
        compiled = stmt.compile(dialect=dialect)
        self.sql = str(compiled)
        self._procs = {name: proc for name, bp in compiled.binds.items()
                       if (proc := bp.type.dialect_impl(dialect).bind_processor(dialect)) is not None}
        # the constants it holds (`seq + 1`): the parameters without a value are the caller's to give
        self._fixed = {k: v for k, v in self._bind(compiled.construct_params(_check=False)).items() if v is not None}

    def _bind(self, params: dict[str, Any]) -> dict[str, Any]:
        return {k: v if (f := self._procs.get(k)) is None or v is None else f(v) for k, v in params.items()}

    def run(self, conn: Connection, params: dict[str, Any]) -> Any:
        return conn.exec_driver_sql(self.sql, {**self._fixed, **self._bind(params)})


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
