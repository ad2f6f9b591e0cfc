"""Rows a unit of work holds as plain values instead of ORM objects, written at its commit (issue 15).

Only in a unit that asked for its writes at commit (`UnitOfWork.write_at_once`, the settle use case): there a
repository may read a row it locks as plain values (`hold`), change it (`change`) and add new rows (`add`)
without the ORM's per-object bookkeeping (identity map, attribute history, cascades), which cost more CPU than
the statements. At commit yidi.store.flush_one sends them with the unit's other writes in its one statement;
when it cannot (SQLite, a value it cannot carry), `write` sends them as one UPDATE per changed row and one
INSERT per new row. Either way the audit trail notes every row as a flush would: its digest before (as read)
and after (as written). A unit that asks reads nothing it changed before its commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from yidi.store import audit_bulk, row_state

_INFO = "yidi_plain_rows"


@dataclass(slots=True)
class Row:
    """A row read in this transaction: its values as stored now, and what is to change ({column name: value})."""

    table: Table
    stored: dict[str, Any]
    changed: dict[str, Any] = field(default_factory=dict)

    def key(self) -> dict[str, Any]:
        return {c.name: self.stored[c.name] for c in self.table.primary_key.columns}

    def after(self) -> dict[str, Any]:
        return {**self.stored, **self.changed}


@dataclass(slots=True)
class _Held:
    rows: dict[tuple[str, tuple[Any, ...]], Row] = field(default_factory=dict)
    new: list[tuple[Table, dict[str, Any]]] = field(default_factory=list)


def _held(session: Session) -> _Held:
    got: _Held | None = session.info.get(_INFO)
    if got is None:
        got = session.info[_INFO] = _Held()
    return got


def split(row: Sequence[Any], tables: Sequence[Table]) -> list[dict[str, Any]]:
    """The values of a row that selects every column of `tables` in turn, one {column name: value} per table."""
    out, at = [], 0
    for t in tables:
        names = t.columns.keys()
        out.append(dict(zip(names, row[at:at + len(names)], strict=True)))
        at += len(names)
    return out


def hold(session: Session, table: Table, values: dict[str, Any]) -> None:
    """Hold a row this transaction read (every column) and locked, to change it by `change`."""
    r = Row(table, values)
    _held(session).rows[(table.name, tuple(r.key().values()))] = r


def held(session: Session, table: Table, *key: Any) -> dict[str, Any] | None:
    """The held row with this primary key as it will be written (None: not held)."""
    h: _Held | None = session.info.get(_INFO)
    r = None if h is None else h.rows.get((table.name, key))
    return None if r is None else r.after()


def change(session: Session, table: Table, key: tuple[Any, ...], values: dict[str, Any]) -> None:
    """Set columns of a held row; a column set to the value it holds is no change (as the ORM's history)."""
    r = _held(session).rows[(table.name, key)]
    for name, v in values.items():
        if r.stored[name] != v or type(r.stored[name]) is not type(v):
            r.changed[name] = v
        else:
            r.changed.pop(name, None)
    # a column the database would set on UPDATE must be given, so that the after-digest is the row written
    assert all(c.name in values for c in table.columns if c.onupdate is not None or c.server_onupdate is not None)


def add(session: Session, table: Table, values: dict[str, Any]) -> None:
    """A new row to insert at commit (`values` by column name; a column's plain default as the ORM fills it)."""
    row = dict(values)
    for c in table.columns:
        if c.name not in row and c.default is not None:
            assert getattr(c.default, "is_scalar", False), f"{table.name}.{c.name}: not a plain default"
            row[c.name] = c.default.arg  # type: ignore[attr-defined]
    _held(session).new.append((table, row))


def pending(session: Session) -> tuple[list[Row], list[tuple[Table, dict[str, Any]]]]:
    """The held rows with changes, and the new rows."""
    h: _Held | None = session.info.get(_INFO)
    if h is None:
        return [], []
    return [r for r in h.rows.values() if r.changed], h.new


def written(session: Session) -> None:
    """What `pending` gave was written: the held rows now hold their new values, no new row is left."""
    h: _Held | None = session.info.get(_INFO)
    if h is not None:
        for r in h.rows.values():
            r.stored.update(r.changed)
            r.changed.clear()
        h.new = []


def write(session: Session, note: audit_bulk.Note) -> None:
    """Send what is pending as one statement per row (the way when flush_one's one statement is not taken)."""
    changed, new = pending(session)
    if not changed and not new:
        return
    conn, dialect = session.connection(), session.get_bind().dialect
    for r in changed:
        t, key = r.table, r.key()
        stmt = update(t).where(*(c == bindparam(f"k_{c.name}") for c in t.primary_key.columns)).values(
            {n: bindparam(f"v_{n}", type_=t.c[n].type) for n in r.changed})
        res = conn.execute(stmt, {**{f"k_{n}": v for n, v in key.items()}, **{f"v_{n}": v for n, v in r.changed.items()}})
        if res.rowcount != 1:
            raise StaleDataError(f"plain_rows: {t.name} {key}: {res.rowcount} rows updated, 1 expected")
        k, before = row_state.python_state(t, r.stored, dialect)
        note(t.name, k, before, row_state.python_state(t, r.after(), dialect)[1])
    for t, values in new:
        audit_bulk.insert_one(conn, _insert(t, tuple(values)), values, values, note)
    written(session)


_INSERTS: dict[tuple[Table, tuple[str, ...]], Any] = {}


def _insert(table: Table, names: tuple[str, ...]) -> Any:
    """An INSERT of one row of `table` giving these columns (their values as parameters), built once."""
    got = _INSERTS.get((table, names))
    if got is None:
        got = _INSERTS[(table, names)] = (insert(table).values({n: bindparam(n, type_=table.c[n].type) for n in names})
                                          .returning(*table.primary_key.columns))
    return got
