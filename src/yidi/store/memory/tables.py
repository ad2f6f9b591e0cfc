"""The in-memory tables: one dict (or list) of domain values per table, keyed as the database keys them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from yidi.domain.chronic import Certification
from yidi.domain.claim_rules.records import (
    ClaimDocument,
    ClaimEvent,
    ClaimInvoice,
    ClaimLine,
    ClaimRecord,
    Payment,
    PaymentBatch,
)
from yidi.domain.enums import Scheme
from yidi.domain.family import FamilyLink
from yidi.domain.filing_rules import FilingEvent, FilingRecord
from yidi.domain.reference import Institution, Person, Region
from yidi.store.memory.clearing import ClearingTables
from yidi.store.repositories.accounts import HospitalKey, LoginSession, UserAccount
from yidi.store.repositories.accumulators import HeldAccumulators
from yidi.store.repositories.chronic import CertEvent, CertPaper
from yidi.store.repositories.estimates import KeptEstimate
from yidi.store.repositories.family import LinkEvent
from yidi.store.repositories.fsi_files import FsiFile
from yidi.store.repositories.lines import Line
from yidi.store.repositories.messages import Message
from yidi.store.repositories.settlements import Settlement
from yidi.store.repositories.visits import HospitalVisit, OpenVisit


@dataclass
class Tables:
    """Every in-memory table. A repository twin reads and writes only its own aggregate's tables."""

    regions: dict[str, Region] = field(default_factory=dict)
    institutions: dict[str, Institution] = field(default_factory=dict)
    persons: dict[str, Person] = field(default_factory=dict)  # by citizen ID number
    person_keys: dict[str, int] = field(default_factory=dict)  # citizen ID number -> store number
    filings: dict[str, FilingRecord] = field(default_factory=dict)  # by filing ID, in insertion order
    filing_events: dict[str, list[FilingEvent]] = field(default_factory=dict)
    family_links: dict[str, FamilyLink] = field(default_factory=dict)  # by link ID
    family_link_events: dict[str, list[LinkEvent]] = field(default_factory=dict)
    chronic_certs: dict[str, Certification] = field(default_factory=dict)  # by cert ID, in insertion order
    chronic_papers: dict[str, list[CertPaper]] = field(default_factory=dict)
    chronic_events: dict[str, list[CertEvent]] = field(default_factory=dict)
    visits: dict[int, tuple[str, OpenVisit, str]] = field(default_factory=dict)  # id -> (citizen ID, visit, status)
    accumulators: dict[tuple[int, Scheme, int], HeldAccumulators] = field(default_factory=dict)  # (person, scheme, year)
    users: dict[int, UserAccount] = field(default_factory=dict)  # by user id
    login_sessions: dict[str, LoginSession] = field(default_factory=dict)  # by SHA-256 of the session id
    hospital_keys: dict[str, HospitalKey] = field(default_factory=dict)  # by key id
    key_audit: list[tuple[str, str, str]] = field(default_factory=list)  # (action, operator, key id)
    claims: dict[str, ClaimRecord] = field(default_factory=dict)  # by claim number, in insertion order
    claim_invoices: dict[str, list[ClaimInvoice]] = field(default_factory=dict)  # by claim number
    claim_lines: dict[str, list[ClaimLine]] = field(default_factory=dict)
    claim_events: dict[str, list[ClaimEvent]] = field(default_factory=dict)
    claim_documents: dict[int, tuple[str, ClaimDocument]] = field(default_factory=dict)  # id -> (claim number, paper)
    claim_batches: dict[str, PaymentBatch] = field(default_factory=dict)  # by batch number
    claim_batch_of: dict[str, str] = field(default_factory=dict)  # claim number -> batch number
    claim_payments: dict[str, list[Payment]] = field(default_factory=dict)  # by batch number
    claim_postings: list[tuple[str, str, str, Decimal]] = field(default_factory=list)  # posting, claim, account, amount
    clearing: ClearingTables = field(default_factory=ClearingTables)  # runs, lines, disputes; settlements as read
    hospital_visits: dict[int, HospitalVisit] = field(default_factory=dict)  # by visit number
    e_credentials: dict[str, tuple[int, str | None]] = field(default_factory=dict)  # nonce -> (person, redeemed by)
    estimates: list[KeptEstimate] = field(default_factory=list)  # a person's kept bill estimates, as added
    fsi_files: dict[int, FsiFile] = field(default_factory=dict)  # files uploaded through the envelope (9101), by id
    fee_lines: dict[int, Line] = field(default_factory=dict)  # by line number
    rate_limit_hits: list[tuple[str, dt.datetime]] = field(default_factory=list)  # (key, at)
    settlements: dict[int, Settlement] = field(default_factory=dict)  # by settlement number
    messages: dict[tuple[str, str], Message] = field(default_factory=dict)  # by (institution, msgid)
    # ledger legs: (settlement number, posting, kind, account, fen, day)
    ledger: list[tuple[int, str, str, str, int, dt.date]] = field(default_factory=list)
    audit: list[tuple[str, str, str, str, str, dict[str, Any]]] = field(default_factory=list)
