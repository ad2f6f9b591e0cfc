"""The advisor's input (a Situation, any field unknown) and output (a Plan), as validated values.

Situation is an input model: unknown keys are errors, money is Decimal to the fen. A Plan is output
only; every point in it carries the rules it rests on (`cites`: a section of docs/rules.md with the policy
documents behind it, or a policy-pack clause), so a person, a reviewer or a test can see why the advisor
says what it says.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from yidi.domain import bounds as B
from yidi.domain.bill import FeeLine
from yidi.domain.enums import Category, FilingType, InsuranceStatus, Level, Scheme, VisitType
from yidi.domain.materials import Material
from yidi.domain.validation import Code, Day, RegionCode, Strict, VisitTotal, failure


class StayReason(StrEnum):
    """Why the person is (or will be) in the treatment region; decides the filing type (docs/rules.md R-1.2)."""

    LIVES = "lives"  # 长期居住 -> LONG_TERM_RESIDENT
    WORKS = "works"  # 常驻工作 -> RESIDENT_WORKER
    RETIRED = "retired"  # 退休后定居 -> RETIREE_RESETTLED
    REFERRED = "referred"  # 转诊 -> REFERRAL
    EMERGENCY = "emergency"  # 急诊抢救 -> EMERGENCY (counts as filed)
    TRAVELLING = "travelling"  # 旅游、出差、探亲等临时外出 -> OTHER_TEMPORARY

    @property
    def zh(self) -> str:
        return _REASON_ZH[self]


_REASON_ZH = {
    StayReason.LIVES: "在当地长期居住",
    StayReason.WORKS: "在当地常驻工作",
    StayReason.RETIRED: "退休后在当地定居",
    StayReason.REFERRED: "经参保地医院转诊过去",
    StayReason.EMERGENCY: "急诊抢救",
    StayReason.TRAVELLING: "临时外出（旅游、出差、探亲等）",
}


class Situation(Strict):
    """A person's situation as far as they know it; None means unknown (the advisor may ask)."""

    insured_region: RegionCode | None = None
    scheme: Scheme | None = None
    category: Category | None = None
    current_region: RegionCode | None = None  # where the person is treated (or will be)
    reason: StayReason | None = None
    visit_type: VisitType | None = None
    filed: bool | None = None
    filing_type: FilingType | None = None
    filing_area: RegionCode | None = None  # the area the filing names (region, or province XX0000)
    filing_start: Day | None = None
    filing_end: Day | None = None
    treated: bool | None = None  # admitted / treated already
    admitted_on: Day | None = None
    paid_in_full: bool | None = None  # discharged (visit over) and paid everything without direct settlement
    paid_on: Day | None = None  # the day of that payment: the manual-claim deadline runs from it
    hospital: Code | None = Field(default=None, min_length=1, max_length=B.INSTITUTION_CODE)
    hospital_level: Level | None = None
    insurance_status: InsuranceStatus | None = None
    chronic_disease: Code | None = Field(default=None, max_length=B.DISEASE_CODE)
    chronic_certified: bool | None = None
    referral_certificate: bool | None = None
    bill_total: VisitTotal | None = None
    bill_lines: list[FeeLine] | None = Field(default=None, max_length=500)

    @field_validator("bill_lines")
    @classmethod
    def _total(cls, v: list[FeeLine] | None) -> list[FeeLine] | None:
        if sum((ln.value for ln in v or ()), Decimal(0)) > B.VISIT_TOTAL_MAX:
            raise failure("TOTAL_TOO_LARGE", detail_zh=f"费用明细合计超过一次就诊的上限 {B.VISIT_TOTAL_MAX} 元",
                          detail_en=f"the bill lines add up to more than the limit of {B.VISIT_TOTAL_MAX} yuan for one visit")
        return v

    @model_validator(mode="after")
    def _check(self) -> Situation:
        if self.filing_start and self.filing_end and self.filing_end < self.filing_start:
            raise failure("DATE_ORDER", detail_zh="备案结束日期早于开始日期",
                          detail_en="filing_end is before filing_start")
        if self.filed is False and self.filing_type is not None:
            raise failure("ADVICE_CONTRADICTION", detail_zh="说了没有备案，却给出了备案类型",
                          detail_en="filed is false but a filing_type is given")
        if self.treated is False and self.paid_in_full:
            raise failure("ADVICE_CONTRADICTION", detail_zh="还没就医，却说已经全额付款",
                          detail_en="not treated yet but paid in full")
        if self.bill_total is not None and self.bill_total <= 0:
            raise failure("ADVICE_BILL_TOTAL")
        return self

    def known(self) -> dict[str, Any]:
        """The fields that are known, as JSON values."""
        return {k: v for k, v in self.model_dump(mode="json").items() if v is not None}


class Cite(BaseModel):
    """The rule a point rests on: a section of yidi's rules reference, or a clause of a policy pack."""

    kind: Literal["rules", "pack"]
    ref: str  # a docs/rules.md anchor "R-1.8", or a pack clause "369900@2025-01-01 cross_region.cut.REFERRAL"
    title: str = ""  # the section's title, or the cited document
    article: str = ""  # the policy documents a section rests on, or the document's article


class Choice(BaseModel):
    value: str
    label_zh: str
    label_en: str


class Question(BaseModel):
    """An unknown that changes the answer, with its choices and why it matters."""

    field: str
    text_zh: str
    text_en: str
    why_zh: str
    why_en: str
    choices: list[Choice]
    cites: list[Cite]


class ChannelRef(BaseModel):
    id: str
    name_zh: str
    name_en: str
    kind: str


class Requirement(BaseModel):
    """One thing that makes direct settlement possible (file, choose another hospital, certify...)."""

    code: str
    text_zh: str
    text_en: str
    cites: list[Cite]


SettlementStatus = Literal[
    "DIRECT",  # can settle directly now
    "EMERGENCY_AS_FILED",  # emergency counts as filed: direct once the hospital flags it
    "POSSIBLE_AFTER",  # direct once `requires` is done (a filing, post-hoc before discharge; a certification...)
    "MANUAL_CLAIM",  # not directly: pay and claim at the insured region
    "BLOCKED",  # no benefits at all until the insurance is restored
    "LOCAL",  # not cross-region: local rules
    "INTRA_PROVINCE",  # inside the home province: provincial rules, insured-region local standards
    "UNKNOWN",  # depends on answers to the questions
]


class Settlement(BaseModel):
    """Whether direct settlement is possible and, if not yet, what makes it possible and by when."""

    status: SettlementStatus
    direct_possible: bool | None
    text_zh: str
    text_en: str
    filing_type: FilingType | None = None
    filing_type_zh: str = ""
    channels: list[ChannelRef] = Field(default_factory=list)
    by_when_zh: str = ""
    by_when_en: str = ""
    requires: list[Requirement] = Field(default_factory=list)
    cites: list[Cite]


class PlanStep(BaseModel):
    order: int
    id: str
    text_zh: str
    text_en: str
    where: list[ChannelRef]
    cites: list[Cite]


class MaterialGroup(BaseModel):
    """Papers for one purpose: a filing of a type, or a (possible) manual claim."""

    purpose: Literal["filing", "manual_claim"]
    title_zh: str
    title_en: str
    needed: bool  # False: keep them in case (a manual claim is only a fallback)
    items: list[Material]  # yidi.domain.materials.Material, the papers' one type
    note_zh: str = ""  # the insured region's changes to the national list, when it has any here
    note_en: str = ""
    cites: list[Cite]


class Deadline(BaseModel):
    kind: Literal["posthoc_filing", "manual_claim", "filing_validity", "change_lock"]
    date: dt.date | None  # None: an event rather than a day (e.g. "before discharge settlement")
    text_zh: str
    text_en: str
    passed: bool = False
    cites: list[Cite]


class RatioRow(BaseModel):
    """Payment ratio of the pooled fund at one hospital level: at home, and in this plan's case away."""

    level: Level
    level_zh: str
    deductible: Decimal
    home_ratio: Decimal  # first band; `tiers_zh` tells when there are more bands
    away_ratio: Decimal  # ratio applied away, after the cut where the region cuts the ratio
    away_first_selfpay: Decimal  # share of the in-scope amount paid first (cut_mode first_selfpay)
    unfiled_ratio: Decimal | None = None  # the same without any filing (for comparison)
    unfiled_first_selfpay: Decimal | None = None
    tiers_zh: str = ""


class Estimate(BaseModel):
    """A bill estimated by the settlement engine (yidi.domain.engine.calculate), with its explanation."""

    assumption_zh: str
    assumption_en: str
    bill: dict[str, Any]  # the Bill that was calculated, as JSON: recomputable by anyone
    medfee_sumamt: Decimal
    fund_pay_sumamt: Decimal
    psn_part_amt: Decimal
    breakdown: dict[str, Any]
    explanation_zh: list[str]


class Money(BaseModel):
    basis: str  # LOCAL / INTRA_PROVINCE / LONG_TERM / TEMPORARY / UNFILED
    basis_zh: str
    filing_type: FilingType | None = None
    scheme: Scheme
    category: Category
    visit_type: VisitType
    text_zh: str
    text_en: str
    rows: list[RatioRow]
    cites: list[Cite]
    estimate: Estimate | None = None
    estimate_note_zh: str = ""


class Warning(BaseModel):
    """Something that changes everything; `code` is stable (see docs/advisor.md)."""

    code: str
    text_zh: str
    text_en: str
    action_zh: str = ""
    action_en: str = ""
    cites: list[Cite]


class Plan(BaseModel):
    """The advisor's answer for one situation on one day."""

    today: dt.date
    situation: dict[str, Any]  # the situation as understood (given + derived facts)
    assumptions_zh: list[str]
    scope: Literal["LOCAL", "INTRA_PROVINCE", "CROSS_PROVINCE", "UNKNOWN"]
    questions: list[Question]
    settlement: Settlement
    steps: list[PlanStep]
    materials: list[MaterialGroup]
    deadlines: list[Deadline]
    money: Money | None
    warnings: list[Warning]
    pack: str  # name@version of the policy packs used

    @property
    def warning_codes(self) -> list[str]:
        return [w.code for w in self.warnings]

    @property
    def step_ids(self) -> list[str]:
        return [s.id for s in self.steps]

    @property
    def question_fields(self) -> list[str]:
        return [q.field for q in self.questions]
