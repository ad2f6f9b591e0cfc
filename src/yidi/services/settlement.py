"""Direct settlement (直接结算) for hospitals: register a visit, upload and withdraw fee lines, pre-settle,
settle, revoke, reverse (冲正) by message id, query year accumulators, reconcile a day.

Modelled on the national platform's hospital transactions (docs/rules.md R-6.2): 2401/2201 register, 2301/2204
fee upload, 2302/2205 withdraw, 2303/2206 pre-settle, 2304/2207 settle, 2305/2208 revoke, 2601 reversal,
5206 accumulators, 3201/3202 reconciliation. The calculation is yidi.domain.engine.calculate, always.

How safety is obtained (each use case is one transaction, see yidi.store.db.unit_of_work):
- settle, revoke and reversal first lock the person's year-accumulator row (INSERT ... ON CONFLICT DO
  NOTHING, then SELECT ... FOR UPDATE on PostgreSQL; on SQLite that INSERT is the transaction's first
  write, which takes the database write lock, so writers run one at a time). Everything that decides the
  money (idempotency key, visit status, lines, accumulators, account balance) is read again *after* the
  lock, so two hospitals settling for one person at once compute one after the other.
- unique constraints back this up: one settlement per (institution, idempotency key), one live settlement
  per visit, one message per (institution, msgid). A transaction that loses such a race is rolled back
  and run again once, and then finds the winner's result.
- every error a caller can cause is a YidiError raised before commit, so it changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator
from pydantic_core import to_json
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from yidi.domain import bounds as B
from yidi.domain import ledger
from yidi.domain.admissions import OpenAdmission, refuse_second_admission
from yidi.domain.bill import Bill, FeeLine, PersonIn, YearAccumulators
from yidi.domain.breakdown import Breakdown
from yidi.domain.eligibility import EligibilityResult, check_eligibility
from yidi.domain.engine import calculate
from yidi.domain.enums import Scheme, VisitType
from yidi.domain.errors import Problem, YidiError
from yidi.domain.ids import mask_id, parse_citizen_id
from yidi.domain.money import ZERO, from_fen, to_fen
from yidi.domain.reference import Person
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
    validate_model,
)
from yidi.services.access import Principal, Role, require
from yidi.services.context import Context
from yidi.store import audit_chain
from yidi.store.db import unit_of_work
from yidi.store.models import PersonRow, VisitRow
from yidi.store.repositories import Filings, Institutions, Persons, Visits, person_of
from yidi.store.repositories.accumulators import Accumulators
from yidi.store.repositories.settlements import posted_of
from yidi.store.retry import retrying
from yidi.store.settlement_models import (
    AMOUNT_FIELDS,
    AuditRow,
    FeeLineRow,
    HospitalMessageRow,
    HospitalVisitRow,
    LedgerEntryRow,
    SettlementRow,
    YearAccumulatorRow,
)

MAX_BATCH = 1000  # lines per upload (the platform caps a 2301 batch too; a HIS sends more in batches)
MAX_LINES_PER_VISIT = 5000  # the engine's Bill limit
# Eligibility reasons a post-hoc filing (补办备案) can still fix before discharge: registration accepts
# the visit and records the result; settlement checks again.
FIXABLE_BEFORE_DISCHARGE = frozenset({
    "NO_FILING", "FILING_EXPIRED", "FILING_NOT_YET_VALID", "FILING_OTHER_AREA", "FILING_HOSPITAL_NOT_CHOSEN",
    "FILING_PENDING_REVIEW",
})

# transaction codes (infno) by visit type: register, upload, withdraw, pre-settle, settle, revoke
INFNO = {
    True: {"register": "2401", "upload": "2301", "withdraw": "2302", "quote": "2303", "settle": "2304",
           "revoke": "2305"},
    False: {"register": "2201", "upload": "2204", "withdraw": "2205", "quote": "2206", "settle": "2207",
            "revoke": "2208"},
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
    msgid: str | None = MsgId


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


# ------------------------------------------------------------------------------------------ errors


def _visit_not_found(mdtrt_id: str) -> YidiError:
    # another hospital's visit is "not found" too: its existence must not leak
    return YidiError("VISIT_NOT_FOUND", f"没有找到本院的就诊 {mdtrt_id}", f"no visit {mdtrt_id} at this institution",
                     "mdtrt_id", 404)


def _settlement_not_found(setl_id: str) -> YidiError:
    return YidiError("SETTLEMENT_NOT_FOUND", f"没有找到本院的结算 {setl_id}",
                     f"no settlement {setl_id} of this institution", "setl_id", 404)


def _hospital(principal: Principal, what_zh: str, what_en: str) -> str:
    require(principal, Role.HOSPITAL, what_zh=what_zh, what_en=what_en)
    return principal.subject


# ------------------------------------------------------------------------------------------ helpers


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def request_hash(payload: dict[str, Any]) -> str:
    """SHA-256 of a canonical JSON form: the same request body always hashes the same."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def _audit(s: Session, principal: Principal, action: str, object_type: str, object_id: str,
           detail: dict[str, Any]) -> None:
    audit_chain.add_record(s, AuditRow(actor_role=principal.role.value, actor=principal.shown, action=action,
                                       object_type=object_type, object_id=object_id, detail=detail, at=_now()))


def _load_visit(s: Session, inst: str, mdtrt_id: str) -> tuple[HospitalVisitRow, VisitRow]:
    row = s.execute(select(HospitalVisitRow, VisitRow).join(VisitRow, VisitRow.id == HospitalVisitRow.visit_id)
                    .where(HospitalVisitRow.mdtrt_id == mdtrt_id)).one_or_none()
    if row is None or row[1].institution != inst:
        raise _visit_not_found(mdtrt_id)
    return row


def _claim_visit(s: Session, hv: HospitalVisitRow, visit: VisitRow) -> None:
    """Lock the visit for a change: a write first (takes the SQLite write lock, the PostgreSQL row lock),
    then read its state again, so a settlement running at the same moment is seen."""
    s.execute(update(HospitalVisitRow).where(HospitalVisitRow.visit_id == hv.visit_id)
              .values(revision=HospitalVisitRow.revision))
    s.refresh(hv)
    s.refresh(visit)


def _lock_visit(s: Session, hv: HospitalVisitRow, visit: VisitRow) -> None:
    """The same row lock as _claim_visit, taken by settle and reinstate: a line upload and a settlement
    of one visit never overlap, so no line can slip in beside a settlement that did not count it."""
    s.execute(select(HospitalVisitRow).where(HospitalVisitRow.visit_id == hv.visit_id).with_for_update()
              .execution_options(populate_existing=True))
    s.refresh(visit)


def _read_accumulators(s: Session, person_id: int, scheme: Scheme, year: int) -> tuple[YearAccumulators, int]:
    row = s.get(YearAccumulatorRow, (person_id, scheme, year))
    if row is None:
        return YearAccumulators(year=year), 0
    return YearAccumulators.model_validate(row.content), row.version


def _find_visit(s: Session, inst: str, mdtrt_id: str) -> tuple[int, int, Scheme]:
    """(visit id, person id, scheme) of this hospital's visit, in one statement, locking nothing."""
    row = s.execute(select(HospitalVisitRow.visit_id, VisitRow.institution, VisitRow.person_id, PersonRow.scheme)
                    .join(VisitRow, VisitRow.id == HospitalVisitRow.visit_id)
                    .join(PersonRow, PersonRow.id == VisitRow.person_id)
                    .where(HospitalVisitRow.mdtrt_id == mdtrt_id)).one_or_none()
    if row is None or row[1] != inst:
        raise _visit_not_found(mdtrt_id)
    return row[0], row[2], row[3]


def _lock_visit_and_person(s: Session, visit_id: int) -> tuple[HospitalVisitRow, VisitRow, PersonRow]:
    """_lock_visit and _lock_person in one statement (FOR UPDATE OF the visit detail and the person rows),
    reading the visit, its detail and the person again after the lock."""
    q = (select(HospitalVisitRow, VisitRow, PersonRow)
         .join(VisitRow, VisitRow.id == HospitalVisitRow.visit_id)
         .join(PersonRow, PersonRow.id == VisitRow.person_id)
         .where(HospitalVisitRow.visit_id == visit_id)
         .with_for_update(of=[HospitalVisitRow, PersonRow]).execution_options(populate_existing=True))
    hv, visit, person = s.execute(q).one()
    return hv, visit, person


def _key_and_message(s: Session, inst: str, key: str, msgid: str) -> tuple[SettlementRow | None, HospitalMessageRow | None]:
    """The settlement with this idempotency key and the message with this msgid, asked in one statement
    (both absent on the usual path); rows found are then read whole."""
    sid, mid = s.execute(select(
        select(SettlementRow.id).where(SettlementRow.institution == inst, SettlementRow.idempotency_key == key)
        .scalar_subquery(),
        select(HospitalMessageRow.id).where(HospitalMessageRow.institution == inst, HospitalMessageRow.msgid == msgid)
        .scalar_subquery())).one()
    found = None if sid is None else s.get(SettlementRow, sid, populate_existing=True)
    msg = None if mid is None else s.get(HospitalMessageRow, mid, populate_existing=True)
    return found, msg


def _lock_person(s: Session, person_id: int) -> PersonRow:
    q = select(PersonRow).where(PersonRow.id == person_id).with_for_update().execution_options(populate_existing=True)
    return s.scalars(q).one()


def _active_lines(s: Session, visit_id: int) -> list[FeeLineRow]:
    q = select(FeeLineRow).where(FeeLineRow.visit_id == visit_id, FeeLineRow.status == "ACTIVE").order_by(FeeLineRow.id)
    return list(s.scalars(q))


def _fee_line(row: FeeLineRow) -> FeeLine:
    # rows were validated when uploaded; construct without validating again (hot path of settle)
    return FeeLine.model_construct(line_id=row.line_id, code=row.code, name=row.name, quantity=Decimal(row.quantity),
                                   unit_price=from_fen(row.unit_price_fen), amount=None, date=row.line_date)


def _eligibility(s: Session, ctx: Context, person: PersonRow, name: str, inst_code: str, visit_type: VisitType,
                 day: dt.date, today: dt.date, *, emergency: bool, chronic: str | None, gender: str | None = None,
                 this_visit: int | None = None) -> EligibilityResult:
    institution = Institutions(s).cached(inst_code)
    if institution is None:
        raise YidiError("INSTITUTION_UNKNOWN", f"定点医疗机构 {inst_code} 不存在", f"unknown institution {inst_code}",
                        "institution", 422)
    p = person_of(person)
    filings = Filings(s).of_person(person.citizen_id)
    # an admission is an inpatient stay: outpatient visits still open elsewhere do not block a visit here
    q = select(VisitRow.institution, VisitRow.admitted_on).where(
        VisitRow.person_id == person.id, VisitRow.status == "OPEN", VisitRow.visit_type == VisitType.INPATIENT)
    if this_visit is not None:
        q = q.where(VisitRow.id != this_visit)
    admissions = [(i, d) for i, d in s.execute(q).all()]
    found = ctx.packs.policy_for(p.insured_region, day)
    return check_eligibility(p, p.citizen_id.number, name, institution, visit_type, day, filings,
                             found[1] if found else None, gender=gender, emergency=emergency,
                             open_admissions=admissions, chronic_disease=chronic, today=max(today, day))


def _not_eligible(result: EligibilityResult, code: str = "VISIT_NOT_ELIGIBLE") -> YidiError:
    problems = [Problem(r.code, r.field, f"{r.message_zh}。{r.action_zh}（{r.where_zh}）", f"{r.message_en}. {r.action_en}")
                for r in result.reasons]
    err = YidiError.of(problems, code=code, status=422)
    err.message_zh = "本次就医不能直接结算：" + "；".join(r.message_zh for r in result.reasons)
    err.message_en = "this visit cannot settle directly: " + "; ".join(r.message_en for r in result.reasons)
    return err


def _message(s: Session, inst: str, msgid: str) -> HospitalMessageRow | None:
    q = select(HospitalMessageRow).where(HospitalMessageRow.institution == inst, HospitalMessageRow.msgid == msgid)
    return s.scalars(q.execution_options(populate_existing=True)).one_or_none()


def _refuse_reversed(msg: HospitalMessageRow | None, msgid: str) -> None:
    if msg is not None and msg.outcome == "REVERSED_UNSEEN":
        raise YidiError("MSG_REVERSED", f"报文 {msgid} 已被冲正，不再办理；请用新的报文号重新发送",
                        f"message {msgid} was reversed before it arrived; send it again with a new msgid", "msgid", 409)


# ------------------------------------------------------------------------------------------ views


@dataclass(frozen=True, slots=True)
class VisitView:
    mdtrt_id: str
    institution: str
    person_id_number: str  # masked
    person_name: str
    visit_type: VisitType
    admitted_on: dt.date
    discharged_on: dt.date | None
    emergency: bool
    status: str
    revision: int
    eligible: bool
    eligibility: dict[str, Any]
    lines: list[dict[str, Any]]
    settlements: list[dict[str, Any]]
    totals: dict[str, str]


def _line_out(r: FeeLineRow) -> dict[str, Any]:
    return {
        "line_id": r.line_id, "code": r.code, "name": r.name, "quantity": r.quantity,
        "unit_price": str(from_fen(r.unit_price_fen)), "det_item_fee_sumamt": str(from_fen(r.amount_fen)),
        "date": r.line_date.isoformat() if r.line_date else None, "status": r.status,
        "item_status": r.item_status, "chrgitm_lv": r.chrgitm_lv, "selfpay_prop": r.selfpay_prop,
        "fulamt_ownpay_amt": str(from_fen(r.fulamt_ownpay_fen)), "overlmt_amt": str(from_fen(r.overlmt_fen)),
        "preselfpay_amt": str(from_fen(r.preselfpay_fen)), "inscp_scp_amt": str(from_fen(r.inscp_scp_fen)),
        "reason_zh": r.reason_zh,
    }


def _visit_view(s: Session, hv: HospitalVisitRow, visit: VisitRow, *, with_lines: bool = True) -> VisitView:
    person = s.get(PersonRow, visit.person_id)
    assert person is not None
    lines = list(s.scalars(select(FeeLineRow).where(FeeLineRow.visit_id == visit.id).order_by(FeeLineRow.id)))
    active = [ln for ln in lines if ln.status == "ACTIVE"]
    setls = s.scalars(select(SettlementRow).where(SettlementRow.visit_id == visit.id).order_by(SettlementRow.id))
    totals = {
        "lines": str(len(active)),
        "det_item_fee_sumamt": str(from_fen(sum(ln.amount_fen for ln in active))),
        "fulamt_ownpay_amt": str(from_fen(sum(ln.fulamt_ownpay_fen for ln in active))),
        "overlmt_amt": str(from_fen(sum(ln.overlmt_fen for ln in active))),
        "preselfpay_amt": str(from_fen(sum(ln.preselfpay_fen for ln in active))),
        "inscp_scp_amt": str(from_fen(sum(ln.inscp_scp_fen for ln in active))),
    }
    return VisitView(
        hv.mdtrt_id, visit.institution, mask_id(person.citizen_id), person.name, visit.visit_type, visit.admitted_on,
        visit.discharged_on, visit.emergency, visit.status, hv.revision, hv.eligible, hv.eligibility,
        [_line_out(ln) for ln in lines] if with_lines else [],
        [{"setl_id": x.setl_id, "status": x.status, "settlement_date": x.settlement_date.isoformat(),
          "medfee_sumamt": str(from_fen(x.medfee_sumamt_fen))} for x in setls],
        totals,
    )


@dataclass(frozen=True, slots=True)
class Change:
    """Something that differs between the pre-settlement a hospital saw and the settlement made."""

    what: str  # LINES / ACCUMULATORS / FILING / POLICY / ACCOUNT / AMOUNTS
    message_zh: str
    message_en: str

    def as_dict(self) -> dict[str, str]:
        return {"what": self.what, "message_zh": self.message_zh, "message_en": self.message_en}


@dataclass(frozen=True, slots=True)
class SettlementView:
    setl_id: str
    mdtrt_id: str
    institution: str
    status: str
    settlement_date: dt.date
    settled_at: dt.datetime
    revoked_on: dt.date | None
    revoked_at: dt.datetime | None
    infno: str
    breakdown: dict[str, Any]
    accumulators_before: dict[str, Any]
    accumulators_after: dict[str, Any]
    replayed: bool = False
    changes: tuple[Change, ...] = ()
    # settle only: the JSON this settlement was first answered with, which a replay answers again verbatim
    answer: str | None = None


def _settlement_view(s: Session, row: SettlementRow, *, replayed: bool = False,
                     changes: Sequence[Change] = ()) -> SettlementView:
    hv = s.get(HospitalVisitRow, row.visit_id)
    assert hv is not None
    inpatient = row.visit_type is VisitType.INPATIENT
    return SettlementView(row.setl_id, hv.mdtrt_id, row.institution, row.status, row.settlement_date, row.settled_at,
                          row.revoked_on, row.revoked_at, INFNO[inpatient]["settle"], row.breakdown,
                          row.accumulators_before, row.accumulators_after, replayed, tuple(changes))


def settlement_answer(view: SettlementView) -> str:
    """The settle answer as JSON (the fields of SettlementView but `replayed` and `answer`; dates ISO 8601,
    amounts strings). Stored with the settlement: while it stands, a retry gets exactly these bytes."""
    fields = {f: getattr(view, f) for f in view.__dataclass_fields__ if f not in ("replayed", "answer")}
    fields["changes"] = [c.as_dict() for c in view.changes]
    return to_json(fields).decode()


@dataclass(frozen=True, slots=True)
class Quote:
    """A pre-settlement: the breakdown (with its explanation) and what it rested on."""

    mdtrt_id: str
    breakdown: dict[str, Any]
    quote: QuoteBasis
    eligibility: dict[str, Any]


# ------------------------------------------------------------------------------------------ register


def register_visit(ctx: Context, principal: Principal, req: RegisterVisitIn) -> VisitView:
    """入院办理 / 门诊挂号: check eligibility, record the visit with the result, return its mdtrt_id.

    Refused when the person cannot settle here for a reason a filing cannot fix (not found, identity,
    insurance status, hospital not networked, open admission elsewhere, chronic certification). A visit
    whose only problem is the filing is accepted, not eligible yet: a post-hoc filing before discharge
    makes it settleable, and settle checks again.
    """
    inst = _hospital(principal, "办理入院或挂号", "register visits")
    cid = parse_citizen_id(req.id_number, "id_number").number
    today = ctx.today()
    day = req.admitted_on or today
    if day > today:
        raise YidiError("DATE_IN_FUTURE", "入院（就诊）日期不能晚于今天", "the admission day cannot be in the future",
                        "admitted_on", 422)
    infno = INFNO[req.visit_type is VisitType.INPATIENT]["register"]
    h = request_hash(req.model_dump(mode="json", exclude={"msgid"}))

    def run() -> VisitView:
        with unit_of_work(ctx.sessions) as s:
            if req.msgid:
                msg = _message(s, inst, req.msgid)
                _refuse_reversed(msg, req.msgid)
                if msg is not None:
                    if msg.infno != infno or msg.request_hash != h or msg.visit_id is None:
                        raise _msgid_reused(req.msgid)
                    hv = s.get(HospitalVisitRow, msg.visit_id)
                    visit = s.get(VisitRow, msg.visit_id)
                    assert hv is not None and visit is not None
                    return _visit_view(s, hv, visit)
            # the person's row lock serialises registrations for one person (two hospitals admitting at
            # the same moment): the second one reads the first one's admission after the lock
            person = Persons(s).row(cid, for_update=True)
            if person is None:
                raise YidiError("PERSON_NOT_FOUND", "没有找到该参保人：请核对身份证号码，或请参保人到参保地医保经办机构确认参保登记",
                                "no insured person with this ID number", "id_number", 404)
            second = refuse_second_admission(req.visit_type, inst, _open_admissions(s, person))
            if second is not None:
                raise second
            result = _eligibility(s, ctx, person, req.name, inst, req.visit_type, day, today,
                                  emergency=req.emergency, chronic=req.chronic_disease, gender=req.gender)
            blocking = [r for r in result.reasons if r.code not in FIXABLE_BEFORE_DISCHARGE]
            if blocking:
                raise _not_eligible(result)
            visit = VisitRow(person_id=person.id, institution=inst, visit_type=req.visit_type, admitted_on=day,
                             emergency=req.emergency, status="OPEN", filing_id=result.filing.filing_id if result.filing else None)
            s.add(visit)
            s.flush()
            hv = HospitalVisitRow(visit_id=visit.id, mdtrt_id=f"MD{today:%Y%m%d}{secrets.token_hex(5).upper()}",
                                  chronic_disease=req.chronic_disease, eligible=result.eligible,
                                  eligibility=result.as_dict(), revision=0, msgid=req.msgid, registered_at=_now())
            s.add(hv)
            if req.msgid:
                s.add(HospitalMessageRow(institution=inst, msgid=req.msgid, infno=infno, outcome="DONE",
                                         visit_id=visit.id, request_hash=h, at=_now()))
            _audit(s, principal, "VISIT_REGISTER", "visit", hv.mdtrt_id,
                   {"infno": infno, "person": mask_id(cid), "visit_type": req.visit_type.value,
                    "eligible": result.eligible, "reasons": result.codes})
            s.flush()
            return _visit_view(s, hv, visit)

    return retrying(run)


def _open_admissions(s: Session, person: PersonRow) -> list[OpenAdmission]:
    insts = Institutions(s)
    out = []
    for v in Visits(s).open_admissions(person.id):
        inst = insts.cached(v.institution)
        hv = s.get(HospitalVisitRow, v.id)
        out.append(OpenAdmission(v.institution, inst.name if inst else "", v.admitted_on, hv.mdtrt_id if hv else ""))
    return out


def _msgid_reused(msgid: str) -> YidiError:
    return YidiError("MSGID_REUSED", f"报文号 {msgid} 已用于另一笔不同的交易", f"msgid {msgid} was already used for a different request",
                     "msgid", 409)


def show_visit(ctx: Context, principal: Principal, mdtrt_id: str) -> VisitView:
    inst = _hospital(principal, "查看就诊", "see visits")
    with unit_of_work(ctx.sessions) as s:
        hv, visit = _load_visit(s, inst, mdtrt_id)
        return _visit_view(s, hv, visit)


# ------------------------------------------------------------------------------------------ fee lines


def _content(ln: FeeLine) -> tuple[Any, ...]:
    return (ln.code, ln.name, str(ln.quantity.normalize()), to_fen(ln.unit_price), ln.date)


def _row_content(r: FeeLineRow) -> tuple[Any, ...]:
    return (r.code, r.name, str(Decimal(r.quantity).normalize()), r.unit_price_fen, r.line_date)


def _check_open(visit: VisitRow, mdtrt_id: str) -> None:
    if visit.status == "SETTLED":
        raise YidiError("VISIT_SETTLED", f"就诊 {mdtrt_id} 已结算，明细不能再改；如需退费请先撤销结算",
                        f"visit {mdtrt_id} is settled; revoke the settlement before changing its lines", "mdtrt_id", 409)
    if visit.status != "OPEN":
        raise YidiError("VISIT_CLOSED", f"就诊 {mdtrt_id} 已{visit.status}", f"visit {mdtrt_id} is {visit.status}",
                        "mdtrt_id", 409)


def _classify(ctx: Context, s: Session, hv: HospitalVisitRow, visit: VisitRow, rows: list[FeeLineRow],
              today: dt.date) -> list[str]:
    """Classify the visit's active lines with the engine (the treatment catalogue in force on each line's
    day); unknown codes become fully self-funded lines, never dropped. Returns warnings."""
    if not rows:
        return []
    person = s.get(PersonRow, visit.person_id)
    assert person is not None
    p = person_of(person)
    try:
        bill = _bill(hv, visit, p, rows, today, None, True)
        b = calculate(bill, ctx.packs, person=p, unknown_items="self_funded")
    except YidiError as exc:
        for r in rows:
            r.item_status, r.reason_zh = "UNCLASSIFIED", exc.message_zh
        return [exc.message_zh]
    by_id = {r.line_id: r for r in rows}
    for lr in b.lines:
        r = by_id[lr.line_id]
        r.item_status, r.chrgitm_lv, r.selfpay_prop, r.reason_zh = lr.status, lr.chrgitm_lv, str(lr.selfpay_prop), lr.reason_zh
        r.fulamt_ownpay_fen, r.overlmt_fen = to_fen(lr.fulamt_ownpay_amt), to_fen(lr.overlmt_amt)
        r.preselfpay_fen, r.inscp_scp_fen = to_fen(lr.preselfpay_amt), to_fen(lr.inscp_scp_amt)
    return list(b.warnings)


def upload_lines(ctx: Context, principal: Principal, mdtrt_id: str, req: UploadLinesIn) -> VisitView:
    """费用明细上传: insert new lines, keep identical ones, correct (with `replace`) or reactivate
    withdrawn ones; every line is classified and kept, whatever its code or price."""
    inst = _hospital(principal, "上传费用明细", "upload fee lines")
    today = ctx.today()
    seen: set[str] = set()
    problems: list[Problem] = []
    for i, ln in enumerate(req.lines):
        if ln.line_id in seen:
            problems.append(Problem("LINE_DUPLICATE", f"lines.{i}.line_id", f"明细流水号 {ln.line_id} 在本批中重复",
                                    f"line id {ln.line_id} appears twice in this batch"))
        seen.add(ln.line_id)
        if ln.date is not None and ln.date > today:
            problems.append(Problem("LINE_DATE_OUTSIDE", f"lines.{i}.date", f"明细 {ln.line_id} 的日期晚于今天",
                                    f"line {ln.line_id} is dated in the future"))
    if problems:
        raise YidiError.of(problems)

    def run() -> VisitView:
        with unit_of_work(ctx.sessions) as s:
            hv, visit = _load_visit(s, inst, mdtrt_id)
            _claim_visit(s, hv, visit)
            _check_open(visit, mdtrt_id)
            infno = INFNO[visit.visit_type is VisitType.INPATIENT]["upload"]
            if req.msgid:
                msg = _message(s, inst, req.msgid)
                _refuse_reversed(msg, req.msgid)
            existing = {r.line_id: r for r in s.scalars(select(FeeLineRow).where(FeeLineRow.visit_id == visit.id))}
            errs: list[Problem] = []
            changed = 0
            for i, ln in enumerate(req.lines):
                if ln.date is not None and ln.date < visit.admitted_on:
                    errs.append(Problem("LINE_DATE_OUTSIDE", f"lines.{i}.date",
                                        f"明细 {ln.line_id} 的日期 {ln.date} 早于入院（就诊）日期 {visit.admitted_on}",
                                        f"line {ln.line_id} is dated before the admission"))
                    continue
                row = existing.get(ln.line_id)
                if row is not None and row.status == "ACTIVE" and _row_content(row) == _content(ln):
                    continue  # the same line again: idempotent
                if row is not None and row.status == "ACTIVE" and not req.replace:
                    errs.append(Problem("LINE_CONFLICT", f"lines.{i}",
                                        f"明细 {ln.line_id} 已上传且内容不同；如需更正请设置 replace 或先撤销该明细",
                                        f"line {ln.line_id} exists with other content; send replace: true or withdraw it first"))
                    continue
                if row is None:
                    row = FeeLineRow(visit_id=visit.id, line_id=ln.line_id)
                    s.add(row)
                    existing[ln.line_id] = row
                row.code, row.name, row.quantity = ln.code, ln.name, format(ln.quantity, "f")
                row.unit_price_fen, row.amount_fen, row.line_date = to_fen(ln.unit_price), to_fen(ln.value), ln.date
                row.status, row.withdrawn_at, row.uploaded_at = "ACTIVE", None, _now()
                changed += 1
            if errs:
                raise YidiError.of(errs, status=409 if all(p.code == "LINE_CONFLICT" for p in errs) else 422)
            active = [r for r in existing.values() if r.status == "ACTIVE"]
            if len(active) > MAX_LINES_PER_VISIT:
                raise YidiError("VISIT_TOO_MANY_LINES", f"一次就诊最多 {MAX_LINES_PER_VISIT} 条有效明细",
                                f"a visit holds at most {MAX_LINES_PER_VISIT} active lines", "lines", 422)
            _check_visit_total(sum(r.amount_fen for r in active))
            if changed:
                hv.revision += 1
                s.flush()
                _classify(ctx, s, hv, visit, sorted(active, key=lambda r: r.id or 0), today)
                _audit(s, principal, "LINES_UPLOAD", "visit", mdtrt_id,
                       {"infno": infno, "lines": changed, "replace": req.replace, "revision": hv.revision})
            if req.msgid and _message(s, inst, req.msgid) is None:
                s.add(HospitalMessageRow(institution=inst, msgid=req.msgid, infno=infno, outcome="DONE",
                                         visit_id=visit.id, at=_now()))
            s.flush()
            return _visit_view(s, hv, visit)

    return retrying(run)


def _check_visit_total(total_fen: int) -> None:
    """Refused at upload, so a visit can never hold lines it could not settle (pre-settle would fail)."""
    if total_fen > to_fen(B.VISIT_TOTAL_MAX):
        raise YidiError("TOTAL_TOO_LARGE", f"本次就诊的有效明细合计 {from_fen(total_fen)} 元，超过一次就诊的上限 {B.VISIT_TOTAL_MAX} 元",
                        f"the visit's active lines would add up to {from_fen(total_fen)} yuan, above the limit of "
                        f"{B.VISIT_TOTAL_MAX} yuan for one visit", "lines", 422)


def withdraw_lines(ctx: Context, principal: Principal, mdtrt_id: str, req: WithdrawLinesIn) -> VisitView:
    """费用明细撤销: withdraw lines before settlement (withdrawing a withdrawn line changes nothing)."""
    inst = _hospital(principal, "撤销费用明细", "withdraw fee lines")
    today = ctx.today()
    with unit_of_work(ctx.sessions) as s:
        hv, visit = _load_visit(s, inst, mdtrt_id)
        _claim_visit(s, hv, visit)
        _check_open(visit, mdtrt_id)
        infno = INFNO[visit.visit_type is VisitType.INPATIENT]["withdraw"]
        if req.msgid:
            _refuse_reversed(_message(s, inst, req.msgid), req.msgid)
        rows = {r.line_id: r for r in s.scalars(select(FeeLineRow).where(FeeLineRow.visit_id == visit.id))}
        ids = req.line_ids if req.line_ids is not None else [k for k, r in rows.items() if r.status == "ACTIVE"]
        missing = [i for i in ids if i not in rows]
        if missing:
            raise YidiError.of([Problem("LINE_NOT_FOUND", "line_ids", f"没有明细 {m}", f"no line {m}") for m in missing],
                               status=404)
        changed = 0
        for i in ids:
            r = rows[i]
            if r.status == "ACTIVE":
                r.status, r.withdrawn_at = "WITHDRAWN", _now()
                changed += 1
        if changed:
            hv.revision += 1
            s.flush()
            active = sorted((r for r in rows.values() if r.status == "ACTIVE"), key=lambda r: r.id)
            _classify(ctx, s, hv, visit, active, today)
            _audit(s, principal, "LINES_WITHDRAW", "visit", mdtrt_id,
                   {"infno": infno, "lines": changed, "revision": hv.revision})
        if req.msgid and _message(s, inst, req.msgid) is None:
            s.add(HospitalMessageRow(institution=inst, msgid=req.msgid, infno=infno, outcome="DONE",
                                     visit_id=visit.id, at=_now()))
        s.flush()
        return _visit_view(s, hv, visit)


# ------------------------------------------------------------------------------------------ calculation


def _bill(hv: HospitalVisitRow, visit: VisitRow, person: Person, rows: Sequence[FeeLineRow], today: dt.date,
          discharge: dt.date | None, use_account: bool) -> Bill:
    data = {
        "bill_id": hv.mdtrt_id[:30], "visit_type": visit.visit_type, "institution": visit.institution,
        "admission_date": visit.admitted_on, "discharge_date": discharge, "settlement_date": today,
        "person": PersonIn.of(person), "emergency": visit.emergency, "use_account": use_account,
        "lines": [_fee_line(r) for r in rows],
    }
    return validate_model(Bill, data)


@dataclass
class _Computed:
    breakdown: Breakdown
    eligibility: EligibilityResult
    basis: QuoteBasis
    before: YearAccumulators
    lines: list[FeeLineRow]


def _compute(ctx: Context, s: Session, hv: HospitalVisitRow, visit: VisitRow, person: PersonRow,
             acc: YearAccumulators, acc_version: int, req: PreSettleIn, today: dt.date) -> _Computed:
    mdtrt_id = hv.mdtrt_id
    if req.discharge_date is not None and (req.discharge_date < visit.admitted_on or req.discharge_date > today):
        raise YidiError("DATE_ORDER", "出院日期应在入院日期与今天之间", "the discharge date must lie between admission and today",
                        "discharge_date", 422)
    rows = _active_lines(s, visit.id)
    if not rows:
        raise YidiError("VISIT_NO_LINES", f"就诊 {mdtrt_id} 没有有效的费用明细", f"visit {mdtrt_id} has no active fee lines",
                        "mdtrt_id", 422)
    result = _eligibility(s, ctx, person, person.name, visit.institution, visit.visit_type, visit.admitted_on, today,
                          emergency=visit.emergency, chronic=hv.chronic_disease, this_visit=visit.id)
    if not result.eligible:
        raise _not_eligible(result, "SETTLE_NOT_ELIGIBLE")
    p = person_of(person)
    filing = result.filing.to_filing() if result.filing is not None else None
    bill = _bill(hv, visit, p, rows, today, req.discharge_date, req.use_account)
    b = calculate(bill, ctx.packs, person=p, filing=filing, accumulators=acc, unknown_items="self_funded")
    if b.accumulators_after is not None and b.accumulators_after.largest() > B.ACCUMULATED_MAX:
        raise YidiError("TOTAL_TOO_LARGE", f"该参保人本年度累计将超过上限 {B.ACCUMULATED_MAX} 元", "the person's year-to-date "
                        f"sums would pass the limit of {B.ACCUMULATED_MAX} yuan", "accumulators", 422)
    basis = QuoteBasis(visit_revision=hv.revision, acc_version=acc_version,
                       filing_id=result.filing.filing_id if result.filing else None, basis=b.basis,
                       policy_version=b.policy_version, account_balance=p.account_balance,
                       medfee_sumamt=b.medfee_sumamt, fund_pay_sumamt=b.fund_pay_sumamt, acct_pay=b.acct_pay,
                       psn_cash_pay=b.psn_cash_pay)
    return _Computed(b, result, basis, acc, rows)


def _changes(expected: QuoteBasis | None, now: QuoteBasis) -> list[Change]:
    """Say what changed between the pre-settlement the hospital saw and this settlement."""
    if expected is None:
        return []
    out: list[Change] = []
    if expected.visit_revision != now.visit_revision:
        out.append(Change("LINES", "预结算后费用明细有变化（上传、更正或撤销）", "fee lines changed after the pre-settlement"))
    if expected.acc_version != now.acc_version:
        out.append(Change("ACCUMULATORS", "预结算后该参保人本年度累计有变化（其他结算或撤销）",
                          "the person's year accumulators changed after the pre-settlement (another settlement or revocation)"))
    if expected.filing_id != now.filing_id or expected.basis != now.basis:
        out.append(Change("FILING", f"适用的备案由 {expected.filing_id or '无'}（{expected.basis}）变为 {now.filing_id or '无'}（{now.basis}）",
                          f"the filing that applies changed from {expected.filing_id} ({expected.basis}) to {now.filing_id} ({now.basis})"))
    if expected.policy_version != now.policy_version:
        out.append(Change("POLICY", f"适用的政策版本由 {expected.policy_version} 变为 {now.policy_version}",
                          f"the policy version changed from {expected.policy_version} to {now.policy_version}"))
    if expected.account_balance != now.account_balance:
        out.append(Change("ACCOUNT", f"个人账户余额由 {expected.account_balance} 变为 {now.account_balance}",
                          f"the personal account balance changed from {expected.account_balance} to {now.account_balance}"))
    diffs = [f for f in ("medfee_sumamt", "fund_pay_sumamt", "acct_pay", "psn_cash_pay")
             if getattr(expected, f) != getattr(now, f)]
    if diffs:
        zh = "，".join(f"{f} {getattr(expected, f)} → {getattr(now, f)}" for f in diffs)
        out.append(Change("AMOUNTS", f"结算金额与预结算不同：{zh}", f"amounts differ from the pre-settlement: {zh}"))
    return out


def pre_settle(ctx: Context, principal: Principal, mdtrt_id: str, req: PreSettleIn) -> Quote:
    """预结算: the breakdown a settlement would give now, with its explanation; changes nothing."""
    inst = _hospital(principal, "预结算", "pre-settle")
    today = ctx.today()
    with unit_of_work(ctx.sessions) as s:
        hv, visit = _load_visit(s, inst, mdtrt_id)
        _check_open(visit, mdtrt_id)
        person = s.get(PersonRow, visit.person_id)
        assert person is not None
        acc, version = _read_accumulators(s, person.id, person.scheme, today.year)
        c = _compute(ctx, s, hv, visit, person, acc, version, req, today)
        s.rollback()  # a quote writes nothing, whatever a lazy load may have touched
        return Quote(mdtrt_id, c.breakdown.as_dict(), c.basis, c.eligibility.as_dict())


# ------------------------------------------------------------------------------------------ settle


def _post(s: Session, row: SettlementRow, kind: str, sign: int, day: dt.date) -> None:
    """Write one balanced posting; a posting that does not sum to zero is a defect, never written."""
    legs = [(a, to_fen(amt)) for a, amt in ledger.legs(posted_of(row), sign)]
    # a settlement's first posting needs no count; later ones (revoke, reinstate) number themselves
    n = 0 if kind == "SETTLE" else s.scalar(select(func.count(func.distinct(LedgerEntryRow.posting)))
                                            .where(LedgerEntryRow.settlement_id == row.id)) or 0
    posting = ledger.posting_id(row.setl_id, kind, n)
    now = _now()
    s.add_all(LedgerEntryRow(posting=posting, settlement_id=row.id, kind=kind, account=a, amount_fen=amt, on_day=day,
                             at=now) for a, amt in legs)


def _replay(s: Session, row: SettlementRow, h: str, key: str) -> SettlementView:
    if row.request_hash != h:
        raise YidiError("IDEMPOTENCY_KEY_REUSED", f"幂等键 {key} 已用于另一笔内容不同的结算请求",
                        f"idempotency key {key} was used for a different settle request", "idempotency_key", 409)
    # while the settlement stands, the first answer verbatim; once revoked or reversed, the settlement as it
    # is now (REVOKED): answering "SETTLED" again would tell the hospital money was paid that was given back
    return replace(_settlement_view(s, row, replayed=True), answer=row.answer if row.status == "SETTLED" else None)


def _by_key(s: Session, inst: str, key: str) -> SettlementRow | None:
    q = select(SettlementRow).where(SettlementRow.institution == inst, SettlementRow.idempotency_key == key)
    return s.scalars(q.execution_options(populate_existing=True)).one_or_none()


def settle(ctx: Context, principal: Principal, mdtrt_id: str, req: SettleIn) -> SettlementView:
    """结算: in one transaction, compute and store the settlement, update the year accumulators and the
    personal account, write balanced ledger entries, the message and an audit record.

    The same key with the same body returns the first answer again, byte for byte (`replayed`, `answer`);
    once the settlement was revoked or reversed, the revoked settlement (a retry never pays twice). The same
    key with another body is refused.
    """
    inst = _hospital(principal, "结算", "settle")
    h = request_hash({"mdtrt_id": mdtrt_id, **req.model_dump(mode="json", exclude={"msgid", "idempotency_key"})})
    msgid = req.msgid or req.idempotency_key

    def run() -> SettlementView:
        today = ctx.today()
        with unit_of_work(ctx.sessions) as s:
            visit_id, person_id, scheme = _find_visit(s, inst, mdtrt_id)
            acc_row = Accumulators(s).lock_row(person_id, scheme, today.year)
            # --- serialised from here on for this person: read again everything that decides the money
            found, msg = _key_and_message(s, inst, req.idempotency_key, msgid)
            if found is not None:
                return _replay(s, found, h, req.idempotency_key)
            _refuse_reversed(msg, msgid)
            if msg is not None:
                raise _msgid_reused(msgid)
            hv, visit, person = _lock_visit_and_person(s, visit_id)
            if visit.status == "SETTLED":
                raise YidiError("VISIT_ALREADY_SETTLED", f"就诊 {mdtrt_id} 已结算；如需重新结算请先撤销",
                                f"visit {mdtrt_id} is already settled; revoke it first to settle again", "mdtrt_id", 409)
            _check_open(visit, mdtrt_id)
            acc = YearAccumulators.model_validate(acc_row.content)
            c = _compute(ctx, s, hv, visit, person, acc, acc_row.version, req, today)
            b = c.breakdown
            assert b.accumulators_after is not None
            now = _now()
            row = SettlementRow(
                setl_id=f"S{today:%Y%m%d}{secrets.token_hex(6).upper()}", visit_id=visit.id, person_id=person.id,
                institution=inst, insured_region=b.insured_region, treatment_region=b.treatment_region,
                visit_type=visit.visit_type, scheme=person.scheme, year=today.year,
                idempotency_key=req.idempotency_key, request_hash=h, msgid=msgid, status="SETTLED", basis=b.basis,
                filing_id=c.basis.filing_id, filing_type=b.filing_type, pack=b.pack, policy_version=b.policy_version,
                visit_revision=hv.revision, line_count=len(c.lines),
                pool_prop_selfpay=str(b.pool_prop_selfpay), breakdown=b.as_dict(),
                accumulators_before=acc.as_dict(), accumulators_after=b.accumulators_after.as_dict(),
                settlement_date=today, settled_at=now,
                acc_version_after=acc_row.version + 1,
            )
            for f in AMOUNT_FIELDS:
                setattr(row, f"{f}_fen", to_fen(getattr(b, f)))
            s.add(row)
            s.flush()
            _post(s, row, "SETTLE", 1, today)
            acc_row.content = b.accumulators_after.as_dict()
            acc_row.version += 1
            acc_row.updated_at = now
            person.account_balance_fen -= row.acct_pay_fen
            visit.status = "SETTLED"
            visit.discharged_on = req.discharge_date or (today if visit.visit_type is VisitType.INPATIENT else None)
            s.add(HospitalMessageRow(institution=inst, msgid=msgid, infno=INFNO[visit.visit_type is VisitType.INPATIENT]["settle"],
                                     outcome="DONE", settlement_id=row.id, visit_id=visit.id, request_hash=h, at=now))
            _audit(s, principal, "SETTLE", "settlement", row.setl_id,
                   {"mdtrt_id": mdtrt_id, "medfee_sumamt": str(b.medfee_sumamt), "fund_pay_sumamt": str(b.fund_pay_sumamt),
                    "acct_pay": str(b.acct_pay), "psn_cash_pay": str(b.psn_cash_pay), "acc_version": acc_row.version})
            view = _settlement_view(s, row, changes=_changes(req.expected, c.basis))
            row.answer = settlement_answer(view)
            s.flush()
            return replace(view, answer=row.answer)

    return retrying(run)


def show_settlement(ctx: Context, principal: Principal, setl_id: str) -> SettlementView:
    inst = _hospital(principal, "查看结算", "see settlements")
    with unit_of_work(ctx.sessions) as s:
        row = s.scalars(select(SettlementRow).where(SettlementRow.setl_id == setl_id)).one_or_none()
        if row is None or row.institution != inst:
            raise _settlement_not_found(setl_id)
        return _settlement_view(s, row)


# ------------------------------------------------------------------------------------------ revoke


def _undo(s: Session, principal: Principal, row: SettlementRow, acc_row: YearAccumulatorRow, today: dt.date,
          reason: str, action: str) -> None:
    """Reverse every effect of a live settlement: accumulators, account, ledger, visit state."""
    now_acc = YearAccumulators.model_validate(acc_row.content)
    restored = ledger.accumulate(now_acc, YearAccumulators.model_validate(row.accumulators_before),
                          YearAccumulators.model_validate(row.accumulators_after), -1)
    acc_row.content = restored.as_dict()
    acc_row.version += 1
    acc_row.updated_at = _now()
    person = _lock_person(s, row.person_id)
    person.account_balance_fen += row.acct_pay_fen
    _post(s, row, "REVOKE", -1, today)
    row.status, row.revoked_on, row.revoked_at, row.revoke_reason = "REVOKED", today, _now(), reason
    row.revoked_acc_version = acc_row.version
    visit = s.get(VisitRow, row.visit_id)
    assert visit is not None
    visit.status, visit.discharged_on = "OPEN", None
    _audit(s, principal, action, "settlement", row.setl_id,
           {"reason": reason, "medfee_sumamt": str(from_fen(row.medfee_sumamt_fen)), "acc_version": acc_row.version})


def _lock_settlement(s: Session, inst: str, setl_id: str) -> tuple[SettlementRow, YearAccumulatorRow]:
    row = s.scalars(select(SettlementRow).where(SettlementRow.setl_id == setl_id)).one_or_none()
    if row is None or row.institution != inst:
        raise _settlement_not_found(setl_id)
    acc_row = Accumulators(s).lock_row(row.person_id, row.scheme, row.year)
    s.refresh(row)
    return row, acc_row


def revoke(ctx: Context, principal: Principal, setl_id: str, req: RevokeIn,
           config: SettlementConfig | None = None) -> SettlementView:
    """结算撤销: only the settling hospital, within the window; restores what the settlement consumed.

    A partial refund (退费) is this followed by withdrawing the refunded lines and settling again: the new
    settlement is computed from the restored accumulators.
    """
    inst = _hospital(principal, "撤销结算", "revoke settlements")
    cfg = config or SettlementConfig.from_env()
    h = request_hash({"setl_id": setl_id, "reason": req.reason})

    def run() -> SettlementView:
        today = ctx.today()
        with unit_of_work(ctx.sessions) as s:
            row, acc_row = _lock_settlement(s, inst, setl_id)
            infno = INFNO[row.visit_type is VisitType.INPATIENT]["revoke"]
            if req.msgid:
                msg = _message(s, inst, req.msgid)
                _refuse_reversed(msg, req.msgid)
                if msg is not None:
                    if msg.infno != infno or msg.request_hash != h:
                        raise _msgid_reused(req.msgid)
                    return _settlement_view(s, row, replayed=True)
            if row.status == "REVOKED":
                raise YidiError("SETTLEMENT_ALREADY_REVOKED", f"结算 {setl_id} 已撤销", f"settlement {setl_id} is already revoked",
                                "setl_id", 409)
            if (today - row.settlement_date).days > cfg.revoke_window_days:
                raise YidiError("REVOKE_WINDOW_PASSED",
                                f"结算 {setl_id}（{row.settlement_date}）已超过可撤销期限 {cfg.revoke_window_days} 天；请按退费流程到经办机构办理",
                                f"settlement {setl_id} of {row.settlement_date} is past the {cfg.revoke_window_days}-day revocation window",
                                "setl_id", 409)
            _undo(s, principal, row, acc_row, today, req.reason, "REVOKE")
            s.add(HospitalMessageRow(institution=inst, msgid=req.msgid or f"revoke:{setl_id}", infno=infno, outcome="DONE",
                                     settlement_id=row.id, visit_id=row.visit_id, request_hash=h, at=_now()))
            s.flush()
            return _settlement_view(s, row)

    return retrying(run)


# ------------------------------------------------------------------------------------------ reversal


@dataclass(frozen=True, slots=True)
class ReversalView:
    """The answer to 2601: what the original message did and what the reversal did about it."""

    omsgid: str
    found: bool
    oinfno: str | None
    result: Literal["REVERSED", "ALREADY_REVERSED", "BLOCKED", "NOTHING_TO_REVERSE"]
    message_zh: str
    message_en: str
    setl_id: str | None = None
    settlement_status: str | None = None


def reverse(ctx: Context, principal: Principal, req: ReversalIn) -> ReversalView:
    """冲正 2601 by the hospital's own msgid. Settle reversed = revoked (no window applies: the hospital
    never got the answer); revoke reversed = the settlement reinstated exactly, if nothing changed since;
    a msgid never seen is blocked, so the original cannot pay if it arrives late."""
    inst = _hospital(principal, "冲正", "reverse transactions")
    om = req.omsgid

    def run() -> ReversalView:
        today = ctx.today()
        with unit_of_work(ctx.sessions) as s:
            msg = _message(s, inst, om)
            if msg is None:
                s.add(HospitalMessageRow(institution=inst, msgid=om, infno="", outcome="REVERSED_UNSEEN", at=_now(),
                                         reversed_at=_now()))
                _audit(s, principal, "REVERSAL", "message", om, {"result": "BLOCKED"})
                s.flush()
                return ReversalView(om, False, None, "BLOCKED", "未收到原交易；已登记冲正，原报文若迟到将被拒绝，不会结算",
                                    "the original never arrived; it is now blocked and will be refused if it arrives late")
            if msg.outcome in ("REVERSED", "REVERSED_UNSEEN"):
                return ReversalView(om, msg.outcome == "REVERSED", msg.infno or None, "ALREADY_REVERSED",
                                    "该报文已冲正", "this message was already reversed")
            kind = next((k for k, v in INFNO[True].items() if v == msg.infno), None) or \
                next((k for k, v in INFNO[False].items() if v == msg.infno), None)
            if kind not in ("settle", "revoke") or msg.settlement_id is None:
                raise YidiError("REVERSAL_NOT_SUPPORTED", f"交易 {msg.infno} 不支持冲正；明细请用撤销交易",
                                f"transaction {msg.infno} cannot be reversed; withdraw lines instead", "omsgid", 422)
            row = s.get(SettlementRow, msg.settlement_id)
            assert row is not None
            acc_row = Accumulators(s).lock_row(row.person_id, row.scheme, row.year)
            s.refresh(row)
            s.refresh(msg)
            if msg.outcome != "DONE":
                return ReversalView(om, True, msg.infno, "ALREADY_REVERSED", "该报文已冲正", "this message was already reversed",
                                    row.setl_id, row.status)
            if kind == "settle":
                if row.status == "SETTLED":
                    _undo(s, principal, row, acc_row, today, f"冲正 {om}", "REVERSAL_OF_SETTLE")
                    result, zh, en = "REVERSED", "原结算已冲正（撤销），基金、账户和累计均已恢复", "the settlement was reversed"
                else:
                    result, zh, en = "NOTHING_TO_REVERSE", "原结算已被撤销，无需冲正", "the settlement had been revoked already"
            else:
                _reinstate(s, principal, row, acc_row, today, om)
                result, zh, en = "REVERSED", "原结算撤销已冲正，结算恢复有效", "the revocation was reversed; the settlement stands again"
            msg.outcome, msg.reversed_at = "REVERSED", _now()
            s.flush()
            return ReversalView(om, True, msg.infno, result, zh, en, row.setl_id, row.status)  # type: ignore[arg-type]

    return retrying(run)


def _reinstate(s: Session, principal: Principal, row: SettlementRow, acc_row: YearAccumulatorRow, today: dt.date,
               om: str) -> None:
    """Undo a revocation exactly, which is only sound if nothing has moved since it was made."""
    visit = s.get(VisitRow, row.visit_id)
    hv = s.get(HospitalVisitRow, row.visit_id)
    assert visit is not None and hv is not None
    _lock_visit(s, hv, visit)
    person = _lock_person(s, row.person_id)
    if (row.status != "REVOKED" or acc_row.version != row.revoked_acc_version or visit.status != "OPEN"
            or hv.revision != row.visit_revision or person.account_balance_fen < row.acct_pay_fen):
        raise YidiError("REVERSAL_NOT_POSSIBLE",
                        "撤销之后该参保人或该就诊已有新的变化（新的结算、明细或账户变动），不能冲正撤销；请重新结算",
                        "something changed since the revocation (a settlement, lines or the account); settle again instead",
                        "omsgid", 409)
    after = YearAccumulators.model_validate(row.accumulators_after)
    now_acc = YearAccumulators.model_validate(acc_row.content)
    acc_row.content = ledger.accumulate(now_acc, YearAccumulators.model_validate(row.accumulators_before), after, 1).as_dict()
    acc_row.version += 1
    person.account_balance_fen -= row.acct_pay_fen
    _post(s, row, "REINSTATE", 1, today)
    row.status, row.revoked_on, row.revoked_at, row.revoked_acc_version = "SETTLED", None, None, None
    row.acc_version_after = acc_row.version
    visit.status = "SETTLED"
    _audit(s, principal, "REVERSAL_OF_REVOKE", "settlement", row.setl_id, {"omsgid": om, "acc_version": acc_row.version})


# ------------------------------------------------------------------------------------------ accumulators


@dataclass(frozen=True, slots=True)
class AccumulatorView:
    person_id_number: str  # masked
    scheme: str
    year: int
    version: int
    admissions: int
    deductible_paid: dict[str, str]
    fund_paid: dict[str, str]
    caps: dict[str, str]
    cap_left: dict[str, str]
    layer_paid: dict[str, str]
    settlements: int


def accumulators(ctx: Context, principal: Principal, req: AccumulatorQueryIn) -> AccumulatorView:
    """人员累计信息查询: deductible used, fund paid and cap left this year, for a person this hospital treats."""
    inst = _hospital(principal, "查询人员累计信息", "query accumulators")
    cid = parse_citizen_id(req.id_number, "id_number").number
    today = ctx.today()
    year = req.year or today.year
    with unit_of_work(ctx.sessions) as s:
        person = s.scalars(select(PersonRow).where(PersonRow.citizen_id == cid)).one_or_none()
        treats = (person is not None and s.scalar(select(func.count()).select_from(VisitRow).where(
            VisitRow.person_id == person.id, VisitRow.institution == inst))) or 0
        if person is None or not treats:
            # only persons with a visit here: a hospital cannot browse other people's data
            raise YidiError("PERSON_NOT_FOUND", "本院没有该参保人的就诊记录", "no visit of this person at this institution",
                            "id_number", 404)
        acc, version = _read_accumulators(s, person.id, person.scheme, year)
        n = s.scalar(select(func.count()).select_from(SettlementRow).where(
            SettlementRow.person_id == person.id, SettlementRow.year == year, SettlementRow.status == "SETTLED")) or 0
        found = ctx.packs.policy_for(person.insured_region, dt.date(year, 12, 31) if year < today.year else today)
        caps: dict[str, Decimal] = {}
        if found is not None and person.scheme in found[1].schemes:
            caps = dict(found[1].schemes[person.scheme].caps)
        return AccumulatorView(
            mask_id(cid), person.scheme.value, year, version, acc.admissions,
            {k: str(v) for k, v in acc.deductible_paid.items()}, {k: str(v) for k, v in acc.fund_paid.items()},
            {k: str(v) for k, v in caps.items()},
            {k: str(max(ZERO, v - acc.fund_paid.get(k, ZERO))) for k, v in caps.items()},
            {k: str(v) for k, v in acc.layer_paid.items()}, n)


# ------------------------------------------------------------------------------------------ reconcile


@dataclass(frozen=True, slots=True)
class ReconcileView:
    day: dt.date
    result: Literal["match", "mismatch"]
    ours: dict[str, str]
    theirs: dict[str, str]
    differences: list[dict[str, Any]]


def _signed(row: SettlementRow, day: dt.date) -> list[tuple[int, SettlementRow]]:
    out = []
    if row.settlement_date == day:
        out.append((1, row))
    if row.revoked_on == day:
        out.append((-1, row))
    return out


def reconcile(ctx: Context, principal: Principal, req: ReconcileIn) -> ReconcileView:
    """对账: compare a hospital's day with ours; "match", or the settlements that differ."""
    inst = _hospital(principal, "对账", "reconcile")
    with unit_of_work(ctx.sessions) as s:
        q = select(SettlementRow).where(SettlementRow.institution == inst,
                                        (SettlementRow.settlement_date == req.day) | (SettlementRow.revoked_on == req.day))
        rows = list(s.scalars(q.order_by(SettlementRow.id)))
    count, medfee, fund, acct, cash = 0, 0, 0, 0, 0
    entries: dict[tuple[str, bool], SettlementRow] = {}
    for r in rows:
        for sign, x in _signed(r, req.day):
            count += sign
            medfee += sign * x.medfee_sumamt_fen
            fund += sign * x.fund_pay_sumamt_fen
            acct += sign * x.acct_pay_fen
            cash += sign * x.psn_cash_pay_fen
            entries[(x.setl_id, sign < 0)] = x
    ours = {"count": str(count), "medfee_sumamt": str(from_fen(medfee)), "fund_pay_sumamt": str(from_fen(fund)),
            "acct_pay": str(from_fen(acct)), "cash_payamt": str(from_fen(cash))}
    theirs = {"count": str(req.count), "medfee_sumamt": str(req.medfee_sumamt), "fund_pay_sumamt": str(req.fund_pay_sumamt),
              "acct_pay": str(req.acct_pay), "cash_payamt": str(req.cash_payamt)}
    totals_match = all(Decimal(ours[k]) == Decimal(theirs[k]) for k in ours)
    diffs: list[dict[str, Any]] = []
    if req.settlements is not None:
        seen: set[tuple[str, bool]] = set()
        for item in req.settlements:
            k = (item.setl_id, item.revoked)
            seen.add(k)
            got = entries.get(k)
            if got is None:
                diffs.append({"setl_id": item.setl_id, "revoked": item.revoked, "problem": "UNKNOWN_TO_US"})
                continue
            mine = {"medfee_sumamt": from_fen(got.medfee_sumamt_fen), "fund_pay_sumamt": from_fen(got.fund_pay_sumamt_fen),
                    "acct_pay": from_fen(got.acct_pay_fen), "cash_payamt": from_fen(got.psn_cash_pay_fen)}
            bad = {f: {"ours": str(v), "theirs": str(getattr(item, f))} for f, v in mine.items() if v != getattr(item, f)}
            if bad:
                diffs.append({"setl_id": item.setl_id, "revoked": item.revoked, "problem": "AMOUNT_DIFFERS", "fields": bad})
        for (sid, rev), _x in entries.items():
            if (sid, rev) not in seen:
                diffs.append({"setl_id": sid, "revoked": rev, "problem": "MISSING_AT_HOSPITAL"})
    elif not totals_match:
        # totals alone cannot say which one differs: list ours, so the HIS can find it (or send 3202 detail)
        for (sid, rev), x in entries.items():
            diffs.append({"setl_id": sid, "revoked": rev, "problem": "CHECK",
                          "medfee_sumamt": str(from_fen(x.medfee_sumamt_fen)),
                          "fund_pay_sumamt": str(from_fen(x.fund_pay_sumamt_fen)),
                          "acct_pay": str(from_fen(x.acct_pay_fen)), "cash_payamt": str(from_fen(x.psn_cash_pay_fen))})
    ok = totals_match and not (req.settlements is not None and diffs)
    return ReconcileView(req.day, "match" if ok else "mismatch", ours, theirs, [] if ok else diffs)
