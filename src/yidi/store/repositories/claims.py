"""Repositories of manual reimbursement (手工报销): claims with their invoices, fee lines and history, and
their scanned papers (payment batches are in yidi.store.repositories.claim_payments)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from yidi.domain.claim_rules import ClaimState
from yidi.domain.claim_rules.records import (
    ClaimDocument,
    ClaimEvent,
    ClaimInvoice,
    ClaimLine,
    ClaimRecord,
    InvoiceHolder,
)
from yidi.domain.money import from_fen, to_fen
from yidi.store.claim_models import (
    ClaimDocumentRow,
    ClaimEventRow,
    ClaimInvoiceRow,
    ClaimLineRow,
    ClaimRow,
)
from yidi.store.models import PersonRow, VisitRow
from yidi.store.repositories.held import hold
from yidi.store.settlement_models import SettlementRow


class ClaimRepository(Protocol):
    """手工报销申请 by claim number, with their invoices, fee lines and history."""

    def get(self, claim_no: str, *, lock: bool = False) -> ClaimRecord | None:
        """The claim; `lock` holds its row to the end of the transaction (every change of one claim
        serialises on it) and reads it afresh."""
        ...

    def add(self, claim: ClaimRecord) -> ClaimRecord:
        """Store a new claim; returns it with its store key."""
        ...

    def save(self, claim: ClaimRecord) -> None: ...
    def page(self, *, person: str | None = None, region: str | None = None, state: ClaimState | None = None,
             limit: int = 100, offset: int = 0) -> tuple[int, list[tuple[ClaimRecord, str]]]:
        """A person's claims or a region's, newest first, each with the person's name; the total before paging."""
        ...

    def queue(self, region: str, limit: int) -> list[tuple[ClaimRecord, str]]:
        """The region's SUBMITTED, IN_REVIEW and APPEALED claims, latest submission oldest first, with the person's
        name."""
        ...

    def invoices(self, claim: ClaimRecord) -> list[ClaimInvoice]: ...
    def replace_invoices(self, claim: ClaimRecord, invoices: Sequence[ClaimInvoice]) -> None: ...
    def release_invoices(self, claim: ClaimRecord) -> None:
        """The claim holds its invoices no more (rejected): another claim may carry them."""
        ...

    def hold_invoices(self, claim: ClaimRecord) -> None:
        """The claim holds its invoices again (appealed); the partial unique index refuses one held elsewhere."""
        ...

    def invoice_holders(self, claim: ClaimRecord, numbers: Sequence[str]) -> list[InvoiceHolder]:
        """Other claims that hold any of these invoice numbers."""
        ...

    def lines(self, claim: ClaimRecord) -> list[ClaimLine]: ...
    def replace_lines(self, claim: ClaimRecord, lines: Sequence[ClaimLine]) -> None: ...
    def save_line(self, claim: ClaimRecord, line: ClaimLine) -> None:
        """Write a line's exclusion (the line of that line_id)."""
        ...

    def events(self, claim: ClaimRecord) -> list[ClaimEvent]: ...
    def record_event(self, claim: ClaimRecord, event: ClaimEvent) -> None:
        """Append `event` to the history (its seq is the next one, whatever `event.seq` says)."""
        ...

    def direct_settlement(self, claim: ClaimRecord) -> tuple[str, dt.date] | None:
        """A settlement still standing of the claim's person at its hospital for a visit of the same type and
        admission day (its number and day): care settled directly cannot be claimed again."""
        ...


class ClaimDocumentRepository(Protocol):
    """A claim's scanned papers (the files themselves are in yidi.store.scans). Never deleted."""

    def of_claim(self, claim: ClaimRecord, *, superseded: bool = False) -> list[ClaimDocument]:
        """The claim's papers in upload order; `superseded` includes those taken off."""
        ...

    def get(self, claim: ClaimRecord, doc_id: int) -> ClaimDocument | None: ...
    def add(self, claim: ClaimRecord, doc: ClaimDocument) -> ClaimDocument:
        """Store a paper; returns it with its ID."""
        ...

    def supersede(self, claim: ClaimRecord, doc_id: int, at: dt.datetime) -> None: ...


# ------------------------------------------------------------------------------------------ rows and values

# the claims in the agency's review queue: waiting, under review, appealed (复核)
QUEUED = (ClaimState.SUBMITTED, ClaimState.IN_REVIEW, ClaimState.APPEALED)

# fields a claim row and record share by name (the money fields go by fen in the row)
_CLAIM_FIELDS = ("insured_region", "state", "filed_by", "institution", "hospital_name", "hospital_region",
                 "hospital_level", "networked", "visit_type", "admitted_on", "discharged_on", "emergency", "referral",
                 "diagnosis_code", "diagnosis_name", "reason_not_direct", "bank_name", "bank_account",
                 "account_holder", "asked_note", "scheme", "year", "basis", "pack", "policy_version", "breakdown",
                 "accumulators_before", "accumulators_after", "created_at", "updated_at", "submitted_on",
                 "submitted_at", "decided_on", "paid_on", "version")
_CLAIM_MONEY = ("medfee_sumamt", "fund_pay_sumamt", "psn_part_amt", "excluded")


def _maybe_yuan(fen: int | None) -> Decimal | None:
    return None if fen is None else from_fen(fen)


def claim_of(row: ClaimRow, citizen_id: str) -> ClaimRecord:
    values: dict[str, Any] = {f: getattr(row, f) for f in _CLAIM_FIELDS}
    values.update({f: _maybe_yuan(getattr(row, f"{f}_fen")) for f in _CLAIM_MONEY})
    return ClaimRecord(claim_no=row.claim_no, person_id_number=citizen_id, asked=list(row.asked), key=row.id,
                       person_key=row.person_id, **values)


def _write(row: ClaimRow, claim: ClaimRecord) -> None:
    """Set what differs only, so that an unchanged claim is not an UPDATE (nor a line of the row log)."""
    values: dict[str, Any] = {f: getattr(claim, f) for f in _CLAIM_FIELDS}
    values.update({f"{f}_fen": None if getattr(claim, f) is None else to_fen(getattr(claim, f)) for f in _CLAIM_MONEY})
    values["asked"] = list(claim.asked)
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)


def _line_of(r: ClaimLineRow) -> ClaimLine:
    return ClaimLine(r.seq, r.line_id, r.code, r.name, r.quantity, from_fen(r.unit_price_fen), from_fen(r.amount_fen),
                     r.line_date, r.excluded, r.exclude_reason, r.excluded_by)


def _document_of(r: ClaimDocumentRow) -> ClaimDocument:
    return ClaimDocument(r.id, r.material, r.sha256, r.size, r.kind, r.filename, r.uploaded_by, r.uploaded_at,
                         r.superseded_at)


# ------------------------------------------------------------------------------------------ SQL


class Claims:
    """The SQL claims repository."""

    def __init__(self, session: Session) -> None:
        self.s = session
        self._lines: dict[tuple[int, str], ClaimLineRow] = {}  # the lines read, for save_line to write onto

    def _record(self, row: ClaimRow, citizen_id: str) -> ClaimRecord:
        hold(self.s, row)  # `save` writes onto it without a second SELECT
        return claim_of(row, citizen_id)

    def _row(self, claim: ClaimRecord) -> ClaimRow:
        row = self.s.get(ClaimRow, claim.key)
        if row is None:  # pragma: no cover - a claim record always comes from this store
            raise LookupError(f"no claim {claim.claim_no}")
        return row

    def get(self, claim_no: str, *, lock: bool = False) -> ClaimRecord | None:
        q = (select(ClaimRow, PersonRow.citizen_id).join(PersonRow, PersonRow.id == ClaimRow.person_id)
             .where(ClaimRow.claim_no == claim_no))
        if lock:  # the claim's row only: the person's row is what filings and settlements lock
            q = q.with_for_update(of=ClaimRow).execution_options(populate_existing=True)
        found = self.s.execute(q).one_or_none()
        return None if found is None else self._record(found[0], found[1])

    def add(self, claim: ClaimRecord) -> ClaimRecord:
        person_id = self.s.scalar(select(PersonRow.id).where(PersonRow.citizen_id == claim.person_id_number))
        if person_id is None:  # pragma: no cover - services claim only for persons they found
            raise LookupError(f"no person for claim {claim.claim_no}")
        row = ClaimRow(claim_no=claim.claim_no, person_id=person_id, asked=[])
        _write(row, claim)
        self.s.add(row)
        self.s.flush()
        hold(self.s, row)
        claim.key, claim.person_key = row.id, person_id
        return claim

    def save(self, claim: ClaimRecord) -> None:
        _write(self._row(claim), claim)
        self.s.flush()

    def page(self, *, person: str | None = None, region: str | None = None, state: ClaimState | None = None,
             limit: int = 100, offset: int = 0) -> tuple[int, list[tuple[ClaimRecord, str]]]:
        q = select(ClaimRow, PersonRow).join(PersonRow, PersonRow.id == ClaimRow.person_id)
        if person is not None:
            q = q.where(PersonRow.citizen_id == person)
        if region is not None:
            q = q.where(ClaimRow.insured_region == region)
        if state is not None:
            q = q.where(ClaimRow.state == state)
        total = self.s.scalar(select(func.count()).select_from(q.subquery())) or 0
        rows = self.s.execute(q.order_by(ClaimRow.created_at.desc(), ClaimRow.id.desc()).limit(limit).offset(offset))
        return total, [(self._record(c, p.citizen_id), p.name) for c, p in rows]

    def queue(self, region: str, limit: int) -> list[tuple[ClaimRecord, str]]:
        q = (select(ClaimRow, PersonRow).join(PersonRow, PersonRow.id == ClaimRow.person_id)
             .where(ClaimRow.insured_region == region, ClaimRow.state.in_(QUEUED))
             .order_by(ClaimRow.submitted_at, ClaimRow.id).limit(limit))
        return [(self._record(c, p.citizen_id), p.name) for c, p in self.s.execute(q)]

    def invoices(self, claim: ClaimRecord) -> list[ClaimInvoice]:
        q = select(ClaimInvoiceRow).where(ClaimInvoiceRow.claim_id == claim.key).order_by(ClaimInvoiceRow.id)
        return [ClaimInvoice(r.invoice_no, r.invoice_date, from_fen(r.amount_fen), r.payer, r.held)
                for r in self.s.scalars(q)]

    def replace_invoices(self, claim: ClaimRecord, invoices: Sequence[ClaimInvoice]) -> None:
        self.s.execute(delete(ClaimInvoiceRow).where(ClaimInvoiceRow.claim_id == claim.key))
        self.s.flush()
        self.s.add_all(ClaimInvoiceRow(claim_id=claim.key, invoice_no=i.invoice_no, invoice_date=i.invoice_date,
                                       amount_fen=to_fen(i.amount), payer=i.payer, held=i.held) for i in invoices)
        self.s.flush()

    def release_invoices(self, claim: ClaimRecord) -> None:
        self.s.execute(update(ClaimInvoiceRow).where(ClaimInvoiceRow.claim_id == claim.key).values(held=False))

    def hold_invoices(self, claim: ClaimRecord) -> None:
        self.s.execute(update(ClaimInvoiceRow).where(ClaimInvoiceRow.claim_id == claim.key).values(held=True))

    def invoice_holders(self, claim: ClaimRecord, numbers: Sequence[str]) -> list[InvoiceHolder]:
        q = (select(ClaimInvoiceRow.invoice_no, ClaimRow.claim_no, ClaimRow.state, PersonRow.citizen_id,
                    ClaimRow.insured_region)
             .join(ClaimRow, ClaimRow.id == ClaimInvoiceRow.claim_id).join(PersonRow, PersonRow.id == ClaimRow.person_id)
             .where(ClaimInvoiceRow.invoice_no.in_(list(numbers)), ClaimInvoiceRow.held, ClaimRow.id != claim.key))
        return [InvoiceHolder(*r) for r in self.s.execute(q)]

    def lines(self, claim: ClaimRecord) -> list[ClaimLine]:
        q = select(ClaimLineRow).where(ClaimLineRow.claim_id == claim.key).order_by(ClaimLineRow.seq)
        rows = list(self.s.scalars(q))
        self._lines.update({(claim.key, r.line_id): r for r in rows})
        return [_line_of(r) for r in rows]

    def replace_lines(self, claim: ClaimRecord, lines: Sequence[ClaimLine]) -> None:
        self._lines = {k: r for k, r in self._lines.items() if k[0] != claim.key}
        self.s.execute(delete(ClaimLineRow).where(ClaimLineRow.claim_id == claim.key))
        self.s.flush()
        self.s.add_all(ClaimLineRow(claim_id=claim.key, seq=ln.seq, line_id=ln.line_id, code=ln.code, name=ln.name,
                                    quantity=ln.quantity, unit_price_fen=to_fen(ln.unit_price),
                                    amount_fen=to_fen(ln.amount), line_date=ln.line_date) for ln in lines)
        self.s.flush()

    def save_line(self, claim: ClaimRecord, line: ClaimLine) -> None:
        row = self._lines.get((claim.key, line.line_id)) or self.s.scalars(
            select(ClaimLineRow).where(ClaimLineRow.claim_id == claim.key, ClaimLineRow.line_id == line.line_id)).one()
        row.excluded, row.exclude_reason, row.excluded_by = line.excluded, line.exclude_reason, line.excluded_by
        self.s.flush()

    def events(self, claim: ClaimRecord) -> list[ClaimEvent]:
        q = select(ClaimEventRow).where(ClaimEventRow.claim_id == claim.key).order_by(ClaimEventRow.seq)
        return [ClaimEvent(e.seq, e.action, e.from_state, e.to_state, e.actor_role, e.actor, e.reason, e.detail,
                           e.on_day, e.at) for e in self.s.scalars(q)]

    def record_event(self, claim: ClaimRecord, event: ClaimEvent) -> None:
        seq = (self.s.scalar(select(func.max(ClaimEventRow.seq)).where(ClaimEventRow.claim_id == claim.key)) or 0) + 1
        self.s.add(ClaimEventRow(claim_id=claim.key, seq=seq, action=event.action, from_state=event.from_state,
                                 to_state=event.to_state, actor_role=event.actor_role, actor=event.actor,
                                 reason=event.reason, detail=event.detail, on_day=event.on_day, at=event.at))

    def direct_settlement(self, claim: ClaimRecord) -> tuple[str, dt.date] | None:
        if claim.institution is None:
            return None
        q = (select(SettlementRow.setl_id, SettlementRow.settlement_date)
             .join(VisitRow, VisitRow.id == SettlementRow.visit_id)
             .where(SettlementRow.person_id == claim.person_key, SettlementRow.institution == claim.institution,
                    SettlementRow.status == "SETTLED", VisitRow.admitted_on == claim.admitted_on,
                    VisitRow.visit_type == claim.visit_type))
        found = self.s.execute(q).first()
        return None if found is None else (found[0], found[1])


class ClaimDocuments:
    """The SQL repository of a claim's scanned papers."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def of_claim(self, claim: ClaimRecord, *, superseded: bool = False) -> list[ClaimDocument]:
        q = select(ClaimDocumentRow).where(ClaimDocumentRow.claim_id == claim.key)
        if not superseded:
            q = q.where(ClaimDocumentRow.superseded_at.is_(None))
        return [_document_of(r) for r in self.s.scalars(q.order_by(ClaimDocumentRow.id))]

    def get(self, claim: ClaimRecord, doc_id: int) -> ClaimDocument | None:
        row = self.s.get(ClaimDocumentRow, doc_id)
        if row is None or row.claim_id != claim.key:
            return None
        hold(self.s, row)  # supersede writes onto it
        return _document_of(row)

    def add(self, claim: ClaimRecord, doc: ClaimDocument) -> ClaimDocument:
        row = ClaimDocumentRow(claim_id=claim.key, material=doc.material, sha256=doc.sha256, size=doc.size,
                               kind=doc.kind, filename=doc.filename, uploaded_by=doc.uploaded_by,
                               uploaded_at=doc.uploaded_at)
        self.s.add(row)
        self.s.flush()
        return _document_of(row)

    def supersede(self, claim: ClaimRecord, doc_id: int, at: dt.datetime) -> None:
        row = self.s.get(ClaimDocumentRow, doc_id)
        assert row is not None and row.claim_id == claim.key
        row.superseded_at = at
        self.s.flush()
