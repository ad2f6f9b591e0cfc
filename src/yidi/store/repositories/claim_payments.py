"""Repository of the payment of manual claims: payment batches of a region, their transfers, and the claims'
ledger postings.

What guards against paying twice stays in the statements here: a claim joins a batch by a conditional UPDATE
(APPROVED, no batch yet, something to pay), a batch turns PAID by a conditional UPDATE, and the tables'
unique keys (one payment per claim, one posting of a kind per claim and account) are the backstop.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from yidi.domain.claim_rules import ClaimState
from yidi.domain.claim_rules.records import ClaimRecord, Payment, PaymentBatch
from yidi.domain.money import from_fen, to_fen
from yidi.store.claim_models import ClaimBatchRow, ClaimLedgerEntryRow, ClaimPaymentRow, ClaimRow
from yidi.store.models import PersonRow
from yidi.store.repositories.claims import claim_of


class PaymentBatchRepository(Protocol):
    """Payment batches of a region, their transfers, and the claims' ledger postings."""

    def add(self, batch: PaymentBatch) -> None: ...
    def get(self, batch_no: str) -> PaymentBatch | None:
        """The batch as it is now in the store."""
        ...

    def save(self, batch: PaymentBatch) -> None:
        """Write the batch's count, total and checksum."""
        ...

    def gather(self, batch: PaymentBatch) -> list[ClaimRecord]:
        """Put every APPROVED claim of the batch's region with something to pay and no batch yet into `batch`
        (one conditional UPDATE: a concurrent batch waits for these row locks and then finds none of them);
        returns them, earliest approval first."""
        ...

    def add_payments(self, batch: PaymentBatch, payments: Sequence[Payment]) -> None: ...
    def payments(self, batch_no: str) -> list[tuple[Payment, ClaimRecord]]:
        """The batch's transfers in order, each with its claim."""
        ...

    def mark_paid(self, batch_no: str, on_day: dt.date, by: str, bank_reference: str) -> bool:
        """OPEN → PAID by a conditional UPDATE: False when the batch was paid already (by anyone)."""
        ...


    def post(self, claim: ClaimRecord, batch_no: str, kind: str, legs: Sequence[tuple[str, Decimal]],
             on_day: dt.date, at: dt.datetime) -> None:
        """Write a claim's posting `<claim_no>:<kind>` (legs: account, amount; debit positive)."""
        ...

    def ledger_check(self) -> tuple[list[str], int, int]:
        """(postings that do not sum to zero, PAID claims, claims with a posting)."""
        ...


def _batch_of(r: ClaimBatchRow) -> PaymentBatch:
    return PaymentBatch(r.batch_no, r.insured_region, r.status, r.count, from_fen(r.total_fen), r.checksum,
                        r.created_by, r.created_on, r.created_at, r.paid_on, r.paid_by, r.bank_reference)


class PaymentBatches:
    """The SQL repository of payment batches, transfers and claim postings."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def _row(self, batch_no: str, *, fresh: bool = False) -> ClaimBatchRow | None:
        q = select(ClaimBatchRow).where(ClaimBatchRow.batch_no == batch_no)
        if fresh:
            q = q.execution_options(populate_existing=True)
        return self.s.scalars(q).one_or_none()

    def _id(self, batch_no: str) -> int:
        row = self._row(batch_no)
        assert row is not None
        return row.id

    def add(self, batch: PaymentBatch) -> None:
        self.s.add(ClaimBatchRow(batch_no=batch.batch_no, insured_region=batch.insured_region, status=batch.status,
                                 count=batch.count, total_fen=to_fen(batch.total), checksum=batch.checksum,
                                 created_by=batch.created_by, created_on=batch.created_on, created_at=batch.created_at))
        self.s.flush()

    def get(self, batch_no: str) -> PaymentBatch | None:
        row = self._row(batch_no, fresh=True)
        return None if row is None else _batch_of(row)

    def save(self, batch: PaymentBatch) -> None:
        row = self._row(batch.batch_no)
        assert row is not None
        row.count, row.total_fen, row.checksum = batch.count, to_fen(batch.total), batch.checksum
        self.s.flush()

    def gather(self, batch: PaymentBatch) -> list[ClaimRecord]:
        batch_id = self._id(batch.batch_no)
        self.s.execute(update(ClaimRow).where(ClaimRow.insured_region == batch.insured_region,
                                              ClaimRow.state == ClaimState.APPROVED, ClaimRow.batch_id.is_(None),
                                              ClaimRow.fund_pay_sumamt_fen > 0).values(batch_id=batch_id)
                       .execution_options(synchronize_session=False))
        q = (select(ClaimRow, PersonRow.citizen_id).join(PersonRow, PersonRow.id == ClaimRow.person_id)
             .where(ClaimRow.batch_id == batch_id).order_by(ClaimRow.decided_on, ClaimRow.id)
             .execution_options(populate_existing=True))
        return [claim_of(c, cid) for c, cid in self.s.execute(q)]

    def add_payments(self, batch: PaymentBatch, payments: Sequence[Payment]) -> None:
        batch_id = self._id(batch.batch_no)
        ids = {no: i for no, i in self.s.execute(select(ClaimRow.claim_no, ClaimRow.id)
                                                 .where(ClaimRow.claim_no.in_([p.claim_no for p in payments])))}
        self.s.add_all(ClaimPaymentRow(claim_id=ids[p.claim_no], batch_id=batch_id, seq=p.seq, amount_fen=to_fen(p.amount),
                                       payee_name=p.payee_name, bank_name=p.bank_name, bank_account=p.bank_account)
                       for p in payments)
        self.s.flush()

    def payments(self, batch_no: str) -> list[tuple[Payment, ClaimRecord]]:
        q = (select(ClaimPaymentRow, ClaimRow, PersonRow.citizen_id)
             .join(ClaimRow, ClaimRow.id == ClaimPaymentRow.claim_id).join(PersonRow, PersonRow.id == ClaimRow.person_id)
             .join(ClaimBatchRow, ClaimBatchRow.id == ClaimPaymentRow.batch_id)
             .where(ClaimBatchRow.batch_no == batch_no).order_by(ClaimPaymentRow.seq))
        return [(Payment(p.seq, c.claim_no, from_fen(p.amount_fen), p.payee_name, p.bank_name, p.bank_account),
                 claim_of(c, cid)) for p, c, cid in self.s.execute(q)]

    def mark_paid(self, batch_no: str, on_day: dt.date, by: str, bank_reference: str) -> bool:
        res = self.s.execute(update(ClaimBatchRow).where(ClaimBatchRow.batch_no == batch_no, ClaimBatchRow.status == "OPEN")
                             .values(status="PAID", paid_on=on_day, paid_by=by, bank_reference=bank_reference)
                             .execution_options(synchronize_session=False))
        return bool(res.rowcount == 1)  # type: ignore[attr-defined]


    def post(self, claim: ClaimRecord, batch_no: str, kind: str, legs: Sequence[tuple[str, Decimal]],
             on_day: dt.date, at: dt.datetime) -> None:
        batch_id = self._id(batch_no)
        self.s.add_all(ClaimLedgerEntryRow(posting=f"{claim.claim_no}:{kind}", claim_id=claim.key, batch_id=batch_id,
                                           kind=kind, account=a, amount_fen=to_fen(amt), on_day=on_day, at=at)
                       for a, amt in legs)

    def ledger_check(self) -> tuple[list[str], int, int]:
        bad = [p for p, total in self.s.execute(select(ClaimLedgerEntryRow.posting, func.sum(ClaimLedgerEntryRow.amount_fen))
                                                .group_by(ClaimLedgerEntryRow.posting)) if total != 0]
        paid = self.s.scalar(select(func.count()).select_from(ClaimRow).where(ClaimRow.state == ClaimState.PAID)) or 0
        posted = self.s.scalar(select(func.count(func.distinct(ClaimLedgerEntryRow.claim_id)))) or 0
        return bad, paid, posted
