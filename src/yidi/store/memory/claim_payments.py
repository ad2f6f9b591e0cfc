"""In-memory twin of the claim payments repository: batches, transfers and postings."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from yidi.domain.claim_rules import ClaimState
from yidi.domain.claim_rules.records import ClaimRecord, Payment, PaymentBatch
from yidi.domain.money import ZERO
from yidi.store.memory.tables import Tables


class MemoryPaymentBatches:
    def __init__(self, tables: Tables) -> None:
        self.t = tables

    def add(self, batch: PaymentBatch) -> None:
        self.t.claim_batches[batch.batch_no] = copy.deepcopy(batch)

    def get(self, batch_no: str) -> PaymentBatch | None:
        found = self.t.claim_batches.get(batch_no)
        return None if found is None else copy.deepcopy(found)

    def save(self, batch: PaymentBatch) -> None:
        self.t.claim_batches[batch.batch_no] = copy.deepcopy(batch)

    def gather(self, batch: PaymentBatch) -> list[ClaimRecord]:
        found = [c for c in self.t.claims.values() if c.insured_region == batch.insured_region
                 and c.state is ClaimState.APPROVED and c.claim_no not in self.t.claim_batch_of
                 and (c.fund_pay_sumamt or ZERO) > 0]
        for c in found:
            self.t.claim_batch_of[c.claim_no] = batch.batch_no
        found.sort(key=lambda c: (c.decided_on or dt.date.min, c.key))
        return [copy.deepcopy(c) for c in found]

    def add_payments(self, batch: PaymentBatch, payments: Sequence[Payment]) -> None:
        self.t.claim_payments.setdefault(batch.batch_no, []).extend(payments)

    def payments(self, batch_no: str) -> list[tuple[Payment, ClaimRecord]]:
        return [(p, copy.deepcopy(self.t.claims[p.claim_no]))
                for p in sorted(self.t.claim_payments.get(batch_no, []), key=lambda p: p.seq)]

    def mark_paid(self, batch_no: str, on_day: dt.date, by: str, bank_reference: str) -> bool:
        batch = self.t.claim_batches[batch_no]
        if batch.status != "OPEN":
            return False
        self.t.claim_batches[batch_no] = dataclasses.replace(batch, status="PAID", paid_on=on_day, paid_by=by,
                                                             bank_reference=bank_reference)
        return True

    def post(self, claim: ClaimRecord, batch_no: str, kind: str, legs: Sequence[tuple[str, Decimal]],
             on_day: dt.date, at: dt.datetime) -> None:
        posting = f"{claim.claim_no}:{kind}"
        if any(p == posting for p, *_rest in self.t.claim_postings):  # UNIQUE(claim, kind, account)
            raise LookupError(f"posting {posting} exists")
        self.t.claim_postings.extend((posting, claim.claim_no, a, amt) for a, amt in legs)

    def ledger_check(self) -> tuple[list[str], int, int]:
        sums: dict[str, Decimal] = {}
        for posting, _no, _a, amt in self.t.claim_postings:
            sums[posting] = sums.get(posting, ZERO) + amt
        paid = sum(1 for c in self.t.claims.values() if c.state is ClaimState.PAID)
        posted = len({no for _p, no, _a, _amt in self.t.claim_postings})
        return [p for p, total in sums.items() if total != 0], paid, posted
