"""复核: the person appeals a rejected claim (reason + new scans, within the region's appeal period) and a
second reviewer upholds the rejection; approval on appeal is `review.approve` (computed and paid as any
approved claim). The rules themselves are yidi.domain.claim_rules.appeal (docs/rules.md R-4.5)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from yidi.domain import claim_rules as rules
from yidi.domain.claim_rules import ClaimAction, ClaimState
from yidi.domain.claim_rules import appeal as appeal_rules
from yidi.domain.claim_rules.records import ClaimRecord
from yidi.services.access import Principal
from yidi.services.claims.access import agency, doer, visible
from yidi.services.claims.checklist import manual_rules
from yidi.services.claims.content import invoice_holders
from yidi.services.claims.history import move, now
from yidi.services.claims.views import view
from yidi.services.context import Context


def open_for_papers(ctx: Context, claim: ClaimRecord, today: dt.date) -> bool:
    """A rejected claim takes new scans (for its appeal) until the appeal period ends."""
    if claim.state is not ClaimState.REJECTED:
        return False
    days = manual_rules(ctx, claim.insured_region, claim.care_day).appeal_days
    last = appeal_rules.appeal_deadline(claim.decided_on, days)
    return last is None or today <= last


def appeal(ctx: Context, principal: Principal, claim_no: str, reason: str) -> dict[str, Any]:
    """申请复核: the claim's person (or staff at a window for them) says why, with scans added since the
    rejection; the claim takes back its invoices (unless another claim holds them now) and waits for a
    second reviewer."""
    doer(principal, "申请复核", "appeal a claim")
    today = ctx.today()
    with ctx.uow() as uow:
        claim, person = visible(uow, principal, claim_no, lock=True)
        rules.transition(claim.state, ClaimAction.APPEAL, principal.role.value, reason)
        days = manual_rules(ctx, claim.insured_region, claim.care_day).appeal_days
        appeal_rules.check_window(claim.decided_on, days, today)
        events = uow.claims.events(claim)
        docs = appeal_rules.check_material(events)
        invoice_holders(uow, principal, claim, [i.invoice_no for i in uow.claims.invoices(claim)])
        uow.claims.hold_invoices(claim)
        move(uow, claim, ClaimAction.APPEAL, principal, today, reason.strip(),
             {"documents": docs, "rejected_by": appeal_rules.rejected_by(events)})
        claim.submitted_at = now()  # in the review queue from now
        uow.claims.save(claim)
        return view(ctx, uow, claim, person, principal)


def uphold(ctx: Context, principal: Principal, claim_no: str, reason: str) -> dict[str, Any]:
    """复核维持不予报销: a reviewer other than the one who rejected keeps the rejection, saying why; final.
    The claim's invoices are released again."""
    agency(principal, "复核报销申请", "decide appeals")
    today = ctx.today()
    with ctx.uow() as uow:
        claim, person = visible(uow, principal, claim_no, lock=True)
        rules.transition(claim.state, ClaimAction.APPEAL_UPHOLD, principal.role.value, reason)
        appeal_rules.check_second_reviewer(uow.claims.events(claim), principal.user)
        move(uow, claim, ClaimAction.APPEAL_UPHOLD, principal, today, reason.strip(), {"reviewer": principal.user})
        claim.decided_on = today
        uow.claims.release_invoices(claim)
        uow.claims.save(claim)
        return view(ctx, uow, claim, person, principal)
