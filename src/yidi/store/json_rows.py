"""Several tables' rows in one round trip: each as a JSON array in one column of a single SELECT, read back
into Python values of the columns' types (PostgreSQL json_agg, SQLite json_group_array)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from operator import itemgetter
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


# the values that `int` and `bool` give back as they are (an int of an integer column, JSON's true and false)
_AS_IS: dict[Any, type] = {int: int, bool: bool}
_Conv = Callable[[Any], Any] | None
_Plan = tuple[tuple[str, ...], tuple[tuple[int, Callable[[Any], Any], type], ...], tuple[_Conv, ...]]
_PLANS: dict[tuple[Col, ...], _Plan] = {}


def _plan(cols: Sequence[Col]) -> _Plan:
    """The columns' names, (place, converter, the type it gives back as it is) of those that have a converter,
    and every column's converter, worked out once per list of columns."""
    key = tuple(cols)
    got = _PLANS.get(key)
    if got is None:
        every = tuple(_converter(c) for c in cols)
        convs = tuple((i, f, _AS_IS.get(f, type(None))) for i, f in enumerate(every) if f is not None)
        got = _PLANS[key] = (tuple(c.name for c in cols), convs, every)  # NoneType: never a value (None is skipped)
    return got


def rows_of(cols: Sequence[Col], value: Any, *order: str) -> list[dict[str, Any]]:
    """The rows of an `array_of` column: {column name: Python value}, sorted by the columns named in `order`
    (none of them empty)."""
    plan = _plan(cols)
    return [dict(zip(plan[0], r, strict=True)) for r in _values(plan, value, order)]


def values_of_rows(cols: Sequence[Col], value: Any, *order: str) -> list[list[Any]]:
    """`rows_of`'s rows as lists of their values in the order of `cols`: for a caller that builds an object from
    them positionally (a settle's 20 fee lines: a dict of 20 names per line, then taken apart again by keyword,
    cost more than the values)."""
    return _values(_plan(cols), value, order)


def _values(plan: _Plan, value: Any, order: tuple[str, ...]) -> list[list[Any]]:
    data = json.loads(value) if isinstance(value, (str, bytes)) else (value or [])
    names, convs, every = plan
    rows = []
    for row in data:
        # keyed rows by name; each row a new list (`value` may be the caller's, and stays as it is)
        vals = [row.get(n) for n in names] if isinstance(row, dict) else list(row)
        if len(vals) != len(names):  # refused as the ordinary reading refuses it: its values converted, then
            for f, v in zip(every, vals, strict=True):  # ValueError at its end (zip's strict)
                if v is not None and f is not None:
                    f(v)
        for i, f, as_is in convs:
            v = vals[i]
            if v is not None and type(v) is not as_is:  # an int of an integer column needs no int()
                vals[i] = f(v)
        rows.append(vals)
    if order:
        at = [names.index(n) for n in order]
        # by the tuple of the values, as rows_of always sorted: a tuple holds two NULLs equal where None < None fails
        rows.sort(key=itemgetter(*at) if len(at) > 1 else lambda r: (r[at[0]],))
    return rows
