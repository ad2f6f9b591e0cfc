"""PostgreSQL's JSON and JSONB values read with orjson (yidi.store.json_text.loads, psycopg's loader on yidi's
engines): the same Python values, of the same types, as json.loads gives, for whatever text PostgreSQL hands back;
where orjson reads otherwise or refuses, json.loads reads it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, text

from tests.support.db import PG_URL, require_pg
from yidi.store import json_text
from yidi.store.db import make_engine


def same(a: Any, b: Any) -> bool:
    """Equal and of the same types all the way down, dict keys in the same order, floats to the bit (-0.0, nan)."""
    if type(a) is not type(b):
        return False
    if type(a) is dict:
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if type(a) is list:
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if type(a) is float:
        return repr(a) == repr(b)
    return bool(a == b)


@pytest.fixture(scope="module")
def pg() -> Iterator[Connection]:
    require_pg()
    engine = make_engine(PG_URL)
    with engine.connect() as conn:
        yield conn
    engine.dispose()


# number literals as a JSON text may hold them (PostgreSQL's json keeps the text, jsonb writes its numeric anew)
NUMBERS = st.from_regex(r"-?(0|[1-9][0-9]{0,45})(\.[0-9]{1,30})?([eE][+-]?[0-9]{1,3})?", fullmatch=True)
LEAVES = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(min_value=-(2**70), max_value=2**70),
                   st.floats(allow_nan=False, allow_infinity=False), st.text(),
                   st.text(st.sampled_from('"\\/\x01\x1f\x7f\u2028\ufeffé中😀 0123456789')))
VALUES = st.recursive(LEAVES, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=4), inner,
                                                                                          max_size=5), max_leaves=30)


def texts_back(conn: Connection, doc: str) -> list[bytes]:
    """The texts PostgreSQL hands back for `doc` as json and as jsonb (the jsonb one unless it refuses it)."""
    out = [conn.execute(text("SELECT CAST(:d AS json)::text"), {"d": doc}).scalar_one().encode()]
    with conn.begin_nested() as sp:
        try:
            out.append(conn.execute(text("SELECT CAST(:d AS jsonb)::text"), {"d": doc}).scalar_one().encode())
        except Exception:  # \u0000 and lone surrogates: jsonb refuses them
            sp.rollback()
    return out


@given(VALUES, st.lists(NUMBERS, max_size=4), st.booleans())
@settings(max_examples=150, deadline=None)
@example([2**64, -(2**63) - 1, 2**63], [], False)  # beyond 64 bits: orjson makes them floats
@example(1e300, ["1e300", "1e400", "-1E+400", "1e-400", "-0", "-0.0", "0.1000000000000000055511151231257827"], False)
@example({"a": 1, "b": 2}, [], True)
def test_both_loaders_give_the_same_values(pg: Connection, v: Any, numbers: list[str], ascii_only: bool) -> None:
    # the text sent: the value as the json module writes it, with raw number literals beside it, a key repeated
    body = json.dumps(v, ensure_ascii=ascii_only)
    doc = f'{{"v":{body},"n":[{",".join(numbers)}],"v":{body}}}'
    with pg.begin():
        for raw in texts_back(pg, doc):
            assert same(json_text.loads(raw), json.loads(raw)), raw
        # and through the engine: psycopg reads its JSON with json_text.loads
        got = pg.execute(text("SELECT CAST(:d AS json), CAST(:d AS json)::text"), {"d": doc}).one()
        assert same(got[0], json.loads(got[1]))


@pytest.mark.parametrize("raw", [
    b"18446744073709551616",  # 2**64: orjson reads a float
    b"-9223372036854775809",  # below -2**63: the same
    b"[1e300]",  # fine, and jsonb writes it as 301 digits (below)
    b"1" + b"0" * 300,
    b"1e400", b"[-1e400]",  # beyond a double: json.loads inf, orjson refuses
    b"NaN", b"[Infinity]",  # not JSON, not from PostgreSQL; json.loads reads them
    b'"\\ud800"',  # a lone surrogate (a json column keeps it): orjson refuses
    b"\xef\xbb\xbf[1]",  # a byte order mark: orjson refuses
])
def test_where_orjson_reads_otherwise_json_loads_reads(raw: bytes) -> None:
    assert same(json_text.loads(raw), json.loads(raw))


def test_the_fallbacks_are_needed() -> None:
    # what orjson alone does with them (so the cases above pin the fallback, not a coincidence)
    assert type(orjson.loads(b"18446744073709551616")) is float
    assert type(orjson.loads(b"1" + b"0" * 300)) is float
    for raw in (b"1e400", b"NaN", b'"\\ud800"', b"\xef\xbb\xbf[1]"):
        with pytest.raises(orjson.JSONDecodeError):
            orjson.loads(raw)


def test_refusals_are_the_json_modules() -> None:
    for raw in (b"", b"[1,", b"{'a':1}", b"\xff"):
        with pytest.raises(ValueError) as new:
            json_text.loads(raw)
        with pytest.raises(ValueError) as old:
            json.loads(raw)
        assert type(new.value) is type(old.value)
