"""A claim's history: every transition and change is one event (what, from which state, by whom, why, when),
appended in the same unit of work as the change itself."""

from __future__ import annotations

import datetime as dt
from typing import Any

from yidi.domain import claim_rules as rules
from yidi.domain.claim_rules import ClaimAction, ClaimState
from yidi.domain.claim_rules.records import ClaimEvent, ClaimRecord
from yidi.services.access import Principal
from yidi.store.uow import UnitOfWork


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def record(uow: UnitOfWork, claim: ClaimRecord, action: str, before: ClaimState | None, principal: Principal,
           today: dt.date, reason: str = "", detail: dict[str, Any] | None = None) -> None:
    """Append one event to the claim's history (the claim's state now is where it led)."""
    uow.claims.record_event(claim, ClaimEvent(0, action, before.value if before else None, claim.state.value,
                                              principal.role.value, principal.shown, reason, detail or {}, today, now()))


def move(uow: UnitOfWork, claim: ClaimRecord, action: ClaimAction, principal: Principal, today: dt.date,
         reason: str = "", detail: dict[str, Any] | None = None) -> None:
    """Move the claim by the state table (yidi.domain.claim_rules.transition) and record it; the caller saves."""
    before = claim.state
    claim.state = rules.transition(before, action, principal.role.value, reason)
    claim.version += 1
    claim.updated_at = now()
    record(uow, claim, action.value, before, principal, today, reason, detail)


def touch(uow: UnitOfWork, claim: ClaimRecord, action: str, principal: Principal, today: dt.date,
          detail: dict[str, Any] | None = None) -> None:
    """A change that keeps the state (an edit, a paper added): a new version, recorded."""
    claim.version += 1
    claim.updated_at = now()
    record(uow, claim, action, claim.state, principal, today, "", detail)
