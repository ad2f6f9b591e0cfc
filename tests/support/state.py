"""What a refusal must leave behind — nothing: row counts of every table, and the ledger and audit chain checks.

`snapshot(ctx)` before a refused request and `assert_unchanged(ctx, before)` after it prove that no table
gained or lost a row (audit records included: a rolled-back use case chains nothing) and that
`ledger verify` and `audit verify` still pass.
"""

from __future__ import annotations

from sqlalchemy import func, select

from yidi.services import ledger
from yidi.services.context import Context
from yidi.store import audit_chain
from yidi.store.db import unit_of_work
from yidi.store.schema import metadata


def snapshot(ctx: Context) -> dict[str, int]:
    """Rows per table, for every table of the schema."""
    with unit_of_work(ctx.sessions) as s:
        return {t.name: s.scalar(select(func.count()).select_from(t)) or 0 for t in metadata.sorted_tables}


def verified(ctx: Context) -> None:
    """`yidi ledger verify` and `yidi audit verify` both hold."""
    rep = ledger.verify(ctx)
    assert rep.ok, rep.problems
    with unit_of_work(ctx.sessions) as s:
        chain = audit_chain.verify(s)
    assert chain.ok, chain.problems


def assert_unchanged(ctx: Context, before: dict[str, int]) -> None:
    after = snapshot(ctx)
    changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
    assert not changed, f"a refusal stored something: {changed}"
    verified(ctx)
