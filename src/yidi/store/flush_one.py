"""A unit of work's pending writes in ONE statement on PostgreSQL (issue 15): what a flush would send as one
UPDATE per changed row and one INSERT per table, sent as one `WITH … UPDATE … INSERT …` instead.

Opt-in (`request(session)`; the settle use case asks for it through `UnitOfWork.write_at_once`), and only when
the pending work is plain enough that the unit of work would do nothing more than those statements:
- changed rows: only column attributes changed, primary keys unchanged, no `onupdate` column left to the
  database; no deletions;
- new rows: one table each (no inheritance), no relationship attributes set, not audit records;
- no row changed twice and nothing else queued (otherwise: the ordinary flush, unchanged).
Every sub-statement of one statement sees the same snapshot and the foreign keys are checked at its end, which
is why new rows may refer to rows inserted beside them. The rows this transaction changes were locked by it
before (the settle path reads them FOR UPDATE), so the statement waits for no one a flush would not have.
The audit trail notes every row exactly as its flush hooks would (before and after digests); the objects are
then left as a flush leaves them (persistent, no pending change). Any other case: the ordinary flush.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Table, Text, func, insert, literal, select, union_all, update
from sqlalchemy.dialects.postgresql import dialect as pg_dialect
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from yidi.store import audit_bulk, json_rows, row_state

_ASKED = "yidi_flush_one"
_PG = pg_dialect()  # type: ignore[no-untyped-call]


def request(session: Session) -> None:
    """Ask for this transaction's pending writes to go in one statement at commit (PostgreSQL)."""
    session.info[_ASKED] = True


def _table(obj: Any) -> Table | None:
    mapper = obj.__mapper__
    t = mapper.local_table
    return t if isinstance(t, Table) and len(mapper.tables) == 1 else None


def _plain_change(obj: Any, skip: frozenset[str]) -> tuple[Table, dict[str, Any]] | None:
    """(table, {column name: new value}) of a changed object, or None when a flush must do it."""
    state, table = obj._sa_instance_state, _table(obj)
    if table is None or table.name in skip:
        return None
    mapper = state.mapper
    changed: dict[str, Any] = {}
    for key in state.committed_state:
        prop = mapper.attrs.get(key)
        cols = getattr(prop, "columns", None)
        if cols is None or len(cols) != 1 or cols[0].table is not table or cols[0].primary_key:
            return None  # a relationship, an expression, or a primary key changed
        changed[cols[0].name] = state.dict.get(key)
    if any((c.onupdate is not None or c.server_onupdate is not None) and c.name not in changed for c in table.columns):
        return None
    return table, changed


def _plain_new(obj: Any, skip: frozenset[str]) -> tuple[Table, dict[str, Any]] | None:
    state, table = obj._sa_instance_state, _table(obj)
    if table is None or table.name in skip:
        return None
    mapper = state.mapper
    if any(r.key in state.dict for r in mapper.relationships):
        return None
    values = {}
    for c in table.columns:
        key = mapper.get_property_by_column(c).key
        if key in state.dict:
            values[c.name] = state.dict[key]
    return table, values


def flush(session: Session, note: audit_bulk.Note, skip: frozenset[str]) -> bool:
    """Send the pending writes in one statement when asked and plain enough; True when done (the session then
    has nothing left to flush), False to leave it to the ordinary flush."""
    if not session.info.pop(_ASKED, False) or session.get_bind().dialect.name != "postgresql":
        return False
    if session.deleted or not (session.new or session.dirty):
        return False
    # a changed collection counts (its object is then refused below: the children's keys come from the flush)
    dirty = [o for o in session.dirty if session.is_modified(o)]
    changes = [(o, _plain_change(o, skip)) for o in dirty]
    news = [(o, _plain_new(o, skip)) for o in session.new]
    if any(c is None for _o, c in changes) or any(n is None for _o, n in news) or len(changes) + len(news) < 2:
        return False
    dialect = session.get_bind().dialect
    parts: list[Any] = []
    for i, (obj, ch) in enumerate(changes):
        assert ch is not None
        table, values = ch
        pk = {c.name: getattr(obj, obj.__mapper__.get_property_by_column(c).key) for c in table.primary_key.columns}
        where = [table.c[n] == v for n, v in pk.items()]
        cte = update(table).where(*where).values(values).returning(literal(i).label("i")).cte(f"u{i}")
        parts.append(select(literal("u").label("k"), literal("").label("r")).select_from(cte))
    groups: dict[tuple[str, tuple[str, ...]], list[tuple[Any, dict[str, Any]]]] = {}
    for obj, nw in news:
        assert nw is not None
        groups.setdefault((nw[0].name, tuple(sorted(nw[1]))), []).append((obj, nw[1]))
    tables = {t.name: t for _o, n in news if n is not None for t in [n[0]]}
    for g, ((name, _keys), members) in enumerate(groups.items()):
        table = tables[name]
        obj_row = func.json_build_object(*(x for c in table.columns for x in (literal(c.name), c)))
        cte = insert(table).values([vals for _obj, vals in members]).returning(obj_row.label("r")).cte(f"n{g}")
        parts.append(select(literal(f"n{g}").label("k"), cte.c.r.cast(Text).label("r")).select_from(cte))
    # before-values of the changed rows, read before the statement changes the objects' history
    befores = [row_state.python_state(ch[0], row_state.object_values(o, before=True), dialect)
               for o, ch in changes if ch is not None]
    got = session.connection().execute(union_all(*parts)).all()
    if sum(1 for k, _r in got if k == "u") != len(changes):
        # a row to update was gone: what the ordinary flush reports as a stale row (the statement changed
        # nothing else that could stand: the transaction is rolled back by the error)
        raise StaleDataError(f"flush_one: {len(changes)} rows to update, "
                             f"{sum(1 for k, _r in got if k == 'u')} found")
    for (obj, ch), (key, before) in zip(changes, befores, strict=True):
        assert ch is not None
        table, values = ch
        for k in list(obj._sa_instance_state.committed_state):
            set_committed_value(obj, k, obj._sa_instance_state.dict.get(k))
        note(table.name, key, before, row_state.python_state(table, row_state.object_values(obj, before=False),
                                                             dialect)[1])
    for g, ((name, _keys), members) in enumerate(groups.items()):
        table = tables[name]
        cols = list(table.columns)
        rows = json_rows.rows_of(cols, [json.loads(r) for k, r in got if k == f"n{g}"])
        for (obj, _vals), stored in zip(members, _in_order(table, members, rows), strict=True):
            mapper = obj.__mapper__
            session.expunge(obj)
            for c in table.columns:
                set_committed_value(obj, mapper.get_property_by_column(c).key, stored[c.name])
            make_transient_to_detached(obj)
            session.add(obj)
            note(table.name, *_new_state(table, stored, dialect))
    return True


def _in_order(table: Table, members: list[tuple[Any, dict[str, Any]]], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The returned rows in the order of `members`: by the primary key each was given, or (a generated key)
    by that key, which the database numbers in the order of the VALUES rows."""
    pk = [c.name for c in table.primary_key.columns]
    assert len(rows) == len(members)
    if all(all(n in vals for n in pk) for _o, vals in members):
        by_key = {tuple(row_state.python_form(table.c[n], r[n], _PG) for n in pk): r for r in rows}
        return [by_key[tuple(row_state.python_form(table.c[n], vals[n], _PG) for n in pk)] for _o, vals in members]
    assert len(pk) == 1, f"flush_one: {table.name} has a generated key of several columns"
    return sorted(rows, key=lambda r: r[pk[0]])


def _new_state(table: Table, stored: dict[str, Any], dialect: Any) -> tuple[str, str, str]:
    key, after = row_state.python_state(table, stored, dialect)
    return key, row_state.DELETED, after
