"""The inpatient deposit (押金) at discharge: what the person owes in cash against it, refunded or topped up;
and what a revocation of that settlement undoes."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from yidi.domain.money import ZERO, fmt


@dataclass(frozen=True, slots=True)
class DepositOutcome:
    """Deposit paid at admission against the cash the person owes (psn_cash_pay): one of refund / top_up is 0.

    Once the settlement is revoked (`revoked`), nothing is owed on it any more: the deposit is held again for
    the visit's next settlement, the person brings back the refund they were given (`refund_back`) and the
    hospital gives back the top-up it took (`top_up_back`); owed, refund and top_up then read 0.
    """

    deposit: Decimal
    owed: Decimal  # the person's cash share of the settlement
    refund: Decimal  # the hospital pays back (deposit above what is owed)
    top_up: Decimal  # the person pays more (owed above the deposit)
    revoked: bool = False
    refund_back: Decimal = ZERO  # revoked: the refund the person returns, so the deposit is whole again
    top_up_back: Decimal = ZERO  # revoked: the top-up the hospital returns to the person

    @property
    def text_zh(self) -> str:
        if self.revoked:
            tail = (f"已退还的 {fmt(self.refund_back)} 元应交回医院" if self.refund_back
                    else f"已补交的 {fmt(self.top_up_back)} 元由医院退还" if self.top_up_back else "押金未动")
            return f"结算已撤销：预交押金 {fmt(self.deposit)} 元继续作为本次住院押金，{tail}。"
        head = f"预交押金 {fmt(self.deposit)} 元，本次个人现金支付 {fmt(self.owed)} 元"
        if self.refund:
            return f"{head}，应退还 {fmt(self.refund)} 元。"
        if self.top_up:
            return f"{head}，应补交 {fmt(self.top_up)} 元。"
        return f"{head}，两清。"

    @property
    def text_en(self) -> str:
        if self.revoked:
            tail = (f"the {fmt(self.refund_back)} refunded goes back to the hospital" if self.refund_back
                    else f"the hospital returns the {fmt(self.top_up_back)} topped up" if self.top_up_back
                    else "the deposit was not touched")
            return f"Settlement revoked: the deposit of {fmt(self.deposit)} is held again for the stay; {tail}."
        head = f"Deposit {fmt(self.deposit)}, cash owed {fmt(self.owed)}"
        if self.refund:
            return f"{head}: {fmt(self.refund)} is refunded."
        if self.top_up:
            return f"{head}: {fmt(self.top_up)} more to pay."
        return f"{head}: settled exactly."

    def as_dict(self) -> dict[str, str]:
        out = {"deposit": str(self.deposit), "owed": str(self.owed), "refund": str(self.refund),
               "top_up": str(self.top_up)}
        if self.revoked:
            out |= {"revoked": "true", "refund_back": str(self.refund_back), "top_up_back": str(self.top_up_back)}
        return out


def deposit_outcome(deposit: Decimal, psn_cash_pay: Decimal, *, revoked: bool = False) -> DepositOutcome:
    """Settle the deposit against the cash the person owes: the difference is refunded or paid on top; for a
    revoked settlement, what the revocation gives back on each side."""
    refund, top_up = max(ZERO, deposit - psn_cash_pay), max(ZERO, psn_cash_pay - deposit)
    if revoked:
        return DepositOutcome(deposit, ZERO, ZERO, ZERO, True, refund, top_up)
    return DepositOutcome(deposit, psn_cash_pay, refund, top_up)
