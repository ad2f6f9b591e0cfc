"""A claim as a door shows it: its content, checklist, what is still asked, the deadline, the amounts with the
explanation line by line, and its history; the diagnosis only for those who need it (may_see_diagnoses)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from yidi.domain import claim_rules as rules
from yidi.domain.breakdown import Breakdown
from yidi.domain.claim_rules import ClaimState
from yidi.domain.claim_rules.records import ClaimLine, ClaimRecord
from yidi.domain.ids import mask_id
from yidi.domain.money import ZERO, fmt
from yidi.domain.reference import Person
from yidi.services.access import Principal, Role
from yidi.services.claims.appeal_view import summary as appeal_summary
from yidi.services.claims.checklist import checklist, deadline, manual_rules, situations
from yidi.services.context import Context
from yidi.services.personal_data import diagnosis_fields
from yidi.store.uow import UnitOfWork


def explain(claim: ClaimRecord, lines: Sequence[ClaimLine], b: dict[str, Any] | None) -> dict[str, Any]:
    """The amount line by line: each line's fate (excluded with the reviewer's reason, or how the catalogue
    classed it), then the calculation's steps, then what is paid to whom."""
    by_id = {ln["line_id"]: ln for ln in (b or {}).get("lines", [])}
    out_lines = []
    for r in lines:
        item: dict[str, Any] = {"line_id": r.line_id, "code": r.code, "name": r.name, "quantity": r.quantity,
                                "unit_price": fmt(r.unit_price), "amount": fmt(r.amount),
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
        total = sum((r.amount for r in excluded), ZERO)
        steps.append({"rule": "claim.excluded_lines",
                      "text_zh": f"审核剔除 {len(excluded)} 条明细共 {fmt(total)} 元（不予报销，由个人负担）："
                                 + "；".join(f"{r.line_id} {r.name or r.code} {fmt(r.amount)} 元，理由：{r.exclude_reason}"
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


def asks_of(claim: ClaimRecord, miss: Sequence[rules.ChecklistItem], start: dt.date | None, days: int,
            ) -> list[dict[str, str]]:
    """What the person is still asked for while the claim is theirs to change."""
    asks: list[dict[str, str]] = []
    if claim.state not in rules.EDITABLE:
        return asks
    last = rules.deadline(start, days)
    asks += [{"code": i.code, "text_zh": f"请补充：{i.name_zh}", "text_en": f"please add: {i.name_en}"} for i in miss]
    if claim.state is ClaimState.RETURNED:
        asks += [{"code": c, "text_zh": f"经办机构要求补充：{rules.MATERIAL_NAMES[c][0]}",
                  "text_en": f"the agency asks for: {rules.MATERIAL_NAMES[c][1]}"} for c in claim.asked]
        if claim.asked_note:
            asks.append({"code": "agency_note", "text_zh": f"经办机构说明：{claim.asked_note}", "text_en": claim.asked_note})
    if last is not None and claim.submitted_on is None:
        asks.append({"code": "deadline", "text_zh": f"请在 {last} 前提交（参保地规定自 {start} 起 {days} 天内）",
                     "text_en": f"submit by {last} ({days} days from {start})"})
    return asks


def view(ctx: Context, uow: UnitOfWork, claim: ClaimRecord, person: Person, principal: Principal, *,
         preview: Breakdown | None = None) -> dict[str, Any]:
    """The claim as `principal` may see it; `preview`: the amount now, before approval fixes it."""
    invoices, lines = uow.claims.invoices(claim), uow.claims.lines(claim)
    items = checklist(ctx, uow, claim)
    miss = rules.missing(items)
    start, days = deadline(ctx, uow, claim)
    last = rules.deadline(start, days)
    b = claim.breakdown if claim.breakdown is not None else (preview.as_dict() if preview is not None else None)
    mr = manual_rules(ctx, claim.insured_region, claim.care_day)
    events = uow.claims.events(claim)
    staff = principal.role is Role.AGENCY
    return {
        "claim_no": claim.claim_no, "state": claim.state.value, "state_zh": claim.state.zh,
        "person_id_number": mask_id(person.citizen_id.number), "person_name": person.name,
        "insured_region": claim.insured_region, "filed_by": claim.filed_by,
        "visit": {"institution": claim.institution, "hospital_name": claim.hospital_name,
                  "hospital_region": claim.hospital_region, "hospital_level": claim.hospital_level.value,
                  "networked": claim.networked, "visit_type": claim.visit_type.value,
                  "admitted_on": claim.admitted_on.isoformat(),
                  "discharged_on": claim.discharged_on.isoformat() if claim.discharged_on else None,
                  "emergency": claim.emergency, "referral": claim.referral,
                  **diagnosis_fields(principal, claim.diagnosis_code, claim.diagnosis_name),
                  "reason_not_direct": claim.reason_not_direct},
        "situations": [x.value for x in situations(uow, claim)],
        "invoices": [{"invoice_no": i.invoice_no, "invoice_date": i.invoice_date.isoformat(),
                      "amount": fmt(i.amount), "payer": i.payer} for i in invoices],
        "invoice_total": fmt(sum((i.amount for i in invoices), ZERO)),
        "line_total": fmt(sum((r.amount for r in lines), ZERO)),
        "bank": {"bank_name": claim.bank_name, "account_no": ("****" + claim.bank_account[-4:]) if claim.bank_account else "",
                 "holder": claim.account_holder},
        "documents": [{"id": d.id, "material": d.material, "filename": d.filename, "kind": d.kind, "size": d.size,
                       "sha256": d.sha256, "uploaded_at": d.uploaded_at.isoformat()}
                      for d in uow.claim_documents.of_claim(claim)],
        "checklist": [i.as_dict() for i in items],
        "missing": [i.code for i in miss],
        "ready_to_submit": not miss,
        "asks": asks_of(claim, miss, start, days),
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
            "excluded": fmt(sum((r.amount for r in lines if r.excluded), ZERO)),
            "payable": b["fund_pay_sumamt"]},
        "explanation": explain(claim, lines, b),
        "appeal": appeal_summary(ctx, claim, events, ctx.today(), staff=staff),
        "history": [{"seq": e.seq, "action": e.action, "from_state": e.from_state, "to_state": e.to_state,
                     "actor_role": e.actor_role, "actor": e.actor, "reason": e.reason, "on_day": e.on_day.isoformat(),
                     # which staff account decided is for staff (a second reviewer is checked by it)
                     "detail": e.detail if staff else {k: v for k, v in e.detail.items()
                                                       if k not in ("reviewer", "rejected_by")}}
                    for e in events],
        "version": claim.version,
    }
