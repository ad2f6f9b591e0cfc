"""The inpatient deposit at discharge (issue 16 rule 4): refund, top-up or even, by hand."""

from __future__ import annotations

from decimal import Decimal

from yidi.domain.deposit import deposit_outcome


def test_refund_top_up_and_even() -> None:
    # deposit 5,000.00, cash owed 1,234.56: 5,000.00 - 1,234.56 = 3,765.44 back
    back = deposit_outcome(Decimal("5000.00"), Decimal("1234.56"))
    assert (back.refund, back.top_up) == (Decimal("3765.44"), Decimal("0.00"))
    assert "应退还 3765.44 元" in back.text_zh
    # deposit 1,000.00, cash owed 1,234.56: 234.56 more to pay
    more = deposit_outcome(Decimal("1000.00"), Decimal("1234.56"))
    assert (more.refund, more.top_up) == (Decimal("0.00"), Decimal("234.56"))
    assert "应补交 234.56 元" in more.text_zh
    even = deposit_outcome(Decimal("1234.56"), Decimal("1234.56"))
    assert not even.refund and not even.top_up and "两清" in even.text_zh


def test_a_revocation_gives_back_what_the_settlement_set_off() -> None:
    # the 5,000.00 deposit had 3,765.44 refunded against 1,234.56 owed: the person brings the 3,765.44 back,
    # the deposit is whole again for the stay, and nothing is owed
    back = deposit_outcome(Decimal("5000.00"), Decimal("1234.56"), revoked=True)
    assert (back.owed, back.refund, back.top_up) == (Decimal("0.00"),) * 3
    assert (back.refund_back, back.top_up_back) == (Decimal("3765.44"), Decimal("0.00"))
    assert "结算已撤销" in back.text_zh and "3765.44 元应交回医院" in back.text_zh
    # the 1,000.00 deposit needed a 234.56 top-up: the hospital gives the 234.56 back
    more = deposit_outcome(Decimal("1000.00"), Decimal("1234.56"), revoked=True)
    assert (more.refund_back, more.top_up_back) == (Decimal("0.00"), Decimal("234.56"))
    assert "234.56 元由医院退还" in more.text_zh
    assert more.as_dict()["revoked"] == "true" and "revoked" not in deposit_outcome(Decimal(1), Decimal(1)).as_dict()
