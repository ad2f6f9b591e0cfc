"""Submitting a claim (or resubmitting it after a return): refused while anything on the checklist is missing,
after the deadline (first submission only), when invoices and fee lines disagree, when an invoice is taken,
or when the visit was settled directly."""

from __future__ import annotations

import datetime as dt
from typing import Any

from yidi.domain import claim_rules as rules
from yidi.domain.claim_rules import ClaimAction
from yidi.domain.error_catalogue import error, problem
from yidi.domain.errors import YidiError
from yidi.domain.money import ZERO, fmt
from yidi.services.access import Principal
from yidi.services.claims.access import visible
from yidi.services.claims.checklist import checklist, deadline
from yidi.services.claims.content import check_content, invoice_holders, settled_directly
from yidi.services.claims.history import move, now
from yidi.services.claims.views import view
from yidi.services.context import Context
from yidi.store.retry import retrying


def submit(ctx: Context, principal: Principal, claim_no: str) -> dict[str, Any]:
    """Submit (or resubmit after a return): refused while anything on the checklist is missing, after the
    deadline (first submission), or when an invoice is taken or the visit was settled directly."""

    def run() -> dict[str, Any]:
        today = ctx.today()
        with ctx.uow() as uow:
            claim, person = visible(uow, principal, claim_no, lock=True)
            rules.transition(claim.state, ClaimAction.SUBMIT, principal.role.value)  # state/role first: clear 409s
            invoices, lines = uow.claims.invoices(claim), uow.claims.lines(claim)
            miss = rules.missing(checklist(ctx, uow, claim))
            if miss:
                raise YidiError.of([problem("CLAIM_INCOMPLETE", i.code, name_zh=i.name_zh, name_en=i.name_en)
                                    for i in miss], code="CLAIM_INCOMPLETE")
            check_content(claim, invoices, lines, today)
            inv_total = sum((i.amount for i in invoices), ZERO)
            line_total = sum((r.amount for r in lines), ZERO)
            if inv_total != line_total:
                raise error("CLAIM_TOTALS_MISMATCH", inv_total=fmt(inv_total), line_total=fmt(line_total))
            if claim.submitted_on is None:
                start, days = deadline(ctx, uow, claim)
                rules.check_deadline(start, days, today)
            invoice_holders(uow, principal, claim, [i.invoice_no for i in invoices])
            settled_directly(uow, claim)
            move(uow, claim, ClaimAction.SUBMIT, principal, today)
            claim.submitted_on = claim.submitted_on or today
            # the service's day (a pinned clock in tests and demos) with the time of day, for queue order
            claim.submitted_at = dt.datetime.combine(today, now().time(), dt.UTC)
            claim.asked, claim.asked_note = [], ""
            uow.claims.save(claim)
            return view(ctx, uow, claim, person, principal)

    return retrying(run)
