"""New rows as ONE JSON parameter (PostgreSQL json_to_record / json_to_recordset): a statement whose text does
not change with the values or the number of rows, so it is compiled and converted once, however many columns.

Each value goes into the JSON document as PostgreSQL will read it back into the column's type (the record's
column definitions apply the types' input functions): first the column type's own bind processing, exactly as
a bound parameter gets it (enums to their stored value …), then its JSON form. A value with no exact JSON form
raises `Refused`, and the caller writes the row the ordinary way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ColumnElement, bindparam, column, func
from sqlalchemy.engine import Dialect


class Refused(Exception):
    """A value the JSON parameter cannot carry exactly as the driver would send it."""


def processor(col: ColumnElement[Any], dialect: Dialect) -> Any:
    """The column type's bind processor on this database (None: the value goes as it is)."""
    return col.type.dialect_impl(dialect).bind_processor(dialect)


def to_json(col: Any, dialect: Dialect) -> Callable[[Any], Any]:
    """How a value of column `col` goes into the JSON parameter."""
    if isinstance(col.type, JSON):
        # nested as it is: the document's serializer is the one the column's own parameter would use
        # (json.dumps), and json_to_record keeps a json field's text as it stands in the document
        def nested(v: Any) -> Any:
            if v is None:
                raise Refused(f"{col.table.name}.{col.name}: None (a JSON null, not SQL NULL)")
            return v
        return nested
    proc, tz = processor(col, dialect), getattr(col.type, "timezone", False)

    def conv(v: Any) -> Any:
        if proc is not None:
            v = proc(v)
        if v is None or type(v) in (str, int, bool):
            return v
        if isinstance(v, Decimal):
            return str(v)
        if isinstance(v, dt.datetime):
            if v.tzinfo is not None and not tz:  # bound, it would be cast from timestamptz in the session's UTC
                v = v.astimezone(dt.UTC).replace(tzinfo=None)
            return v.isoformat()
        if isinstance(v, dt.date):
            return v.isoformat()
        raise Refused(f"{col.table.name}.{col.name}: {type(v).__name__}")
    return conv


_AS_GIVEN: frozenset[type] = frozenset((str, int, bool, type(None)))
_ALWAYS: frozenset[type] = frozenset()
Plan = list[tuple[str, Callable[[Any], Any], frozenset[type]]]


def plan(cols: Sequence[Any], dialect: Dialect) -> Plan:
    """Per column: (name, `to_json`'s conversion, the types of value that conversion gives back as they are),
    so that a row's plain values skip the call (`row_of`): a settle sends some 80 values this way."""
    return [(c.name, to_json(c, dialect),
             _ALWAYS if isinstance(c.type, JSON) or processor(c, dialect) is not None else _AS_GIVEN) for c in cols]


def row_of(plan: Plan, values: dict[str, Any]) -> dict[str, Any]:
    """{column name: its value in the JSON parameter} of a row given as {column name: Python value}."""
    return {n: v if type(v) in same else conv(v) for n, conv, same in plan for v in (values[n],)}


def records(name: str, cols: Sequence[Any], *, many: bool) -> Any:
    """`json_to_recordset(:name)` (many) or `json_to_record(:name)` with the columns' names and types, as a
    FROM item named `r_<name>` whose columns are selected by name."""
    fn = func.json_to_recordset if many else func.json_to_record
    return fn(bindparam(name, type_=JSON)).table_valued(*(column(c.name, c.type) for c in cols)).render_derived(
        name=f"r_{name}", with_types=True)
