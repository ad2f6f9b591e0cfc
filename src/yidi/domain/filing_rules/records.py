"""A filing's values: the request, the stored record and its status, its history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from yidi.domain import bounds as B
from yidi.domain.enums import FilingType
from yidi.domain.filing_rules.areas import area_covers
from yidi.domain.reference import Filing
from yidi.domain.validation import Code, Day, RegionCode, Strict, Text

# where a person files online (docs/rules.md)
APP_ZH = "国家医保服务平台APP或“国家异地就医备案”微信小程序"
APP_EN = "the national medical insurance app or the national cross-region filing mini program"


class FilingStatus(StrEnum):
    """Life cycle of a filing record; nothing is ever deleted."""

    PENDING_REVIEW = "PENDING_REVIEW"
    ACTIVE = "ACTIVE"
    REJECTED = "REJECTED"
    CANCELLED = "CANCELLED"
    SUPERSEDED = "SUPERSEDED"

    @property
    def zh(self) -> str:
        return {
            "PENDING_REVIEW": "待审核",
            "ACTIVE": "有效",
            "REJECTED": "未通过",
            "CANCELLED": "已取消",
            "SUPERSEDED": "已变更",
        }[self.value]


class FilingRequest(Strict):
    """What a person (or someone on their behalf) asks for; validated against the rules by new_filing."""

    type: FilingType
    treatment_area: RegionCode  # a region code, or a province code XX0000 for the whole province
    start: Day | None = None  # None: today (or the admission day of a post-hoc filing)
    end: Day | None = None  # None: long-term, or the region's default temporary validity
    commitment: bool = False
    materials: tuple[Annotated[Code, Field(max_length=B.MATERIAL_CODE)], ...] = Field(default=(), max_length=20)
    # chosen hospitals, where the region requires them
    institutions: tuple[Annotated[Code, Field(max_length=B.INSTITUTION_CODE)], ...] = Field(default=(), max_length=20)
    admitted_on: Day | None = None  # post-hoc filing: in hospital since this day, not yet settled
    reason: Text = Field(default="", max_length=B.REASON)
    consent: bool = False  # the person's consent, attested by agency staff filing on their behalf


@dataclass(frozen=True, slots=True)
class FilingEvent:
    """One line of a filing's append-only history: who did what, on which day."""

    filing_id: str
    seq: int
    action: str  # CREATED, SUPERSEDED, CANCELLED, APPROVED, REJECTED
    status: FilingStatus
    actor_role: str
    actor: str  # masked citizen ID, institution or region code
    on_day: dt.date
    note: str = ""


@dataclass(frozen=True, slots=True)
class FilingRecord:
    """One version of a person's filing, as stored; changes make new records, nothing is deleted."""

    filing_id: str
    person_id_number: str
    insured_region: str
    type: FilingType
    treatment_area: str
    start: dt.date
    end: dt.date | None  # None: long-term, valid until changed or cancelled
    status: FilingStatus
    commitment: bool
    materials: tuple[str, ...]
    institutions: tuple[str, ...]
    created_on: dt.date
    cancelled_on: dt.date | None = None  # CANCELLED / SUPERSEDED: the filing covers days before this one
    supersedes: str | None = None
    reason: str = ""
    admitted_on: dt.date | None = None  # set for a post-hoc filing
    filed_by: str = ""
    consent: bool = False
    reviewed_on: dt.date | None = None
    review_reason: str = ""
    cancel_reason: str = ""

    @property
    def long_term(self) -> bool:
        return self.type.long_term

    @property
    def last_day(self) -> dt.date | None:
        """The last day this record covers, taking a cancellation or a change into account."""
        if self.status in (FilingStatus.CANCELLED, FilingStatus.SUPERSEDED) and self.cancelled_on is not None:
            stop = self.cancelled_on - dt.timedelta(days=1)
            return stop if self.end is None else min(stop, self.end)
        return self.end

    def area_covers(self, region: str) -> bool:
        return area_covers(self.treatment_area, region)

    def in_dates(self, day: dt.date) -> bool:
        last = self.last_day
        return self.start <= day and (last is None or day <= last)

    def counts_as_held(self) -> bool:
        """ACTIVE or waiting for review: blocks a duplicate."""
        return self.status in (FilingStatus.ACTIVE, FilingStatus.PENDING_REVIEW)

    def to_filing(self) -> Filing:
        """The engine's view of this filing."""
        return Filing(self.type, self.insured_region, self.treatment_area, self.start, self.last_day,
                      self.filing_id, frozenset(self.institutions))
