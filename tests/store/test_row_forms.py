"""A row's forms by its table's plan (yidi.store.row_state: python_state, sent_forms, _utc_text): the same forms,
keys and digests as the ordinary path, `python_form` column by column, for every table and every kind of value,
on both databases. The row log's digests of rows written before must still verify."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import Enum, IntEnum, StrEnum
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Integer, MetaData, Table
from sqlalchemy import Enum as SAEnum
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect

from yidi.store import row_state
from yidi.store.schema import metadata


class Colour(StrEnum):
    RED = "red"


class Size(IntEnum):
    BIG = 2


def _texts(e: type[Enum]) -> list[str]:
    return [str(m.value) for m in e]


# beside the schema, enums yidi does not use (yet): stored by name; with int values, stored as their text
ODD = Table("odd_enums", MetaData(), Column("id", Integer, primary_key=True), Column("by_name", SAEnum(Colour)),
            Column("sized", SAEnum(Size, values_callable=_texts)))
DIALECTS: list[Dialect] = [postgresql.psycopg.dialect(), sqlite.dialect()]  # type: ignore[no-untyped-call]
TABLES: list[Table] = [*sorted(metadata.tables.values(), key=lambda t: t.name), ODD]
ENUMS = sorted({c.type.enum_class for t in TABLES for c in t.columns
                if isinstance(c.type, SAEnum) and c.type.enum_class is not None}, key=lambda e: e.__name__)


class Odd(Enum):
    ONE = 1


ZONES = st.sampled_from([None, dt.UTC, dt.timezone(dt.timedelta(hours=8)), dt.timezone(dt.timedelta(hours=-5, minutes=-30))])
TIMES = st.builds(lambda d, z: d.replace(tzinfo=z), st.datetimes(min_value=dt.datetime(1, 1, 2),
                                                               max_value=dt.datetime(9999, 12, 30)), ZONES)
VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=40),
    st.sampled_from([*(m for e in ENUMS for m in e), Colour.RED, Size.BIG, Odd.ONE, Decimal("1.50"), b"x"]),
    st.dates(), TIMES, st.dictionaries(st.text(max_size=3), st.integers() | st.text(max_size=3), max_size=3),
    st.lists(st.integers() | st.floats(allow_nan=False), max_size=3),
)


def outcome(f: Any, *args: Any) -> tuple[str, Any]:
    try:
        return "value", f(*args)
    except Exception as exc:  # the same refusal counts as the same outcome
        return "refused", type(exc)


def typed(forms: dict[str, Any] | None) -> Any:
    """The forms with their types: a StrEnum member and its value are equal, and digest alike, but are not
    the same form."""
    return None if forms is None else {k: (type(v), v) for k, v in forms.items()}


def state_and_forms(table: Table, values: dict[str, Any], dialect: Dialect) -> tuple[tuple[str, str], Any]:
    """python_state's (key, digest), and the forms it digested."""
    seen: list[dict[str, Any]] = []
    real = row_state.digest_forms
    row_state.digest_forms = lambda t, f: seen.append(f) or real(t, f)  # type: ignore[assignment]
    try:
        state = row_state.python_state(table, values, dialect)
    finally:
        row_state.digest_forms = real  # type: ignore[assignment]
    return state, typed(seen[0])


def ordinary_state(table: Table, values: dict[str, Any], dialect: Dialect) -> tuple[tuple[str, str], Any]:
    forms = {c.name: row_state.python_form(c, values.get(c.name), dialect) for c in table.columns}
    return (row_state.key_of(table, forms), row_state.digest_forms(table, forms)), typed(forms)


def ordinary_sent(table: Table, values: dict[str, Any], dialect: Dialect) -> dict[str, Any] | None:
    """sent_forms' rule, value by value: a value its column's test passes, in python_form's form."""
    forms: dict[str, Any] = {}
    for name, v in values.items():
        col = table.columns.get(name)
        if col is None:
            return None
        if v is None:
            forms[name] = None
            continue
        if not row_state._exact(col, dialect)(v):
            return None
        try:
            forms[name] = row_state.python_form(col, v, dialect)
        except (TypeError, ValueError):
            return None
    return forms


def fitting(col: Any) -> st.SearchStrategy[Any]:
    """Values of the column's own kind (most other values fail sent_forms' test, and with it the whole row)."""
    t = col.type
    if isinstance(t, SAEnum) and t.enum_class is not None:
        return st.sampled_from(list(t.enum_class))
    kind = row_state._kind(col)
    return {"int": st.integers(), "bool": st.booleans(), "date": st.dates(), "datetime": TIMES,
            "json": st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)}.get(kind, st.text(max_size=12))


@st.composite
def rows(draw: st.DrawFn) -> tuple[Table, dict[str, Any], Dialect]:
    table = draw(st.sampled_from(TABLES))
    cols = draw(st.lists(st.sampled_from(list(table.columns)), unique=True, max_size=6))
    return table, {c.name: draw(fitting(c) | VALUES) for c in cols}, draw(st.sampled_from(DIALECTS))


ODD_ROWS = [(ODD, {"id": 1, "by_name": Colour.RED, "sized": Size.BIG}, d) for d in DIALECTS]


@given(rows())
@settings(max_examples=800, deadline=None)
@example(ODD_ROWS[0])
@example(ODD_ROWS[1])
def test_python_state_is_python_forms_column_by_column(row: tuple[Table, dict[str, Any], Dialect]) -> None:
    table, values, dialect = row
    assert outcome(state_and_forms, table, values, dialect) == outcome(ordinary_state, table, values, dialect)


@given(rows())
@settings(max_examples=800, deadline=None)
@example(ODD_ROWS[0])
@example(ODD_ROWS[1])
@example((ODD, {"by_name": Colour.RED}, DIALECTS[0]))  # stored by name: read back
@example((ODD, {"sized": Size.BIG}, DIALECTS[0]))  # stored as "2", not the member's value
def test_sent_forms_are_the_ordinary_rules(row: tuple[Table, dict[str, Any], Dialect]) -> None:
    table, values, dialect = row
    got = outcome(lambda: typed(row_state.sent_forms(table, values, dialect)))
    assert got == outcome(lambda: typed(ordinary_sent(table, values, dialect)))


def test_every_enum_of_the_schema_is_drawn() -> None:
    # the plans' enum shortcut: members of each column's own enum (stored by value) are among the values drawn
    assert len(ENUMS) >= 5 and Colour in ENUMS and Size in ENUMS


@given(TIMES)
@settings(max_examples=1000, deadline=None)
@example(dt.datetime(999, 12, 31, 23, 59, 59, 999999))  # a year of 3 digits: strftime writes it unpadded
@example(dt.datetime(1000, 1, 1, tzinfo=dt.UTC))
@example(dt.datetime(1000, 1, 1, 2, tzinfo=dt.timezone(dt.timedelta(hours=8))))  # 999 once in UTC
def test_utc_text_is_strftimes_text(v: dt.datetime) -> None:
    def ordinary(x: dt.datetime) -> str:
        if x.tzinfo is not None:
            x = x.astimezone(dt.UTC).replace(tzinfo=None)
        return x.strftime("%Y-%m-%dT%H:%M:%S.%f")
    assert outcome(row_state._utc_text, v) == outcome(ordinary, v)
