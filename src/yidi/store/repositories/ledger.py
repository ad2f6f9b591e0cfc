"""Repository of the ledger (账务): the legs of every posting, in fen, and what `yidi ledger verify` reads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Protocol, cast

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from yidi.domain.bill import YearAccumulators
from yidi.domain.claim_rules import ClaimState
from yidi.domain.enums import Scheme
from yidi.store import flush_one, plain_rows
from yidi.store.claim_models import ClaimLedgerEntryRow, ClaimRow
from yidi.store.settlement_models import LedgerEntryRow, YearAccumulatorRow

# a year's accumulators as stored: (person, scheme, year), content
StoredAccumulators = tuple[tuple[int, Scheme, int], YearAccumulators]
_LEGS = cast(Table, LedgerEntryRow.__table__)


class LedgerRepository(Protocol):
    """总账: postings of settlements (and, to verify, of manual claims)."""

    def post(self, settlement_id: int, posting: str, kind: str, legs: Sequence[tuple[str, int]], day: dt.date,
             at: dt.datetime) -> None:
        """Write one posting's legs (account, fen)."""
        ...

    def postings_of(self, settlement_id: int) -> int:
        """How many postings the settlement has (its first SETTLE counts)."""
        ...

    def posting_totals(self) -> Iterator[tuple[str, int, int]]:
        """(posting, sum of its legs in fen, number of legs) for every settlement posting."""
        ...

    def claim_posting_totals(self) -> Iterator[tuple[str, int, int]]:
        """The same for manual claims' postings."""
        ...

    def nets_by_settlement(self) -> dict[int, dict[str, int]]:
        """Settlement number -> account -> net fen of all its postings."""
        ...

    def consuming_claims(self) -> Iterator[tuple[int, Scheme, int, YearAccumulators, YearAccumulators]]:
        """Approved or paid manual claims that moved accumulators: (person, scheme, year, before, after)."""
        ...

    def stored_accumulators(self) -> Iterator[StoredAccumulators]:
        """Every stored year accumulator."""
        ...


class Ledger:
    """The SQL ledger repository (ledger_entries; read-only: claim_ledger_entries, claims, accumulators)."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def post(self, settlement_id: int, posting: str, kind: str, legs: Sequence[tuple[str, int]], day: dt.date,
             at: dt.datetime) -> None:
        if flush_one.asked(self.s):  # the writes go at commit: plain values, no ORM objects
            for a, amt in legs:
                plain_rows.add(self.s, _LEGS, {"posting": posting, "settlement_id": settlement_id, "kind": kind,
                                               "account": a, "amount_fen": amt, "on_day": day, "at": at})
            return
        self.s.add_all(LedgerEntryRow(posting=posting, settlement_id=settlement_id, kind=kind, account=a, amount_fen=amt,
                                      on_day=day, at=at) for a, amt in legs)

    def postings_of(self, settlement_id: int) -> int:
        return self.s.scalar(select(func.count(func.distinct(LedgerEntryRow.posting)))
                             .where(LedgerEntryRow.settlement_id == settlement_id)) or 0

    def posting_totals(self) -> Iterator[tuple[str, int, int]]:
        q = select(LedgerEntryRow.posting, func.sum(LedgerEntryRow.amount_fen), func.count()).group_by(LedgerEntryRow.posting)
        for posting, total, n in self.s.execute(q).all():
            yield str(posting), int(total), int(n)

    def claim_posting_totals(self) -> Iterator[tuple[str, int, int]]:
        q = select(ClaimLedgerEntryRow.posting, func.sum(ClaimLedgerEntryRow.amount_fen), func.count()).group_by(
            ClaimLedgerEntryRow.posting)
        for posting, total, n in self.s.execute(q).all():
            yield str(posting), int(total), int(n)

    def nets_by_settlement(self) -> dict[int, dict[str, int]]:
        out: dict[int, dict[str, int]] = {}
        for sid, account, amt in self.s.execute(select(LedgerEntryRow.settlement_id, LedgerEntryRow.account,
                                                       LedgerEntryRow.amount_fen)).all():
            legs = out.setdefault(sid, {})
            legs[account] = legs.get(account, 0) + amt
        return out

    def consuming_claims(self) -> Iterator[tuple[int, Scheme, int, YearAccumulators, YearAccumulators]]:
        q = select(ClaimRow).where(ClaimRow.state.in_([ClaimState.APPROVED, ClaimState.PAID]),
                                   ClaimRow.accumulators_after.is_not(None))
        for claim in self.s.scalars(q.order_by(ClaimRow.id)):
            assert claim.scheme is not None and claim.year is not None and claim.accumulators_before is not None
            yield (claim.person_id, claim.scheme, claim.year, YearAccumulators.model_validate(claim.accumulators_before),
                   YearAccumulators.model_validate(claim.accumulators_after))

    def stored_accumulators(self) -> Iterator[StoredAccumulators]:
        for row in self.s.scalars(select(YearAccumulatorRow)):
            yield (row.person_id, row.scheme, row.year), YearAccumulators.model_validate(row.content)
