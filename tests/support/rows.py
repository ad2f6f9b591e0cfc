"""The row check of the audit trail (issue 13) for tests: every audited row matches what yidi last wrote."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from yidi.services.context import Context
from yidi.services.trail import trail_report
from yidi.store import audit_chain, row_check
from yidi.store.auth_models import AuditRowLogRow
from yidi.store.db import unit_of_work
from yidi.store.settlement_models import AuditRow


def trail(ctx: Context) -> tuple[audit_chain.ChainReport, row_check.RowReport]:
    """What `yidi audit verify` reports: the chain, and every row against the row log."""
    chain, rows = trail_report(ctx)
    assert rows is not None
    return chain, rows


def history(ctx: Context, table: str, key: str) -> list[tuple[Any, ...]]:
    """The row log of one row with each line's audit action: what a failure message needs to be understood."""
    L = AuditRowLogRow
    with unit_of_work(ctx.sessions) as s:
        q = (select(L.seq, AuditRow.action, L.before, L.after).join(AuditRow, AuditRow.seq == L.seq)
             .where(L.table_name == table, L.row_key == key).order_by(L.seq))
        return [(seq, action, b[:8], a[:8]) for seq, action, b, a in s.execute(q)]


def assert_trail_holds(ctx: Context) -> None:
    """The chain verifies and no row was changed, added or deleted outside yidi."""
    chain, rows = trail(ctx)
    assert chain.ok, chain.problems
    first = rows.problems[0] if rows.problems else None
    assert rows.ok, (dict(rows.counts), rows.log_problems, [p.as_dict() for p in rows.problems[:5]],
                     history(ctx, first.table, first.key) if first else None)
