"""What a refusal must leave behind — nothing: row counts and content of every table, and the ledger, audit
chain and row checks.

`snapshot(ctx)` before a refused request and `assert_unchanged(ctx, before)` after it prove that no table
gained, lost or changed a row (audit records included: a rolled-back use case chains nothing) and that
`ledger verify` and `audit verify` (with rows) still pass.
"""

from __future__ import annotations

from tests.support.fingerprint import Fingerprint, changed, fingerprint
from tests.support.rows import assert_trail_holds
from yidi.services import ledger
from yidi.services.context import Context


def snapshot(ctx: Context) -> Fingerprint:
    """Rows and a content digest per table, for every table of the schema."""
    return fingerprint(ctx.engine)


def verified(ctx: Context) -> None:
    """`yidi ledger verify` and `yidi audit verify` (chain and rows) both hold."""
    rep = ledger.verify(ctx)
    assert rep.ok, rep.problems
    assert_trail_holds(ctx)


def assert_unchanged(ctx: Context, before: Fingerprint) -> None:
    diff = changed(before, snapshot(ctx))
    assert not diff, f"a refusal stored something (rows, digest before → after): {diff}"
    verified(ctx)
