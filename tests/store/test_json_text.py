"""The store's JSON text (yidi.store.json_text): orjson only where its bytes are the json module's. The audit
digests of rows written before must still verify, so the canonical text may not move for any value; a JSON
parameter must keep its value; every answer keeps its bytes."""

from __future__ import annotations

import datetime as dt
import enum
import json
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.settlement.helpers import API, GZ1, key_for, seed_person, visit_with_lines, visits_with_lines
from tests.support.rows import assert_trail_holds
from yidi.services import settlement as svc
from yidi.services.access import Principal, Role
from yidi.services.context import Context
from yidi.store import audit_lanes, json_text, row_state
from yidi.store.schema import metadata


def old_canonical(v: Any, default: Any = None) -> str:
    """The canonical text as the audit trail wrote it before json_text: the json module's."""
    return json.dumps(v, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=default)


def outcome(f: Callable[[Any], Any], v: Any) -> tuple[str, Any]:
    try:
        return "text", f(v)
    except Exception as exc:  # the same refusal counts as the same outcome
        return "refused", type(exc)


class Colour(enum.StrEnum):
    RED = "red"


class Size(enum.IntEnum):
    BIG = 2


class Plain(enum.Enum):
    ONE = "one"


class Tag(str):
    pass


# the leaves of the domain the rows hold (strings, ints, booleans, None; floats in a JSON column; SQLite's
# wall times and dates as text) and, beside them, every kind where orjson and the json module part ways
TEXT = st.one_of(st.text(), st.text(st.characters(exclude_categories=())),  # control characters, surrogates
                 st.text(st.sampled_from('"\\/\x00\x1f\x7f\u2028\u2029\ufeffé中😀\ud800\udfff ')))
INTS = st.one_of(st.integers(), st.sampled_from([2**63 - 1, 2**63, 2**64 - 1, 2**64, -(2**63), -(2**63) - 1]))
PLAIN_LEAVES = st.one_of(st.none(), st.booleans(), INTS, TEXT)
ODD_LEAVES = st.one_of(st.floats(), st.sampled_from([1e-07, 1e16, 1e22, 5e-324, -0.0, float("nan"), float("inf")]),
                       st.sampled_from([Colour.RED, Size.BIG, Plain.ONE, Tag("t"), uuid.UUID(int=7), Decimal("1.50"),
                                        dt.date(2026, 3, 1), dt.datetime(2026, 3, 1, 8, 30), b"x", (1, "a")]))
KEYS = st.one_of(TEXT, st.sampled_from([1, None, True, 2.5, Colour.RED, Tag("k")]))


def nested(leaves: st.SearchStrategy[Any], keys: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.recursive(leaves, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(keys, inner, max_size=5),
                        max_leaves=25)


ANY = nested(st.one_of(PLAIN_LEAVES, ODD_LEAVES), KEYS)
PLAIN = nested(PLAIN_LEAVES, TEXT)


@given(ANY)
@settings(max_examples=500, deadline=None)
@example(1e-07)  # orjson: 1e-7
@example({"a": float("nan")})  # orjson: null
@example([Plain.ONE, uuid.UUID(int=7)])  # the json module refuses them, orjson writes them
@example({1: "a", "b": 2})  # non-string keys: orjson refuses, the json module refuses to sort them
@example(2**64)  # beyond orjson's 64 bits
@example("\ud800")  # a lone surrogate
def test_canonical_is_the_json_modules_text_for_every_value(v: Any) -> None:
    assert outcome(json_text.canonical, v) == outcome(old_canonical, v)
    # and the audit record's, with its `default` (dates, enums, bytes to their plain forms)
    assert (outcome(audit_lanes.canonical, v)
            == outcome(lambda x: old_canonical(x, default=audit_lanes._plain), v))


@given(PLAIN)
@settings(max_examples=500, deadline=None)
def test_orjson_writes_the_plain_values_as_the_json_module_does(v: Any) -> None:
    # the claim json_text rests on, checked on orjson itself: over the plain domain its bytes are the json
    # module's, keys sorted the same way (or it refuses: an int beyond 64 bits, a lone surrogate)
    assert json_text.plain(v)
    try:
        got = orjson.dumps(v, option=orjson.OPT_SORT_KEYS).decode()
    except orjson.JSONEncodeError:
        return
    assert got == old_canonical(v)


@pytest.mark.parametrize("v", [1e-07, float("nan"), [Plain.ONE], uuid.UUID(int=7), 1.0, Tag("t"), (1, 2)])
def test_where_orjson_differs_the_value_is_not_plain(v: Any) -> None:
    # each of these orjson writes otherwise than the json module (or writes where it refuses), or would if a
    # float, subclass or tuple were let through: json_text hands them to the json module
    assert not json_text.plain(v)
    assert outcome(json_text.canonical, v) == outcome(old_canonical, v)


@given(ANY)
@example({"\ud800\udc00": None})  # a surrogate pair as two characters: orjson refuses it, json.loads joins it
@settings(max_examples=300, deadline=None)
def test_a_json_parameter_keeps_its_value(v: Any) -> None:
    old = outcome(lambda x: json.dumps(x).encode(), v)
    new = outcome(json_text.dumps, v)
    if old[0] == "refused" or not json_text.plain(v) or outcome(orjson.dumps, v)[0] == "refused":
        # the same refusal, or the very same text: a value outside the plain domain, or one orjson refuses (a lone
        # surrogate or a pair of them, which the json module escapes one by one and json.loads then joins into
        # one character: its text must be the json module's, not its value read back)
        assert new == old
    else:  # the same value once read (compact and UTF-8 instead of spaced and \u-escaped), of the same types
        assert new[0] == "text"
        assert json.loads(new[1]) == json.loads(old[1]) == v
        assert old_canonical(json.loads(new[1])) == old_canonical(v)


def test_the_rows_of_a_settle_have_the_same_canonical_text(ctx: Context) -> None:
    (mid,) = visits_with_lines(ctx, 1, 611)
    assert svc.settle(ctx, Principal(Role.HOSPITAL, GZ1), mid, svc.SettleIn(idempotency_key="JSON-TEXT-1")).status == "SETTLED"
    fast = set()
    with ctx.engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(select(*row_state.read_columns(table))):
                forms = {c.name: row_state.stored_form(c, v, conn.dialect)
                         for c, v in zip(table.columns, row, strict=True)}
                assert row_state.canonical(forms) == old_canonical(forms), table.name
                if json_text.plain(forms):
                    fast.add(table.name)
    # the settlement (its breakdown, accumulators and answer), its ledger legs and the audit trail's own rows
    # took orjson's way
    assert {"settlements", "ledger_entries", "audit_records", "audit_row_log"} <= fast, fast


def json_module_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing is plain: every text json_text gives is the json module's (what was written before it)."""
    monkeypatch.setattr(json_text, "plain", lambda v, floats=False: False)


def test_rows_written_by_the_json_module_verify_and_so_do_the_new(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    hosp = Principal(Role.HOSPITAL, GZ1)
    old_visit, new_visit = visits_with_lines(ctx, 2, 621)
    with monkeypatch.context() as m:
        json_module_only(m)
        svc.settle(ctx, hosp, old_visit, svc.SettleIn(idempotency_key="JSON-TEXT-OLD"))
    svc.settle(ctx, hosp, new_visit, svc.SettleIn(idempotency_key="JSON-TEXT-NEW"))
    assert_trail_holds(ctx)  # the chain's hashes and the rows' digests, both kinds of rows, read as now
    with monkeypatch.context() as m:
        json_module_only(m)
        assert_trail_holds(ctx)  # and as the json module reads them


# what tells two settlements of two persons' alike visits apart: the visit's, filing's and settlement's numbers, the time
NAMES = frozenset({"mdtrt_id", "bill_id", "filing_id", "setl_id", "settled_at"})


def same_but_names(a: str, b: str) -> str:
    """`a` with each of its NAMES' values replaced by `b`'s, the rest of its bytes as they are (any other value
    that differs stays, and so fails the comparison)."""
    swaps: dict[str, str] = {}

    def walk(x: Any, y: Any, key: str) -> None:
        if isinstance(x, dict) and isinstance(y, dict):
            for k in x.keys() & y.keys():
                walk(x[k], y[k], k)
        elif isinstance(x, list) and isinstance(y, list):
            for p, q in zip(x, y, strict=False):
                walk(p, q, key)
        elif key in NAMES and isinstance(x, str) and isinstance(y, str) and x != y:
            swaps[json.dumps(x, ensure_ascii=False)] = json.dumps(y, ensure_ascii=False)
    walk(json.loads(a), json.loads(b), "")
    for old, new in swaps.items():
        a = a.replace(old, new)
    return a


def test_answers_keep_their_bytes_whoever_wrote_the_rows(ctx: Context, client: TestClient,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    h = key_for(ctx, GZ1)
    answers = []
    for seq, json_module in ((631, True), (632, False)):  # two persons alike, two visits alike
        mid = visit_with_lines(client, h, seed_person(ctx, seq))
        with monkeypatch.context() as m:
            if json_module:
                json_module_only(m)
            quote = client.post(f"{API}/visits/{mid}/pre-settle", json={}, headers=h)
            first = client.post(f"{API}/visits/{mid}/settle", json={"idempotency_key": f"JSON-TEXT-{seq}"}, headers=h)
        assert quote.status_code == first.status_code == 200, (quote.text, first.text)
        # read back now: the stored answer of a retry, the settlement as the store holds it
        again = client.post(f"{API}/visits/{mid}/settle", json={"idempotency_key": f"JSON-TEXT-{seq}"}, headers=h)
        view = client.get(f"{API}/settlements/{first.json()['setl_id']}", headers=h)
        assert again.text == first.text  # the stored answer, byte for byte
        answers.append((quote.text, first.text, view.text))
    for before, after in zip(*answers, strict=True):
        assert same_but_names(before, after) == after


@given(ANY)
@settings(max_examples=300, deadline=None)
@example("\ud800")  # the json module writes it, UTF-8 refuses it: the same refusal as before
@example(2**64)
def test_a_digest_hashes_the_canonical_texts_bytes(v: Any) -> None:
    assert outcome(json_text.canonical_bytes, v) == outcome(lambda x: json_text.canonical(x).encode(), v)
    assert (outcome(lambda x: json_text.canonical_bytes(x, default=audit_lanes._plain), v)
            == outcome(lambda x: audit_lanes.canonical(x).encode(), v))


@given(PLAIN, ANY)
@settings(max_examples=200, deadline=None)
def test_values_proven_once_give_the_same_texts(big: Any, other: Any) -> None:
    # a row holding a value proven plain for one statement: its parameter, forms and digest text as without it
    row = {"breakdown": big, "other": other, "n": 1}
    before = [outcome(f, x) for f in (json_text.dumps, json_text.canonical, json_text.plain) for x in (row, big, other)]
    with json_text.proven(big, other):
        during = [outcome(f, x) for f in (json_text.dumps, json_text.canonical, json_text.plain)
                  for x in (row, big, other)]
    assert during == before


def test_a_proof_holds_for_its_block_only(monkeypatch: pytest.MonkeyPatch) -> None:
    walked: list[Any] = []
    walk = json_text._walk
    monkeypatch.setattr(json_text, "_walk", lambda v, floats: walked.append(v) or walk(v, floats))
    big, odd = {"steps": [{"amount": 1, "rule": "ratio"}] * 50}, {"ratio": 0.5}
    with json_text.proven(big, odd):
        assert walked == [big, odd]  # walked once, on entry
        row = {"breakdown": big, "odd": odd, "id": 7}
        assert json_text.plain(big) and json_text.plain(row, floats=True) is True
        assert json_text.dumps({"breakdown": big, "id": 7}) == orjson.dumps({"breakdown": big, "id": 7})
        assert json_text.dumps(row) == json.dumps(row).encode()  # a float in it: the json module's text
        assert not json_text.plain(row) and not json_text.plain(odd)  # not plain: not vouched for, walked again
        assert all(x is not big and not (type(x) is list and any(y is big for y in x)) for x in walked[2:])
    big["steps"].append(0.5)  # after the block a value may change: it is walked again
    assert not json_text.plain(big) and not json_text.plain({"breakdown": big})
