"""Tables of manual reimbursement (手工报销): claims, their invoices, fee lines, scanned papers, history,
payment batches, payments and the claims' ledger entries.

Same Base (and naming convention) as yidi.store.models. Money is integer fen (BigInteger), never float;
quantities are kept as the decimal text that was entered. What guards against paying twice lives here as
constraints, not only as state checks: one payment row per claim, one posting of each kind per claim.
Scans are stored as files named by their SHA-256 (yidi.store.scans); a document row is never
deleted, an edit only marks it superseded, so no paper is ever lost.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from yidi.domain import bounds as B
from yidi.domain.claim_rules import ClaimState
from yidi.domain.enums import Level, Scheme, VisitType
from yidi.store.models import Base, str_enum


class ClaimRow(Base):
    """手工报销申请 one claim: the visit, the bank account, its state, and the amounts once approved."""

    __tablename__ = "claims"
    __table_args__ = (
        Index("ix_claims_region_state", "insured_region", "state", "submitted_at"),
        Index("ix_claims_person", "person_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    claim_no: Mapped[str] = mapped_column(String(32), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    insured_region: Mapped[str] = mapped_column(String(6))
    state: Mapped[ClaimState] = mapped_column(str_enum(ClaimState))
    filed_by: Mapped[str] = mapped_column(String(60), default="")
    # the visit; `institution` is set when the hospital is in our reference data, else name + region
    institution: Mapped[str | None] = mapped_column(ForeignKey("institutions.code"))
    hospital_name: Mapped[str] = mapped_column(String(B.INSTITUTION_NAME))
    hospital_region: Mapped[str] = mapped_column(String(6))
    hospital_level: Mapped[Level] = mapped_column(str_enum(Level))
    networked: Mapped[bool] = mapped_column(Boolean, default=False)
    visit_type: Mapped[VisitType] = mapped_column(str_enum(VisitType))
    admitted_on: Mapped[dt.date] = mapped_column(Date)
    discharged_on: Mapped[dt.date | None] = mapped_column(Date)
    emergency: Mapped[bool] = mapped_column(Boolean, default=False)
    referral: Mapped[bool] = mapped_column(Boolean, default=False)
    diagnosis_code: Mapped[str] = mapped_column(String(B.DIAGNOSIS_CODE), default="")
    diagnosis_name: Mapped[str] = mapped_column(String(B.DIAGNOSIS_NAME), default="")
    reason_not_direct: Mapped[str] = mapped_column(Text, default="")
    # bank account in the person's own name
    bank_name: Mapped[str] = mapped_column(String(B.BANK_NAME), default="")
    bank_account: Mapped[str] = mapped_column(String(B.BANK_ACCOUNT), default="")
    account_holder: Mapped[str] = mapped_column(String(B.PERSON_NAME), default="")
    # what the agency asked for when it returned the claim (material codes and a note)
    asked: Mapped[list[str]] = mapped_column(JSON, default=list)
    asked_note: Mapped[str] = mapped_column(Text, default="")
    # the result of approval (None until approved)
    scheme: Mapped[Scheme | None] = mapped_column(str_enum(Scheme))
    year: Mapped[int | None] = mapped_column(Integer)
    basis: Mapped[str] = mapped_column(String(20), default="")
    pack: Mapped[str] = mapped_column(String(100), default="")
    policy_version: Mapped[str] = mapped_column(String(20), default="")
    medfee_sumamt_fen: Mapped[int | None] = mapped_column(BigInteger)
    fund_pay_sumamt_fen: Mapped[int | None] = mapped_column(BigInteger)
    psn_part_amt_fen: Mapped[int | None] = mapped_column(BigInteger)
    excluded_fen: Mapped[int | None] = mapped_column(BigInteger)
    breakdown: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    accumulators_before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    accumulators_after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("claim_batches.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    submitted_on: Mapped[dt.date | None] = mapped_column(Date)  # first submission: the deadline was met then
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))  # latest: queue order
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    paid_on: Mapped[dt.date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=0)


class ClaimInvoiceRow(Base):
    """医疗收费票据 one invoice of a claim. `held` is true while the claim holds the invoice (every state but
    rejected); a partial unique index makes "one live claim per invoice" hold under any race."""

    __tablename__ = "claim_invoices"
    __table_args__ = (
        UniqueConstraint("claim_id", "invoice_no"),
        Index("uq_claim_invoices_held", "invoice_no", unique=True,
              sqlite_where=text("held"), postgresql_where=text("held")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    invoice_no: Mapped[str] = mapped_column(String(B.INVOICE_NO))
    invoice_date: Mapped[dt.date] = mapped_column(Date)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    payer: Mapped[str] = mapped_column(String(B.PAYER))
    held: Mapped[bool] = mapped_column(Boolean, default=True)


class ClaimLineRow(Base):
    """费用明细 one fee line of a claim; staff may exclude it (with a reason), never delete it."""

    __tablename__ = "claim_lines"
    __table_args__ = (UniqueConstraint("claim_id", "line_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    line_id: Mapped[str] = mapped_column(String(B.LINE_ID))
    code: Mapped[str] = mapped_column(String(B.ITEM_CODE))
    name: Mapped[str] = mapped_column(String(B.ITEM_NAME), default="")
    quantity: Mapped[str] = mapped_column(String(B.NUMBER_MAX_CHARS))  # exact decimal text
    unit_price_fen: Mapped[int] = mapped_column(BigInteger)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    line_date: Mapped[dt.date | None] = mapped_column(Date)
    excluded: Mapped[bool] = mapped_column(Boolean, default=False)
    exclude_reason: Mapped[str] = mapped_column(Text, default="")
    excluded_by: Mapped[str] = mapped_column(String(40), default="")


class ClaimDocumentRow(Base):
    """A scanned paper: which material it is, its SHA-256 (the file's name in the store), size and type.
    Never deleted; replacing or removing it sets `superseded_at` and keeps the file."""

    __tablename__ = "claim_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    material: Mapped[str] = mapped_column(String(B.MATERIAL_CODE))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(8))  # pdf / jpeg / png, as sniffed from the content
    filename: Mapped[str] = mapped_column(String(B.FILE_NAME))
    uploaded_by: Mapped[str] = mapped_column(String(60))
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    superseded_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ClaimEventRow(Base):
    """Append-only history: every transition and edit, by whom (role and subject), why, when."""

    __tablename__ = "claim_events"
    __table_args__ = (UniqueConstraint("claim_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(24))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    actor_role: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    on_day: Mapped[dt.date] = mapped_column(Date)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ClaimBatchRow(Base):
    """A payment batch of one insured region: approved claims to pay by bank transfer.
    OPEN (exported, waiting for the bank) → PAID."""

    __tablename__ = "claim_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch_no: Mapped[str] = mapped_column(String(32), unique=True)
    insured_region: Mapped[str] = mapped_column(String(6), index=True)
    status: Mapped[str] = mapped_column(String(8))  # OPEN / PAID
    count: Mapped[int] = mapped_column(Integer)
    total_fen: Mapped[int] = mapped_column(BigInteger)
    checksum: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(40))
    created_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    paid_on: Mapped[dt.date | None] = mapped_column(Date)
    paid_by: Mapped[str] = mapped_column(String(40), default="")
    bank_reference: Mapped[str] = mapped_column(String(64), default="")


class ClaimPaymentRow(Base):
    """One transfer of a batch. UNIQUE(claim_id): a claim is in at most one batch, so it is paid once."""

    __tablename__ = "claim_payments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), unique=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("claim_batches.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    payee_name: Mapped[str] = mapped_column(String(50))
    bank_name: Mapped[str] = mapped_column(String(100))
    bank_account: Mapped[str] = mapped_column(String(40))


class ClaimLedgerEntryRow(Base):
    """One leg of a claim's double-entry posting (integer fen; debit positive, credit negative).

    Same form as the settlement ledger (ledger_entries): `fund:<field>:<insured region>` debited per fund,
    `claimant:<person id>` credited with what is transferred to the person. UNIQUE(claim_id, kind,
    account) means a claim's PAY posting can be written once only.
    """

    __tablename__ = "claim_ledger_entries"
    __table_args__ = (UniqueConstraint("claim_id", "kind", "account"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    posting: Mapped[str] = mapped_column(String(48), index=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("claim_batches.id"))
    kind: Mapped[str] = mapped_column(String(12))
    account: Mapped[str] = mapped_column(String(64), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    on_day: Mapped[dt.date] = mapped_column(Date)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
