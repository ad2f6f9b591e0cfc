"""What a caller gives the claim use cases: the claim's visit, invoices, fee lines and bank account, the reasons
of a review, and where scans live and how big uploads may be (all checked at the door, before any use case)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, ValidationInfo, field_validator, model_validator

from yidi.domain import bounds as B
from yidi.domain import claim_rules as rules
from yidi.domain.bill import FeeLine
from yidi.domain.enums import Level, VisitType
from yidi.domain.money import ZERO, fmt
from yidi.domain.normalise import account_number
from yidi.domain.validation import Code, Day, InvoiceAmount, RegionCode, Strict, Text, failure

MAX_INVOICES = 100
MAX_SCAN_BYTES = 10 * 1024 * 1024
MAX_FEE_LIST_BYTES = 5 * 1024 * 1024
MAX_LINES = 5000


@dataclass(frozen=True, slots=True)
class ClaimsConfig:
    """Where scans live and how big uploads may be (YIDI_DATA_DIR, YIDI_MAX_SCAN_BYTES, YIDI_MAX_FEE_LIST_BYTES)."""

    data_dir: Path = Path("./var/data")
    max_scan_bytes: int = MAX_SCAN_BYTES
    max_fee_list_bytes: int = MAX_FEE_LIST_BYTES

    @classmethod
    def from_env(cls) -> ClaimsConfig:
        def num(name: str, default: int) -> int:
            raw = os.environ.get(name, "").strip()
            return int(raw) if raw.isdigit() else default

        return cls(Path(os.environ.get("YIDI_DATA_DIR") or "./var/data"),
                   num("YIDI_MAX_SCAN_BYTES", MAX_SCAN_BYTES), num("YIDI_MAX_FEE_LIST_BYTES", MAX_FEE_LIST_BYTES))


class VisitIn(Strict):
    """就诊: a hospital of our reference data by `institution`, or one we do not know by name and region."""

    institution: Code | None = Field(default=None, min_length=1, max_length=B.INSTITUTION_CODE)
    hospital_name: Text | None = Field(default=None, min_length=1, max_length=B.INSTITUTION_NAME)
    hospital_region: RegionCode | None = None
    hospital_level: Level | None = None
    visit_type: VisitType
    admitted_on: Day
    discharged_on: Day | None = None
    emergency: bool = False
    referral: bool = False
    diagnosis_code: Code = Field(default="", max_length=B.DIAGNOSIS_CODE)
    diagnosis_name: Text = Field(min_length=1, max_length=B.DIAGNOSIS_NAME)
    reason_not_direct: Text = Field(default="", max_length=B.REASON)

    @model_validator(mode="after")
    def _check(self) -> VisitIn:
        if self.institution is None and (self.hospital_name is None or self.hospital_region is None):
            raise failure("HOSPITAL_MISSING")
        if self.discharged_on is not None and self.discharged_on < self.admitted_on:
            raise failure("DATE_ORDER", detail_zh="出院日期早于入院日期",
                          detail_en="discharge date is before admission date")
        if self.visit_type is VisitType.INPATIENT and self.discharged_on is None:
            raise failure("DISCHARGE_MISSING")
        return self


class InvoiceIn(Strict):
    """医疗收费票据: number, date, amount, payer."""

    invoice_no: Code = Field(min_length=1, max_length=B.INVOICE_NO, pattern=r"^[A-Za-z0-9-]+$")
    invoice_date: Day
    amount: InvoiceAmount
    payer: Text = Field(min_length=1, max_length=B.PAYER)

    @field_validator("amount")
    @classmethod
    def _positive(cls, v: Decimal) -> Decimal:
        if v <= 0:
            raise failure("MONEY_NOT_POSITIVE")
        return v


class BankIn(Strict):
    """The account the money goes to: it must be in the person's own name."""

    bank_name: Text = Field(min_length=1, max_length=B.BANK_NAME)
    account_no: str = Field(min_length=1, max_length=B.BANK_ACCOUNT)
    holder: Text = Field(min_length=1, max_length=B.PERSON_NAME)

    @field_validator("account_no", mode="before")
    @classmethod
    def _digits(cls, v: object) -> object:
        if not isinstance(v, str):
            return v
        n = account_number(v)  # "６２１７ ００００-…" as printed on a card -> its digits
        lo, hi = B.BANK_ACCOUNT_DIGITS
        if not n.isascii() or not n.isdigit() or not lo <= len(n) <= hi:
            raise failure("BANK_ACCOUNT_FORMAT", lo=lo, hi=hi)
        return n


class ClaimIn(Strict):
    """A claim's content; on an edit every part given replaces the stored one, parts left out stay."""

    visit: VisitIn | None = None
    invoices: list[InvoiceIn] | None = Field(default=None, max_length=MAX_INVOICES)
    lines: list[FeeLine] | None = Field(default=None, max_length=MAX_LINES)
    bank: BankIn | None = None

    @field_validator("invoices", "lines")
    @classmethod
    def _total(cls, v: list[InvoiceIn] | list[FeeLine] | None, info: ValidationInfo) -> Any:
        # the parts given replace the stored ones, so what is given here is the claim's whole total
        total = sum((x.amount if isinstance(x, InvoiceIn) else x.value for x in v or ()), ZERO)
        if total > B.CLAIM_TOTAL_MAX:
            what = ("发票", "invoices") if info.field_name == "invoices" else ("费用明细", "fee lines")
            raise failure("TOTAL_TOO_LARGE",
                          detail_zh=f"{what[0]}合计 {fmt(total)} 元，超过一笔报销的上限 {B.CLAIM_TOTAL_MAX} 元",
                          detail_en=f"the {what[1]} add up to {fmt(total)} yuan, above the limit of {B.CLAIM_TOTAL_MAX} yuan for one claim")
        return v


class ReasonIn(Strict):
    reason: Text = Field(default="", max_length=B.LONG_REASON)


class ReturnIn(Strict):
    reason: Text = Field(min_length=1, max_length=B.LONG_REASON)
    asked: list[Annotated[str, Field(max_length=B.MATERIAL_CODE)]] = Field(default_factory=list, max_length=20)

    @field_validator("asked")
    @classmethod
    def _codes(cls, v: list[str]) -> list[str]:
        unknown = [c for c in v if c not in rules.MATERIAL_CODES]
        if unknown:
            raise failure("MATERIAL_UNKNOWN", materials=unknown)
        return v
