"""The calculation of a visit: its bill from the stored lines, the engine's breakdown on the person's year
accumulators, and what changed since the pre-settlement the hospital saw."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from yidi.domain import bounds as B
from yidi.domain.bill import Bill, FeeLine, PersonIn, YearAccumulators
from yidi.domain.breakdown import Breakdown
from yidi.domain.eligibility import EligibilityResult
from yidi.domain.engine import calculate
from yidi.domain.enums import VisitType
from yidi.domain.error_catalogue import error
from yidi.domain.money import from_fen
from yidi.domain.reference import Person
from yidi.domain.trusted import trusted
from yidi.services.context import Context
from yidi.services.settlement.checks import eligibility, not_eligible
from yidi.services.settlement.mutual_aid import refuse_unless_applied
from yidi.services.settlement.requests import PreSettleIn, QuoteBasis
from yidi.services.settlement.views import Change
from yidi.store.repositories.lines import Line
from yidi.store.repositories.settlements import SettleInputs
from yidi.store.repositories.visits import HospitalVisit
from yidi.store.uow import UnitOfWork


def _fee_line(row: Line) -> FeeLine:
    # rows were validated when uploaded and the audit trail proves them unchanged: not validated again (hot
    # path of settle, yidi.domain.trusted)
    return trusted(FeeLine, line_id=row.line_id, code=row.code, name=row.name, quantity=Decimal(row.quantity),
                   unit_price=from_fen(row.unit_price_fen), amount=None, date=row.line_date)


def bill_of(visit: HospitalVisit, person: Person, rows: Sequence[Line], today: dt.date, discharge: dt.date | None,
            use_account: bool) -> Bill:
    """The bill of a visit's lines, settled today."""
    data = {
        "bill_id": visit.mdtrt_id[:30], "visit_type": visit.visit_type, "institution": visit.institution,
        "admission_date": visit.admitted_on, "discharge_date": discharge, "settlement_date": today,
        "person": PersonIn.of(person), "emergency": visit.emergency, "use_account": use_account,
        "lines": [_fee_line(r) for r in rows],
    }
    if visit.visit_type is VisitType.CHRONIC_OUTPATIENT and visit.chronic_disease:
        data["chronic_disease"] = visit.chronic_disease  # its certification and terms (domain/engine/chronic.py)
    # every value was validated when stored (the visit, the person, the lines) or at the door (the discharge date,
    # use_account): not again, field by field; the checks across them still run (a line after that discharge date)
    return trusted(Bill, **data).checked()


@dataclass
class Computed:
    breakdown: Breakdown
    eligibility: EligibilityResult
    basis: QuoteBasis
    before: YearAccumulators
    lines: list[Line]


def compute(ctx: Context, uow: UnitOfWork, visit: HospitalVisit, p: Person, acc: YearAccumulators, acc_version: int,
            req: PreSettleIn, today: dt.date, known: SettleInputs | None = None, payer: Person | None = None
            ) -> Computed:
    """What settling the visit now gives (eligibility checked again); refused when it may not settle.
    `known`: the lines, filings and open admissions already read (settle reads them in one statement);
    `payer`: the family member whose account pays by mutual aid, their link checked (settlement.mutual_aid)."""
    mdtrt_id = visit.mdtrt_id
    if req.discharge_date is not None and (req.discharge_date < visit.admitted_on or req.discharge_date > today):
        raise error("DATE_ORDER", field="discharge_date", detail_zh="出院日期应在入院日期与今天之间",
                    detail_en="the discharge date must lie between admission and today")
    rows = known.lines if known is not None else uow.lines.of_visit(visit.visit_id, active=True)
    if not rows:
        raise error("VISIT_NO_LINES", mdtrt_id=mdtrt_id)
    ours = from_fen(sum(r.amount_fen for r in rows))
    if req.medfee_sumamt is not None and req.medfee_sumamt != ours:
        raise error("MEDFEE_MISMATCH", theirs=req.medfee_sumamt, ours=ours)
    result = eligibility(uow, ctx, visit.person, p, p.name, visit.institution, visit.visit_type, visit.admitted_on,
                         today, emergency=visit.emergency, chronic=visit.chronic_disease, this_visit=visit.visit_id,
                         known=None if known is None else (known.filings, known.admissions, known.reference_version))
    if not result.eligible:
        raise not_eligible(result, "SETTLE_NOT_ELIGIBLE")
    filing = result.filing.to_filing() if result.filing is not None else None
    # a visit discharged (2402) settles on its discharge day unless the request names another
    bill = bill_of(visit, p, rows, today, req.discharge_date or visit.discharged_on, req.use_account)
    b = calculate(bill, ctx.packs, person=p, filing=filing, accumulators=acc, unknown_items="self_funded",
                  relative=payer)
    if payer is not None:
        refuse_unless_applied(b)
    if b.accumulators_after is not None and b.accumulators_after.largest() > B.ACCUMULATED_MAX:
        raise error("TOTAL_TOO_LARGE", field="accumulators", detail_zh=f"该参保人本年度累计将超过上限 {B.ACCUMULATED_MAX} 元",
                    detail_en=f"the person's year-to-date sums would pass the limit of {B.ACCUMULATED_MAX} yuan")
    # stored values and the engine's amounts (each at the fen), not a request's: not validated again
    basis = trusted(QuoteBasis, visit_revision=visit.revision, acc_version=acc_version,
                    filing_id=result.filing.filing_id if result.filing else None, basis=b.basis,
                    policy_version=b.policy_version, account_balance=p.account_balance,
                    medfee_sumamt=b.medfee_sumamt, fund_pay_sumamt=b.fund_pay_sumamt, acct_pay=b.acct_pay,
                    psn_cash_pay=b.psn_cash_pay)
    return Computed(b, result, basis, acc, rows)


def changes(expected: QuoteBasis | None, now: QuoteBasis) -> list[Change]:
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
