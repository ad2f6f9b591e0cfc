"""The audit trail check (`yidi audit verify`, `yidi restore`): the hash chain, and every audited row against the
row log, read from one snapshot."""

from __future__ import annotations

from yidi.services.context import Context
from yidi.store import audit_chain, row_check
from yidi.store.audit_chain import ChainReport
from yidi.store.db import unit_of_work
from yidi.store.row_check import WHAT, RowReport

__all__ = ["WHAT", "ChainReport", "RowReport", "trail_report"]


def trail_report(ctx: Context, *, rows: bool = True) -> tuple[ChainReport, RowReport | None]:
    """The chain and (rows) every audited row against the row log, from one snapshot."""
    with unit_of_work(ctx.sessions) as s:
        row_check.snapshot(s)
        chain = audit_chain.verify(s)
        return chain, row_check.verify_rows(s) if rows else None
