"""Worked examples of the engine's pack settings for issue 16: which admissions count, over-cap figures,
the tier basis default, and explanations that cite what was applied. Each figure computed by hand.

The pack is tests/domain/packs.py (deductible 800, 85 %, cap 400,000 for employees unless changed).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tests.domain.packs import make_packs
from tests.domain.test_worked_examples import emp_inpatient, identities, make_bill
from yidi.domain.engine import calculate


def D(s: str) -> Decimal:
    return Decimal(s)


# --- Rule 10: does an all-self-funded or zero inpatient bill count as an admission? -------------------

@pytest.mark.parametrize("counted", [None, "all", "in_scope"])
@pytest.mark.parametrize("first_lines", [[("C01", "1", "3000.00")], [("A01", "1", "0.00")]],
                         ids=["all_self_funded", "zero"])
def test_counted_admissions(tmp_path: Path, counted: str | None, first_lines: list[tuple[str, str, str]]) -> None:
    ded: dict[str, object] = {"repeat_factors": ["1", "0.5"]}
    if counted is not None:
        ded["counted_admissions"] = counted
    packs = make_packs(tmp_path, emp_inpatient(deductible=ded))
    first = calculate(make_bill(first_lines, accumulators={"year": 2025}), packs)
    identities(first)
    # first bill: no in-scope cost (丙类 only, or a zero line): nothing in scope, fund 0, deductible 0
    assert first.inscp_scp_amt == D("0.00")
    assert first.hifp_pay == D("0.00")
    assert first.act_pay_dedc == D("0.00")
    acc = first.accumulators_after
    assert acc is not None
    second = calculate(make_bill([("A01", "1", "5000.00")]), packs, accumulators=acc)
    identities(second)
    if counted == "in_scope":
        # the first bill is not an admission: admissions stay 0, the next is the 1st of the year
        # deductible 800 x 1 = 800.00; fund (5,000 - 800) x 85 % = 4,200 x 0.85 = 3,570.00; person 1,430.00
        assert acc.admissions == 0
        assert second.act_pay_dedc == D("800.00")
        assert second.hifp_pay == D("3570.00")
        assert second.psn_part_amt == D("1430.00")
    else:
        # default (all) = the behaviour before the setting: the first bill counts, the next is the 2nd
        # deductible 800 x 0.5 = 400.00; fund (5,000 - 400) x 85 % = 4,600 x 0.85 = 3,910.00; person 1,090.00
        assert acc.admissions == 1
        assert second.act_pay_dedc == D("400.00")
        assert second.hifp_pay == D("3910.00")
        assert second.psn_part_amt == D("1090.00")
    assert second.accumulators_after is not None
    assert second.accumulators_after.admissions == acc.admissions + 1  # a bill with in-scope cost always counts
