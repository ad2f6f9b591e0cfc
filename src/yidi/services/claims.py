"""Manual reimbursement (手工报销) use cases: create and edit a claim, upload a fee list and scans, submit,
the agency's queue and review (exclude lines, approve, return, reject), payment batches for the bank.

The amount is always yidi.domain.engine.calculate on the claim's lines (excluded ones left out), with the
insured region's rule for unfiled care where no filing covered it, and the person's year accumulators
as they stand at approval. Approval consumes the accumulators (the same row direct settlement locks,
through settlement's own lock function), so a claim approved after a direct settlement sees the right
deductible and cap, and two approvals for one person compute one after the other. Payment (marking a
batch paid) writes the balanced ledger posting.

Never paid twice: a claim joins a batch by a conditional UPDATE (state APPROVED, no batch yet), a payment
row is UNIQUE per claim, a batch turns PAID by a conditional UPDATE, and the PAY posting is unique per
claim and account. Every error a caller can cause is a YidiError raised before commit: nothing changes.
Scans are written to the data folder before the row that names them; a file whose row never commits is
an unreferenced, content-addressed blob, never half a claim.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import datetime as dt
import hashlib
import io
import os
import secrets
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from yidi.domain import bounds as B
from yidi.domain import claim_rules as rules
from yidi.domain.bill import Bill, FeeLine, PersonIn, YearAccumulators
from yidi.domain.breakdown import Breakdown
from yidi.domain.claim_rules import ClaimAction, ClaimState, Situation
from yidi.domain.engine import calculate
from yidi.domain.enums import Level, VisitType
from yidi.domain.errors import Problem, YidiError
from yidi.domain.family import Act
from yidi.domain.filing_rules import filing_for
from yidi.domain.ids import mask_id
from yidi.domain.ledger import FUND_FIELDS
from yidi.domain.money import ZERO, fmt, from_fen, to_fen
from yidi.domain.normalise import account_number
from yidi.domain.packset import PackSet
from yidi.domain.policy import ManualClaimRules
from yidi.domain.reference import Filing, Institution
from yidi.domain.validation import (
    Code,
    Day,
    InvoiceAmount,
    RegionCode,
    Strict,
    Text,
    fail,
    problems_from,
    validate_model,
)
from yidi.services import acting
from yidi.services.access import Principal, Role, require
from yidi.services.context import Context
from yidi.services.personal_data import diagnosis_fields, mask_account, mask_name
from yidi.services.scan_check import check_scan
from yidi.services.tabular import read_table
from yidi.store.claim_models import (
    ClaimBatchRow,
    ClaimDocumentRow,
    ClaimEventRow,
    ClaimInvoiceRow,
    ClaimLedgerEntryRow,
    ClaimLineRow,
    ClaimPaymentRow,
    ClaimRow,
)
from yidi.store.db import unit_of_work
from yidi.store.models import PersonRow, VisitRow
from yidi.store.repositories import Filings, Institutions, Persons, Regions, person_of
from yidi.store.repositories.accumulators import Accumulators
from yidi.store.retry import retrying as _retrying
from yidi.store.settlement_models import SettlementRow
from yidi.store.uow import SqlUnitOfWork

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


# ------------------------------------------------------------------------------------------ inputs


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
            raise fail("HOSPITAL_MISSING", "请给出医院编码，或医院名称和所在统筹区编码",
                       "give the institution code, or the hospital's name and region code")
        if self.discharged_on is not None and self.discharged_on < self.admitted_on:
            raise fail("DATE_ORDER", "出院日期早于入院日期", "discharge date is before admission date")
        if self.visit_type is VisitType.INPATIENT and self.discharged_on is None:
            raise fail("DISCHARGE_MISSING", "住院报销需要出院日期", "an inpatient claim needs the discharge date")
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
            raise fail("MONEY_NOT_POSITIVE", "发票金额必须大于零", "the invoice amount must be greater than zero")
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
            raise fail("BANK_ACCOUNT_FORMAT", f"银行账号应为 {lo} 到 {hi} 位数字", f"a bank account number is {lo} to {hi} digits")
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
            raise fail("TOTAL_TOO_LARGE", f"{what[0]}合计 {fmt(total)} 元，超过一笔报销的上限 {B.CLAIM_TOTAL_MAX} 元",
                       f"the {what[1]} add up to {fmt(total)} yuan, above the limit of {B.CLAIM_TOTAL_MAX} yuan for one claim")
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
            raise fail("MATERIAL_UNKNOWN", f"不认识的材料代码：{'、'.join(unknown)}", f"unknown material codes: {unknown}")
        return v


# ------------------------------------------------------------------------------------------ errors and helpers


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _not_found(claim_no: str) -> YidiError:
    # someone else's claim is "not found" too: its existence must not leak
    return YidiError("CLAIM_NOT_FOUND", f"没有找到报销申请 {claim_no}", f"claim {claim_no} not found", "claim_no", 404)


def _doer(principal: Principal, what_zh: str, what_en: str) -> None:
    require(principal, Role.PERSON, Role.AGENCY, what_zh=what_zh, what_en=what_en)


def _agency(principal: Principal, what_zh: str, what_en: str) -> str:
    require(principal, Role.AGENCY, what_zh=what_zh, what_en=what_en)
    return principal.subject


def _visible(s: Session, principal: Principal, claim_no: str, *, lock: bool = False) -> tuple[ClaimRow, PersonRow]:
    _doer(principal, "查看报销申请", "see claims")
    q = select(ClaimRow).where(ClaimRow.claim_no == claim_no)
    if lock:
        q = q.with_for_update().execution_options(populate_existing=True)
    claim = s.scalars(q).one_or_none()
    if claim is None:
        raise _not_found(claim_no)
    person = s.get(PersonRow, claim.person_id)
    assert person is not None
    if not acting.may_act_for(SqlUnitOfWork(s), principal, person_of(person), Act.CLAIM, region=claim.insured_region):
        raise _not_found(claim_no)
    return claim, person


def _event(s: Session, claim: ClaimRow, action: str, before: ClaimState | None, principal: Principal, today: dt.date,
           reason: str = "", detail: dict[str, Any] | None = None) -> None:
    seq = (s.scalar(select(func.max(ClaimEventRow.seq)).where(ClaimEventRow.claim_id == claim.id)) or 0) + 1
    s.add(ClaimEventRow(claim_id=claim.id, seq=seq, action=action, from_state=before.value if before else None,
                        to_state=claim.state.value, actor_role=principal.role.value, actor=principal.shown,
                        reason=reason, detail=detail or {}, on_day=today, at=_now()))


def _manual_rules(ctx: Context, region: str, day: dt.date) -> ManualClaimRules:
    found = ctx.packs.policy_for(region, day)
    return found[1].manual_claim if found else ManualClaimRules()


def _move(s: Session, claim: ClaimRow, action: ClaimAction, principal: Principal, today: dt.date, reason: str = "",
          detail: dict[str, Any] | None = None) -> None:
    before = claim.state
    claim.state = rules.transition(before, action, principal.role.value, reason)
    claim.version += 1
    claim.updated_at = _now()
    _event(s, claim, action.value, before, principal, today, reason, detail)


# ------------------------------------------------------------------------------------------ content checks


def _hospital(s: Session, ctx: Context, v: VisitIn) -> tuple[str | None, str, str, Level, bool]:
    """(institution code or None, name, region, level, networked for this visit type)."""
    if v.institution is not None:
        inst = Institutions(s).get(v.institution)
        if inst is None:
            raise YidiError("INSTITUTION_UNKNOWN", f"定点医疗机构编码 {v.institution} 不存在；不在目录中的医院请填写名称和所在统筹区",
                            f"unknown institution {v.institution}; for a hospital not listed give its name and region",
                            "visit.institution", 422)
        return inst.code, inst.name, inst.region, inst.level, inst.networked_for(v.visit_type)
    assert v.hospital_name is not None and v.hospital_region is not None
    if not Regions(s).exists(v.hospital_region) and v.hospital_region not in ctx.packs.regions:
        raise YidiError("REGION_UNKNOWN", f"统筹区编码 {v.hospital_region} 不存在", f"unknown region {v.hospital_region}",
                        "visit.hospital_region", 422)
    return None, v.hospital_name, v.hospital_region, v.hospital_level or Level.UNRATED, False


def _check_content(claim: ClaimRow, invoices: Sequence[ClaimInvoiceRow], lines: Sequence[ClaimLineRow],
                   today: dt.date) -> None:
    problems: list[Problem] = []
    seen: set[str] = set()
    for i, inv in enumerate(invoices):
        f = f"invoices.{i}"
        if inv.invoice_no in seen:
            problems.append(Problem("INVOICE_DUPLICATE", f"{f}.invoice_no", f"发票号 {inv.invoice_no} 在本申请中重复",
                                    f"invoice {inv.invoice_no} appears twice in this claim"))
        seen.add(inv.invoice_no)
        if inv.invoice_date > today:
            problems.append(Problem("INVOICE_DATE_FUTURE", f"{f}.invoice_date", f"发票 {inv.invoice_no} 的日期 {inv.invoice_date} 晚于今天",
                                    f"invoice {inv.invoice_no} is dated after today"))
        if inv.invoice_date < claim.admitted_on:
            problems.append(Problem("INVOICE_DATE_BEFORE_VISIT", f"{f}.invoice_date",
                                    f"发票 {inv.invoice_no} 的日期 {inv.invoice_date} 早于就诊日期 {claim.admitted_on}",
                                    f"invoice {inv.invoice_no} is dated before the visit"))
    if claim.admitted_on > today:
        problems.append(Problem("DATE_IN_FUTURE", "visit.admitted_on", "就诊日期不能晚于今天", "the visit cannot be in the future"))
    if claim.discharged_on is not None and claim.discharged_on > today:
        problems.append(Problem("DATE_IN_FUTURE", "visit.discharged_on", "出院日期不能晚于今天", "the discharge cannot be in the future"))
    last = claim.discharged_on or today
    for i, ln in enumerate(lines):
        if ln.line_date is not None and (ln.line_date < claim.admitted_on or ln.line_date > last):
            problems.append(Problem("LINE_DATE_OUTSIDE", f"lines.{i}.date", f"明细 {ln.line_id} 的日期 {ln.line_date} 不在就诊期间内",
                                    f"line {ln.line_id}: date outside the visit"))
    if problems:
        raise YidiError.of(problems)


def _check_bank(bank: BankIn, person: PersonRow) -> None:
    if bank.holder.strip() != person.name:
        raise YidiError("BANK_ACCOUNT_NOT_OWNER", f"银行账户户名“{bank.holder}”与参保人姓名不一致：报销款只能支付到本人账户",
                        "the bank account is not in the insured person's name", "bank.holder", 422)


def _invoice_holders(s: Session, principal: Principal, claim: ClaimRow, numbers: Sequence[str]) -> None:
    """Refuse invoices another live claim holds, naming the claim where the caller may see it."""
    if not numbers:
        return
    q = (select(ClaimInvoiceRow.invoice_no, ClaimRow.claim_no, ClaimRow.state, ClaimRow.person_id, ClaimRow.insured_region)
         .join(ClaimRow, ClaimRow.id == ClaimInvoiceRow.claim_id)
         .where(ClaimInvoiceRow.invoice_no.in_(list(numbers)), ClaimInvoiceRow.held, ClaimRow.id != claim.id))
    problems = []
    for no, other_no, state, pid, region in s.execute(q):
        own = pid == claim.person_id or (principal.role is Role.AGENCY and region == principal.subject)
        where_zh = f"报销申请 {other_no}（{state.zh}）" if own else "另一笔报销申请"
        where_en = f"claim {other_no} ({state.value})" if own else "another claim"
        problems.append(Problem("INVOICE_ALREADY_CLAIMED", "invoices", f"发票 {no} 已在{where_zh}中申请报销",
                                f"invoice {no} is already claimed in {where_en}"))
    if problems:
        raise YidiError.of(problems, status=409)


def _settled_directly(s: Session, claim: ClaimRow) -> None:
    """Refuse care that a hospital already settled directly for this person (naming the settlement)."""
    if claim.institution is None:
        return
    q = (select(SettlementRow.setl_id, SettlementRow.settlement_date)
         .join(VisitRow, VisitRow.id == SettlementRow.visit_id)
         .where(SettlementRow.person_id == claim.person_id, SettlementRow.institution == claim.institution,
                SettlementRow.status == "SETTLED", VisitRow.admitted_on == claim.admitted_on,
                VisitRow.visit_type == claim.visit_type))
    found = s.execute(q).first()
    if found is not None:
        setl_id, day = found
        raise YidiError("CLAIM_ALREADY_SETTLED",
                        f"这次就医已在 {claim.hospital_name}（{claim.institution}）于 {day} 直接结算（结算号 {setl_id}），不能再手工报销",
                        f"this visit was already settled directly at {claim.institution} on {day} (settlement {setl_id})",
                        "visit", 409)


def _apply(s: Session, ctx: Context, principal: Principal, claim: ClaimRow, person: PersonRow, body: ClaimIn,
           today: dt.date) -> dict[str, Any]:
    """Write the parts of `body` onto the claim; returns a summary for the history."""
    changed: dict[str, Any] = {}
    if body.visit is not None:
        v = body.visit
        code, name, region, level, networked = _hospital(s, ctx, v)
        claim.institution, claim.hospital_name, claim.hospital_region = code, name, region
        claim.hospital_level, claim.networked = level, networked
        claim.visit_type, claim.admitted_on, claim.discharged_on = v.visit_type, v.admitted_on, v.discharged_on
        claim.emergency, claim.referral = v.emergency, v.referral
        claim.diagnosis_code, claim.diagnosis_name, claim.reason_not_direct = v.diagnosis_code, v.diagnosis_name, v.reason_not_direct
        changed["visit"] = True
    if body.bank is not None:
        _check_bank(body.bank, person)
        claim.bank_name, claim.bank_account, claim.account_holder = body.bank.bank_name, body.bank.account_no, body.bank.holder
        changed["bank"] = "****" + body.bank.account_no[-4:]
    s.flush()
    if body.invoices is not None:
        numbers = [i.invoice_no for i in body.invoices]
        dup = sorted({n for n in numbers if numbers.count(n) > 1})
        if dup:
            raise YidiError("INVOICE_DUPLICATE", f"发票号在本申请中重复：{'、'.join(dup)}",
                            f"invoice numbers appear twice in this claim: {dup}", "invoices", 422)
        _invoice_holders(s, principal, claim, numbers)  # before the insert, so the unique index is a backstop only
        s.execute(delete(ClaimInvoiceRow).where(ClaimInvoiceRow.claim_id == claim.id))
        s.flush()
        s.add_all(ClaimInvoiceRow(claim_id=claim.id, invoice_no=i.invoice_no, invoice_date=i.invoice_date,
                                  amount_fen=to_fen(i.amount), payer=i.payer, held=True) for i in body.invoices)
        changed["invoices"] = len(body.invoices)
    if body.lines is not None:
        _replace_lines(s, claim, body.lines)
        changed["lines"] = len(body.lines)
    s.flush()
    invoices, lines = _invoices(s, claim), _lines(s, claim)
    _check_content(claim, invoices, lines, today)
    _invoice_holders(s, principal, claim, [i.invoice_no for i in invoices])
    _settled_directly(s, claim)
    return changed


def _replace_lines(s: Session, claim: ClaimRow, lines: Sequence[FeeLine]) -> None:
    ids = [ln.line_id for ln in lines]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise YidiError("LINE_DUPLICATE", f"明细流水号重复：{'、'.join(dup)}", f"duplicate line ids: {dup}", "lines", 422)
    s.execute(delete(ClaimLineRow).where(ClaimLineRow.claim_id == claim.id))
    s.flush()
    s.add_all(ClaimLineRow(claim_id=claim.id, seq=n, line_id=ln.line_id, code=ln.code, name=ln.name,
                           quantity=format(ln.quantity, "f"), unit_price_fen=to_fen(ln.unit_price),
                           amount_fen=to_fen(ln.value), line_date=ln.date) for n, ln in enumerate(lines, 1))


def _invoices(s: Session, claim: ClaimRow) -> list[ClaimInvoiceRow]:
    return list(s.scalars(select(ClaimInvoiceRow).where(ClaimInvoiceRow.claim_id == claim.id).order_by(ClaimInvoiceRow.id)))


def _lines(s: Session, claim: ClaimRow) -> list[ClaimLineRow]:
    return list(s.scalars(select(ClaimLineRow).where(ClaimLineRow.claim_id == claim.id).order_by(ClaimLineRow.seq)))


def _documents(s: Session, claim: ClaimRow, *, all_: bool = False) -> list[ClaimDocumentRow]:
    q = select(ClaimDocumentRow).where(ClaimDocumentRow.claim_id == claim.id)
    if not all_:
        q = q.where(ClaimDocumentRow.superseded_at.is_(None))
    return list(s.scalars(q.order_by(ClaimDocumentRow.id)))


# ------------------------------------------------------------------------------------------ situation, checklist


def _filing(s: Session, claim: ClaimRow, person: PersonRow) -> Filing | None:
    """The filing that covered the care: at admission, or a post-hoc one made before discharge (docs/rules.md R-1.8).
    A filing made after discharge does not turn the claim into filed care [decision, C]."""
    records = Filings(s).of_person(person.citizen_id)
    code = claim.institution
    found = filing_for(records, claim.hospital_region, claim.admitted_on, code)
    if found is None and claim.discharged_on is not None:
        found = filing_for(records, claim.hospital_region, claim.discharged_on, code)
    return found.to_filing() if found else None


def _situations(s: Session, claim: ClaimRow, person: PersonRow) -> list[Situation]:
    return rules.situations(claim.visit_type, emergency=claim.emergency, referral=claim.referral,
                            filed=_filing(s, claim, person) is not None)


def _checklist(ctx: Context, s: Session, claim: ClaimRow, person: PersonRow) -> list[rules.ChecklistItem]:
    facts = rules.ClaimFacts(has_visit=bool(claim.diagnosis_name), invoices=len(_invoices(s, claim)),
                             lines=len(_lines(s, claim)), bank_account=bool(claim.bank_account),
                             on_behalf=bool(claim.filed_by))
    scans = {d.material for d in _documents(s, claim)}
    mr = _manual_rules(ctx, claim.insured_region, claim.discharged_on or claim.admitted_on)
    # The insured region's changes to the national list come from its policy pack (manual_claim).
    return rules.checklist(_situations(s, claim, person), facts, scans, rules.region_materials(mr))


def _deadline(ctx: Context, s: Session, claim: ClaimRow) -> tuple[dt.date | None, int]:
    mr = _manual_rules(ctx, claim.insured_region, claim.discharged_on or claim.admitted_on)
    start = rules.deadline_start(claim.visit_type, claim.discharged_on, [i.invoice_date for i in _invoices(s, claim)])
    return start, mr.deadline_days


# ------------------------------------------------------------------------------------------ calculation


def _packs_with(packs: PackSet, claim: ClaimRow) -> tuple[PackSet, str]:
    """The packs, and the institution code the engine should see. A hospital outside the packs (imported
    later, or not in our reference data at all) is added as what the claim says: its region (whose
    catalogue then applies, 就医地目录) and its level."""
    code = claim.institution
    if code is not None and code in packs.institutions:
        return packs, code
    code = code or f"X{claim.hospital_region}{claim.id:08d}"
    inst = Institution(code, claim.hospital_name, claim.hospital_region, claim.hospital_level)
    return dataclasses.replace(packs, institutions={**packs.institutions, code: inst}), code


def _assess(ctx: Context, s: Session, claim: ClaimRow, person: PersonRow, acc: YearAccumulators) -> Breakdown:
    rows = [r for r in _lines(s, claim) if not r.excluded]
    if not rows:
        raise YidiError("CLAIM_NO_LINES", "没有可计算的费用明细（全部被剔除或尚未录入）",
                        "no fee lines left to calculate (none entered, or all excluded)", "lines", 422)
    packs, code = _packs_with(ctx.packs, claim)
    p = person_of(person)
    bill = validate_model(Bill, {
        "bill_id": claim.claim_no[:30], "visit_type": claim.visit_type, "institution": code,
        "admission_date": claim.admitted_on, "discharge_date": claim.discharged_on,
        "settlement_date": claim.discharged_on or claim.admitted_on, "person": PersonIn.of(p),
        "emergency": claim.emergency,
        # the person paid everything in cash at the hospital; the claim pays back the funds' share only
        "use_account": False,
        "lines": [FeeLine.model_construct(line_id=r.line_id, code=r.code, name=r.name, quantity=Decimal(r.quantity),
                                          unit_price=from_fen(r.unit_price_fen), amount=None, date=r.line_date)
                  for r in rows],
    })
    # hospital item codes may be missing from the catalogue: such lines are fully self-funded, never dropped
    return calculate(bill, packs, person=p, filing=_filing(s, claim, person), accumulators=acc,
                     unknown_items="self_funded")


def _year(claim: ClaimRow) -> int:
    return (claim.discharged_on or claim.admitted_on).year


def _read_acc(s: Session, person: PersonRow, year: int) -> YearAccumulators:
    from yidi.store.settlement_models import YearAccumulatorRow

    row = s.get(YearAccumulatorRow, (person.id, person.scheme, year))
    return YearAccumulators(year=year) if row is None else YearAccumulators.model_validate(row.content)


# ------------------------------------------------------------------------------------------ views


def _explain(claim: ClaimRow, lines: Sequence[ClaimLineRow], b: dict[str, Any] | None) -> dict[str, Any]:
    """The amount line by line: each line's fate (excluded with the reviewer's reason, or how the catalogue
    classed it), then the calculation's steps, then what is paid to whom."""
    by_id = {ln["line_id"]: ln for ln in (b or {}).get("lines", [])}
    out_lines = []
    for r in lines:
        item: dict[str, Any] = {"line_id": r.line_id, "code": r.code, "name": r.name, "quantity": r.quantity,
                                "unit_price": fmt(from_fen(r.unit_price_fen)), "amount": fmt(from_fen(r.amount_fen)),
                                "date": r.line_date.isoformat() if r.line_date else None, "excluded": r.excluded}
        if r.excluded:
            item.update(status="EXCLUDED", reason_zh=f"审核剔除：{r.exclude_reason}，该项费用由个人负担",
                        exclude_reason=r.exclude_reason)
        elif r.line_id in by_id:
            res = by_id[r.line_id]
            item.update(status=res["status"], reason_zh=res["reason_zh"], chrgitm_lv=res["chrgitm_lv"],
                        fulamt_ownpay_amt=res["fulamt_ownpay_amt"], overlmt_amt=res["overlmt_amt"],
                        preselfpay_amt=res["preselfpay_amt"], inscp_scp_amt=res["inscp_scp_amt"])
        out_lines.append(item)
    steps: list[dict[str, Any]] = []
    excluded = [r for r in lines if r.excluded]
    if excluded:
        total = sum((from_fen(r.amount_fen) for r in excluded), ZERO)
        steps.append({"rule": "claim.excluded_lines",
                      "text_zh": f"审核剔除 {len(excluded)} 条明细共 {fmt(total)} 元（不予报销，由个人负担）："
                                 + "；".join(f"{r.line_id} {r.name or r.code} {fmt(from_fen(r.amount_fen))} 元，理由：{r.exclude_reason}"
                                            for r in excluded) + "。",
                      "text_en": f"{len(excluded)} line(s) excluded by review, {fmt(total)} in all (borne by the person).",
                      "clause": None, "inputs": {}, "outputs": {"excluded": fmt(total)}})
    if b is not None:
        steps.extend(b.get("steps", []))
        steps.append({"rule": "claim.payable",
                      "text_zh": f"应报销金额 = 基金支付合计 {b['fund_pay_sumamt']} 元，支付到本人账户"
                                 f"（{claim.bank_name} 尾号 {claim.bank_account[-4:]}）。",
                      "text_en": f"Payable: the funds' total {b['fund_pay_sumamt']}, to the person's own account.",
                      "clause": None, "inputs": {}, "outputs": {"payable": b["fund_pay_sumamt"]}})
    return {"lines": out_lines, "steps": steps}


def _view(ctx: Context, s: Session, claim: ClaimRow, person: PersonRow, principal: Principal, *,
          preview: Breakdown | None = None) -> dict[str, Any]:
    """The claim as `principal` may see it: the diagnosis only for those who need it (may_see_diagnoses)."""
    invoices, lines = _invoices(s, claim), _lines(s, claim)
    items = _checklist(ctx, s, claim, person)
    miss = rules.missing(items)
    start, days = _deadline(ctx, s, claim)
    last = rules.deadline(start, days)
    b = claim.breakdown if claim.breakdown is not None else (preview.as_dict() if preview is not None else None)
    asks: list[dict[str, str]] = []
    if claim.state in rules.EDITABLE:
        asks += [{"code": i.code, "text_zh": f"请补充：{i.name_zh}", "text_en": f"please add: {i.name_en}"} for i in miss]
        if claim.state is ClaimState.RETURNED:
            asks += [{"code": c, "text_zh": f"经办机构要求补充：{rules.MATERIAL_NAMES[c][0]}",
                      "text_en": f"the agency asks for: {rules.MATERIAL_NAMES[c][1]}"} for c in claim.asked]
            if claim.asked_note:
                asks.append({"code": "agency_note", "text_zh": f"经办机构说明：{claim.asked_note}", "text_en": claim.asked_note})
        if last is not None and claim.submitted_on is None:
            asks.append({"code": "deadline", "text_zh": f"请在 {last} 前提交（参保地规定自 {start} 起 {days} 天内）",
                         "text_en": f"submit by {last} ({days} days from {start})"})
    mr = _manual_rules(ctx, claim.insured_region, claim.discharged_on or claim.admitted_on)
    events = s.scalars(select(ClaimEventRow).where(ClaimEventRow.claim_id == claim.id).order_by(ClaimEventRow.seq))
    return {
        "claim_no": claim.claim_no, "state": claim.state.value, "state_zh": claim.state.zh,
        "person_id_number": mask_id(person.citizen_id), "person_name": person.name,
        "insured_region": claim.insured_region, "filed_by": claim.filed_by,
        "visit": {"institution": claim.institution, "hospital_name": claim.hospital_name,
                  "hospital_region": claim.hospital_region, "hospital_level": claim.hospital_level.value,
                  "networked": claim.networked, "visit_type": claim.visit_type.value,
                  "admitted_on": claim.admitted_on.isoformat(),
                  "discharged_on": claim.discharged_on.isoformat() if claim.discharged_on else None,
                  "emergency": claim.emergency, "referral": claim.referral,
                  **diagnosis_fields(principal, claim.diagnosis_code, claim.diagnosis_name),
                  "reason_not_direct": claim.reason_not_direct},
        "situations": [x.value for x in _situations(s, claim, person)],
        "invoices": [{"invoice_no": i.invoice_no, "invoice_date": i.invoice_date.isoformat(),
                      "amount": fmt(from_fen(i.amount_fen)), "payer": i.payer} for i in invoices],
        "invoice_total": fmt(from_fen(sum(i.amount_fen for i in invoices))),
        "line_total": fmt(from_fen(sum(r.amount_fen for r in lines))),
        "bank": {"bank_name": claim.bank_name, "account_no": ("****" + claim.bank_account[-4:]) if claim.bank_account else "",
                 "holder": claim.account_holder},
        "documents": [{"id": d.id, "material": d.material, "filename": d.filename, "kind": d.kind, "size": d.size,
                       "sha256": d.sha256, "uploaded_at": d.uploaded_at.isoformat()} for d in _documents(s, claim)],
        "checklist": [i.as_dict() for i in items],
        "missing": [i.code for i in miss],
        "ready_to_submit": not miss,
        "asks": asks,
        "deadline": last.isoformat() if last else None,
        "deadline_days": days,
        "processing_working_days": mr.processing_working_days,
        "submitted_on": claim.submitted_on.isoformat() if claim.submitted_on else None,
        "decided_on": claim.decided_on.isoformat() if claim.decided_on else None,
        "paid_on": claim.paid_on.isoformat() if claim.paid_on else None,
        "amounts": None if b is None else {
            "final": claim.breakdown is not None,
            "medfee_sumamt": b["medfee_sumamt"], "fund_pay_sumamt": b["fund_pay_sumamt"],
            "psn_part_amt": b["psn_part_amt"], "basis": b["basis"], "hifp_pay": b["hifp_pay"],
            "act_pay_dedc": b["act_pay_dedc"], "cross_region_selfpay_amt": b["cross_region_selfpay_amt"],
            "excluded": fmt(from_fen(sum(r.amount_fen for r in lines if r.excluded))),
            "payable": b["fund_pay_sumamt"]},
        "explanation": _explain(claim, lines, b),
        "history": [{"seq": e.seq, "action": e.action, "from_state": e.from_state, "to_state": e.to_state,
                     "actor_role": e.actor_role, "actor": e.actor, "reason": e.reason, "on_day": e.on_day.isoformat(),
                     "detail": e.detail} for e in events],
        "version": claim.version,
    }


# ------------------------------------------------------------------------------------------ person side


def new_claim_no(today: dt.date) -> str:
    """BX + date + 10 random hex digits: unguessable, so a number tried by a stranger finds nothing."""
    return f"BX{today:%Y%m%d}{secrets.token_hex(5).upper()}"


def create(ctx: Context, principal: Principal, body: ClaimIn, id_number: str | None = None) -> dict[str, Any]:
    """A new claim in DRAFT (agency staff at a window give `id_number`; a person claims for themselves)."""
    _doer(principal, "申请手工报销", "create claims")
    if body.visit is None:
        raise YidiError("FIELD_MISSING", "缺少必填字段：visit（就诊信息）", "field is required: visit", "visit", 422)

    def run() -> dict[str, Any]:
        today = ctx.today()
        with unit_of_work(ctx.sessions) as s:
            # the person themself, or staff of their insured region at the counter (yidi.services.acting)
            found = acting.target(SqlUnitOfWork(s), principal, id_number, Act.CLAIM, lock=True)
            person = Persons(s).row(found.citizen_id.number)
            assert person is not None
            now = _now()
            v = body.visit
            assert v is not None
            claim = ClaimRow(claim_no=new_claim_no(today), person_id=person.id, insured_region=person.insured_region,
                             state=ClaimState.DRAFT, filed_by="" if principal.role is Role.PERSON else f"agency:{principal.subject}",
                             hospital_name="", hospital_region=person.insured_region, hospital_level=Level.UNRATED,
                             visit_type=v.visit_type, admitted_on=v.admitted_on, created_at=now, updated_at=now,
                             asked=[], version=0)
            s.add(claim)
            s.flush()
            changed = _apply(s, ctx, principal, claim, person, body, today)
            _event(s, claim, "CREATED", None, principal, today, "", changed)
            s.flush()
            return _view(ctx, s, claim, person, principal)

    return _retrying(run)


def edit(ctx: Context, principal: Principal, claim_no: str, body: ClaimIn) -> dict[str, Any]:
    """Change a draft or a returned claim; scans are not touched here (they are never lost by an edit)."""
    _doer(principal, "修改报销申请", "edit claims")

    def run() -> dict[str, Any]:
        today = ctx.today()
        with unit_of_work(ctx.sessions) as s:
            claim, person = _visible(s, principal, claim_no, lock=True)
            _editable(claim)
            changed = _apply(s, ctx, principal, claim, person, body, today)
            claim.version += 1
            claim.updated_at = _now()
            _event(s, claim, "EDITED", claim.state, principal, today, "", changed)
            s.flush()
            return _view(ctx, s, claim, person, principal)

    return _retrying(run)


def _editable(claim: ClaimRow) -> None:
    if claim.state not in rules.EDITABLE:
        raise YidiError("CLAIM_NOT_EDITABLE", f"报销申请当前为“{claim.state.zh}”，不能修改（只有草稿或退回补充材料时可以）",
                        f"a claim in state {claim.state.value} cannot be changed (only DRAFT or RETURNED)", "state", 409)


def show(ctx: Context, principal: Principal, claim_no: str) -> dict[str, Any]:
    """The claim as its person or its agency sees it; under review the agency also sees the amount now."""
    with unit_of_work(ctx.sessions) as s:
        claim, person = _visible(s, principal, claim_no)
        preview = None
        if claim.state is ClaimState.IN_REVIEW and principal.role is Role.AGENCY:
            try:
                preview = _assess(ctx, s, claim, person, _read_acc(s, person, _year(claim)))
            except YidiError:
                preview = None  # shown without a figure; approve reports the problem
        view = _view(ctx, s, claim, person, principal, preview=preview)
        s.rollback()
        return view


def list_claims(ctx: Context, principal: Principal, *, state: ClaimState | None = None, limit: int = 100,
                offset: int = 0) -> dict[str, Any]:
    """A person's own claims, or an agency's region's, newest first."""
    _doer(principal, "查看报销申请", "list claims")
    with unit_of_work(ctx.sessions) as s:
        q = select(ClaimRow, PersonRow).join(PersonRow, PersonRow.id == ClaimRow.person_id)
        if principal.role is Role.PERSON:
            q = q.where(PersonRow.citizen_id == principal.subject)
        else:
            q = q.where(ClaimRow.insured_region == principal.subject)
        if state is not None:
            q = q.where(ClaimRow.state == state)
        total = s.scalar(select(func.count()).select_from(q.subquery())) or 0
        rows = s.execute(q.order_by(ClaimRow.created_at.desc(), ClaimRow.id.desc()).limit(limit).offset(offset))
        items = [{"claim_no": c.claim_no, "state": c.state.value, "state_zh": c.state.zh,
                  "person_id_number": mask_id(p.citizen_id), "person_name": mask_name(p.name), "hospital_name": c.hospital_name,
                  "visit_type": c.visit_type.value, "admitted_on": c.admitted_on.isoformat(),
                  "payable": fmt(from_fen(c.fund_pay_sumamt_fen)) if c.fund_pay_sumamt_fen is not None else None}
                 for c, p in rows]
        return {"total": total, "limit": limit, "offset": offset, "items": items}


# fee list headers as hospitals export them, Chinese or English, mapped to FeeLine fields
LINE_HEADERS = {
    "line_id": "line_id", "feedetl_sn": "line_id", "明细流水号": "line_id", "流水号": "line_id", "序号": "line_id",
    "code": "code", "med_list_codg": "code", "医保编码": "code", "项目编码": "code", "医保目录编码": "code", "编码": "code",
    "name": "name", "项目名称": "name", "名称": "name", "med_list_name": "name",
    "quantity": "quantity", "cnt": "quantity", "数量": "quantity",
    "unit_price": "unit_price", "pric": "unit_price", "单价": "unit_price",
    "amount": "amount", "det_item_fee_sumamt": "amount", "金额": "amount", "总金额": "amount", "费用金额": "amount",
    "date": "date", "fee_ocur_time": "date", "日期": "date", "费用发生日期": "date", "费用日期": "date",
}


def storage_full() -> YidiError:
    """507 STORAGE_FULL: a file could not be written (disk full or any OS write error); nothing was kept."""
    return YidiError("STORAGE_FULL", "存储空间不足，文件未保存，请稍后重试",
                     "storage full: the file was not saved; try again later", "file", 507)


def parse_fee_list(filename: str, data: bytes, max_bytes: int) -> list[FeeLine]:
    """A hospital's exported fee list (CSV in UTF-8 or GB18030, or .xlsx) as validated fee lines; every bad
    row is reported at once with its row number, and nothing is kept when any row is bad."""
    name = filename.lower()
    if not data:
        raise YidiError("FILE_EMPTY", "上传的文件是空的", "the uploaded file is empty", "file", 422)
    if len(data) > max_bytes:
        raise YidiError("FILE_TOO_LARGE", f"文件过大：{len(data)} 字节，上限 {max_bytes} 字节",
                        f"file too large: {len(data)} bytes, limit {max_bytes}", "file", 413)
    suffix = ".xlsx" if name.endswith(".xlsx") else ".csv" if name.endswith((".csv", ".txt")) else ""
    if not suffix:
        raise YidiError("FILE_TYPE", "费用明细请上传 .csv 或 .xlsx 文件", "upload the fee list as .csv or .xlsx", "file", 415)
    if suffix == ".xlsx" and not data.startswith(b"PK\x03\x04"):
        raise YidiError("FILE_TYPE", "文件名为 .xlsx，但内容不是 Excel 文件", "named .xlsx but the content is not Excel", "file", 415)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"fee-list{suffix}"
            path.write_bytes(data)
            table = read_table(path)
    except OSError as exc:  # the scratch copy could not be written (disk full): nothing was changed
        raise storage_full() from exc
    mapped = {h: LINE_HEADERS.get(h.strip().lower(), LINE_HEADERS.get(h.strip())) for h in table.headers}
    have = set(mapped.values())
    need = [f for f in ("code", "quantity", "unit_price") if f not in have]
    if need:
        raise YidiError("FILE_HEADER", f"费用明细缺少列：{'、'.join(need)}（可用：项目编码、数量、单价）",
                        f"the fee list lacks columns: {need}", "file", 422)
    lines: list[FeeLine] = []
    problems: list[Problem] = []
    for n, row in table.rows:
        data_row: dict[str, Any] = {}
        for h, v in row.items():
            key = mapped.get(h)
            if key and v != "":
                data_row[key] = v
        data_row.setdefault("line_id", str(n - 1))
        try:
            lines.append(FeeLine.model_validate(data_row))
        except ValidationError as exc:
            problems.extend(Problem(p.code, f"row {n}: {p.field}", f"第 {n} 行：{p.message_zh}", f"row {n}: {p.message_en}")
                            for p in problems_from(exc))
    if problems:
        raise YidiError.of(problems, code="FILE_ROWS_INVALID")
    if not lines:
        raise YidiError("FILE_EMPTY", "费用明细文件没有数据行", "the fee list has no rows", "file", 422)
    if len(lines) > MAX_LINES:
        raise YidiError("FILE_TOO_LARGE", f"最多 {MAX_LINES} 条明细", f"at most {MAX_LINES} lines", "file", 413)
    return lines


def upload_fee_list(ctx: Context, principal: Principal, claim_no: str, filename: str, data: bytes,
                    config: ClaimsConfig | None = None) -> dict[str, Any]:
    """Replace the claim's lines by those of an uploaded fee list."""
    _doer(principal, "上传费用明细", "upload fee lists")
    cfg = config or ClaimsConfig.from_env()
    lines = parse_fee_list(filename, data, cfg.max_fee_list_bytes)
    return edit(ctx, principal, claim_no, ClaimIn(lines=lines))


class ScanStore:
    """Scans as files named by their SHA-256 under <data>/scans/ab/cd/: the same paper twice is one file,
    and a file that no longer hashes to its name is detected on reading."""

    def __init__(self, root: Path) -> None:
        self.root = root / "scans"

    def path(self, sha: str) -> Path:
        return self.root / sha[:2] / sha[2:4] / sha

    def put(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        target = self.path(sha)
        if target.exists():
            return sha
        tmp: str | None = None
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            # write then rename: a reader never sees half a file, and two writers of one paper agree
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".up-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
            tmp = None
        except OSError as exc:  # disk full (ENOSPC), quota, read-only: no half file stays, nothing is recorded
            raise storage_full() from exc
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
        return sha

    def get(self, sha: str) -> bytes:
        data = self.path(sha).read_bytes()
        if hashlib.sha256(data).hexdigest() != sha:
            raise RuntimeError(f"scan {sha} is corrupt on disk")
        return data


def add_document(ctx: Context, principal: Principal, claim_no: str, material: str, filename: str,
                 declared_type: str | None, data: bytes, config: ClaimsConfig | None = None) -> dict[str, Any]:
    """Attach a scan (PDF/JPEG/PNG, checked by content) as one of the materials."""
    _doer(principal, "上传材料", "upload papers")
    cfg = config or ClaimsConfig.from_env()
    if material not in rules.MATERIAL_CODES:
        raise YidiError("MATERIAL_UNKNOWN", f"不认识的材料代码“{material}”", f"unknown material code {material!r}", "material", 422)
    kind = rules.sniff(data, filename, declared_type, cfg.max_scan_bytes)
    check_scan(kind, data)  # the structure too, not only the first bytes: nothing is stored otherwise
    safe_name = Path(filename.replace("\\", "/")).name[:200] or f"scan.{kind}"
    with unit_of_work(ctx.sessions) as s:  # check first, so a refused upload leaves no file behind either
        claim, _person = _visible(s, principal, claim_no)
        _editable(claim)
    sha = ScanStore(cfg.data_dir).put(data)
    today = ctx.today()
    with unit_of_work(ctx.sessions) as s:
        claim, person = _visible(s, principal, claim_no, lock=True)
        _editable(claim)
        s.add(ClaimDocumentRow(claim_id=claim.id, material=material, sha256=sha, size=len(data), kind=kind,
                               filename=safe_name, uploaded_by=f"{principal.role.value}:{principal.shown}",
                               uploaded_at=_now()))
        claim.version += 1
        claim.updated_at = _now()
        _event(s, claim, "DOCUMENT_ADDED", claim.state, principal, today, "",
               {"material": material, "sha256": sha, "size": len(data), "kind": kind})
        s.flush()
        return _view(ctx, s, claim, person, principal)


def remove_document(ctx: Context, principal: Principal, claim_no: str, doc_id: int) -> dict[str, Any]:
    """Take a scan off the checklist; the row and the file stay (marked superseded), nothing is lost."""
    _doer(principal, "撤下材料", "remove papers")
    today = ctx.today()
    with unit_of_work(ctx.sessions) as s:
        claim, person = _visible(s, principal, claim_no, lock=True)
        _editable(claim)
        doc = s.get(ClaimDocumentRow, doc_id)
        if doc is None or doc.claim_id != claim.id or doc.superseded_at is not None:
            raise YidiError("DOCUMENT_NOT_FOUND", f"没有找到材料 {doc_id}", f"document {doc_id} not found", "doc_id", 404)
        doc.superseded_at = _now()
        _event(s, claim, "DOCUMENT_REMOVED", claim.state, principal, today, "", {"document": doc_id, "sha256": doc.sha256})
        s.flush()
        return _view(ctx, s, claim, person, principal)


def document(ctx: Context, principal: Principal, claim_no: str, doc_id: int, config: ClaimsConfig | None = None
             ) -> tuple[bytes, str, str]:
    """A scan's bytes, media type and file name (superseded scans too: the history may point at them)."""
    cfg = config or ClaimsConfig.from_env()
    with unit_of_work(ctx.sessions) as s:
        claim, _p = _visible(s, principal, claim_no)
        doc = s.get(ClaimDocumentRow, doc_id)
        if doc is None or doc.claim_id != claim.id:
            raise YidiError("DOCUMENT_NOT_FOUND", f"没有找到材料 {doc_id}", f"document {doc_id} not found", "doc_id", 404)
        sha, kind, name = doc.sha256, doc.kind, doc.filename
    return ScanStore(cfg.data_dir).get(sha), rules.media_type(kind), name


def submit(ctx: Context, principal: Principal, claim_no: str) -> dict[str, Any]:
    """Submit (or resubmit after a return): refused while anything on the checklist is missing, after the
    deadline (first submission), or when an invoice is taken or the visit was settled directly."""

    def run() -> dict[str, Any]:
        today = ctx.today()
        with unit_of_work(ctx.sessions) as s:
            claim, person = _visible(s, principal, claim_no, lock=True)
            rules.transition(claim.state, ClaimAction.SUBMIT, principal.role.value)  # state/role first: clear 409s
            invoices, lines = _invoices(s, claim), _lines(s, claim)
            miss = rules.missing(_checklist(ctx, s, claim, person))
            if miss:
                raise YidiError.of([Problem("CLAIM_INCOMPLETE", i.code, f"缺少：{i.name_zh}", f"missing: {i.name_en}")
                                    for i in miss], code="CLAIM_INCOMPLETE")
            _check_content(claim, invoices, lines, today)
            inv_total = sum(i.amount_fen for i in invoices)
            line_total = sum(r.amount_fen for r in lines)
            if inv_total != line_total:
                raise YidiError("CLAIM_TOTALS_MISMATCH",
                                f"发票合计 {fmt(from_fen(inv_total))} 元与费用明细合计 {fmt(from_fen(line_total))} 元不一致",
                                f"invoices total {fmt(from_fen(inv_total))} but fee lines total {fmt(from_fen(line_total))}",
                                "lines", 422)
            if claim.submitted_on is None:
                start, days = _deadline(ctx, s, claim)
                rules.check_deadline(start, days, today)
            _invoice_holders(s, principal, claim, [i.invoice_no for i in invoices])
            _settled_directly(s, claim)
            _move(s, claim, ClaimAction.SUBMIT, principal, today)
            claim.submitted_on = claim.submitted_on or today
            # the service's day (a pinned clock in tests and demos) with the time of day, for queue order
            claim.submitted_at = dt.datetime.combine(today, _now().time(), dt.UTC)
            claim.asked, claim.asked_note = [], ""
            s.flush()
            return _view(ctx, s, claim, person, principal)

    return _retrying(run)


# ------------------------------------------------------------------------------------------ agency side


def queue(ctx: Context, principal: Principal, *, limit: int = 100) -> dict[str, Any]:
    """The region's work: submitted and in-review claims, oldest submission first, with days waiting and
    the due date (the region's processing limit in working days)."""
    region = _agency(principal, "查看审核队列", "see the review queue")
    today = ctx.today()
    with unit_of_work(ctx.sessions) as s:
        q = (select(ClaimRow, PersonRow).join(PersonRow, PersonRow.id == ClaimRow.person_id)
             .where(ClaimRow.insured_region == region, ClaimRow.state.in_([ClaimState.SUBMITTED, ClaimState.IN_REVIEW]))
             .order_by(ClaimRow.submitted_at, ClaimRow.id).limit(limit))
        items = []
        for c, p in s.execute(q):
            since = c.submitted_at.date() if c.submitted_at else today
            due = rules.add_working_days(since, _manual_rules(ctx, region, c.discharged_on or c.admitted_on).processing_working_days)
            items.append({"claim_no": c.claim_no, "state": c.state.value, "state_zh": c.state.zh,
                          "person_id_number": mask_id(p.citizen_id), "person_name": mask_name(p.name),
                          "hospital_name": c.hospital_name, "visit_type": c.visit_type.value,
                          "submitted_on": since.isoformat(), "days_waiting": (today - since).days,
                          "due": due.isoformat(), "overdue": today > due,
                          "invoice_total": fmt(from_fen(sum(i.amount_fen for i in _invoices(s, c))))})
        return {"region": region, "today": today.isoformat(), "count": len(items), "items": items}


def start_review(ctx: Context, principal: Principal, claim_no: str) -> dict[str, Any]:
    return _simple(ctx, principal, claim_no, ClaimAction.START_REVIEW, "")


def reject(ctx: Context, principal: Principal, claim_no: str, reason: str) -> dict[str, Any]:
    """不予报销: the reason is kept and shown; the claim's invoices are released."""
    return _simple(ctx, principal, claim_no, ClaimAction.REJECT, reason)


def _simple(ctx: Context, principal: Principal, claim_no: str, action: ClaimAction, reason: str) -> dict[str, Any]:
    today = ctx.today()
    with unit_of_work(ctx.sessions) as s:
        claim, person = _visible(s, principal, claim_no, lock=True)
        _move(s, claim, action, principal, today, reason)
        if action is ClaimAction.REJECT:
            claim.decided_on = today
            s.execute(update(ClaimInvoiceRow).where(ClaimInvoiceRow.claim_id == claim.id).values(held=False))
        s.flush()
        return _view(ctx, s, claim, person, principal)


def return_for_more(ctx: Context, principal: Principal, claim_no: str, body: ReturnIn) -> dict[str, Any]:
    """退回补充材料: say what is asked; the person sees it and resubmits."""
    today = ctx.today()
    with unit_of_work(ctx.sessions) as s:
        claim, person = _visible(s, principal, claim_no, lock=True)
        _move(s, claim, ClaimAction.RETURN, principal, today, body.reason, {"asked": body.asked})
        claim.asked, claim.asked_note = list(body.asked), body.reason
        s.flush()
        return _view(ctx, s, claim, person, principal)


def exclude_line(ctx: Context, principal: Principal, claim_no: str, line_id: str, reason: str, *,
                 include: bool = False) -> dict[str, Any]:
    """Exclude a line from reimbursement (or take the exclusion back); the amount recomputes at once."""
    _agency(principal, "剔除费用明细", "exclude fee lines")
    today = ctx.today()
    if not include and not reason.strip():
        raise YidiError("REASON_REQUIRED", "剔除明细必须写明理由", "excluding a line needs a reason", "reason", 422)
    with unit_of_work(ctx.sessions) as s:
        claim, person = _visible(s, principal, claim_no, lock=True)
        if claim.state is not ClaimState.IN_REVIEW:
            raise YidiError("CLAIM_STATE", f"报销申请当前为“{claim.state.zh}”，只有审核中可以剔除明细",
                            f"lines can be excluded only while IN_REVIEW (now {claim.state.value})", "state", 409)
        row = s.scalars(select(ClaimLineRow).where(ClaimLineRow.claim_id == claim.id, ClaimLineRow.line_id == line_id)).one_or_none()
        if row is None:
            raise YidiError("LINE_NOT_FOUND", f"本申请没有明细 {line_id}", f"no line {line_id} in this claim", "line_id", 404)
        row.excluded = not include
        row.exclude_reason = "" if include else reason.strip()
        row.excluded_by = "" if include else principal.shown
        claim.version += 1
        _event(s, claim, "LINE_INCLUDED" if include else "LINE_EXCLUDED", claim.state, principal, today, reason,
               {"line_id": line_id, "amount": fmt(from_fen(row.amount_fen))})
        s.flush()
        preview = None
        if any(not r.excluded for r in _lines(s, claim)):
            preview = _assess(ctx, s, claim, person, _read_acc(s, person, _year(claim)))
        return _view(ctx, s, claim, person, principal, preview=preview)


def approve(ctx: Context, principal: Principal, claim_no: str, reason: str = "") -> dict[str, Any]:
    """审核通过: compute with the year accumulators as they are now (locked), store the amounts and the
    explanation, and add the claim to the accumulators, as a settlement does."""
    _agency(principal, "审核报销申请", "approve claims")

    def run() -> dict[str, Any]:
        today = ctx.today()
        with unit_of_work(ctx.sessions) as s:
            claim, person = _visible(s, principal, claim_no)
            rules.transition(claim.state, ClaimAction.APPROVE, principal.role.value, reason)
            year = _year(claim)
            acc_row = Accumulators(s).lock_row(person.id, person.scheme, year)
            claim, person = _visible(s, principal, claim_no, lock=True)  # read again after the lock
            acc = YearAccumulators.model_validate(acc_row.content)
            b = _assess(ctx, s, claim, person, acc)
            assert b.accumulators_after is not None
            _move(s, claim, ClaimAction.APPROVE, principal, today, reason,
                  {"fund_pay_sumamt": fmt(b.fund_pay_sumamt), "acc_version": acc_row.version + 1})
            claim.scheme, claim.year, claim.basis = person.scheme, year, b.basis
            claim.pack, claim.policy_version = b.pack, b.policy_version
            claim.medfee_sumamt_fen, claim.fund_pay_sumamt_fen = to_fen(b.medfee_sumamt), to_fen(b.fund_pay_sumamt)
            claim.psn_part_amt_fen = to_fen(b.psn_part_amt)
            claim.excluded_fen = sum(r.amount_fen for r in _lines(s, claim) if r.excluded)
            claim.breakdown = b.as_dict()
            claim.accumulators_before, claim.accumulators_after = acc.as_dict(), b.accumulators_after.as_dict()
            claim.decided_on = today
            acc_row.content = b.accumulators_after.as_dict()
            acc_row.version += 1
            acc_row.updated_at = _now()
            s.flush()
            return _view(ctx, s, claim, person, principal)

    return _retrying(run)


# ------------------------------------------------------------------------------------------ payment batches


def _batch_rows(s: Session, batch: ClaimBatchRow) -> list[tuple[ClaimPaymentRow, ClaimRow]]:
    q = (select(ClaimPaymentRow, ClaimRow).join(ClaimRow, ClaimRow.id == ClaimPaymentRow.claim_id)
         .where(ClaimPaymentRow.batch_id == batch.id).order_by(ClaimPaymentRow.seq))
    return list(s.execute(q))


def export_csv(s: Session, batch: ClaimBatchRow, encoding: str = "utf-8") -> bytes:
    """The bank file: a header, one transfer per line, a totals line, then `SHA256,<hex>` over every byte
    above it (in the file's own encoding), so the bank or the agency can tell a file was altered."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["batch_no", "insured_region", "created_on", "count", "total"])
    w.writerow([batch.batch_no, batch.insured_region, batch.created_on.isoformat(), batch.count, fmt(from_fen(batch.total_fen))])
    w.writerow(["seq", "claim_no", "payee_name", "bank_name", "bank_account", "amount"])
    for pay, claim in _batch_rows(s, batch):
        w.writerow([pay.seq, claim.claim_no, pay.payee_name, pay.bank_name, pay.bank_account, fmt(from_fen(pay.amount_fen))])
    w.writerow(["TOTAL", batch.count, fmt(from_fen(batch.total_fen))])
    body = buf.getvalue().encode(encoding)
    return body + f"SHA256,{hashlib.sha256(body).hexdigest()}\r\n".encode(encoding)


def _batch_view(s: Session, batch: ClaimBatchRow) -> dict[str, Any]:
    return {"batch_no": batch.batch_no, "insured_region": batch.insured_region, "status": batch.status,
            "count": batch.count, "total": fmt(from_fen(batch.total_fen)), "checksum": batch.checksum,
            "created_on": batch.created_on.isoformat(), "paid_on": batch.paid_on.isoformat() if batch.paid_on else None,
            "bank_reference": batch.bank_reference,
            "claims": [{"seq": p.seq, "claim_no": c.claim_no, "state": c.state.value, "payee_name": mask_name(p.payee_name),
                        "bank_account": mask_account(p.bank_account), "amount": fmt(from_fen(p.amount_fen))}
                       for p, c in _batch_rows(s, batch)]}


def create_batch(ctx: Context, principal: Principal) -> dict[str, Any]:
    """Gather every approved claim of the region not yet in a batch into a new batch."""
    region = _agency(principal, "生成支付批次", "create payment batches")

    def run() -> dict[str, Any]:
        today = ctx.today()
        with unit_of_work(ctx.sessions) as s:
            batch = ClaimBatchRow(batch_no=f"PB{today:%Y%m%d}{secrets.token_hex(4).upper()}", insured_region=region,
                                  status="OPEN", count=0, total_fen=0, checksum="", created_by=principal.shown,
                                  created_on=today, created_at=_now())
            s.add(batch)
            s.flush()
            # the conditional UPDATE is the claim on each claim: a concurrent batch waits for this row lock
            # and then no longer finds it unbatched
            # a claim approved at 0.00 (deductible not reached) has nothing to transfer and stays APPROVED
            s.execute(update(ClaimRow).where(ClaimRow.insured_region == region, ClaimRow.state == ClaimState.APPROVED,
                                             ClaimRow.batch_id.is_(None), ClaimRow.fund_pay_sumamt_fen > 0).values(batch_id=batch.id)
                      .execution_options(synchronize_session=False))
            claims = list(s.scalars(select(ClaimRow).where(ClaimRow.batch_id == batch.id)
                                    .order_by(ClaimRow.decided_on, ClaimRow.id).execution_options(populate_existing=True)))
            if not claims:
                raise YidiError("BATCH_EMPTY", "没有待支付的已审核报销申请", "no approved claims waiting for payment", "", 422)
            for n, c in enumerate(claims, 1):
                assert c.fund_pay_sumamt_fen is not None
                s.add(ClaimPaymentRow(claim_id=c.id, batch_id=batch.id, seq=n, amount_fen=c.fund_pay_sumamt_fen,
                                      payee_name=c.account_holder, bank_name=c.bank_name, bank_account=c.bank_account))
                _event(s, c, "BATCHED", c.state, principal, today, "", {"batch_no": batch.batch_no})
            batch.count = len(claims)
            batch.total_fen = sum(c.fund_pay_sumamt_fen or 0 for c in claims)
            s.flush()
            text = export_csv(s, batch)
            batch.checksum = text.decode().rsplit("SHA256,", 1)[1].strip()
            s.flush()
            return _batch_view(s, batch)

    return _retrying(run)


def _batch(s: Session, principal: Principal, batch_no: str) -> ClaimBatchRow:
    region = _agency(principal, "查看支付批次", "see payment batches")
    batch = s.scalars(select(ClaimBatchRow).where(ClaimBatchRow.batch_no == batch_no)
                      .execution_options(populate_existing=True)).one_or_none()
    if batch is None or batch.insured_region != region:
        raise YidiError("BATCH_NOT_FOUND", f"没有找到支付批次 {batch_no}", f"payment batch {batch_no} not found", "batch_no", 404)
    return batch


def show_batch(ctx: Context, principal: Principal, batch_no: str) -> dict[str, Any]:
    with unit_of_work(ctx.sessions) as s:
        return _batch_view(s, _batch(s, principal, batch_no))


def batch_file(ctx: Context, principal: Principal, batch_no: str, encoding: str = "utf-8") -> bytes:
    if encoding not in ("utf-8", "gb18030"):
        raise YidiError("FIELD_CHOICE", "编码只能是 utf-8 或 gb18030", "encoding must be utf-8 or gb18030", "encoding", 422)
    with unit_of_work(ctx.sessions) as s:
        return export_csv(s, _batch(s, principal, batch_no), encoding)


def _post(s: Session, claim: ClaimRow, batch: ClaimBatchRow, today: dt.date) -> None:
    """The PAY posting: each fund debited with its share, the person credited with the transfer."""
    b = claim.breakdown or {}
    legs = [(f"fund:{f}:{claim.insured_region}", to_fen(Decimal(b.get(f, "0")))) for f in FUND_FIELDS]
    legs = [(a, amt) for a, amt in legs if amt]
    legs.append((f"claimant:{claim.person_id}", -(claim.fund_pay_sumamt_fen or 0)))
    if sum(amt for _a, amt in legs) != 0:  # pragma: no cover - the breakdown's identities make this impossible
        raise AssertionError(f"unbalanced posting for {claim.claim_no}: {legs}")
    now = _now()
    s.add_all(ClaimLedgerEntryRow(posting=f"{claim.claim_no}:PAY", claim_id=claim.id, batch_id=batch.id, kind="PAY",
                                  account=a, amount_fen=amt, on_day=today, at=now) for a, amt in legs)


def mark_paid(ctx: Context, principal: Principal, batch_no: str, bank_reference: str = "") -> dict[str, Any]:
    """The bank has paid the batch: each claim moves to PAID and its posting is written — once."""
    today = ctx.today()
    with unit_of_work(ctx.sessions) as s:
        batch = _batch(s, principal, batch_no)
        res = s.execute(update(ClaimBatchRow).where(ClaimBatchRow.id == batch.id, ClaimBatchRow.status == "OPEN")
                        .values(status="PAID", paid_on=today, paid_by=principal.shown, bank_reference=bank_reference[:64])
                        .execution_options(synchronize_session=False))
        if res.rowcount != 1:  # type: ignore[attr-defined]
            raise YidiError("BATCH_ALREADY_PAID", f"支付批次 {batch_no} 已标记为已支付，不能重复支付",
                            f"payment batch {batch_no} is already paid", "batch_no", 409)
        s.refresh(batch)
        for _pay, claim in _batch_rows(s, batch):
            s.refresh(claim, with_for_update=True)
            _move(s, claim, ClaimAction.PAY, principal, today, "", {"batch_no": batch_no})
            claim.paid_on = today
            _post(s, claim, batch, today)
        s.flush()
        return _batch_view(s, batch)


def ledger_balances(ctx: Context) -> dict[str, Any]:
    """Every claim posting must sum to zero and match its claim's approved amount (a check for `yidi`)."""
    with unit_of_work(ctx.sessions) as s:
        bad = [p for p, total in s.execute(select(ClaimLedgerEntryRow.posting, func.sum(ClaimLedgerEntryRow.amount_fen))
                                           .group_by(ClaimLedgerEntryRow.posting)) if total != 0]
        paid = s.scalar(select(func.count()).select_from(ClaimRow).where(ClaimRow.state == ClaimState.PAID)) or 0
        posted = s.scalar(select(func.count(func.distinct(ClaimLedgerEntryRow.claim_id)))) or 0
        return {"ok": not bad and paid == posted, "unbalanced": bad, "paid_claims": paid, "posted_claims": posted}

