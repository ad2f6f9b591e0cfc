"""from_fen's short way gives what the division and quantize gave, digit for digit (its str and exponent too)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from yidi.domain.money import FEN, from_fen, to_fen


@given(st.one_of(st.integers(min_value=-(2**63), max_value=2**63 - 1), st.sampled_from([0, 1, -1, 99, -100, 10**18])))
def test_from_fen_equals_the_division_quantized(fen: int) -> None:
    want = (Decimal(fen) / 100).quantize(FEN)
    got = from_fen(fen)
    assert got.as_tuple() == want.as_tuple() and str(got) == str(want)
    assert to_fen(got) == fen
