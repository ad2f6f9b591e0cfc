"""The audit trail from the doors' side: the check (`yidi audit verify`, `yidi restore`) of the hash chain and of
every audited row against the row log, read from one snapshot; and who a request's writes are by."""

from __future__ import annotations

from yidi.services.context import Context
from yidi.store import audit_chain, row_check
from yidi.store.audit_chain import ChainReport
from yidi.store.db import unit_of_work
from yidi.store.row_check import WHAT, RowReport

__all__ = ["WHAT", "ChainReport", "RowReport", "note_actor", "trail_report"]


def trail_report(ctx: Context, *, rows: bool = True) -> tuple[ChainReport, RowReport | None]:
    """The chain and (rows) every audited row against the row log, from one snapshot."""
    with unit_of_work(ctx.sessions) as s:
        row_check.snapshot(s)
        chain = audit_chain.verify(s)
        return chain, row_check.verify_rows(s) if rows else None


def note_actor(role: str, actor: str, action: str) -> None:
    """Who the writes of this request are by, as the audit trail records them (a door says it once per request;
    a context variable carries it to the thread the endpoint runs in)."""
    audit_chain.set_actor(audit_chain.Actor(role, actor[:40], action[:40]))
