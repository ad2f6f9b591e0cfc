"""复核: appealing a rejected claim — until when, with which new papers, and who may decide it (pure).

Decisions (docs/rules.md R-4.5):
- One appeal per claim, within the insured region's `manual_claim.appeal_days` (default 60 calendar days,
  the period 《中华人民共和国行政复议法》第二十条 gives to contest an administrative decision) from the day
  of the rejection; the last day counts.
- The appeal says why and brings new material: at least one scan added after the rejection and not taken off.
- A second reviewer decides: not the staff account that rejected the claim. A reviewer whose account is
  not known (no user name behind the principal) cannot be told apart, so may not decide an appeal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from yidi.domain.claim_rules.records import ClaimEvent
from yidi.domain.error_catalogue import error

APPEAL_DAYS = 60  # the pack's default (yidi.domain.policy.ManualClaimRules.appeal_days)


def appeal_deadline(decided_on: dt.date | None, appeal_days: int) -> dt.date | None:
    """The last day an appeal may be made: `appeal_days` after the rejection."""
    return None if decided_on is None else decided_on + dt.timedelta(days=appeal_days)


def check_window(decided_on: dt.date | None, appeal_days: int, today: dt.date) -> None:
    """CLAIM_APPEAL_DEADLINE_PASSED once the last day is behind us."""
    last = appeal_deadline(decided_on, appeal_days)
    if last is not None and today > last:
        raise error("CLAIM_APPEAL_DEADLINE_PASSED", decided_on=decided_on, appeal_days=appeal_days, last_day=last)


def _last(events: Sequence[ClaimEvent], action: str) -> ClaimEvent | None:
    return next((e for e in reversed(events) if e.action == action), None)


def rejection(events: Sequence[ClaimEvent]) -> ClaimEvent | None:
    """The (last) rejection: its reason, day and reviewer."""
    return _last(events, "REJECT")


def appeal(events: Sequence[ClaimEvent]) -> ClaimEvent | None:
    """The appeal, if one was made: its reason and the new papers it named."""
    return _last(events, "APPEAL")


def rejected_by(events: Sequence[ClaimEvent]) -> str:
    """The staff account that rejected the claim ("" if the history does not name one)."""
    found = rejection(events)
    return str(found.detail.get("reviewer", "")) if found is not None else ""


def new_material(events: Sequence[ClaimEvent]) -> list[int]:
    """The scans added since the rejection and not taken off since (their document ids)."""
    found = rejection(events)
    if found is None:
        return []
    added: list[int] = []
    for e in events:
        if e.seq <= found.seq:
            continue
        doc = e.detail.get("document")
        if e.action == "DOCUMENT_ADDED" and isinstance(doc, int):
            added.append(doc)
        elif e.action == "DOCUMENT_REMOVED" and doc in added:
            added.remove(doc)
    return added


def check_material(events: Sequence[ClaimEvent]) -> list[int]:
    """The new papers of an appeal, or CLAIM_APPEAL_NO_MATERIAL."""
    docs = new_material(events)
    if not docs:
        raise error("CLAIM_APPEAL_NO_MATERIAL")
    return docs


def check_second_reviewer(events: Sequence[ClaimEvent], reviewer: str) -> None:
    """CLAIM_APPEAL_SAME_REVIEWER unless `reviewer` is a known account other than the one that rejected."""
    first = rejected_by(events)
    if not reviewer or reviewer == first:
        raise error("CLAIM_APPEAL_SAME_REVIEWER", reviewer=first or "（未知）")
