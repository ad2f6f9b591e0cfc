"""Family mutual aid (家庭共济): a relative's personal account pays what the person's own account left unpaid."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from yidi.domain.account_policy import Account
from yidi.domain.breakdown import Breakdown, Step
from yidi.domain.engine.context import Ctx
from yidi.domain.enums import Scheme
from yidi.domain.money import ZERO, fmt
from yidi.domain.policy import PolicyVersion
from yidi.domain.reference import Person


@dataclass(frozen=True, slots=True)
class MutualAid:
    """What the relative's account pays of this bill (acct_mulaid_pay), their balance after, and the step."""

    pay: Decimal
    balc: Decimal
    step: Step


def mutual_aid_pay(
    out: Breakdown, person: Person, relative: Person, account: Account, payable: Decimal, ctx: Ctx,
    version: PolicyVersion,
) -> MutualAid:
    """The relative's account pays the part of `payable` the person's own account did not (out.acct_pay), never
    more than the person's share left or the relative's balance.

    `account` is the insured region's employee account setting (the payer's account); `payable` what the
    region lets an account pay for this bill (the person's share, or its in-scope part, within the limit away;
    for a patient insured as a resident, by that same employee setting). `relative` must come from a family
    link the relative confirmed: that confirmation is their consent, checked by the caller, not here.
    """
    param = f"schemes.{Scheme.EMPLOYEE.value}.account.mutual_aid"  # the payer's account is an employee's
    clause = ctx.clause(param, account.source, version.source)
    balance = relative.account_balance
    refused = None
    if not account.mutual_aid:
        refused = ("参保地未开通职工医保个人账户家庭共济", "The insured region's pack does not allow mutual aid.")
    elif relative.scheme is not Scheme.EMPLOYEE:
        # the payer needs an employee personal account; the patient may be insured under either scheme
        # (国办发〔2021〕14号: the account pays close relatives' shares, residents' included)
        refused = ("家庭共济只能由职工医保个人账户支付", "Mutual aid is paid from an employee personal account.")
    elif relative.insured_region != person.insured_region:
        # the account's money belongs to the relative's own pooling region; across regions is not modelled
        refused = ("家庭成员不在同一统筹区参保，不能共济", "The relative is insured in another pooling region.")
    if refused is not None:
        return MutualAid(ZERO, balance, Step("account.mutual_aid", refused[0] + "，其余个人负担现金支付。",
                                             refused[1], clause))
    left = max(ZERO, min(payable, out.psn_part_amt) - out.acct_pay)
    pay = min(balance, left)
    step = Step(
        "account.mutual_aid",
        f"家庭共济：本人个人账户支付后尚可由个人账户支付 {fmt(left)} 元，已确认的家庭成员个人账户余额 {fmt(balance)} 元，"
        f"本次共济支付 {fmt(pay)} 元，该账户余额 {fmt(balance - pay)} 元。",
        f"Family mutual aid: the relative's account pays {fmt(pay)} of {fmt(left)} left; "
        f"their balance after {fmt(balance - pay)}.",
        clause,
        {"payable_left": left, "relative_balance": balance},
        {"acct_mulaid_pay": pay, "relative_balc": balance - pay},
    )
    return MutualAid(pay, balance - pay, step)
