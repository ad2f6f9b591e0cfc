""""Changes nothing", checked: every table's row count is the same, and the ledger and the audit chain
still verify (`yidi ledger verify`, `yidi audit verify`) before and after."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import func, select

from yidi.cli_trust import audit_report
from yidi.services import ledger
from yidi.services.context import Context
from yidi.store.schema import metadata


def counts(ctx: Context) -> dict[str, int]:
    with ctx.engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in metadata.sorted_tables}


def verified(ctx: Context) -> None:
    rep = ledger.verify(ctx)
    assert rep.ok, rep.problems
    chain = audit_report(ctx)
    assert chain.ok, chain.problems


@contextmanager
def unchanged(ctx: Context) -> Iterator[None]:
    """Wrap requests that must be refused: afterwards no table has gained or lost a row."""
    verified(ctx)
    before = counts(ctx)
    yield
    after = counts(ctx)
    assert after == before, {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    verified(ctx)
