"""What a claim's page says about 复核 (appeal): the rejection, until when it may be appealed and with what,
the appeal and its outcome, from the claim's history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from yidi.domain.claim_rules import ClaimState
from yidi.domain.claim_rules import appeal as appeal_rules
from yidi.domain.claim_rules.records import ClaimEvent, ClaimRecord
from yidi.services.claims.checklist import manual_rules
from yidi.services.context import Context


def summary(ctx: Context, claim: ClaimRecord, events: Sequence[ClaimEvent], today: dt.date, *,
            staff: bool) -> dict[str, Any] | None:
    """What a claim's page says about 复核: the rejection, until when it may be appealed and with what, the
    appeal and its outcome. None for a claim never rejected. Reviewer accounts are shown to staff only."""
    rejected = appeal_rules.rejection(events)
    if rejected is None:
        return None
    days = manual_rules(ctx, claim.insured_region, claim.care_day).appeal_days
    made = appeal_rules.appeal(events)
    last = appeal_rules.appeal_deadline(rejected.on_day, days)
    outcome = next((e for e in reversed(events) if e.action in ("APPEAL_APPROVE", "APPEAL_UPHOLD")), None)
    out: dict[str, Any] = {
        "rejected_on": rejected.on_day.isoformat(), "rejection_reason": rejected.reason,
        "appeal_days": days, "deadline": last.isoformat() if last else None,
        "may_appeal": claim.state is ClaimState.REJECTED and (last is None or today <= last),
        "new_documents": appeal_rules.new_material(events),
        "appealed_on": made.on_day.isoformat() if made else None, "appeal_reason": made.reason if made else "",
        "outcome": None if outcome is None else ("APPROVED" if outcome.action == "APPEAL_APPROVE" else "UPHELD"),
        "decided_on": outcome.on_day.isoformat() if outcome else None,
        "outcome_reason": outcome.reason if outcome else "",
    }
    if staff:
        out["rejected_by"] = appeal_rules.rejected_by(events)
        out["decided_by"] = str(outcome.detail.get("reviewer", "")) if outcome else ""
    return out
