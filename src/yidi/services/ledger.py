"""Ledger verification: every posting balances, every settlement's postings match it, and every year
accumulator equals the sum of the settlements and approved manual claims behind it (`yidi ledger verify`)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from yidi.domain.bill import YearAccumulators
from yidi.domain.claim_rules import ClaimState
from yidi.domain.ledger import FUND_FIELDS, accumulate, legs, without_zeros
from yidi.domain.money import to_fen
from yidi.services.context import Context
from yidi.store.claim_models import ClaimLedgerEntryRow, ClaimRow
from yidi.store.db import unit_of_work
from yidi.store.repositories.settlements import posted_of
from yidi.store.settlement_models import LedgerEntryRow, SettlementRow, YearAccumulatorRow


@dataclass
class VerifyReport:
    postings: int = 0
    entries: int = 0
    settlements: int = 0
    accumulators: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "postings": self.postings, "entries": self.entries, "settlements": self.settlements,
                "accumulators": self.accumulators, "problems": self.problems}


def verify(ctx: Context, limit: int = 50) -> VerifyReport:
    """Check the whole ledger; at most `limit` problems are listed (the count of failures is not capped)."""
    rep = VerifyReport()
    bad = 0

    def problem(text: str) -> None:
        nonlocal bad
        bad += 1
        if len(rep.problems) < limit:
            rep.problems.append(text)

    with unit_of_work(ctx.sessions) as s:
        # 1. every posting sums to zero
        q = select(LedgerEntryRow.posting, func.sum(LedgerEntryRow.amount_fen), func.count()).group_by(LedgerEntryRow.posting)
        for posting, total, n in s.execute(q).all():
            rep.postings += 1
            rep.entries += n
            if total != 0:
                problem(f"posting {posting} does not balance: {total} fen")
        # 2. each settlement: identities hold, and its postings net to what its status says
        legs_by_setl: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for sid, account, amt in s.execute(select(LedgerEntryRow.settlement_id, LedgerEntryRow.account,
                                                  LedgerEntryRow.amount_fen)).all():
            legs_by_setl[sid][account] += amt
        sums: dict[tuple[int, str, int], YearAccumulators] = {}
        for row in s.scalars(select(SettlementRow).order_by(SettlementRow.id)).yield_per(1000):
            rep.settlements += 1
            fund = sum(getattr(row, f"{f}_fen") for f in FUND_FIELDS)
            if row.fund_pay_sumamt_fen != fund:
                problem(f"{row.setl_id}: fund_pay_sumamt {row.fund_pay_sumamt_fen} != sum of funds {fund}")
            if row.medfee_sumamt_fen != row.fund_pay_sumamt_fen + row.psn_part_amt_fen:
                problem(f"{row.setl_id}: medfee_sumamt != fund_pay_sumamt + psn_part_amt")
            if row.psn_part_amt_fen != row.acct_pay_fen + row.psn_cash_pay_fen:
                problem(f"{row.setl_id}: psn_part_amt != acct_pay + psn_cash_pay")
            live = 1 if row.status == "SETTLED" else 0
            want = {a: to_fen(amt) for a, amt in legs(posted_of(row)) if live and amt}
            have = {a: amt for a, amt in legs_by_setl.get(row.id, {}).items() if amt}
            if want != have:
                problem(f"{row.setl_id} ({row.status}): ledger nets to {have}, expected {want}")
            if live:
                key = (row.person_id, row.scheme.value, row.year)
                base = sums.get(key) or YearAccumulators(year=row.year)
                sums[key] = accumulate(base, YearAccumulators.model_validate(row.accumulators_before),
                                       YearAccumulators.model_validate(row.accumulators_after), 1)
        # 2b. manual claims: their postings balance, and approved/paid claims consumed the year's
        # accumulators at approval (claims service), so they count like live settlements.
        q = select(ClaimLedgerEntryRow.posting, func.sum(ClaimLedgerEntryRow.amount_fen), func.count()).group_by(
            ClaimLedgerEntryRow.posting)
        for posting, total, n in s.execute(q).all():
            rep.postings += 1
            rep.entries += n
            if total != 0:
                problem(f"claim posting {posting} does not balance: {total} fen")
        consumed = select(ClaimRow).where(ClaimRow.state.in_([ClaimState.APPROVED, ClaimState.PAID]),
                                          ClaimRow.accumulators_after.is_not(None))
        for claim in s.scalars(consumed.order_by(ClaimRow.id)):
            assert claim.scheme is not None and claim.year is not None and claim.accumulators_before is not None
            key = (claim.person_id, claim.scheme.value, claim.year)
            base = sums.get(key) or YearAccumulators(year=claim.year)
            sums[key] = accumulate(base, YearAccumulators.model_validate(claim.accumulators_before),
                                   YearAccumulators.model_validate(claim.accumulators_after), 1)
        # 3. every accumulator row equals the sum of its live settlements and consuming claims
        seen: set[tuple[int, str, int]] = set()
        for acc_row in s.scalars(select(YearAccumulatorRow)):
            rep.accumulators += 1
            key = (acc_row.person_id, acc_row.scheme.value, acc_row.year)
            seen.add(key)
            stored = without_zeros(YearAccumulators.model_validate(acc_row.content))
            expected = without_zeros(sums.get(key) or YearAccumulators(year=acc_row.year))
            if stored != expected:
                problem(f"accumulators of person {key[0]} {key[1]} {key[2]}: stored {_show(stored)} != "
                        f"sum of settlements and claims {_show(expected)}")
        for key in sums.keys() - seen:
            problem(f"settlements of person {key[0]} {key[1]} {key[2]} have no accumulator row")
    if bad > len(rep.problems):
        rep.problems.append(f"... and {bad - len(rep.problems)} more")
    return rep


def _show(d: dict[str, Any]) -> str:
    def conv(v: Any) -> Any:
        if isinstance(v, Decimal):
            return str(v)
        if isinstance(v, dict):
            return {k: conv(x) for k, x in v.items()}
        return v

    return str(conv(d))
