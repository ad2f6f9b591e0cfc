"""The audit log as a repository: services say who did what to which object; the store chains the record
(yidi.store.audit_chain) and logs every row the unit of work wrote beside it."""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from sqlalchemy.orm import Session

from yidi.store import audit_chain
from yidi.store.audit_record import Record


class AuditLog(Protocol):
    def record(self, actor_role: str, actor: str, action: str, object_type: str, object_id: str,
               detail: dict[str, Any]) -> None:
        """One audit record of this unit of work (committed with it, or not at all)."""
        ...


class Audit:
    """The SQL audit log (table audit_records, hash-chained at commit)."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def record(self, actor_role: str, actor: str, action: str, object_type: str, object_id: str,
               detail: dict[str, Any]) -> None:
        audit_chain.add_record(self.s, Record(actor_role=actor_role, actor=actor, action=action,
                                                object_type=object_type, object_id=object_id, detail=detail,
                                                at=dt.datetime.now(dt.UTC)))
