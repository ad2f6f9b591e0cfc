"""A manual claim's PAY posting (yidi.domain.ledger.claim_legs): the funds that pay are debited, the person is
credited with the transfer, and the legs balance."""

from __future__ import annotations

from decimal import Decimal

import pytest

from yidi.domain.ledger import claim_legs

D = Decimal


def test_the_funds_pay_the_person_what_the_claim_approved() -> None:
    # approved 2214.00 = basic fund 2000.00 + serious illness 214.00; the civil servant subsidy paid nothing
    funds = {"hifp_pay": D("2000.00"), "hifmi_pay": D("214.00"), "cvlserv_pay": D("0.00")}
    assert claim_legs("369900", 7, funds, D("2214.00")) == [
        ("fund:hifp_pay:369900", D("2000.00")), ("fund:hifmi_pay:369900", D("214.00")), ("claimant:7", D("-2214.00"))]


def test_a_transfer_other_than_the_funds_total_is_a_defect() -> None:
    with pytest.raises(AssertionError):
        claim_legs("369900", 7, {"hifp_pay": D("2000.00")}, D("2000.01"))
