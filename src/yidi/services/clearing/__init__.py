"""Monthly clearing (清算) use cases: run a month, verify it to the fen, close (freeze) it, confirm or dispute
lines, resolve disputes, and read a month back — each in one unit of work (`with ctx.uow() as uow:`).

One idea per module: `runs` (run, close), `verify`, `advance_funds` (预付金), `disputes` (confirm, dispute,
decide, read them a page at a time), `scoping` (which part of a month a caller sees), `queries` (read back).
The month's numbers come from the one SQL definition (yidi.clearing.definition) on a set-based engine
(yidi.clearing.engines); the rules are yidi.domain.clearing; the rows are the clearing repositories.
"""

from yidi.domain.clearing import DEFAULT_ADVANCE_MONTHS, DEFAULT_WARNING_PCT, MonthView
from yidi.services.clearing.common import ended_month, month_of
from yidi.services.clearing.disputes import (
    DisputeIn,
    DisputeItems,
    confirm,
    dispute,
    dispute_items,
    disputes,
    resolve,
    scoped_disputes,
)
from yidi.services.clearing.queries import items, month_view, months, pair_line, scoped_month
from yidi.services.clearing.runs import RunOutcome, close_month, run_month
from yidi.services.clearing.scoping import own_scope, view_scope
from yidi.services.clearing.verify import Check, Verification, verify

__all__ = [
    "DEFAULT_ADVANCE_MONTHS", "DEFAULT_WARNING_PCT", "Check", "DisputeIn", "DisputeItems", "MonthView",
    "RunOutcome", "Verification", "close_month", "confirm", "dispute", "dispute_items", "disputes", "ended_month",
    "items", "month_of", "month_view", "months", "own_scope", "pair_line", "resolve", "run_month", "scoped_disputes",
    "scoped_month", "verify", "view_scope",
]
