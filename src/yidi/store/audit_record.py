"""A use case's own audit record until it is chained at commit: plain values, not an ORM object (issue 15)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from yidi.store.settlement_models import AuditRow


@dataclass(slots=True)
class Record:
    """The columns of an audit_records row as a new AuditRow holds them before it is chained: what the use case
    gives, and None for what chaining fills in (yidi.store.audit_lanes.place, yidi.store.audit_one). Deferred
    records only go in by INSERT statements (yidi.store.audit_chain), so the ORM's per-attribute bookkeeping
    bought nothing (~15 attribute sets a settle)."""

    actor_role: str
    actor: str
    action: str
    object_type: str
    object_id: str
    detail: dict[str, Any]
    at: dt.datetime | None = None
    seq: int | None = None
    lane: int | None = None
    lane_seq: int | None = None
    prev_hash: str | None = None
    entry_hash: str | None = None
    before_digest: str | None = None
    after_digest: str | None = None


# what the chain hashes and places: a record of the table, or one to insert
Chained = AuditRow | Record
