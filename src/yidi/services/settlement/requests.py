"""The requests of direct settlement (the hospital's messages, validated at the door), their constants and
the transaction codes (infno) they answer to."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Annotated

from pydantic import Field, field_validator, model_validator

from yidi.domain import bounds as B
from yidi.domain.bill import FeeLine
from yidi.domain.enums import VisitType
from yidi.domain.money import ZERO
from yidi.domain.validation import (
    Accumulated,
    Code,
    Day,
    IdNumber,
    SignedTotal,
    Strict,
    Text,
    VisitTotal,
    Year,
    fail,
    failure,
)

MAX_BATCH = 1000  # lines per upload (the platform caps a 2301 batch too; a HIS sends more in batches)
MAX_LINES_PER_VISIT = B.VISIT_LINES_MAX  # the engine's Bill limit, stated once (yidi.domain.bounds)
# Eligibility reasons a post-hoc filing (补办备案) can still fix before discharge: registration accepts
# the visit and records the result; settlement checks again.
FIXABLE_BEFORE_DISCHARGE = frozenset({
    "NO_FILING", "FILING_EXPIRED", "FILING_NOT_YET_VALID", "FILING_OTHER_AREA", "FILING_HOSPITAL_NOT_CHOSEN",
    "FILING_PENDING_REVIEW",
})

# transaction codes (infno) by visit type (inpatient?): register, upload, withdraw, pre-settle, settle, revoke,
# and the lifecycle: cancel the registration, change it, discharge, cancel the discharge (inpatient only)
INFNO = {
    True: {"register": "2401", "upload": "2301", "withdraw": "2302", "quote": "2303", "settle": "2304",
           "revoke": "2305", "cancel": "2404", "change": "2403", "discharge": "2402", "discharge_cancel": "2405"},
    False: {"register": "2201", "upload": "2204", "withdraw": "2205", "quote": "2206", "settle": "2207",
            "revoke": "2208", "cancel": "2202", "change": "2203"},
}
REVERSAL = "2601"


@dataclass(frozen=True, slots=True)
class SettlementConfig:
    """Settings of direct settlement. revoke_window_days [C]: how long after the settlement day the settling
    hospital may revoke it (YIDI_REVOKE_WINDOW_DAYS, default 7; 0 = the same day only)."""

    revoke_window_days: int = 7

    @classmethod
    def from_env(cls) -> SettlementConfig:
        raw = os.environ.get("YIDI_REVOKE_WINDOW_DAYS", "").strip()
        return cls(int(raw)) if raw.isdigit() else cls()


# ------------------------------------------------------------------------------------------ inputs


MsgId = Field(default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$",
              description="the hospital's own message id (msgid); a reversal (2601) refers to it")


class RegisterVisitIn(Strict):
    """入院办理 2401 / 门诊挂号 2201: who, which visit type, since when."""

    id_number: IdNumber
    name: Text = Field(min_length=1, max_length=B.PERSON_NAME)
    visit_type: VisitType
    admitted_on: Day | None = Field(default=None, description="admission / visit day; default today")
    emergency: bool = False
    chronic_disease: Code | None = Field(default=None, max_length=B.DISEASE_CODE)
    gender: Code | None = Field(default=None, max_length=B.GENDER)
    deposit: VisitTotal = Field(default=ZERO, description="押金 paid at admission (inpatient only), yuan")
    msgid: str | None = MsgId

    @model_validator(mode="after")
    def _deposit(self) -> RegisterVisitIn:
        if self.deposit and self.visit_type is not VisitType.INPATIENT:
            raise failure("DEPOSIT_NOT_INPATIENT", visit_type_zh=self.visit_type.zh)
        return self


class UploadLinesIn(Strict):
    """费用明细上传 2301 / 2204: up to 1000 lines; the same line id again with the same content changes
    nothing; with other content it is refused unless `replace` (a correction before settlement)."""

    lines: list[FeeLine]
    replace: bool = False
    msgid: str | None = MsgId

    @field_validator("lines")
    @classmethod
    def _size(cls, v: list[FeeLine]) -> list[FeeLine]:
        if not v:
            raise fail("BATCH_EMPTY", "明细批次为空", "the batch has no lines")
        if len(v) > MAX_BATCH:
            raise fail("BATCH_TOO_LARGE", f"每批最多 {MAX_BATCH} 条明细，收到 {len(v)} 条；请分批上传",
                       f"at most {MAX_BATCH} lines per batch, got {len(v)}; upload in batches")
        return v


class WithdrawLinesIn(Strict):
    """费用明细撤销 2302 / 2205: withdraw these lines (all active lines when `line_ids` is omitted)."""

    line_ids: list[Annotated[Code, Field(max_length=B.LINE_ID)]] | None = Field(default=None, max_length=MAX_BATCH)
    msgid: str | None = MsgId


class CancelVisitIn(Strict):
    """入院撤销 2404 / 挂号撤销 2202: a registration made by mistake (no fee lines left, not discharged)."""

    reason: Text = Field(default="", max_length=B.REASON)
    msgid: str | None = MsgId


class ChangeVisitIn(Strict):
    """住院信息变更 2403 (门诊就诊信息 2203): correct what was registered; omitted fields stay."""

    admitted_on: Day | None = None
    emergency: bool | None = None
    chronic_disease: Code | None = Field(default=None, max_length=B.DISEASE_CODE)
    msgid: str | None = MsgId


class DischargeIn(Strict):
    """出院办理 2402: the day the person left (default today)."""

    discharge_date: Day | None = None
    msgid: str | None = MsgId


class CancelDischargeIn(Strict):
    """出院撤销 2405: the person stays (or the discharge was registered by mistake)."""

    msgid: str | None = MsgId


class QuoteBasis(Strict):
    """What a pre-settlement rested on; send it back with settle to learn what changed in between."""

    visit_revision: int
    acc_version: int
    filing_id: str | None = Field(default=None, max_length=B.FILING_ID)
    basis: str = Field(default="", max_length=20)
    policy_version: str = Field(default="", max_length=B.POLICY_VERSION)
    account_balance: Accumulated = ZERO
    medfee_sumamt: Accumulated = ZERO
    fund_pay_sumamt: Accumulated = ZERO
    acct_pay: Accumulated = ZERO
    psn_cash_pay: Accumulated = ZERO


class PreSettleIn(Strict):
    """预结算 2303 / 2206."""

    discharge_date: Day | None = None
    use_account: bool = Field(default=True, description="acct_used_flag: pay the person's share from the account")
    medfee_sumamt: VisitTotal | None = Field(default=None, description="the total the HIS holds for the visit: "
                                             "refused (MEDFEE_MISMATCH) unless the active lines add up to it "
                                             "(those not settled in an earlier mid-stay part)")
    mid_setl: bool = Field(default=False, description="mid_setl_flag: 中途结算, settle the lines so far of an inpatient "
                                                      "stay still in house; the visit stays open (yidi.domain.mid_stay)")
    mulaid_payer: IdNumber | None = Field(default=None, description="家庭共济: the citizen ID of the family member "
                                          "whose personal account pays what the person's own account leaves "
                                          "(a confirmed family link; the insured region must allow it)")


class SettleIn(PreSettleIn):
    """结算 2304 / 2207: `idempotency_key` makes a retry safe (same key, same body: same settlement)."""

    idempotency_key: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    msgid: str | None = MsgId
    expected: QuoteBasis | None = Field(default=None, description="the `quote` a pre-settlement returned")


class RevokeIn(Strict):
    """结算撤销 2305 / 2208."""

    reason: Text = Field(default="", max_length=B.REASON)
    msgid: str | None = MsgId


class ReversalIn(Strict):
    """冲正 2601: reverse the transaction the hospital sent as `omsgid` (whose answer it never got)."""

    omsgid: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")


class PersonQueryIn(Strict):
    """人员信息获取 1101: who is this, as a hospital's desk asks at admission (the name must match)."""

    id_number: IdNumber
    name: Text = Field(min_length=1, max_length=B.PERSON_NAME)


class AccumulatorQueryIn(Strict):
    """人员累计信息查询 5206."""

    id_number: IdNumber
    year: Year | None = None


class ReconcileItem(Strict):
    setl_id: Code = Field(min_length=1, max_length=B.SETL_ID)
    medfee_sumamt: VisitTotal
    fund_pay_sumamt: VisitTotal
    acct_pay: VisitTotal
    cash_payamt: VisitTotal
    revoked: bool = False


class ReconcileIn(Strict):
    """对总账 3201 (totals) / 对明细账 3202 (with `settlements`): a day of this hospital's settlements.

    Totals of a day count each settlement settled that day (+1 and its amounts) and each revocation made
    that day (-1 and minus its amounts), as clearing counts revocations in the period they happen.
    """

    day: Day
    count: int = Field(ge=-1_000_000, le=1_000_000)
    # totals may be negative (a day with more revocations than settlements), but exact to the fen
    medfee_sumamt: SignedTotal
    fund_pay_sumamt: SignedTotal
    acct_pay: SignedTotal
    cash_payamt: SignedTotal
    settlements: list[ReconcileItem] | None = Field(default=None, max_length=100_000)


