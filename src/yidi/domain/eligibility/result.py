"""What an eligibility check answers: its reasons and notes (each citing its rule), and the result."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from yidi.domain.enums import CrossRegionBasis, VisitType
from yidi.domain.filing_rules import APP_EN, APP_ZH, FilingRecord
from yidi.domain.rulebook import anchors_of, sources
from yidi.domain.scope import RatioCategory


@dataclass(frozen=True, slots=True)
class Reason:
    """One reason (or informational note): stable code, what happened, what to do, where, and its source."""

    code: str
    message_zh: str
    message_en: str
    action_zh: str
    action_en: str
    where_zh: str
    where_en: str
    section: str  # the docs/rules.md anchors the reason rests on, e.g. "R-9.1; R-1.8"
    field: str = ""
    blocking: bool = True
    # the policy documents behind `section`, named for the person (e.g. 医保发〔2022〕22号 经办规程第16条)
    source: str = dataclass_field(init=False, default="")

    def __post_init__(self) -> None:
        object.__setattr__(self, "source", sources(*anchors_of(self.section)))

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "action_zh": self.action_zh,
            "action_en": self.action_en,
            "where_zh": self.where_zh,
            "where_en": self.where_en,
            "section": self.section,
            "source": self.source,
            "field": self.field,
            "blocking": self.blocking,
        }


@dataclass(frozen=True, slots=True)
class EligibilityResult:
    """The answer to one eligibility check; `eligible` is true exactly when `reasons` is empty."""

    eligible: bool
    basis: CrossRegionBasis | None
    filing: FilingRecord | None
    ratio_category: RatioCategory | None
    reasons: tuple[Reason, ...]
    notes: tuple[Reason, ...]
    insured_region: str | None
    treatment_region: str
    institution: str
    visit_type: VisitType
    day: dt.date

    @property
    def codes(self) -> list[str]:
        return [r.code for r in self.reasons]

    def as_dict(self) -> dict[str, Any]:
        f = self.filing
        return {
            "eligible": self.eligible,
            "basis": self.basis.value if self.basis else None,
            "ratio_category": self.ratio_category.value if self.ratio_category else None,
            "filing": None if f is None else {
                "filing_id": f.filing_id,
                "type": f.type.value,
                "type_zh": f.type.zh,
                "treatment_area": f.treatment_area,
                "start": f.start.isoformat(),
                "end": f.last_day.isoformat() if f.last_day else None,
                "status": f.status.value,
            },
            "reasons": [r.as_dict() for r in self.reasons],
            "notes": [r.as_dict() for r in self.notes],
            "insured_region": self.insured_region,
            "treatment_region": self.treatment_region,
            "institution": self.institution,
            "visit_type": self.visit_type.value,
            "day": self.day.isoformat(),
        }


# Every code the check can answer with, for API documentation.
REASON_CODES = (
    "PERSON_NOT_FOUND", "IDENTITY_MISMATCH", "INSURANCE_LAPSED", "INSURANCE_TERMINATED",
    "INSURANCE_TRANSFERRING", "INSURANCE_WAITING", "OPEN_ADMISSION", "NO_FILING", "FILING_EXPIRED",
    "FILING_NOT_YET_VALID", "FILING_OTHER_AREA", "FILING_HOSPITAL_NOT_CHOSEN", "FILING_PENDING_REVIEW",
    "HOSPITAL_NOT_NETWORKED", "CHRONIC_NOT_CERTIFIED", "CHRONIC_NOT_OPENED",
)
NOTE_CODES = ("NOT_CROSS_REGION", "INTRA_PROVINCE", "EMERGENCY_AS_FILED", "FILED_POST_HOC", "PHARMACY_NO_FILING_NEEDED")

# Where the person acts (R-1.5 and the "where" of each reason in R-9: app, hospital insurance office,
# insured-region agency).
APP = (APP_ZH, APP_EN)
HOSPITAL = ("本院医保办", "this hospital's insurance office (医保办)")
AGENCY = ("参保地医保经办机构", "the medical insurance agency of the insured region")
PREVIOUS = ("原住院医院医保办", "the insurance office of the hospital where the person is admitted")


def where(*places: tuple[str, str]) -> tuple[str, str]:
    return "；".join(p[0] for p in places), "; ".join(p[1] for p in places)


def label(code: str, names: Mapping[str, str] | None) -> str:
    """A region code with its name beside it, where the name is known."""
    name = (names or {}).get(code)
    return f"{name}（{code}）" if name else code
