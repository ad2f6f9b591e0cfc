"""Manual reimbursement (手工报销) use cases: create and edit a claim, upload a fee list and scans, submit,
the agency's queue and review (exclude lines, approve, return, reject), 复核 of a rejection (appeal: the
person's reason and new scans, a second reviewer approves or upholds), payment batches for the bank.

One idea per module: what callers give (requests), who sees which claim (access), its history (history),
its content and checks (content), checklist and deadline (checklist), the amount (assess), how it is shown
(views); the use cases: drafts, fee_list, documents, submit, queries, review, payment. Each use case is one
unit of work (`with ctx.uow() as uow:`) over the claim repositories (yidi.store.repositories.claims).

The amount is always yidi.domain.engine.calculate on the claim's lines (excluded ones left out), with the
insured region's rule for unfiled care where no filing covered it, and the person's year accumulators as they
stand at approval. Approval holds the accumulators' lock (the one direct settlement takes), so a claim
approved after a direct settlement sees the right deductible and cap, and two approvals for one person
compute one after the other. Marking a batch paid writes the balanced ledger posting.

Never paid twice: a claim joins a batch by a conditional UPDATE (state APPROVED, no batch yet), a payment row
is UNIQUE per claim, a batch turns PAID by a conditional UPDATE, and the PAY posting is unique per claim and
account. Every error a caller can cause is a YidiError raised before commit: nothing changes. Scans are
written to the data folder before the row that names them (yidi.store.scans).
"""

from yidi.services.claims.appeal import appeal, uphold
from yidi.services.claims.documents import add_document, document, remove_document
from yidi.services.claims.drafts import create, edit, new_claim_no
from yidi.services.claims.fee_list import LINE_HEADERS, parse_fee_list, upload_fee_list
from yidi.services.claims.payment import (
    batch_file,
    create_batch,
    export_csv,
    ledger_balances,
    mark_paid,
    show_batch,
)
from yidi.services.claims.queries import list_claims, queue, show
from yidi.services.claims.requests import (
    MAX_FEE_LIST_BYTES,
    MAX_INVOICES,
    MAX_LINES,
    MAX_SCAN_BYTES,
    BankIn,
    ClaimIn,
    ClaimsConfig,
    InvoiceIn,
    ReasonIn,
    ReturnIn,
    VisitIn,
)
from yidi.services.claims.review import approve, exclude_line, reject, return_for_more, start_review
from yidi.services.claims.submit import submit
from yidi.store.scans import ScanStore, storage_full

__all__ = [
    "LINE_HEADERS", "MAX_FEE_LIST_BYTES", "MAX_INVOICES", "MAX_LINES", "MAX_SCAN_BYTES", "BankIn", "ClaimIn",
    "ClaimsConfig", "InvoiceIn", "ReasonIn", "ReturnIn", "ScanStore", "VisitIn", "add_document", "appeal", "approve",
    "batch_file", "create", "create_batch", "document", "edit", "exclude_line", "export_csv", "ledger_balances",
    "list_claims", "mark_paid", "new_claim_no", "parse_fee_list", "queue", "reject", "remove_document",
    "return_for_more", "show", "show_batch", "start_review", "storage_full", "submit", "uphold", "upload_fee_list",
]
