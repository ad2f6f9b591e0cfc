"""Manual reimbursement (手工报销) rules: claim states and who moves them, situations, the materials
checklist, the deadline, and what a scan really is (pure: no I/O, no clock; `today` is passed in).

Decisions on what the sources leave open (docs/rules.md R-4.1–R-4.4; regional practice):
- Situations. A claim is in one or more of INPATIENT / OUTPATIENT (by visit type; chronic outpatient
  counts as OUTPATIENT), EMERGENCY (the person says the care was an emergency), REFERRAL (referred by a
  hospital of the insured region) and UNFILED (no filing covered the care and it was no emergency). Each
  situation adds its papers to the national base list of 4.3; the insured region may add or drop items
  (`RegionClaimMaterials`).
- The deadline runs from the discharge date for inpatient care and from the earliest invoice date
  otherwise (each invoice must be within it, so the earliest decides); it is checked at the first
  submission only — a claim returned for more material does not lose its place because the agency took
  time.
- Scans are PDF, JPEG or PNG, recognised by their first bytes; a name or declared type that says
  otherwise is refused (a renamed .exe is not a PDF).
"""

from __future__ import annotations

from yidi.domain.claim_rules.checklist import (
    MATERIAL_CODES,
    MATERIAL_NAMES,
    ChecklistItem,
    ClaimFacts,
    RegionClaimMaterials,
    Situation,
    checklist,
    missing,
    region_materials,
    required_materials,
    situations,
)
from yidi.domain.claim_rules.deadline import add_working_days, check_deadline, deadline, deadline_start
from yidi.domain.claim_rules.scans import SCAN_TYPES, media_type, sniff
from yidi.domain.claim_rules.states import (
    EDITABLE,
    HOLDS_INVOICES,
    TRANSITIONS,
    ClaimAction,
    ClaimState,
    transition,
)

__all__ = [
    "EDITABLE", "HOLDS_INVOICES", "MATERIAL_CODES", "MATERIAL_NAMES", "SCAN_TYPES", "TRANSITIONS",
    "ChecklistItem", "ClaimAction", "ClaimFacts", "ClaimState", "RegionClaimMaterials", "Situation",
    "add_working_days", "check_deadline", "checklist", "deadline", "deadline_start", "media_type", "missing",
    "region_materials", "required_materials", "situations", "sniff", "transition",
]
