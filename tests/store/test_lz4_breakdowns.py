"""A settlement's breakdown and answer are compressed with lz4 on PostgreSQL (migration 0021): pglz cost ~0.8 ms
of the server's CPU per settlement (benchmarks/README.md), and the values still read back as written."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from tests.settlement.helpers import GZ1, outpatient_visit, seed_person
from yidi.services import settlement as svc
from yidi.services.access import Principal, Role
from yidi.services.context import Context
from yidi.store import json_text


def test_a_settlements_breakdown_and_answer_are_stored_with_lz4(ctx: Context) -> None:
    if ctx.engine.dialect.name != "postgresql":
        pytest.skip("TOAST compression is PostgreSQL's")
    h = Principal(Role.HOSPITAL, GZ1)
    p = seed_person(ctx, 61)
    out = svc.settle(ctx, h, outpatient_visit(ctx, h, p.id_number, p.name), svc.SettleIn(idempotency_key="lz4-settle-1"))
    with ctx.engine.connect() as c:
        got = c.execute(text("SELECT pg_column_compression(breakdown), pg_column_compression(answer), breakdown::text, "
                             "answer FROM settlements WHERE setl_id = :s"), {"s": out.setl_id}).one()
    assert got[:2] == ("lz4", "lz4")  # both large enough to be compressed (20 lines: ~13 KB and ~10 KB)
    assert out.answer == got[3]  # the first answer, byte for byte, as a retry gets it
    # the breakdown's text as stored before it went as a parameter of its own: compact, in the order it was built
    assert got[2] == json_text.dumps(json.loads(got[2])).decode()
    assert json.loads(got[2])["medfee_sumamt"] == json.loads(got[3])["breakdown"]["medfee_sumamt"] == "200.00"
