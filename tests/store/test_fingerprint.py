"""The table fingerprint the write fuzzing relies on (tests/support/fingerprint.py) sees any change."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.support.fingerprint import changed, fingerprint
from yidi.demo.dataset import DemoPerson
from yidi.services.context import Context


@pytest.mark.edits_outside_yidi
def test_fingerprint_names_the_table_that_changed(ctx: Context, demo: dict[str, DemoPerson]) -> None:
    a = fingerprint(ctx.engine)
    assert changed(a, fingerprint(ctx.engine)) == {}  # reading changes nothing
    with ctx.engine.begin() as conn:  # one character of one row
        conn.execute(text("UPDATE persons SET name = '张建图' WHERE name = '张建国'"))
    b = fingerprint(ctx.engine)
    assert list(changed(a, b)) == ["persons"] and b["persons"][0] == a["persons"][0]  # same count, other content
