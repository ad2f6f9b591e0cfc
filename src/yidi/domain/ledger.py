"""The ledger's rules: the legs of a settlement's posting, and what a settlement adds to the year accumulators.

A settlement (or a manual claim) is posted as one balanced set of legs (debit positive, credit negative):
the hospital is credited with the total (医疗费总额); each fund that pays (基金支付), the personal account
(个人账户支付), a family member's account that paid by mutual aid (家庭共济, `account:<their holder>`) and the
cash taken at the desk (现金支付) are debited. The breakdown's identities
(medfee = funds + person's part, person's part = account + mutual aid + cash) make every posting sum to zero. A
revocation posts the same legs with the opposite sign; a reinstatement posts them again.

Accumulators move by the difference a settlement made (after - before), added when it stands and taken away
when it is revoked, so a year's accumulators always equal the sum of the settlements that stand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from yidi.domain.bill import YearAccumulators
from yidi.domain.money import ZERO

# Fund fields of a breakdown, each a debtor of the hospital in the ledger (order = order of the legs).
FUND_FIELDS = ("hifp_pay", "hifob_pay", "cvlserv_pay", "hifmi_pay", "maf_pay")

# The amount dicts of YearAccumulators that a settlement moves.
ACC_DICTS = ("deductible_paid", "inscope", "eligible", "cost_shared", "fund_paid", "layer_base", "layer_paid",
             "disease_deductible", "disease_paid")


@dataclass(frozen=True, slots=True)
class Posted:
    """What a posting needs to know of a settlement: who is paid, which region's funds pay, whose account.

    `holder` names the personal account (the store's number of the person: accounts are `account:<holder>`);
    amounts are yuan (Decimal, to the fen), `funds` by FUND_FIELDS name. `mulaid_holder` names the family
    member's account that paid `acct_mulaid_pay` (家庭共济), None when none did.
    """

    institution: str
    insured_region: str
    holder: int | str
    medfee_sumamt: Decimal
    funds: Mapping[str, Decimal]
    acct_pay: Decimal
    psn_cash_pay: Decimal
    mulaid_holder: int | str | None = None
    acct_mulaid_pay: Decimal = ZERO


def legs(p: Posted, sign: int = 1) -> list[tuple[str, Decimal]]:
    """The legs of one posting of `p`, times `sign` (1 settle or reinstate, -1 revoke); zero legs left out
    but the hospital's. Refuses (AssertionError, a defect) a posting that does not sum to zero."""
    out = [(f"hospital:{p.institution}", -sign * p.medfee_sumamt)]
    for f in FUND_FIELDS:
        amt = p.funds.get(f, ZERO)
        if amt:
            out.append((f"fund:{f}:{p.insured_region}", sign * amt))
    if p.acct_pay:
        out.append((f"account:{p.holder}", sign * p.acct_pay))
    if p.acct_mulaid_pay:
        if p.mulaid_holder is None:  # pragma: no cover - settle stores the payer with the amount
            raise AssertionError("mutual aid paid from no one's account")
        out.append((f"account:{p.mulaid_holder}", sign * p.acct_mulaid_pay))
    if p.psn_cash_pay:
        out.append((f"cash:{p.institution}", sign * p.psn_cash_pay))
    if sum(amt for _a, amt in out) != 0:  # pragma: no cover - the breakdown identities make this impossible
        raise AssertionError(f"unbalanced posting: {out}")
    return out


def posting_id(setl_id: str, kind: str, n: int) -> str:
    """The name of a settlement's n-th posting of a kind (SETTLE, REVOKE, REINSTATE)."""
    return f"{setl_id}:{kind}:{n}"


def accumulate(now: YearAccumulators, before: YearAccumulators, after: YearAccumulators,
               sign: int) -> YearAccumulators:
    """now + sign x (after - before), field by field: what a settlement added, added again or took away."""
    upd: dict[str, Any] = {"admissions": now.admissions + sign * (after.admissions - before.admissions)}
    for name in ACC_DICTS:
        a, b, n = getattr(after, name), getattr(before, name), dict(getattr(now, name))
        for k in set(a) | set(b):
            d = a.get(k, ZERO) - b.get(k, ZERO)
            if d:
                n[k] = n.get(k, ZERO) + sign * d
        upd[name] = n
    return now.model_copy(update=upd)


def without_zeros(acc: YearAccumulators) -> dict[str, Any]:
    """Accumulators without zero entries, so {"x": 0} and {} compare equal."""
    out: dict[str, Any] = {"year": acc.year, "admissions": acc.admissions}
    for name in ACC_DICTS:
        out[name] = {k: v for k, v in getattr(acc, name).items() if v != ZERO}
    return out


def claim_legs(insured_region: str, claimant: int | str, funds: Mapping[str, Decimal],
               payable: Decimal) -> list[tuple[str, Decimal]]:
    """The PAY posting of a manual claim (手工报销): each fund that pays debited with its share, the person
    (`claimant:<claimant>`, the store's number of the person) credited with the transfer, which is the funds'
    total. Refuses (AssertionError, a defect) a posting that does not sum to zero."""
    out = [(f"fund:{f}:{insured_region}", funds.get(f, ZERO)) for f in FUND_FIELDS]
    out = [(a, amt) for a, amt in out if amt]
    out.append((f"claimant:{claimant}", -payable))
    if sum(amt for _a, amt in out) != 0:  # pragma: no cover - the breakdown's identities make this impossible
        raise AssertionError(f"unbalanced claim posting: {out}")
    return out
