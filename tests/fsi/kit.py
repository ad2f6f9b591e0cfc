"""Running the conformance kit (examples/fsi/): each request in file order, its answer matched to the response file.

In the files, `${name}` is replaced by a value known when the step runs (today, yesterday, month, stamp, or
one captured earlier); in a response file `"${=name}"` matches any non-empty value and captures it, and
`"*"` matches any value that is present. A response file lists what must be there: keys it leaves out are
not checked (lists are compared item by item, and must have the same length). A file's bytes (9101 `in`)
are written readable, as `{"$base64": "<the text, placeholders filled>"}`, and sent as that text's base64.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

KIT = Path(__file__).resolve().parents[2] / "examples" / "fsi"
_PLACEHOLDER = re.compile(r"\$\{([a-z_]+)\}")
_BASE64 = re.compile(r'\{\s*"\$base64"\s*:\s*("(?:[^"\\]|\\.)*")\s*\}')


def encoded(text: str) -> str:
    """The request text with each `{"$base64": "..."}` replaced by the base64 of its (UTF-8) text."""
    return _BASE64.sub(lambda m: json.dumps(base64.b64encode(json.loads(m[1]).encode()).decode()), text)


def steps() -> list[str]:
    return sorted(p.name.removesuffix(".request.json") for p in KIT.glob("*.request.json"))


def fill(value: Any, known: dict[str, str]) -> Any:
    if isinstance(value, str):
        return _PLACEHOLDER.sub(lambda m: known.get(m[1], ""), value)
    if isinstance(value, list):
        return [fill(v, known) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, known) for k, v in value.items()}
    return value


def match(expected: Any, actual: Any, known: dict[str, str], where: str = "") -> list[str]:
    """What differs (empty: the answer conforms); captures `${=name}` values into `known`."""
    if expected == "*":
        return []
    if isinstance(expected, str) and expected.startswith("${=") and expected.endswith("}"):
        if actual in (None, ""):
            return [f"{where}: expected a value, got {actual!r}"]
        known[expected[3:-1]] = str(actual)
        return []
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where}: expected an object, got {actual!r}"]
        out: list[str] = []
        for k, v in expected.items():
            if k not in actual:
                out.append(f"{where}.{k}: missing")
            else:
                out += match(v, actual[k], known, f"{where}.{k}")
        return out
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{where}: expected {len(expected)} items, got {actual!r}"]
        return [d for i, (e, a) in enumerate(zip(expected, actual, strict=True)) for d in match(e, a, known, f"{where}[{i}]")]
    expected = fill(expected, known)
    return [] if expected == actual else [f"{where}: expected {expected!r}, got {actual!r}"]


def run(send: Callable[[bytes], dict[str, Any]], today: dt.date, stamp: str) -> list[tuple[str, dict[str, Any]]]:
    """Every step of the kit through `send` (the raw request body -> the answer); fails at the first step whose
    answer does not conform. Returns each step's answer."""
    known = {"today": today.isoformat(), "yesterday": (today - dt.timedelta(days=1)).isoformat(),
             "month": f"{today:%Y%m}", "stamp": stamp}
    answers = []
    for name in steps():
        # the file's text, placeholders filled: its numbers reach the gateway as the file writes them
        text = (KIT / f"{name}.request.json").read_text(encoding="utf-8")
        got = send(encoded(_PLACEHOLDER.sub(lambda m: known.get(m[1], ""), text)).encode())
        expected = json.loads((KIT / f"{name}.response.json").read_text(encoding="utf-8"))
        diffs = match(expected, got, known)
        assert not diffs, f"{name}: " + "; ".join(diffs) + f"\n{json.dumps(got, ensure_ascii=False)[:2000]}"
        answers.append((name, got))
    return answers
