"""The ledger's rules (yidi.domain.ledger): a posting's legs balance and name the accounts; accumulators
move by what a settlement changed, and a revocation takes back exactly that."""

from __future__ import annotations

from decimal import Decimal

import pytest

from yidi.domain.bill import YearAccumulators
from yidi.domain.ledger import Posted, accumulate, legs, posting_id, without_zeros

D = Decimal


def test_a_settlement_posts_the_hospital_against_funds_account_and_cash() -> None:
    # medfee 1000.00 = basic fund 600.00 + serious illness 50.00 + account 100.00 + cash 250.00
    p = Posted("H001", "369900", 42, D("1000.00"), {"hifp_pay": D("600.00"), "hifmi_pay": D("50.00"),
                                                     "maf_pay": D("0.00")}, D("100.00"), D("250.00"))
    assert legs(p) == [("hospital:H001", D("-1000.00")), ("fund:hifp_pay:369900", D("600.00")),
                       ("fund:hifmi_pay:369900", D("50.00")), ("account:42", D("100.00")), ("cash:H001", D("250.00"))]
    # a revocation posts the same legs the other way round: the hospital owes back 1000.00
    assert [(a, -x) for a, x in legs(p)] == legs(p, -1)
    assert sum(x for _a, x in legs(p, -1)) == 0


def test_an_unbalanced_posting_is_a_defect_never_written() -> None:
    p = Posted("H001", "369900", 42, D("1000.00"), {"hifp_pay": D("600.00")}, D("0.00"), D("399.99"))
    with pytest.raises(AssertionError):
        legs(p)


def test_posting_names() -> None:
    assert posting_id("S20260310ABC", "REVOKE", 1) == "S20260310ABC:REVOKE:1"


def test_accumulators_move_by_what_a_settlement_changed() -> None:
    # before this settlement: deductible 300 of inpatient used; it added 500 to the deductible (capped at 800)
    # and 2000 to the fund paid, and one admission. Meanwhile another settlement added 100 of fund paid.
    before = YearAccumulators(year=2026, admissions=1, deductible_paid={"INPATIENT": D("300.00")})
    after = YearAccumulators(year=2026, admissions=2, deductible_paid={"INPATIENT": D("800.00")},
                             fund_paid={"basic": D("2000.00")})
    now = YearAccumulators(year=2026, admissions=2, deductible_paid={"INPATIENT": D("800.00")},
                           fund_paid={"basic": D("2100.00")})
    revoked = accumulate(now, before, after, -1)
    # 800 - 500 = 300; 2100 - 2000 = 100; 2 - 1 = 1
    assert revoked.admissions == 1
    assert revoked.deductible_paid == {"INPATIENT": D("300.00")}
    assert revoked.fund_paid == {"basic": D("100.00")}
    # reinstated: back to where it was, and zero entries do not make a difference
    again = accumulate(revoked, before, after, 1)
    assert without_zeros(again) == without_zeros(now)
    assert without_zeros(YearAccumulators(year=2026, fund_paid={"basic": D("0")})) == \
        without_zeros(YearAccumulators(year=2026))
