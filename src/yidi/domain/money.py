"""Money and ratios as Decimal: the one rounding rule (to the fen, half up) and fen conversion.

Rounding rule of yidi, stated once: an amount is rounded to the fen (0.01 yuan), ROUND_HALF_UP, only
where a ratio or a price multiplies an amount (a line's value, a pay-first share, a band's payment, a
cap reached inside a band). Every other amount is a sum or difference of rounded amounts, so the parts
of a breakdown always add up to its total exactly.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FEN = Decimal("0.01")
ZERO = Decimal("0.00")
ONE = Decimal("1")
HUNDRED = Decimal("100")


def round_fen(amount: Decimal) -> Decimal:
    """Round to the fen, half up (the only rounding yidi does)."""
    return amount.quantize(FEN, ROUND_HALF_UP)  # positional: the engine's most frequent call, keywords cost


def to_fen(amount: Decimal) -> int:
    """Yuan (already at fen precision) to integer fen for storage."""
    q = amount.quantize(FEN)
    if q != amount:
        raise ValueError(f"amount {amount} has more than 2 decimals")
    return int(q * 100)


def from_fen(fen: int) -> Decimal:
    """Integer fen from storage to yuan."""
    # the digits as they are, two places after the point: what (Decimal(fen) / 100).quantize(FEN) gives, without
    # its division and quantize (called for every stored amount a settle reads)
    return Decimal(fen).scaleb(-2)


def parse_decimal(value: object) -> Decimal:
    """Parse a number given as str/int/Decimal (never float: floats cannot hold fen exactly)."""
    if isinstance(value, bool):
        raise ValueError("boolean is not a number")
    if isinstance(value, float):
        # JSON/YAML parsers hand us floats; their shortest repr is what the author wrote.
        value = repr(value)
    try:
        d = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"not a number: {value!r}") from exc
    if not d.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return d


def decimals_of(d: Decimal) -> int:
    """How many digits a Decimal has after the point, as written."""
    exp = d.as_tuple().exponent
    return -exp if isinstance(exp, int) and exp < 0 else 0


def yuan(value: object) -> Decimal:
    """Parse an amount in yuan with at most 2 decimals, returned at fen precision."""
    d = parse_decimal(value)
    if decimals_of(d.normalize()) > 2:
        raise ValueError(f"amount {value} has more than 2 decimals")
    return d.quantize(FEN)


def fmt(amount: Decimal) -> str:
    """Amount as a plain string with exactly two decimals ("1234.50")."""
    return f"{amount.quantize(FEN)}"


def pct(ratio: Decimal) -> str:
    """A ratio 0.875 as "87.5%"."""
    v = (ratio * HUNDRED).normalize()
    s = f"{v:f}"
    return f"{s}%"
