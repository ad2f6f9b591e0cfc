""""Changes nothing", checked: every table's row count and content is the same (tests/support/fingerprint.py),
and the ledger, the audit chain and every row still verify (`yidi ledger verify`, `yidi audit verify`).

Two ways to say it: `with unchanged(ctx): ...` around requests that must be refused (verifies before and
after), or `before = snapshot(ctx)` ... `assert_unchanged(ctx, before)` when the refusals are spread over a
test (audit records included: a rolled-back use case chains nothing).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import func, select

from tests.support.fingerprint import Fingerprint, changed, fingerprint
from tests.support.rows import assert_trail_holds
from yidi.services import ledger
from yidi.services.context import Context
from yidi.store.schema import metadata


def counts(ctx: Context) -> dict[str, int]:
    with ctx.engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in metadata.sorted_tables}


def verified(ctx: Context) -> None:
    """`yidi ledger verify` and `yidi audit verify` (chain and rows) both hold."""
    rep = ledger.verify(ctx)
    assert rep.ok, rep.problems
    assert_trail_holds(ctx)


def snapshot(ctx: Context) -> Fingerprint:
    """Rows and a content digest per table, for every table of the schema."""
    return fingerprint(ctx.engine)


def assert_unchanged(ctx: Context, before: Fingerprint) -> None:
    diff = changed(before, snapshot(ctx))
    assert not diff, f"a refusal stored something (rows, digest before → after): {diff}"
    verified(ctx)


@contextmanager
def unchanged(ctx: Context) -> Iterator[None]:
    """Wrap requests that must be refused: afterwards no table has gained, lost or changed a row."""
    verified(ctx)
    before = snapshot(ctx)
    yield
    assert_unchanged(ctx, before)
