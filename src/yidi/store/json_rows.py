"""Several tables' rows in one round trip: each as a JSON array in one column of a single SELECT, read back
into Python values of the columns' types (PostgreSQL json_agg, SQLite json_group_array)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import JSON, Boolean, ColumnElement, Date, DateTime, Enum, Integer, func, literal, select
from sqlalchemy.sql.selectable import ScalarSelect

Col = Any  # a column of a Table (`Table.c[...]`): has .name and .type


def array_of(dialect: str, cols: Sequence[Col], where: ColumnElement[bool]) -> ScalarSelect[Any]:
    """A scalar subquery: the rows of `cols` matching `where`, as one JSON array of objects keyed by column name
    ("[]" when none), in no set order (`rows_of` sorts them: an ORDER BY inside would need a derived table,
    which cannot refer to the outer query on every database)."""
    if dialect == "postgresql":
        obj = func.json_build_object(*(x for c in cols for x in (literal(c.name), c)))
        return select(func.coalesce(func.json_agg(obj), literal("[]").cast(JSON))).where(where).scalar_subquery()
    # SQLite: JSON columns hold text; json() nests them as JSON rather than as a quoted string
    obj = func.json_object(*(x for c in cols for x in (literal(c.name), func.json(c) if isinstance(c.type, JSON) else c)))
    return select(func.json_group_array(func.json(obj))).where(where).scalar_subquery()


def _value(col: Col, v: Any) -> Any:
    if v is None:
        return None
    t = col.type
    if isinstance(t, Enum) and t.enum_class is not None:
        return t.enum_class(v)  # stored by value (yidi.store.models)
    if isinstance(t, DateTime):
        return dt.datetime.fromisoformat(v)
    if isinstance(t, Date):
        return dt.date.fromisoformat(v)
    if isinstance(t, Boolean):
        return bool(v)  # SQLite: 0/1
    if isinstance(t, Integer):
        return int(v)
    return v


def rows_of(cols: Sequence[Col], value: Any, *order: str) -> list[dict[str, Any]]:
    """The rows of an `array_of` column: {column name: Python value}, sorted by the columns named in `order`
    (none of them empty)."""
    data = json.loads(value) if isinstance(value, (str, bytes)) else (value or [])
    rows = [{c.name: _value(c, row.get(c.name)) for c in cols} for row in data]
    if order:
        rows.sort(key=lambda r: tuple(r[n] for n in order))
    return rows
