"""Ledger verification: every posting balances, every settlement's postings match it, and every year
accumulator equals the sum of the settlements and approved manual claims behind it (`yidi ledger verify`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from yidi.domain.bill import YearAccumulators
from yidi.domain.ledger import FUND_FIELDS, accumulate, legs, without_zeros
from yidi.domain.money import to_fen
from yidi.services.context import Context
from yidi.store.repositories.settlements import posted_of


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

    with ctx.uow() as uow:
        # 1. every posting sums to zero
        for posting, total, n in uow.ledger.posting_totals():
            rep.postings += 1
            rep.entries += n
            if total != 0:
                problem(f"posting {posting} does not balance: {total} fen")
        # 2. each settlement: identities hold, and its postings net to what its status says
        legs_by_setl = uow.ledger.nets_by_settlement()
        sums: dict[tuple[int, str, int], YearAccumulators] = {}
        for row in uow.settlements.all():
            rep.settlements += 1
            fund = sum(getattr(row, f"{f}_fen") for f in FUND_FIELDS)
            if row.fund_pay_sumamt_fen != fund:
                problem(f"{row.setl_id}: fund_pay_sumamt {row.fund_pay_sumamt_fen} != sum of funds {fund}")
            if row.medfee_sumamt_fen != row.fund_pay_sumamt_fen + row.psn_part_amt_fen:
                problem(f"{row.setl_id}: medfee_sumamt != fund_pay_sumamt + psn_part_amt")
            if row.psn_part_amt_fen != row.acct_pay_fen + row.acct_mulaid_pay_fen + row.psn_cash_pay_fen:
                problem(f"{row.setl_id}: psn_part_amt != acct_pay + acct_mulaid_pay + psn_cash_pay")
            live = 1 if row.status == "SETTLED" else 0
            want = {a: to_fen(amt) for a, amt in legs(posted_of(row)) if live and amt}
            assert row.id is not None
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
        for posting, total, n in uow.ledger.claim_posting_totals():
            rep.postings += 1
            rep.entries += n
            if total != 0:
                problem(f"claim posting {posting} does not balance: {total} fen")
        for person, scheme, year, before, after in uow.ledger.consuming_claims():
            key = (person, scheme.value, year)
            sums[key] = accumulate(sums.get(key) or YearAccumulators(year=year), before, after, 1)
        # 3. every accumulator row equals the sum of its live settlements and consuming claims
        seen: set[tuple[int, str, int]] = set()
        for (person, scheme, year), content in uow.ledger.stored_accumulators():
            rep.accumulators += 1
            key = (person, scheme.value, year)
            seen.add(key)
            stored = without_zeros(content)
            expected = without_zeros(sums.get(key) or YearAccumulators(year=year))
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
