"""Manual reimbursement (手工报销) records: a claim and its invoices, fee lines, scans, history, payment batches
and transfers, as the claim use cases read and write them (values only; the rules are yidi.domain.claim_rules).

A claim is mutable while a use case works on it and is written back by its repository (`uow.claims.save`).
Money is Decimal yuan to the fen (the store keeps integer fen). `key` is the store's number of the claim
(0 until it is added): it names a hospital outside the reference data in the calculation. `person_key` is
the store's number of the person: their year accumulators and their ledger account are keyed by it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from yidi.domain.claim_rules.states import ClaimState
from yidi.domain.enums import Level, Scheme, VisitType


@dataclass(slots=True)
class ClaimRecord:
    """手工报销申请: the visit, the bank account, the state, and the amounts once approved."""

    claim_no: str
    person_id_number: str
    insured_region: str
    state: ClaimState
    filed_by: str
    # the visit; `institution` is set when the hospital is in our reference data, else name + region
    institution: str | None
    hospital_name: str
    hospital_region: str
    hospital_level: Level
    visit_type: VisitType
    admitted_on: dt.date
    created_at: dt.datetime
    updated_at: dt.datetime
    discharged_on: dt.date | None = None
    networked: bool = False
    emergency: bool = False
    referral: bool = False
    diagnosis_code: str = ""
    diagnosis_name: str = ""
    reason_not_direct: str = ""
    bank_name: str = ""
    bank_account: str = ""
    account_holder: str = ""
    asked: list[str] = field(default_factory=list)  # material codes the agency asked for when it returned it
    asked_note: str = ""
    # the result of approval (None until approved)
    scheme: Scheme | None = None
    year: int | None = None
    basis: str = ""
    pack: str = ""
    policy_version: str = ""
    medfee_sumamt: Decimal | None = None
    fund_pay_sumamt: Decimal | None = None
    psn_part_amt: Decimal | None = None
    excluded: Decimal | None = None
    breakdown: dict[str, Any] | None = None
    accumulators_before: dict[str, Any] | None = None
    accumulators_after: dict[str, Any] | None = None
    submitted_on: dt.date | None = None  # first submission: the deadline was met then
    submitted_at: dt.datetime | None = None  # latest submission: queue order
    decided_on: dt.date | None = None
    paid_on: dt.date | None = None
    version: int = 0
    key: int = 0
    person_key: int = 0

    @property
    def year_of_care(self) -> int:
        """The accumulator year the claim counts in: that of discharge (or of the visit)."""
        return (self.discharged_on or self.admitted_on).year

    @property
    def care_day(self) -> dt.date:
        """The day whose policy applies: discharge, or the visit day."""
        return self.discharged_on or self.admitted_on


@dataclass(frozen=True, slots=True)
class ClaimInvoice:
    """医疗收费票据 one invoice; `held` while the claim holds it (every state but rejected)."""

    invoice_no: str
    invoice_date: dt.date
    amount: Decimal
    payer: str
    held: bool = True


@dataclass(frozen=True, slots=True)
class InvoiceHolder:
    """Another claim that holds an invoice: enough to name it to whom may see it."""

    invoice_no: str
    claim_no: str
    state: ClaimState
    person_id_number: str
    insured_region: str


@dataclass(frozen=True, slots=True)
class ClaimLine:
    """费用明细 one fee line; staff may exclude it (with a reason), never delete it."""

    seq: int
    line_id: str
    code: str
    name: str
    quantity: str  # the exact decimal text entered
    unit_price: Decimal
    amount: Decimal
    line_date: dt.date | None = None
    excluded: bool = False
    exclude_reason: str = ""
    excluded_by: str = ""


@dataclass(frozen=True, slots=True)
class ClaimDocument:
    """A scanned paper: which material it is and the SHA-256 that names its file; `id` given by the store."""

    id: int
    material: str
    sha256: str
    size: int
    kind: str  # pdf / jpeg / png, as sniffed from the content
    filename: str
    uploaded_by: str
    uploaded_at: dt.datetime
    superseded_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class ClaimEvent:
    """One step of a claim's append-only history: what, from which state to which, by whom, why, when."""

    seq: int
    action: str
    from_state: str | None
    to_state: str
    actor_role: str
    actor: str
    reason: str
    detail: dict[str, Any]
    on_day: dt.date
    at: dt.datetime


@dataclass(slots=True)
class PaymentBatch:
    """A payment batch of one insured region: OPEN (exported, waiting for the bank) → PAID."""

    batch_no: str
    insured_region: str
    status: str
    count: int
    total: Decimal
    checksum: str
    created_by: str
    created_on: dt.date
    created_at: dt.datetime
    paid_on: dt.date | None = None
    paid_by: str = ""
    bank_reference: str = ""


@dataclass(frozen=True, slots=True)
class Payment:
    """One transfer of a batch, to the account the claim names."""

    seq: int
    claim_no: str
    amount: Decimal
    payee_name: str
    bank_name: str
    bank_account: str
