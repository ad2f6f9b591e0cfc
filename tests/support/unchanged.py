""""Changes nothing", checked: every table's row count and content is the same (tests/support/fingerprint.py),
and the ledger, the audit chain and every row still verify (`yidi ledger verify`, `yidi audit verify`) before
and after."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import func, select

from tests.support.fingerprint import changed, fingerprint
from tests.support.rows import assert_trail_holds
from yidi.services import ledger
from yidi.services.context import Context
from yidi.store.schema import metadata


def counts(ctx: Context) -> dict[str, int]:
    with ctx.engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in metadata.sorted_tables}


def verified(ctx: Context) -> None:
    rep = ledger.verify(ctx)
    assert rep.ok, rep.problems
    assert_trail_holds(ctx)


@contextmanager
def unchanged(ctx: Context) -> Iterator[None]:
    """Wrap requests that must be refused: afterwards no table has gained, lost or changed a row."""
    verified(ctx)
    before = fingerprint(ctx.engine)
    yield
    diff = changed(before, fingerprint(ctx.engine))
    assert not diff, f"a refusal changed these tables (rows, digest before → after): {diff}"
    verified(ctx)
