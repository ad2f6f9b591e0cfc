"""A claim's content and its checks: the hospital, the invoices (dates, duplicates, held by no other claim),
the fee lines, the bank account in the person's own name, and care not already settled directly."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from yidi.domain.bill import FeeLine
from yidi.domain.claim_rules.records import ClaimInvoice, ClaimLine, ClaimRecord
from yidi.domain.enums import Level
from yidi.domain.error_catalogue import error, problem
from yidi.domain.errors import Problem, YidiError
from yidi.domain.reference import Person
from yidi.services.access import Principal, Role
from yidi.services.claims.requests import BankIn, ClaimIn, VisitIn
from yidi.services.context import Context
from yidi.store.uow import UnitOfWork


def hospital(uow: UnitOfWork, ctx: Context, v: VisitIn) -> tuple[str | None, str, str, Level, bool]:
    """(institution code or None, name, region, level, networked for this visit type)."""
    if v.institution is not None:
        inst = uow.institutions.get(v.institution)
        if inst is None:
            raise error("INSTITUTION_UNKNOWN", field="visit.institution", institution=v.institution)
        return inst.code, inst.name, inst.region, inst.level, inst.networked_for(v.visit_type)
    assert v.hospital_name is not None and v.hospital_region is not None
    if not uow.regions.exists(v.hospital_region) and v.hospital_region not in ctx.packs.regions:
        raise error("REGION_UNKNOWN", field="visit.hospital_region", what_zh="统筹区编码", what_en="region",
                    region=v.hospital_region)
    return None, v.hospital_name, v.hospital_region, v.hospital_level or Level.UNRATED, False


def check_content(claim: ClaimRecord, invoices: Sequence[ClaimInvoice], lines: Sequence[ClaimLine],
                  today: dt.date) -> None:
    """Dates of the visit, the invoices and the lines; every problem at once."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for i, inv in enumerate(invoices):
        f = f"invoices.{i}"
        if inv.invoice_no in seen:
            problems.append(problem("INVOICE_DUPLICATE", f"{f}.invoice_no", invoice_nos=inv.invoice_no))
        seen.add(inv.invoice_no)
        if inv.invoice_date > today:
            problems.append(problem("INVOICE_DATE_FUTURE", f"{f}.invoice_date", invoice_no=inv.invoice_no,
                                    invoice_date=inv.invoice_date))
        if inv.invoice_date < claim.admitted_on:
            problems.append(problem("INVOICE_DATE_BEFORE_VISIT", f"{f}.invoice_date",
                                    invoice_no=inv.invoice_no,
                                    invoice_date=inv.invoice_date,
                                    admitted_on=claim.admitted_on))
    if claim.admitted_on > today:
        problems.append(problem("DATE_IN_FUTURE", "visit.admitted_on", what_zh="就诊日期", what_en="visit"))
    if claim.discharged_on is not None and claim.discharged_on > today:
        problems.append(problem("DATE_IN_FUTURE", "visit.discharged_on", what_zh="出院日期", what_en="discharge"))
    last = claim.discharged_on or today
    for i, ln in enumerate(lines):
        if ln.line_date is not None and (ln.line_date < claim.admitted_on or ln.line_date > last):
            problems.append(problem("LINE_DATE_OUTSIDE", f"lines.{i}.date", line_id=ln.line_id, date=ln.line_date,
                                    why_zh="不在就诊期间内", why_en="is outside the visit"))
    if problems:
        raise YidiError.of(problems)


def check_bank(bank: BankIn, person: Person) -> None:
    if bank.holder.strip() != person.name:
        raise error("BANK_ACCOUNT_NOT_OWNER", holder=bank.holder)


def invoice_holders(uow: UnitOfWork, principal: Principal, claim: ClaimRecord, numbers: Sequence[str]) -> None:
    """Refuse invoices another live claim holds, naming the claim where the caller may see it."""
    if not numbers:
        return
    problems = []
    for h in uow.claims.invoice_holders(claim, numbers):
        own = h.person_id_number == claim.person_id_number or (principal.role is Role.AGENCY
                                                               and h.insured_region == principal.subject)
        where_zh = f"报销申请 {h.claim_no}（{h.state.zh}）" if own else "另一笔报销申请"
        where_en = f"claim {h.claim_no} ({h.state.value})" if own else "another claim"
        problems.append(problem("INVOICE_ALREADY_CLAIMED", invoice_no=h.invoice_no, where_zh=where_zh,
                                where_en=where_en))
    if problems:
        raise YidiError.of(problems, status=409)


def settled_directly(uow: UnitOfWork, claim: ClaimRecord) -> None:
    """Refuse care that a hospital already settled directly for this person (naming the settlement)."""
    found = uow.claims.direct_settlement(claim)
    if found is not None:
        setl_id, day = found
        raise error("CLAIM_ALREADY_SETTLED", hospital_name=claim.hospital_name,
                    institution=claim.institution, day=day, setl_id=setl_id)


def stored_lines(lines: Sequence[FeeLine]) -> list[ClaimLine]:
    """Fee lines as a claim keeps them (numbered from 1); refuses a line ID given twice."""
    ids = [ln.line_id for ln in lines]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise error("LINE_DUPLICATE", line_ids=dup)
    return [ClaimLine(n, ln.line_id, ln.code, ln.name, format(ln.quantity, "f"), ln.unit_price, ln.value, ln.date)
            for n, ln in enumerate(lines, 1)]


def apply(uow: UnitOfWork, ctx: Context, principal: Principal, claim: ClaimRecord, person: Person, body: ClaimIn,
          today: dt.date) -> dict[str, Any]:
    """Write the parts of `body` onto the claim (the caller saves it) and check the whole; returns a summary
    for the history."""
    changed: dict[str, Any] = {}
    if body.visit is not None:
        v = body.visit
        code, name, region, level, networked = hospital(uow, ctx, v)
        claim.institution, claim.hospital_name, claim.hospital_region = code, name, region
        claim.hospital_level, claim.networked = level, networked
        claim.visit_type, claim.admitted_on, claim.discharged_on = v.visit_type, v.admitted_on, v.discharged_on
        claim.emergency, claim.referral = v.emergency, v.referral
        claim.diagnosis_code, claim.diagnosis_name, claim.reason_not_direct = v.diagnosis_code, v.diagnosis_name, v.reason_not_direct
        changed["visit"] = True
    if body.bank is not None:
        check_bank(body.bank, person)
        claim.bank_name, claim.bank_account, claim.account_holder = body.bank.bank_name, body.bank.account_no, body.bank.holder
        changed["bank"] = "****" + body.bank.account_no[-4:]
    if body.invoices is not None:
        numbers = [i.invoice_no for i in body.invoices]
        dup = sorted({n for n in numbers if numbers.count(n) > 1})
        if dup:
            raise error("INVOICE_DUPLICATE", invoice_nos=dup)
        invoice_holders(uow, principal, claim, numbers)  # before the insert, so the unique index is a backstop only
        uow.claims.replace_invoices(claim, [ClaimInvoice(i.invoice_no, i.invoice_date, i.amount, i.payer)
                                            for i in body.invoices])
        changed["invoices"] = len(body.invoices)
    if body.lines is not None:
        uow.claims.replace_lines(claim, stored_lines(body.lines))
        changed["lines"] = len(body.lines)
    invoices = uow.claims.invoices(claim)
    check_content(claim, invoices, uow.claims.lines(claim), today)
    invoice_holders(uow, principal, claim, [i.invoice_no for i in invoices])
    settled_directly(uow, claim)
    return changed
