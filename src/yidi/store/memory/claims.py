"""In-memory twins of the claim repositories: claims, their papers, payment batches and postings."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from collections.abc import Sequence

from yidi.domain.claim_rules import ClaimState
from yidi.domain.claim_rules.records import (
    ClaimDocument,
    ClaimEvent,
    ClaimInvoice,
    ClaimLine,
    ClaimRecord,
    InvoiceHolder,
)
from yidi.store.memory.tables import Tables
from yidi.store.repositories.claims import QUEUED


class MemoryClaims:
    def __init__(self, tables: Tables) -> None:
        self.t = tables

    def get(self, claim_no: str, *, lock: bool = False) -> ClaimRecord | None:
        found = self.t.claims.get(claim_no)
        return None if found is None else copy.deepcopy(found)  # a change counts once saved, as in the store

    def add(self, claim: ClaimRecord) -> ClaimRecord:
        if claim.person_id_number not in self.t.persons:  # the database's foreign key
            raise LookupError(f"no person for claim {claim.claim_no}")
        if claim.claim_no in self.t.claims:  # the unique claim number
            raise LookupError(f"claim {claim.claim_no} exists")
        claim.key = len(self.t.claims) + 1
        # the store's number of the person, as the persons twin gives it (MemoryPersons.key_of)
        claim.person_key = self.t.person_keys.setdefault(claim.person_id_number, len(self.t.person_keys) + 1)
        self.t.claims[claim.claim_no] = copy.deepcopy(claim)
        return claim

    def save(self, claim: ClaimRecord) -> None:
        self.t.claims[claim.claim_no] = copy.deepcopy(claim)

    def _named(self, claims: Sequence[ClaimRecord]) -> list[tuple[ClaimRecord, str]]:
        return [(copy.deepcopy(c), self.t.persons[c.person_id_number].name) for c in claims]

    def page(self, *, person: str | None = None, region: str | None = None, state: ClaimState | None = None,
             limit: int = 100, offset: int = 0) -> tuple[int, list[tuple[ClaimRecord, str]]]:
        found = [c for c in self.t.claims.values()
                 if (person is None or c.person_id_number == person) and (region is None or c.insured_region == region)
                 and (state is None or c.state is state)]
        found.sort(key=lambda c: (c.created_at, c.key), reverse=True)
        return len(found), self._named(found[offset:offset + limit])

    def queue(self, region: str, limit: int) -> list[tuple[ClaimRecord, str]]:
        found = [c for c in self.t.claims.values() if c.insured_region == region
                 and c.state in QUEUED]
        found.sort(key=lambda c: (c.submitted_at or dt.datetime.min.replace(tzinfo=dt.UTC), c.key))
        return self._named(found[:limit])

    def invoices(self, claim: ClaimRecord) -> list[ClaimInvoice]:
        return list(self.t.claim_invoices.get(claim.claim_no, []))

    def replace_invoices(self, claim: ClaimRecord, invoices: Sequence[ClaimInvoice]) -> None:
        held = {i.invoice_no for c, its in self.t.claim_invoices.items() if c != claim.claim_no for i in its if i.held}
        if any(i.held and i.invoice_no in held for i in invoices):  # the database's partial unique index
            raise LookupError("invoice held by another claim")
        self.t.claim_invoices[claim.claim_no] = list(invoices)

    def release_invoices(self, claim: ClaimRecord) -> None:
        self.t.claim_invoices[claim.claim_no] = [dataclasses.replace(i, held=False)
                                                 for i in self.t.claim_invoices.get(claim.claim_no, [])]

    def hold_invoices(self, claim: ClaimRecord) -> None:
        mine = self.t.claim_invoices.get(claim.claim_no, [])
        self.t.claim_invoices[claim.claim_no] = []
        self.replace_invoices(claim, [dataclasses.replace(i, held=True) for i in mine])  # the index's check

    def invoice_holders(self, claim: ClaimRecord, numbers: Sequence[str]) -> list[InvoiceHolder]:
        wanted = set(numbers)
        return [InvoiceHolder(i.invoice_no, other.claim_no, other.state, other.person_id_number, other.insured_region)
                for no, its in self.t.claim_invoices.items() if no != claim.claim_no
                for i in its if i.held and i.invoice_no in wanted for other in (self.t.claims[no],)]

    def lines(self, claim: ClaimRecord) -> list[ClaimLine]:
        return list(self.t.claim_lines.get(claim.claim_no, []))

    def replace_lines(self, claim: ClaimRecord, lines: Sequence[ClaimLine]) -> None:
        self.t.claim_lines[claim.claim_no] = list(lines)

    def save_line(self, claim: ClaimRecord, line: ClaimLine) -> None:
        mine = self.t.claim_lines[claim.claim_no]
        self.t.claim_lines[claim.claim_no] = [line if ln.line_id == line.line_id else ln for ln in mine]

    def events(self, claim: ClaimRecord) -> list[ClaimEvent]:
        return list(self.t.claim_events.get(claim.claim_no, []))

    def record_event(self, claim: ClaimRecord, event: ClaimEvent) -> None:
        events = self.t.claim_events.setdefault(claim.claim_no, [])
        events.append(dataclasses.replace(event, seq=len(events) + 1))

    def direct_settlement(self, claim: ClaimRecord) -> tuple[str, dt.date] | None:
        return None  # the memory store holds no settlements


class MemoryClaimDocuments:
    def __init__(self, tables: Tables) -> None:
        self.t = tables

    def of_claim(self, claim: ClaimRecord, *, superseded: bool = False) -> list[ClaimDocument]:
        return [d for _id, (no, d) in sorted(self.t.claim_documents.items())
                if no == claim.claim_no and (superseded or d.superseded_at is None)]

    def get(self, claim: ClaimRecord, doc_id: int) -> ClaimDocument | None:
        found = self.t.claim_documents.get(doc_id)
        return found[1] if found is not None and found[0] == claim.claim_no else None

    def add(self, claim: ClaimRecord, doc: ClaimDocument) -> ClaimDocument:
        doc = dataclasses.replace(doc, id=len(self.t.claim_documents) + 1)
        self.t.claim_documents[doc.id] = (claim.claim_no, doc)
        return doc

    def supersede(self, claim: ClaimRecord, doc_id: int, at: dt.datetime) -> None:
        no, doc = self.t.claim_documents[doc_id]
        self.t.claim_documents[doc_id] = (no, dataclasses.replace(doc, superseded_at=at))
