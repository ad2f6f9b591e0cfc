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
The rows the unit's repositories hold as plain values (yidi.store.plain_rows: changed rows they locked, new
rows) go in the same statement; when it is not taken, by their own statements before the ordinary flush.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Table,
    Text,
    bindparam,
    cast,
    column,
    func,
    insert,
    literal_column,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import dialect as pg_dialect
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from yidi.store import audit_bulk, json_params, json_rows, plain_rows, prebuilt, row_state

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
        elif c.default is not None:  # what the flush would fill in: a plain value only
            if not getattr(c.default, "is_scalar", False):
                return None
            values[c.name] = c.default.arg  # type: ignore[attr-defined]
    return table, values


def asked(session: Session) -> bool:
    """Whether this transaction asked for its writes at commit (its repositories may then hold plain rows)."""
    return bool(session.info.get(_ASKED))


def flush(session: Session, note: audit_bulk.Note, skip: frozenset[str]) -> bool:
    """Send the pending writes in one statement when asked and plain enough; True when done (the session then
    has nothing left to flush), False to leave it to the ordinary flush (the plain rows written first)."""
    if session.info.pop(_ASKED, False) and _one_statement(session, note, skip):
        return True
    plain_rows.write(session, note)
    return False


# a row to update: (table, {column: new value}, its key, {column: value} before and after, what to do once written)
_Todo = tuple[Table, dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any], Any]


def _key_of(obj: Any, table: Table) -> dict[str, Any]:
    mapper = obj.__mapper__
    return {c.name: getattr(obj, mapper.get_property_by_column(c).key) for c in table.primary_key.columns}


def _one_statement(session: Session, note: audit_bulk.Note, skip: frozenset[str]) -> bool:
    if session.get_bind().dialect.name != "postgresql" or session.deleted:
        return False
    held_changes, held_new = plain_rows.pending(session)
    if not (session.new or session.dirty or held_changes or held_new):
        return False
    # a changed collection counts (its object is then refused below: the children's keys come from the flush)
    dirty: list[Any] = []
    unchanged: list[Any] = []
    for o in session.dirty:
        (dirty if session.is_modified(o) else unchanged).append(o)
    changes = [(o, _plain_change(o, skip)) for o in dirty]
    news = [(o, _plain_new(o, skip)) for o in session.new]
    if any(c is None for _o, c in changes) or any(n is None for _o, n in news):
        return False
    if len(changes) + len(news) + len(held_changes) + len(held_new) < 2:
        return False
    dialect = session.get_bind().dialect
    todo: list[_Todo] = [(r.table, r.changed, r.key(), r.stored, r.after(), None) for r in held_changes]
    for obj, ch in changes:
        assert ch is not None
        # before-values of the changed rows, read before the statement changes the objects' history
        todo.append((ch[0], ch[1], _key_of(obj, ch[0]), row_state.object_values(obj, before=True),
                     row_state.object_values(obj, before=False), obj))
    # in a fixed order, so that the same kinds of writes make the same statement text
    todo.sort(key=lambda t: (t[0].name, sorted(t[1])))
    groups: dict[tuple[Table, tuple[str, ...]], list[tuple[Any, dict[str, Any]]]] = {}
    for obj, nw in [*news, *((None, n) for n in held_new)]:
        assert nw is not None
        groups.setdefault((nw[0], tuple(sorted(nw[1]))), []).append((obj, nw[1]))
    ordered = sorted(groups.items(), key=lambda g: (g[0][0].name, g[0][1]))
    # a table's new rows whose values are all stored as given are digested from them: only what the database
    # fills in (generated key, server defaults) comes back; otherwise every column does
    sent = [[row_state.sent_forms(t, v, dialect) for _o, v in m] for (t, _n), m in ordered]
    narrow = tuple(all(f is not None for f in forms) for forms in sent)
    shape = _shape(tuple((t[0], tuple(sorted(t[1]))) for t in todo),
                   tuple((t, n, nr) for ((t, n), _m), nr in zip(ordered, narrow, strict=True)), dialect)
    params = shape.params([(t[2], t[1]) for t in todo], [[v for _o, v in m] for _k, m in ordered])
    if params is None:
        return False  # a value the one statement cannot carry exactly: the ordinary flush
    got = prebuilt.send(session.connection(), shape.sql, params).all()
    if sum(1 for k, _r in got if k == "u") != len(todo):
        # a row to update was gone: what the ordinary flush reports as a stale row (the statement changed
        # nothing else that could stand: the transaction is rolled back by the error)
        raise StaleDataError(f"flush_one: {len(todo)} rows to update, {sum(1 for k, _r in got if k == 'u')} found")
    for table, _ch, _k, was, now, _obj in todo:
        key, before = row_state.python_state(table, was, dialect)
        note(table.name, key, before, row_state.python_state(table, now, dialect)[1])
    # the changed objects, and those set to the values they had, end as a flush's end leaves them: no pending
    # history, not modified (otherwise the flush at commit would run the whole unit of work to find nothing)
    for obj in (*(t[5] for t in todo if t[5] is not None), *unchanged):
        state = obj._sa_instance_state
        state._commit_all(state.dict, session.identity_map)
    for g, ((table, _keys), members) in enumerate(ordered):
        cols = shape.returned[g]
        rows = json_rows.rows_of(cols, [json.loads(r) for k, r in got if k == f"n{g}"])
        for (obj, vals), forms, back in zip(members, sent[g], _in_order(table, members, rows), strict=True):
            stored = {**vals, **back} if narrow[g] else back
            if obj is not None:
                _attach(session, obj, table, stored)
            if narrow[g]:
                assert forms is not None
                forms.update({c.name: row_state.python_form(c, back[c.name], dialect) for c in cols
                              if c.name not in forms})
                key, after = row_state.forms_state(table, forms)
            else:
                key, after = row_state.python_state(table, stored, dialect)
            note(table.name, key, row_state.DELETED, after)
    plain_rows.written(session)
    return True


def _attach(session: Session, obj: Any, table: Table, stored: dict[str, Any]) -> None:
    """Leave a new object as a flush leaves it: persistent, its columns as stored, with the session's own step
    for that at a flush's end (identity key and map, the transaction's record of it, no pending history)."""
    state, mapper = obj._sa_instance_state, obj.__mapper__
    state.dict.update({mapper.get_property_by_column(c).key: stored[c.name] for c in table.columns})
    session._register_persistent({state})


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


# --- the statement's text, built once per shape ------------------------------------------------------------
# A shape is which rows change (table, changed columns) and which tables get new rows (table, columns given,
# whether only the columns the database fills in come back):
# the text depends on nothing else, since the new rows travel as one JSON parameter per table. SQLAlchemy
# cannot cache a multi-row INSERT, so without this it compiled the whole statement for every settle.

_Update = tuple[Table, tuple[str, ...]]  # (table, changed column names, sorted)
_Insert = tuple[Table, tuple[str, ...], bool]  # (table, column names given, sorted; digested from them)
_SHAPES: dict[tuple[tuple[_Update, ...], tuple[_Insert, ...]], _Shape] = {}
_MOST_SHAPES = 256


class _Shape:
    """One shape's statement text and how to turn the objects' values into its parameters."""

    def __init__(self, updates: tuple[_Update, ...], inserts: tuple[_Insert, ...], dialect: Dialect) -> None:
        parts: list[Any] = []
        self._updates: list[tuple[list[tuple[str, str, Any]], list[tuple[str, Column[Any], Any]]]] = []
        for i, (table, names) in enumerate(updates):
            sets = [(f"u{i}_{j}", n, json_params.processor(table.c[n], dialect)) for j, n in enumerate(names)]
            keys = [(f"u{i}_k{j}", c, json_params.processor(c, dialect)) for j, c in enumerate(table.primary_key.columns)]
            stmt: Any = (update(table).where(*(c == bindparam(p, type_=c.type) for p, c, _f in keys))
                    .values({n: bindparam(p, type_=table.c[n].type) for p, n, _f in sets})
                    .returning(literal_column(str(i)).label("i")))
            cte = stmt.cte(f"u{i}")
            parts.append(select(_text("u").label("k"), _text("").label("r")).select_from(cte))
            self._updates.append((sets, keys))
        self._inserts: list[tuple[str, json_params.Plan]] = []
        self._json = json_params.processor(column("rows", JSON), dialect)  # the driver's JSON wrapper
        self.returned: list[list[Column[Any]]] = []  # per table of new rows: the columns that come back
        for g, (table, names, narrow) in enumerate(inserts):
            cols = [table.c[n] for n in names]
            rows = json_params.records(f"n{g}", cols, many=True)
            back = [c for c in table.columns if not narrow or c.primary_key or c.name not in names]
            self.returned.append(back)
            obj_row = func.json_build_object(*(x for c in back for x in (_text(c.name), c)))
            cte = (insert(table).from_select(list(names), select(*(rows.c[n] for n in names)))
                   .returning(obj_row.label("r")).cte(f"n{g}"))
            parts.append(select(_text(f"n{g}").label("k"), cte.c.r.cast(Text).label("r")).select_from(cte))
            self._inserts.append((f"n{g}", json_params.plan(cols, dialect)))
        self.sql = str(union_all(*parts).compile(dialect=dialect))

    def params(self, updates: list[tuple[dict[str, Any], dict[str, Any]]],
               inserts: list[list[dict[str, Any]]]) -> dict[str, Any] | None:
        """The statement's parameters for these rows (updates: (key, new values)); None: a value it cannot
        carry."""
        out: dict[str, Any] = {}
        for (sets, keys), (key, values) in zip(self._updates, updates, strict=True):
            for p, n, f in sets:
                out[p] = values[n] if f is None else f(values[n])
            for p, c, f in keys:
                v = key[c.name]
                out[p] = v if f is None else f(v)
        try:
            for (p, convs), rows in zip(self._inserts, inserts, strict=True):
                out[p] = self._json([json_params.row_of(convs, row) for row in rows])
        except json_params.Refused:
            return None
        return out


def _text(s: str) -> Any:
    """A constant of the statement's text (not a parameter); the names it carries are the schema's own."""
    assert "'" not in s and "%" not in s
    return cast(literal_column(f"'{s}'"), Text)


def _shape(updates: tuple[_Update, ...], inserts: tuple[_Insert, ...], dialect: Dialect) -> _Shape:
    key = (updates, inserts)
    got = _SHAPES.get(key)
    if got is None:
        if len(_SHAPES) >= _MOST_SHAPES:
            _SHAPES.clear()
        got = _SHAPES[key] = _Shape(updates, inserts, dialect)
    return got
