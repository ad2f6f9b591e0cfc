"""JSON text of the store's values (audit digests, JSON parameters): orjson where its bytes are provably the json
module's, the json module for everything else.

orjson writes what `json.dumps(…, ensure_ascii=False, separators=(",", ":"))` writes (with sort_keys: keys in
the same code point order) for dicts with string keys, lists, strings, ints, booleans and None — exactly these
types, no subclasses (tests/store/test_json_text.py proves it over that domain and shows where it differs). It
differs elsewhere: floats (`1e-07` against `1e-7`, NaN and infinities as null), ints beyond 64 bits and lone
surrogates (it refuses them), non-string keys, and types the json module refuses (enums, UUIDs, dataclasses,
datetimes), which orjson writes. So a value is first walked (`plain`): anything else, or anything orjson
refuses, goes to the json module, which writes (or refuses) it as before. The walk costs a fifth of orjson's
gain on a settle's breakdown (a 14 kB document: json.dumps 0.29 ms with sort_keys 0.4 ms, walk + orjson 0.08).
Reading (`loads`, psycopg's JSON loader): orjson where it gives json.loads' value, json.loads for the rest.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import orjson

_LEAF = frozenset((str, int, bool, type(None)))
_LEAF_OR_FLOAT = _LEAF | {float}
# the values a `proven` block vouches for: (their ids, the values themselves, held so that no id is reused)
_PROVEN: ContextVar[tuple[frozenset[int], tuple[Any, ...]] | None] = ContextVar("yidi_json_proven", default=None)


@contextmanager
def proven(*values: Any) -> Iterator[None]:
    """A block in which `plain` answers for these dicts and lists, walked once here, without walking them again:
    for one statement whose parameter, row digest and canonical text each ask of the same big value (a
    settlement's breakdown), with nothing run in between that could change it. Known by identity, and only
    inside the block: outside it a value may change, and is walked again. A value that is not plain is not
    vouched for (walked each time, as outside)."""
    outer = _PROVEN.get()
    held = (*(outer[1] if outer else ()), *(v for v in values if type(v) in (dict, list) and plain(v)))
    token = _PROVEN.set((frozenset(map(id, held)), held) if held else outer)
    try:
        yield
    finally:
        _PROVEN.reset(token)


def plain(v: Any, *, floats: bool = False) -> bool:
    """True when `v` is made of dicts with string keys, lists, strings, ints, booleans and None only (exactly
    these types, no tuples, no subclasses): the values whose JSON text orjson writes as the json module does.
    Floats only when asked (`floats`): their text differs, and orjson writes NaN as null. (With floats: the
    values json.loads(json.dumps(v)) gives back equal and of the same types, which yidi.store.row_state uses.)
    Inside a `proven` block its values are not walked again: `v` itself, or a value of the dict `v` (a row)."""
    done = _PROVEN.get()
    if done:
        ids = done[0]
        if id(v) in ids:
            return True
        if type(v) is dict:
            for k in v:
                if type(k) is not str:
                    return False
            return _walk([x for x in v.values() if id(x) not in ids], floats)
    return _walk(v, floats)


def _walk(v: Any, floats: bool) -> bool:
    stack = [v]
    pop, push, leaf = stack.pop, stack.append, _LEAF_OR_FLOAT if floats else _LEAF
    while stack:
        v = pop()
        t = type(v)
        if t is dict:
            for k in v:
                if type(k) is not str:
                    return False
            items = v.values()
        elif t is list:
            items = v
        else:
            if t not in leaf:
                return False
            continue
        for x in items:
            tx = type(x)
            if tx in leaf:
                continue
            if tx is dict or tx is list:
                push(x)
            else:
                return False
    return True


def canonical(obj: Any, default: Any = None) -> str:
    """`json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=default)`, the same
    text (or the same error) for every value: the audit trail's canonical form, whose digests must not move."""
    text = _sorted(obj)
    return text.decode() if text is not None else _json_module(obj, default)


def canonical_bytes(obj: Any, default: Any = None) -> bytes:
    """`canonical(obj, default).encode()`, what a digest hashes: orjson's UTF-8 as it is (a settlement row's
    ~23 kB of mostly Chinese text cost twice orjson's own time to decode to a str and encode back)."""
    text = _sorted(obj)
    return text if text is not None else _json_module(obj, default).encode()


def _sorted(obj: Any) -> bytes | None:
    """orjson's sorted compact UTF-8 text of a plain value (`default` is never called for one), else None."""
    if type(obj) in _LEAF or plain(obj):  # a leaf (an audit record's scalars) needs no walk
        try:
            return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)
        except orjson.JSONEncodeError:  # an int beyond 64 bits, a lone surrogate: as the json module writes it
            pass
    return None


def _json_module(obj: Any, default: Any) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=default)


def dumps(obj: Any) -> bytes:
    """A JSON parameter's text, for psycopg (yidi.store.db): the same JSON value as `json.dumps(obj)` (its
    default, the driver's own) in every case, the same text whenever the value is not `plain`; a plain value
    compact and in UTF-8 rather than with `\\uXXXX` escapes. A JSON column stores the text it is given and the
    audit trail digests the value read back from it (yidi.store.row_state), never the text."""
    if plain(obj):
        try:
            return orjson.dumps(obj)
        except orjson.JSONEncodeError:
            pass
    return json.dumps(obj).encode()


# every byte that is not an ASCII digit made a space: a run of 19 digits then reads as "0" * 19
_DIGITS_ONLY = bytes(48 if 48 <= b <= 57 else 32 for b in range(256))
_LONG_RUN = b"0" * 19


def loads(data: bytes) -> Any:
    """`json.loads(data)`, the same value of the same types (or the same error): psycopg's JSON and JSONB loader
    (yidi.store.db), orjson where it reads as json.loads does. It does not for an int beyond 64 bits (orjson makes
    it a float, silently: so any text with a run of 19 digits, which every int outside 18 digits has, goes to
    json.loads; PostgreSQL writes a jsonb 1e300 as 301 digits), and refuses what json.loads reads: NaN and
    Infinity, a number beyond a double's range (json.loads: inf), a lone surrogate, a byte order mark. A
    refusal goes to json.loads too. Floats: both round to the nearest double (tests/store/test_json_loads.py)."""
    if type(data) is bytes and _LONG_RUN not in data.translate(_DIGITS_ONLY):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass
    return json.loads(data)
