"""Several tables' rows in one round trip: each as a JSON array in one column of a single SELECT, read back
into Python values of the columns' types (PostgreSQL json_agg, SQLite json_group_array)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    Date,
    DateTime,
    Enum,
    Integer,
    func,
    literal_column,
    select,
)
from sqlalchemy.sql.selectable import ScalarSelect

Col = Any  # a column of a Table (`Table.c[...]`): has .name and .type


def array_of(dialect: str, cols: Sequence[Col], where: ColumnElement[bool], *, keyed: bool = True) -> ScalarSelect[Any]:
    """A scalar subquery: the rows of `cols` matching `where`, as one JSON array of objects keyed by column name
    ("[]" when none), in no set order (`rows_of` sorts them: an ORDER BY inside would need a derived table,
    which cannot refer to the outer query on every database). `keyed=False`: each row an array of its values in
    the order of `cols` (no names: less to send and to decode; `rows_of` with the same `cols` reads both)."""
    if dialect == "postgresql":
        obj = (func.json_build_object(*(x for c in cols for x in (_name(c), c))) if keyed
               else func.json_build_array(*cols))
        return select(func.coalesce(func.json_agg(obj), literal_column("'[]'").cast(JSON))).where(where).scalar_subquery()
    # SQLite: JSON columns hold text; json() nests them as JSON rather than as a quoted string
    values = [func.json(c) if isinstance(c.type, JSON) else c for c in cols]
    obj = func.json_object(*(x for c, v in zip(cols, values, strict=True) for x in (_name(c), v))) if keyed \
        else func.json_array(*values)
    return select(func.json_group_array(func.json(obj))).where(where).scalar_subquery()


def values_of(dialect: str, cols: Sequence[Col]) -> ColumnElement[Any]:
    """The values of `cols` in the statement's current row as one JSON array, in the order of `cols` (`rows_of`
    reads it as a one-row array: `rows_of(cols, [value])`)."""
    if dialect == "postgresql":
        return func.json_build_array(*cols)
    return func.json_array(*(func.json(c) if isinstance(c.type, JSON) else c for c in cols))


def packed(dialect: str, *parts: Any) -> ColumnElement[Any]:
    """One JSON array of `parts` (values, `values_of` or `array_of` columns): a statement of a single column,
    which the driver decodes with one json.loads and SQLAlchemy describes once, however many parts it has."""
    if dialect == "postgresql":
        return func.json_build_array(*parts)
    # SQLite: a subquery's JSON comes back as text, which json() nests as JSON rather than as a quoted string
    return func.json_array(*(p if isinstance(p.type, Integer) else func.json(p) for p in parts))


def _name(col: Col) -> Any:
    """A column's name as a constant of the statement's text, not a parameter: psycopg converts a statement
    with more than 50 parameters anew every time it is sent (its cache stops there)."""
    assert col.name.isidentifier(), col.name
    return literal_column(f"'{col.name}'")


_CONVERT: dict[Any, Callable[[Any], Any] | None] = {}


def _converter(col: Col) -> Callable[[Any], Any] | None:
    """How a JSON value of `col` becomes the Python value of its type (None: as it is), worked out once per
    column (a settle reads some 600 values this way)."""
    try:
        return _CONVERT[col]
    except KeyError:
        pass
    t = col.type
    conv: Callable[[Any], Any] | None = None
    if isinstance(t, Enum) and t.enum_class is not None:
        conv = t.enum_class  # stored by value (yidi.store.models)
    elif isinstance(t, DateTime):
        conv = dt.datetime.fromisoformat
    elif isinstance(t, Date):
        conv = dt.date.fromisoformat
    elif isinstance(t, Boolean):
        conv = bool  # SQLite: 0/1
    elif isinstance(t, Integer):
        conv = int
    _CONVERT[col] = conv
    return conv


def rows_of(cols: Sequence[Col], value: Any, *order: str) -> list[dict[str, Any]]:
    """The rows of an `array_of` column: {column name: Python value}, sorted by the columns named in `order`
    (none of them empty)."""
    data = json.loads(value) if isinstance(value, (str, bytes)) else (value or [])
    convs = [(c.name, _converter(c)) for c in cols]
    rows = [{n: v if (v := row.get(n)) is None or f is None else f(v) for n, f in convs} if isinstance(row, dict)
            else {n: v if v is None or f is None else f(v) for (n, f), v in zip(convs, row, strict=True)}
            for row in data]
    if order:
        rows.sort(key=lambda r: tuple(r[n] for n in order))
    return rows
