"""Rows read back from JSON (yidi.store.json_rows.rows_of, values_of_rows): a plan per list of columns and a column's
values converted only where they are not already of its type give the same rows as converting every value, the
ordinary way (below), for every kind of column and value, keyed or not, sorted or not, or the same refusal."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Boolean, Column, Date, DateTime, Enum, Integer, MetaData, String, Table

from yidi.domain.enums import Scheme
from yidi.store import json_rows
from yidi.store.settlement_models import FeeLineRow

# every kind of column rows_of converts: integers, booleans (SQLite's 0/1), dates, times, enums, text
KINDS = Table("kinds", MetaData(), Column("id", Integer, primary_key=True), Column("flag", Boolean), Column("on", Date),
              Column("at", DateTime(timezone=True)), Column("scheme", Enum(Scheme, values_callable=lambda e: [m.value for m in e])),
              Column("note", String(20)))
COLS: list[Any] = list(KINDS.columns)
LINES: list[Any] = list(FeeLineRow.__table__.columns)  # type: ignore[attr-defined]


def ordinary_rows_of(cols: list[Any], value: Any, *order: str) -> list[dict[str, Any]]:
    """rows_of as it was: every value not None through its column's converter, row by row."""
    data = json.loads(value) if isinstance(value, (str, bytes)) else (value or [])
    convs = [(c.name, json_rows._converter(c)) for c in cols]
    rows = [{n: v if (v := row.get(n)) is None or f is None else f(v) for n, f in convs} if isinstance(row, dict)
            else {n: v if v is None or f is None else f(v) for (n, f), v in zip(convs, row, strict=True)}
            for row in data]
    if order:
        rows.sort(key=lambda r: tuple(r[n] for n in order))
    return rows


def outcome(f: Any) -> tuple[str, Any]:
    try:
        return "rows", f()
    except Exception as exc:  # the same refusal counts as the same outcome
        return "refused", type(exc)


def typed(got: tuple[str, Any]) -> tuple[str, Any]:
    """The rows with each value's type (True and 1 are equal, and not the same value of a boolean column)."""
    kind, rows = got
    return (kind, [{k: (type(v), v) for k, v in r.items()} for r in rows]) if kind == "rows" else got


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.integers(), st.floats(allow_nan=False),
                    st.sampled_from(["2026-03-01", "2026-03-01T08:30:00.000005+00:00", "2026-03-01T08:30:00",
                                     "EMPLOYEE", "RESIDENT", "x", ""]), st.text(max_size=5))


@st.composite
def arrays(draw: st.DrawFn) -> tuple[list[Any], list[Any], tuple[str, ...]]:
    cols = draw(st.sampled_from([COLS, LINES, COLS[:1], COLS[1:4]]))
    n = len(cols)
    row = st.lists(SCALARS, min_size=n, max_size=n)
    if draw(st.booleans()):
        row = row | st.lists(SCALARS, max_size=n + 1)  # a row of another length: refused
    keyed = st.builds(lambda vals: {c.name: v for c, v in zip(cols, vals, strict=False)}, row)
    rows = draw(st.lists(row | keyed if draw(st.booleans()) else row, max_size=6))
    order = draw(st.sampled_from([(), (cols[0].name,), tuple(c.name for c in cols[:2])]))
    return cols, rows, order


@given(arrays(), st.booleans())
@settings(max_examples=800, deadline=None)
@example(([*COLS], [[2, True, "2026-03-01", None, "EMPLOYEE", "a"], [1, 0, None, "2026-03-01T08:30:00+00:00", None, None]],
          ("id",)), True)
@example(([*COLS], [[1, 1, None, None, None, None]], ()), False)  # SQLite's 1 for true: a bool
def test_rows_are_the_ordinary_rows(case: tuple[list[Any], list[Any], tuple[str, ...]], as_text: bool) -> None:
    cols, rows, order = case
    value = json.dumps(rows) if as_text else rows
    want = typed(outcome(lambda: ordinary_rows_of(cols, value, *order)))
    assert typed(outcome(lambda: json_rows.rows_of(cols, value, *order))) == want
    values = outcome(lambda: json_rows.values_of_rows(cols, value, *order))
    names = [c.name for c in cols]
    assert typed((values[0], [dict(zip(names, r, strict=True)) for r in values[1]]) if values[0] == "rows" else values) == want


def test_the_callers_rows_stay_as_they_are() -> None:
    rows = [[1, True, "2026-03-01", None, "EMPLOYEE", "a"]]
    got = json_rows.values_of_rows(COLS, rows)
    assert got == [[1, True, dt.date(2026, 3, 1), None, Scheme("EMPLOYEE"), "a"]]
    assert rows == [[1, True, "2026-03-01", None, "EMPLOYEE", "a"]]
