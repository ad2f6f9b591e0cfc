"""Row states for the audit trail (issue 13): one exact digest per row, the same whether yidi computes it from
the values it wrote or `yidi audit verify` from what the database holds now.

A row's digest is SHA-256 over `{column name: form}` where each value is first brought to the form the
database holds: times as UTC text on PostgreSQL (every connection runs in UTC, see yidi.store.db), as the
wall time SQLite keeps; booleans as SQLite's 0/1; JSON as parsed from its stored text. Two readings:
- `python_form`: from a value in Python (an ORM attribute, a RETURNING row): what it will be stored as;
- `stored_form`: from the raw value the driver returns with no type processing (yidi.store.row_check reads
  rows that way, so a value written by hand that SQLAlchemy could not even parse is still compared, not
  fatal). JSON is read as text and parsed here.
For every row yidi wrote the two agree; any difference is a change made outside yidi.

Keys: the primary key's forms, as text (one column) or as a JSON list (several), so that no two keys of a
table can read alike.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Enum,
    Integer,
    String,
    Table,
    Text,
    cast,
    inspect,
    type_coerce,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm.base import NO_VALUE
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import NullType

from yidi.store import json_text

DELETED = ""  # the digest of "no row": before an insert, after a delete
ADOPTED = "*"  # before-digest of a row adopted as found (the baseline at an upgrade): no earlier state vouched for
UNKNOWN = "?"  # before-digest yidi could not read (a row a bulk statement reached that its pre-read did not see)
LOG_START = "ROWS_LOG_START"  # the audit action that adopts every row when the row log begins (an upgrade)
BASELINE = "ROWS_BASELINE"  # the audit action that adopts the rows of tables an upgrade reshaped

_FMT = "%Y-%m-%dT%H:%M:%S.%f"


def _raw(v: Any) -> dict[str, str]:
    """A value of a type the column does not hold (written by hand): kept visibly different."""
    return {"$raw": repr(v)}


def _utc_text(v: dt.datetime) -> str:
    if v.tzinfo is not None:
        v = v.replace(tzinfo=None) if v.tzinfo is dt.UTC else v.astimezone(dt.UTC).replace(tzinfo=None)
    # isoformat writes strftime's text (at a third of its cost) for a year of 4 digits; strftime an earlier
    # year unpadded
    return v.isoformat(timespec="microseconds") if type(v) is dt.datetime and v.year >= 1000 else v.strftime(_FMT)


_KINDS: dict[Column[Any], str] = {}


def _kind(col: Column[Any]) -> str:
    """The family of a column's type, worked out once per column (digests run on every write)."""
    kind = _KINDS.get(col)
    if kind is None:
        t = col.type
        kind = ("json" if isinstance(t, JSON) else "bool" if isinstance(t, Boolean) else "int"
                if isinstance(t, Integer) else "datetime" if isinstance(t, DateTime) else "date"
                if isinstance(t, Date) else "str" if isinstance(t, (String, Text)) else "other")
        _KINDS[col] = kind
    return kind


def python_form(col: Column[Any], v: Any, dialect: Dialect) -> Any:
    """The stored form of a Python value `v` written to column `col`."""
    if v is None:
        return None
    kind = _kind(col)
    if (kind == "int" and type(v) is int) or (kind == "str" and type(v) is str):
        return v  # the common case, first
    if isinstance(v, enum.Enum):
        v = v.value
    if kind == "json":
        if json_text.plain(v, floats=True):
            # what json.dumps writes and json.loads reads back: equal to it, so no round trip (a sixth of its cost)
            return v
        # the driver's serializer (json.dumps; on PostgreSQL json_text.dumps, the same value), read back as the
        # reader will
        return json.loads(json.dumps(v))
    try:
        if kind == "bool":
            return int(bool(v)) if dialect.name == "sqlite" else bool(v)  # SQLite stores 0/1
        if kind == "int":
            return int(v)
        if kind == "datetime":
            if dialect.name == "sqlite" and isinstance(v, dt.datetime):
                return v.replace(tzinfo=None).strftime(_FMT)  # SQLite keeps the wall time, drops the zone
            return _utc_text(v) if isinstance(v, dt.datetime) else str(v)
        if kind == "date":
            return v.isoformat() if isinstance(v, dt.date) else str(v)
    except (TypeError, ValueError):
        return _raw(v)
    if kind == "str":
        return v if isinstance(v, str) else str(v)
    return v if isinstance(v, (str, int, float, bool)) else str(v)


def stored_form(col: Column[Any], v: Any, dialect: Dialect) -> Any:
    """The form of a raw value as `read_columns` returns it from the database."""
    if v is None:
        return None
    t = col.type
    if isinstance(t, JSON):
        try:
            return json.loads(v) if isinstance(v, (str, bytes)) else json.loads(json.dumps(v))
        except ValueError:
            return _raw(v)
    if dialect.name == "sqlite" and isinstance(t, (DateTime, Date)):
        # stored as text: read as SQLAlchemy reads it (its own text, or the database's CURRENT_TIMESTAMP)
        try:
            proc = t.dialect_impl(dialect).result_processor(dialect, None)
            v = proc(v) if proc is not None else v
        except (TypeError, ValueError):
            return _raw(v)
    if dialect.name == "sqlite" and isinstance(t, Boolean):
        return v if isinstance(v, int) and not isinstance(v, bool) else _raw(v)
    if isinstance(t, Boolean):
        return v if isinstance(v, bool) else _raw(v)
    if isinstance(t, Integer):
        return v if isinstance(v, int) and not isinstance(v, bool) else _raw(v)
    if isinstance(t, DateTime):
        return _utc_text(v) if isinstance(v, dt.datetime) else _raw(v)
    if isinstance(t, Date):
        return v.isoformat() if isinstance(v, dt.date) and not isinstance(v, dt.datetime) else _raw(v)
    if isinstance(t, (String, Text)):
        return v if isinstance(v, str) else _raw(v)
    return v if isinstance(v, (str, int, float, bool)) else _raw(v)


def read_columns(table: Table) -> list[ColumnElement[Any]]:
    """The columns of `table` to SELECT for `stored_form`: raw values, JSON as its text."""
    return [cast(c, Text) if isinstance(c.type, JSON) else type_coerce(c, NullType()) for c in table.columns]


def canonical(obj: Any) -> str:
    """The text a digest hashes: `json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))`,
    byte for byte (yidi.store.json_text: orjson where that is proved)."""
    return json_text.canonical(obj)


def digest_forms(table: Table, forms: dict[str, Any]) -> str:
    return hashlib.sha256(json_text.canonical_bytes(forms)).hexdigest()


_PK: dict[Table, tuple[str, ...]] = {}


def key_of(table: Table, forms: dict[str, Any]) -> str:
    names = _PK.get(table)
    if names is None:
        names = _PK[table] = tuple(c.name for c in table.primary_key.columns)
    pk = [forms[n] for n in names]
    if len(pk) == 1:
        one = pk[0]
        # an int as its JSON text, which str() gives without the encoder
        return one if isinstance(one, str) else str(one) if type(one) is int else canonical(one)
    return canonical(pk)


def python_state(table: Table, values: dict[str, Any], dialect: Dialect) -> tuple[str, str]:
    """(key, digest) of a row given as {column name: Python value}."""
    forms = {}
    for name, col, by_type in _forms_of(table, dialect):
        v = values.get(name)
        # the column's usual Python types (and NULL) go straight through their one conversion; anything else
        # the general way, so the form is python_form's in every case
        f = by_type.get(type(v), _GENERAL)
        forms[name] = v if f is None else python_form(col, v, dialect) if f is _GENERAL else f(v)
    return key_of(table, forms), digest_forms(table, forms)


_GENERAL: Any = object()  # a type of value python_form has to look at
_Form = tuple[str, Column[Any], dict[type, Any]]
_FORMS: dict[tuple[Table, str], list[_Form]] = {}


def _forms_of(table: Table, dialect: Dialect) -> list[_Form]:
    """Per column of `table`: (name, column, {a Python type of its usual values: what python_form does to every
    value of that type, None = nothing}), worked out once per table (a settle digests some 15 rows)."""
    got = _FORMS.get((table, dialect.name))
    if got is None:
        got = _FORMS[(table, dialect.name)] = [(c.name, c, _by_type(c, dialect)) for c in table.columns]
    return got


def _by_type(col: Column[Any], dialect: Dialect) -> dict[type, Any]:
    kind, sqlite = _kind(col), dialect.name == "sqlite"
    out: dict[type, Any] = {type(None): None}
    if kind == "int":
        out[int] = None
    elif kind == "str":
        out[str] = None
        t = col.type
        if isinstance(t, Enum) and t.enum_class is not None and all(type(m.value) is str for m in t.enum_class):
            out[t.enum_class] = _value  # a member of the column's own enum: its value, a str
    elif kind == "bool" and not sqlite:
        out[bool] = None
    elif kind == "datetime" and not sqlite:
        out[dt.datetime] = _utc_text
    elif kind == "date":
        out[dt.date] = dt.date.isoformat
    return out


def _value(member: enum.Enum) -> Any:
    return member.value


def sent_forms(table: Table, values: dict[str, Any], dialect: Dialect) -> dict[str, Any] | None:
    """The forms of the values an INSERT sends ({column name: Python value}), or None unless each provably
    comes back as given: its column's own Python type (an int for an integer, a date for a date …), a string no
    longer than its column (PostgreSQL cuts trailing spaces off a longer one), an enum member stored by its
    value, JSON that json.dumps writes (the driver's serializer, or json_text.dumps: the same value). Then the
    row's digest needs no read-back."""
    exact = _exact_of(table, dialect)
    forms: dict[str, Any] = {}
    for name, v in values.items():
        got = exact.get(name)
        if got is None:
            return None
        col, ok, by_type = got
        f = by_type.get(type(v), _GENERAL)
        if f is not _GENERAL:  # what ok() says of every value of this type (and NULL)
            forms[name] = v if f is None else f(v)
        elif not ok(v):
            return None
        elif type(v) is str:  # a string that passed: its column holds text (or an enum's value), as given
            forms[name] = v
        else:
            try:
                forms[name] = python_form(col, v, dialect)
            except (TypeError, ValueError):  # JSON that json.dumps refuses: the driver's serializer could differ
                return None
    return forms


def forms_state(table: Table, forms: dict[str, Any]) -> tuple[str, str]:
    """(key, digest) of a row given as the forms of all its columns."""
    assert len(forms) == len(table.columns), sorted(set(table.columns.keys()) ^ set(forms))
    return key_of(table, forms), digest_forms(table, forms)


_Exact = tuple[Column[Any], Any, dict[type, Any]]  # column, its test, and the types of value always stored as given
_EXACT: dict[tuple[Table, str], dict[str, _Exact]] = {}


def _exact_of(table: Table, dialect: Dialect) -> dict[str, _Exact]:
    got = _EXACT.get((table, dialect.name))
    if got is None:
        got = _EXACT[(table, dialect.name)] = {}
        for c in table.columns:
            ok, kind = _exact(c, dialect), _kind(c)
            by_type = _by_type(c, dialect)
            if kind not in ("int", "bool", "date", "datetime"):  # a string's length: the test
                by_type = {type(None): None}
                t = c.type
                if isinstance(t, Enum) and t.enum_class is not None and all(ok(m) and type(m.value) is str
                                                                              for m in t.enum_class):
                    by_type[t.enum_class] = _value  # every member passes the test: stored as its value
            got[c.name] = (c, ok, by_type)
    return got


def _exact(col: Column[Any], dialect: Dialect) -> Any:
    """A test of a value (not None) sent to `col`: True when the row will hold exactly that value."""
    t, kind = col.type, _kind(col)
    if kind == "int":
        return lambda v: type(v) is int
    if kind == "bool":
        return lambda v: type(v) is bool
    if kind == "date":
        return lambda v: type(v) is dt.date
    if kind == "datetime":
        return lambda v: type(v) is dt.datetime
    if kind == "json":
        return lambda v: type(v) in (dict, list)
    if kind != "str":
        return lambda v: False
    most = getattr(t, "length", None) or None
    if isinstance(t, Enum) and t.enum_class is not None:
        bind = t.dialect_impl(dialect).bind_processor(dialect)
        stored = {m: bind(m) if bind is not None else m for m in t.enum_class}
        by_value = all(stored[m] == m.value for m in t.enum_class)  # values_callable: members stored by value
        names, cls = frozenset(t.enums), t.enum_class

        def member(v: Any) -> bool:
            s = v if type(v) is str and v in names else v.value if by_value and isinstance(v, cls) else None
            return isinstance(s, str) and (most is None or len(s) <= most)
        return member
    return lambda v: type(v) is str and (most is None or len(v) <= most)


def stored_state(table: Table, row: Any, dialect: Dialect) -> tuple[str, str]:
    """(key, digest) of a row read with `read_columns` (values in column order)."""
    forms = {c.name: stored_form(c, v, dialect) for c, v in zip(table.columns, row, strict=True)}
    return key_of(table, forms), digest_forms(table, forms)


_ATTRS: dict[Any, list[tuple[str, str]]] = {}


def object_values(obj: Any, *, before: bool) -> dict[str, Any]:
    """{column name: value} of an ORM object: as it stands, or (before) as it was before this flush."""
    state = inspect(obj)
    mapper = state.mapper
    attrs = _ATTRS.get(mapper)
    if attrs is None:
        attrs = _ATTRS[mapper] = [(c.name, mapper.get_property_by_column(c).key) for c in mapper.local_table.columns]
    loaded, committed = state.dict, state.committed_state if before else {}
    out: dict[str, Any] = {}
    for name, key in attrs:
        if key in committed:  # changed in this flush: the value it had (NO_VALUE: it had none)
            v = committed[key]
            out[name] = None if v is NO_VALUE else v
        elif key in loaded:
            out[name] = loaded[key]
        else:
            out[name] = getattr(obj, key)  # expired (e.g. a server default) or deferred: loaded now
    return out


class ListDigest:
    """`digest(list)` of a list too long to hold: fed item by item, the same bytes as canonical(list)."""

    def __init__(self) -> None:
        self._h = hashlib.sha256(b"[")
        self._n = 0

    def add(self, item: Any) -> None:
        self._h.update((b"," if self._n else b"") + json_text.canonical_bytes(item))
        self._n += 1

    def hexdigest(self) -> str:
        h = self._h.copy()
        h.update(b"]")
        return h.hexdigest()

    @property
    def count(self) -> int:
        return self._n
