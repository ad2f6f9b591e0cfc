"""The simulation charts' axis ticks (issue 19): round steps, and words that tell neighbouring ticks apart."""

from __future__ import annotations

from yidi.batch.report import nice_step, tick_text


def test_round_steps() -> None:
    # a quarter of the span rounded up to 1, 2 or 5 times a power of ten
    assert nice_step(600_000_00) == 200_000_00  # 600,000 yuan / 4 = 150,000 -> 200,000 yuan
    assert nice_step(1_000) == 500 and nice_step(1) == 1 and nice_step(40) == 10


def test_ticks_in_wan_or_yuan_with_the_decimals_they_need() -> None:
    # 200,000 yuan steps read in 万: 0, 20万, 40万 (not 0.0万 at every tick)
    assert [tick_text(v, 20_000_000) for v in (0, 20_000_000, 40_000_000)] == ["0万", "20万", "40万"]
    # 2,500 yuan steps: 0.25万 apart
    assert tick_text(250_000, 250_000) == "0.25万" and tick_text(500_000, 250_000) == "0.50万"
    # small amounts stay in yuan: 5 yuan steps
    assert [tick_text(v, 500) for v in (0, 500, 1_000)] == ["0", "5", "10"]
    assert tick_text(1_234, 1, count=True) == "1,234"
