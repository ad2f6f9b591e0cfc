"""The inpatient deposit (押金) at discharge: what the person owes in cash against it, refunded or topped up."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from yidi.domain.money import ZERO, fmt


@dataclass(frozen=True, slots=True)
class DepositOutcome:
    """Deposit paid at admission against the cash the person owes (psn_cash_pay): one of refund / top_up is 0."""

    deposit: Decimal
    owed: Decimal  # the person's cash share of the settlement
    refund: Decimal  # the hospital pays back (deposit above what is owed)
    top_up: Decimal  # the person pays more (owed above the deposit)

    @property
    def text_zh(self) -> str:
        head = f"预交押金 {fmt(self.deposit)} 元，本次个人现金支付 {fmt(self.owed)} 元"
        if self.refund:
            return f"{head}，应退还 {fmt(self.refund)} 元。"
        if self.top_up:
            return f"{head}，应补交 {fmt(self.top_up)} 元。"
        return f"{head}，两清。"

    @property
    def text_en(self) -> str:
        head = f"Deposit {fmt(self.deposit)}, cash owed {fmt(self.owed)}"
        if self.refund:
            return f"{head}: {fmt(self.refund)} is refunded."
        if self.top_up:
            return f"{head}: {fmt(self.top_up)} more to pay."
        return f"{head}: settled exactly."

    def as_dict(self) -> dict[str, str]:
        return {"deposit": str(self.deposit), "owed": str(self.owed), "refund": str(self.refund),
                "top_up": str(self.top_up)}


def deposit_outcome(deposit: Decimal, psn_cash_pay: Decimal) -> DepositOutcome:
    """Settle the deposit against the cash the person owes: the difference is refunded or paid on top."""
    return DepositOutcome(deposit, psn_cash_pay, max(ZERO, deposit - psn_cash_pay), max(ZERO, psn_cash_pay - deposit))
