"""Filing (备案) rules: materials per type, creating, changing, cancelling and reviewing filings (pure).

Everything here is a pure function of its arguments: no I/O and no clock (`today` is passed in). A
filing is never edited in place or deleted: a change makes a new record and marks the old one
SUPERSEDED, a cancellation marks the record CANCELLED with the day it ended (docs/rules.md R-1.7).

Decisions on rules the sources leave open (each is also said where it is applied):
- A long-term filing has no end date (valid until changed or cancelled, docs/rules.md R-1.6). A request that
  gives one is refused (FILING_LONG_TERM_END) instead of being silently ignored: to end it, cancel it. Where
  the region sets `long_term_validity_months`, the end defaults to start + that many months - 1 day, and a
  requested end may not pass it (FILING_LONG_TERM_TOO_LONG).
- Temporary validity: `end` defaults to start + `temporary_validity_months` - 1 day. A requested end must
  give at least 6 months (D2022) and at most the region's `temporary_validity_months`.
- Post-hoc filing (补办备案, docs/rules.md R-1.8, D2022 art. 16): a start before `today` is accepted only when the
  caller states the person is in hospital now, not yet discharge-settled, by passing `admitted_on`; the
  start may then go back to the admission day, not earlier. 1.8 does not limit it to temporary types, so
  neither do we (a resettled retiree admitted before filing is the common case). The caller (service)
  must verify the open admission; this module cannot see visits.
- An EMERGENCY filing needs no prior filing (the hospital's emergency flag makes the visit count as filed,
  docs/rules.md R-1.9). We still accept one as a record (some people register after the fact, and it gives the
  emergency ratio when a hospital forgot the flag); `materials_for` says so in its note.
- Two temporary filings whose areas intersect and whose dates overlap are always refused (a duplicate);
  `allow_multiple_temporary: false` also refuses overlapping temporary filings for different areas.
- PENDING_REVIEW filings count as held for the duplicate and overlap checks, so two pending requests
  cannot both be approved.
- Insurance lapsed, terminated or being transferred (as of `today`) stops a filing
  (FILING_INSURANCE_INACTIVE); a waiting period does not.
- The change/cancel lock of a long-term filing (`min_months_before_change`) runs from its start; before
  the start day the filing has not been used and may be corrected freely.
"""

from __future__ import annotations

from yidi.domain.filing_rules.areas import area_covers, region_known
from yidi.domain.filing_rules.changes import cancel_filing, change_filing, review_filing, unlock_date
from yidi.domain.filing_rules.dates import MIN_TEMPORARY_MONTHS, add_months, validity_end
from yidi.domain.filing_rules.lookup import covers, filing_for
from yidi.domain.filing_rules.new import MATERIAL_CODES, insurance_blocked, new_filing
from yidi.domain.filing_rules.records import (
    APP_EN,
    APP_ZH,
    FilingEvent,
    FilingRecord,
    FilingRequest,
    FilingStatus,
)
from yidi.domain.materials import (
    COMMITMENT_LETTER,
    CREDENTIAL,
    EMERGENCY_NOTE_EN,
    EMERGENCY_NOTE_ZH,
    EMERGENCY_RECORDS,
    FILING_FORM,
    HOUSEHOLD_REGISTER,
    REFERRAL_CERTIFICATE,
    RESIDENCE_PERMIT,
    WORK_POSTING_PROOF,
    Material,
    materials_for,
)

__all__ = [
    "APP_EN", "APP_ZH", "COMMITMENT_LETTER", "CREDENTIAL", "EMERGENCY_NOTE_EN", "EMERGENCY_NOTE_ZH",
    "EMERGENCY_RECORDS", "FILING_FORM", "HOUSEHOLD_REGISTER", "MATERIAL_CODES", "MIN_TEMPORARY_MONTHS",
    "REFERRAL_CERTIFICATE", "RESIDENCE_PERMIT", "WORK_POSTING_PROOF", "FilingEvent", "FilingRecord",
    "FilingRequest", "FilingStatus", "Material", "add_months", "area_covers", "cancel_filing", "change_filing",
    "covers", "filing_for", "insurance_blocked", "materials_for", "new_filing", "region_known", "review_filing",
    "unlock_date", "validity_end",
]
