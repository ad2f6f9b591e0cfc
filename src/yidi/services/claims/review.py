"""The agency's review of a claim: start, exclude or take back a fee line (the amount recomputes at once),
return it for more papers, reject it (its invoices are released), or approve it — computing with the person's
year accumulators locked, storing the amounts and their explanation, and adding the claim to the accumulators
as a settlement does."""

from __future__ import annotations

import dataclasses
from typing import Any

from yidi.domain import claim_rules as rules
from yidi.domain.breakdown import Breakdown
from yidi.domain.claim_rules import ClaimAction, ClaimState
from yidi.domain.claim_rules import appeal as appeal_rules
from yidi.domain.claim_rules.records import ClaimRecord
from yidi.domain.error_catalogue import error
from yidi.domain.money import ZERO, fmt
from yidi.services.access import Principal
from yidi.services.claims.access import agency, visible
from yidi.services.claims.assess import assess, current_accumulators
from yidi.services.claims.history import move, record
from yidi.services.claims.requests import ReturnIn
from yidi.services.claims.views import view
from yidi.services.context import Context
from yidi.store.retry import retrying

# the states in which a reviewer works on the lines: first review, and an appeal
UNDER_REVIEW = (ClaimState.IN_REVIEW, ClaimState.APPEALED)


def start_review(ctx: Context, principal: Principal, claim_no: str) -> dict[str, Any]:
    return _simple(ctx, principal, claim_no, ClaimAction.START_REVIEW, "")


def reject(ctx: Context, principal: Principal, claim_no: str, reason: str) -> dict[str, Any]:
    """不予报销: the reason is kept and shown; the claim's invoices are released."""
    return _simple(ctx, principal, claim_no, ClaimAction.REJECT, reason)


def _simple(ctx: Context, principal: Principal, claim_no: str, action: ClaimAction, reason: str) -> dict[str, Any]:
    today = ctx.today()
    with ctx.uow() as uow:
        claim, person = visible(uow, principal, claim_no, lock=True)
        # the staff account that decides is kept: an appeal goes to another one (claim_rules.appeal)
        move(uow, claim, action, principal, today, reason, {"reviewer": principal.user})
        if action is ClaimAction.REJECT:
            claim.decided_on = today
            uow.claims.release_invoices(claim)
        uow.claims.save(claim)
        return view(ctx, uow, claim, person, principal)


def return_for_more(ctx: Context, principal: Principal, claim_no: str, body: ReturnIn) -> dict[str, Any]:
    """退回补充材料: say what is asked; the person sees it and resubmits."""
    today = ctx.today()
    with ctx.uow() as uow:
        claim, person = visible(uow, principal, claim_no, lock=True)
        move(uow, claim, ClaimAction.RETURN, principal, today, body.reason, {"asked": body.asked})
        claim.asked, claim.asked_note = list(body.asked), body.reason
        uow.claims.save(claim)
        return view(ctx, uow, claim, person, principal)


def exclude_line(ctx: Context, principal: Principal, claim_no: str, line_id: str, reason: str, *,
                 include: bool = False) -> dict[str, Any]:
    """Exclude a line from reimbursement (or take the exclusion back); the amount recomputes at once."""
    agency(principal, "剔除费用明细", "exclude fee lines")
    today = ctx.today()
    if not include and not reason.strip():
        raise error("REASON_REQUIRED", action_zh="剔除明细", action_en="excluding a line")
    with ctx.uow() as uow:
        claim, person = visible(uow, principal, claim_no, lock=True)
        if claim.state not in UNDER_REVIEW:
            raise error("CLAIM_STATE", state_zh=claim.state.zh, state=claim.state.value, action_zh="剔除明细",
                        action_en="exclude lines", allowed_zh=[s.zh for s in UNDER_REVIEW],
                        allowed_en=[s.value for s in UNDER_REVIEW])
        line = next((ln for ln in uow.claims.lines(claim) if ln.line_id == line_id), None)
        if line is None:
            raise error("LINE_NOT_FOUND", line_id=line_id)
        uow.claims.save_line(claim, dataclasses.replace(
            line, excluded=not include, exclude_reason="" if include else reason.strip(),
            excluded_by="" if include else principal.shown))
        claim.version += 1
        record(uow, claim, "LINE_INCLUDED" if include else "LINE_EXCLUDED", claim.state, principal, today, reason,
               {"line_id": line_id, "amount": fmt(line.amount)})
        uow.claims.save(claim)
        preview: Breakdown | None = None
        if any(not r.excluded for r in uow.claims.lines(claim)):
            preview = assess(ctx, uow, claim, person, current_accumulators(uow, claim, person))
        return view(ctx, uow, claim, person, principal, preview=preview)


def _approval(claim: ClaimRecord) -> ClaimAction:
    """Approving a claim under review, or (复核通过) an appealed one."""
    return ClaimAction.APPEAL_APPROVE if claim.state is ClaimState.APPEALED else ClaimAction.APPROVE


def approve(ctx: Context, principal: Principal, claim_no: str, reason: str = "") -> dict[str, Any]:
    """审核通过 (or 复核通过 by a second reviewer): compute with the year accumulators as they are now (locked),
    store the amounts and the explanation, and add the claim to the accumulators, as a settlement does."""
    agency(principal, "审核报销申请", "approve claims")

    def run() -> dict[str, Any]:
        today = ctx.today()
        with ctx.uow() as uow:
            claim, person = visible(uow, principal, claim_no)
            rules.transition(claim.state, _approval(claim), principal.role.value, reason)
            if claim.state is ClaimState.APPEALED:
                appeal_rules.check_second_reviewer(uow.claims.events(claim), principal.user)
            year = claim.year_of_care
            # the same lock as direct settlement takes: a claim approved after a settlement sees its deductible
            # and cap, and two approvals for one person compute one after the other
            held = uow.accumulators.get(claim.person_key, person.scheme, year, lock=True)
            # read the claim again after the lock (a claim is never deleted; its person is the one just read)
            locked = uow.claims.get(claim_no, lock=True)
            assert locked is not None
            claim = locked
            acc = held.value
            b = assess(ctx, uow, claim, person, acc)
            assert b.accumulators_after is not None
            if claim.state is ClaimState.APPEALED:  # still: the check above read it before the lock
                appeal_rules.check_second_reviewer(uow.claims.events(claim), principal.user)
            move(uow, claim, _approval(claim), principal, today, reason,
                 {"fund_pay_sumamt": fmt(b.fund_pay_sumamt), "acc_version": held.version + 1,
                  "reviewer": principal.user})
            claim.scheme, claim.year, claim.basis = person.scheme, year, b.basis
            claim.pack, claim.policy_version = b.pack, b.policy_version
            claim.medfee_sumamt, claim.fund_pay_sumamt = b.medfee_sumamt, b.fund_pay_sumamt
            claim.psn_part_amt = b.psn_part_amt
            claim.excluded = sum((r.amount for r in uow.claims.lines(claim) if r.excluded), ZERO)
            claim.breakdown = b.as_dict()
            claim.accumulators_before, claim.accumulators_after = acc.as_dict(), b.accumulators_after.as_dict()
            claim.decided_on = today
            uow.accumulators.save(held, b.accumulators_after)
            uow.claims.save(claim)
            return view(ctx, uow, claim, person, principal)

    return retrying(run)
