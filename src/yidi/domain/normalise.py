"""What a person would mean, in one place: full-width forms, spaces, and plain number notation.

Every door (JSON API, pages, importers, CLI) reaches these through the input types of
yidi.domain.validation and the citizen-ID parser, so "３６０１…" typed on a phone, " 6217 0000 1234 "
copied from a bank card and "360102…x" all mean what the person meant, once. What cannot be read that
way (an exponent, an underscore, a control character) is refused, never guessed.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

# Full-width ASCII (U+FF01..U+FF5E) -> ASCII, ideographic space (U+3000) -> space: what Chinese input
# methods type when full-width mode is on.
_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_SPACE = re.compile(r"\s+")
# plain decimal notation: optional minus, digits, at most one point followed by digits
PLAIN_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def ascii_width(text: str) -> str:
    """Full-width digits, letters and signs as their ASCII selves."""
    return text.translate(_WIDTH)


def compact(text: str) -> str:
    """ascii_width, then every space removed (surrounding and internal): for IDs, accounts and codes."""
    return _SPACE.sub("", ascii_width(text))


def id_number(text: str) -> str:
    """A citizen ID as typed -> as stored: full-width folded, spaces removed, check character x -> X."""
    return compact(text).upper()


def account_number(text: str) -> str:
    """A bank account number as typed -> its digits (spaces and hyphens are how cards print it)."""
    return compact(text).replace("-", "")


def code(text: str) -> str:
    """A code (region, institution, item, invoice number): full-width folded, surrounding spaces dropped."""
    return ascii_width(text).strip()


def bad_character(text: str) -> str | None:
    """The first character no field may hold: a control character other than tab and line breaks, a lone
    surrogate (cannot be stored as UTF-8), or a non-character; None when the text is clean."""
    for ch in text:
        o = ord(ch)
        if (o < 0x20 and ch not in "\t\n\r") or 0x7F <= o <= 0x9F or 0xD800 <= o <= 0xDFFF or o in (0xFFFE, 0xFFFF):
            return ch
    return None


class JsonNumber(Decimal):
    """A JSON number kept with the literal the caller wrote, so `1e3` can be told from `1000`."""

    literal: str

    def __new__(cls, literal: str) -> JsonNumber:
        obj = super().__new__(cls, literal)
        obj.literal = literal
        return obj


def number_text(value: Any) -> str | None:
    """The text a number was written as, when it was written (a string, a JSON literal); None for a value
    made by a program (int, Decimal), which has no notation to judge."""
    if isinstance(value, JsonNumber):
        return value.literal
    if isinstance(value, str):
        return ascii_width(value).strip()
    if isinstance(value, float):
        return repr(value)  # YAML and spreadsheet readers: the shortest repr is what the author wrote
    return None


def _decimal_reads(text: str) -> bool:
    """Whether Python would read it as a number (1e3, 1_000, NaN, .5): a number in the wrong notation."""
    try:
        Decimal(text)
    except (InvalidOperation, ValueError):
        return False
    return True


def plain_decimal(value: Any) -> Decimal:
    """A number in plain decimal notation as a Decimal; ValueError (with the reason) for anything else."""
    if isinstance(value, bool):
        raise ValueError("boolean is not a number")
    written = number_text(value)
    if written is not None:
        if not PLAIN_NUMBER.fullmatch(written):
            raise ValueError("notation" if _decimal_reads(written) else "not a number")
        return Decimal(written)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("notation")
        return value
    raise ValueError("type")


def loads(text: str | bytes) -> Any:
    """json.loads keeping every non-integer number as a JsonNumber (its literal included)."""
    try:
        return json.loads(text, parse_float=JsonNumber)
    except InvalidOperation:  # pragma: no cover - json only hands parse_float valid number literals
        raise ValueError("invalid number") from None
