"""Reading claims: one claim, a person's or a region's list, and the agency's review queue with due dates."""

from __future__ import annotations

from typing import Any

from yidi.domain import claim_rules as rules
from yidi.domain.breakdown import Breakdown
from yidi.domain.claim_rules import ClaimState
from yidi.domain.errors import YidiError
from yidi.domain.ids import mask_id
from yidi.domain.money import ZERO, fmt
from yidi.services.access import Principal, Role
from yidi.services.claims.access import agency, doer, visible
from yidi.services.claims.assess import assess, current_accumulators
from yidi.services.claims.checklist import manual_rules
from yidi.services.claims.views import view
from yidi.services.context import Context
from yidi.services.personal_data import mask_name


def show(ctx: Context, principal: Principal, claim_no: str) -> dict[str, Any]:
    """The claim as its person or its agency sees it; under review the agency also sees the amount now."""
    with ctx.uow() as uow:
        claim, person = visible(uow, principal, claim_no)
        preview: Breakdown | None = None
        if claim.state in (ClaimState.IN_REVIEW, ClaimState.APPEALED) and principal.role is Role.AGENCY:
            try:
                preview = assess(ctx, uow, claim, person, current_accumulators(uow, claim, person))
            except YidiError:
                preview = None  # shown without a figure; approve reports the problem
        return view(ctx, uow, claim, person, principal, preview=preview)


def list_claims(ctx: Context, principal: Principal, *, state: ClaimState | None = None, limit: int = 100,
                offset: int = 0) -> dict[str, Any]:
    """A person's own claims, or an agency's region's, newest first."""
    doer(principal, "查看报销申请", "list claims")
    mine = principal.role is Role.PERSON
    with ctx.uow() as uow:
        total, found = uow.claims.page(person=principal.subject if mine else None,
                                       region=None if mine else principal.subject, state=state, limit=limit,
                                       offset=offset)
        items = [{"claim_no": c.claim_no, "state": c.state.value, "state_zh": c.state.zh,
                  "person_id_number": mask_id(c.person_id_number), "person_name": mask_name(name),
                  "hospital_name": c.hospital_name, "visit_type": c.visit_type.value,
                  "admitted_on": c.admitted_on.isoformat(),
                  "payable": fmt(c.fund_pay_sumamt) if c.fund_pay_sumamt is not None else None}
                 for c, name in found]
        return {"total": total, "limit": limit, "offset": offset, "items": items}


def queue(ctx: Context, principal: Principal, *, limit: int = 100) -> dict[str, Any]:
    """The region's work: submitted, in-review and appealed claims, oldest (latest) submission first, with days waiting and
    the due date (the region's processing limit in working days)."""
    region = agency(principal, "查看审核队列", "see the review queue")
    today = ctx.today()
    with ctx.uow() as uow:
        items = []
        for c, name in uow.claims.queue(region, limit):
            since = c.submitted_at.date() if c.submitted_at else today
            due = rules.add_working_days(since, manual_rules(ctx, region, c.care_day).processing_working_days)
            items.append({"claim_no": c.claim_no, "state": c.state.value, "state_zh": c.state.zh,
                          "person_id_number": mask_id(c.person_id_number), "person_name": mask_name(name),
                          "hospital_name": c.hospital_name, "visit_type": c.visit_type.value,
                          "submitted_on": since.isoformat(), "days_waiting": (today - since).days,
                          "due": due.isoformat(), "overdue": today > due,
                          "invoice_total": fmt(sum((i.amount for i in uow.claims.invoices(c)), ZERO))})
        return {"region": region, "today": today.isoformat(), "count": len(items), "items": items}
