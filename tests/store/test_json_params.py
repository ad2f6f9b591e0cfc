"""A row's values in a JSON parameter (yidi.store.json_params.row_of): a plain value skips its column's conversion
only where that conversion gives it back as it is, so every row reads as `to_json` column by column makes it, or
is refused the same way."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Table
from sqlalchemy.dialects import postgresql

from yidi.domain.enums import Scheme, VisitType
from yidi.store import json_params
from yidi.store.schema import metadata

PG = postgresql.psycopg.dialect()  # type: ignore[no-untyped-call]
TABLES: list[Table] = sorted(metadata.tables.values(), key=lambda t: t.name)
VALUES = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8), st.floats(allow_nan=False),
                   st.sampled_from([*Scheme, *VisitType, Decimal("1.50"), b"x", (1,)]), st.dates(),
                   st.datetimes(timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=8))]) | st.none()),
                   st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))


def outcome(f: Any) -> tuple[str, Any]:
    try:
        got = f()
    except json_params.Refused:
        return "refused", None
    except Exception as exc:  # the same error counts as the same outcome
        return "error", type(exc)
    return "row", {k: (type(v), v) for k, v in got.items()}


@st.composite
def rows(draw: st.DrawFn) -> tuple[list[Any], dict[str, Any]]:
    table = draw(st.sampled_from(TABLES))
    cols = draw(st.lists(st.sampled_from(list(table.columns)), unique=True, min_size=1, max_size=8))
    return cols, {c.name: draw(VALUES) for c in cols}


@given(rows())
@settings(max_examples=800, deadline=None)
def test_a_row_is_each_columns_conversion(row: tuple[list[Any], dict[str, Any]]) -> None:
    cols, values = row
    plan = json_params.plan(cols, PG)
    ordinary = outcome(lambda: {c.name: json_params.to_json(c, PG)(values[c.name]) for c in cols})
    assert outcome(lambda: json_params.row_of(plan, values)) == ordinary
