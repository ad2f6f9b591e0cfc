"""Clearing use cases on the in-memory store: the same month on both stores gives the same content hash, and
disputes (scoped, read a page at a time) run without a database.

The SQL store of each test (SQLite and PostgreSQL) holds the worked month of test_clearing.py; its settlements
are copied, with their ids, into a MemoryStore, so that every stored row — items included — must agree.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tests.clearing.test_clearing import BJ, NATIONAL, SH, SZ, agency, worked_month
from yidi.clearing import synth
from yidi.domain.errors import YidiError
from yidi.services import clearing as service
from yidi.services.context import Context
from yidi.services.reference import load_reference
from yidi.store.memory import MemoryStore
from yidi.store.memory.clearing import ClearingSettlement
from yidi.store.settlement_models import SettlementRow


def _twin(ctx: Context) -> tuple[Context, MemoryStore]:
    s = SettlementRow
    cols = (s.id, s.setl_id, s.institution, s.insured_region, s.treatment_region, s.visit_type, s.settlement_date,
            s.revoked_on, s.medfee_sumamt_fen, s.hifp_pay_fen, s.hifob_pay_fen, s.cvlserv_pay_fen, s.hifmi_pay_fen,
            s.maf_pay_fen, s.fund_pay_sumamt_fen, s.acct_pay_fen, s.psn_cash_pay_fen)
    store = MemoryStore()
    with ctx.engine.connect() as conn:
        for row in conn.execute(select(*cols)):
            r = list(row)
            r[5] = r[5].value
            store.tables.clearing.settlements[r[0]] = ClearingSettlement(*r)
    mem = Context.in_memory(ctx.packs, ctx.today, store)
    load_reference(mem)
    return mem, store


def _revoke(store: MemoryStore, setl_id: str, day: dt.date) -> None:
    t = store.tables.clearing.settlements
    sid = next(k for k, v in t.items() if v.setl_id == setl_id)
    t[sid] = t[sid]._replace(revoked_on=day)


def test_a_month_on_memory_equals_the_month_on_sql(ctx: Context) -> None:
    worked_month(ctx)
    mem, store = _twin(ctx)
    a, b = service.close_month(ctx, NATIONAL, "2026-10"), service.close_month(mem, NATIONAL, "2026-10")
    # 1,000 + 300 + 500 + 200 + 100 + 80 yuan (test_worked_example_three_provinces) on both stores
    assert a.cleared_fen == b.cleared_fen == 218_000 and b.verification.ok
    assert a.content_hash == b.content_hash
    # a revocation after the close lands in November, on both, as the same adjustment
    synth.revoke(ctx.engine, "S1", dt.date(2026, 11, 3))
    _revoke(store, "S1", dt.date(2026, 11, 3))
    na, nb = service.run_month(ctx, NATIONAL, "2026-11"), service.run_month(mem, NATIONAL, "2026-11")
    assert na.content_hash == nb.content_hash and nb.cleared_fen == -100_000 and nb.verification.ok
    assert service.items(mem, "2026-11") == service.items(ctx, "2026-11")
    on_mem, on_sql = service.month_view(mem, "2026-11").as_dict(), service.month_view(ctx, "2026-11").as_dict()
    for v in (on_mem, on_sql):
        del v["run"]["run_at"]  # when each ran: the one thing that differs
    assert on_mem == on_sql


def test_disputes_are_scoped_and_paged_without_a_database(ctx: Context) -> None:
    worked_month(ctx)
    mem, store = _twin(ctx)
    service.close_month(mem, NATIONAL, "2026-10")
    with pytest.raises(YidiError) as e:  # a refused dispute changes nothing
        service.dispute(mem, agency(SZ), "2026-10", ["S5", "S1"], "未备案")
    assert e.value.code == "CLEARING_SETTLEMENT_NOT_IN_LINES" and not store.tables.clearing.disputes
    # 北京 disputes S1 (a 上海 hospital, 1,000.00) and 深圳 disputes S4 (a 上海 hospital, 200.00): 上海 is party to both
    d1 = service.dispute(mem, agency(BJ), "2026-10", ["S1"], "未备案 not filed")
    d2 = service.dispute(mem, agency(SZ), "2026-10", ["S4"], "金额有误 wrong amount")
    assert (d1["amount_fen"], d2["amount_fen"]) == (100_000, 20_000)
    # who sees which: 上海 both (its hospitals), 北京 only its own, 深圳 only its own, the operator both
    seen = {r: [d["dispute_id"] for d in service.scoped_disputes(mem, agency(r))] for r in (SH, BJ, SZ)}
    assert seen == {SH: [d1["dispute_id"], d2["dispute_id"]], BJ: [d1["dispute_id"]], SZ: [d2["dispute_id"]]}
    assert len(service.scoped_disputes(mem, NATIONAL)) == 2
    # the month view narrowed to 北京 carries only 北京's dispute, as the API and the page show it
    assert [d["dispute_id"] for d in service.scoped_month(mem, agency(BJ), "2026-10").disputes] == [d1["dispute_id"]]
    # a dispute 北京 may not see is not found for it; its settlements page for 上海
    with pytest.raises(YidiError) as e:
        service.dispute_items(mem, agency(BJ), d2["dispute_id"])
    assert e.value.code == "CLEARING_DISPUTE_NOT_FOUND" and e.value.status == 404
    page = service.dispute_items(mem, agency(SH), d2["dispute_id"], limit=1)
    assert (page.total, page.amount_fen, [s["setl_id"] for s in page.settlements]) == (1, 20_000, ["S4"])
    assert service.dispute_items(mem, agency(SH), d2["dispute_id"], limit=1, offset=1).settlements == []
    # upheld: S1 is taken back in November (-1,000.00 yuan), traceable to the dispute
    service.resolve(mem, agency(SH), d1["dispute_id"], upheld=True)
    with pytest.raises(YidiError) as e:  # decided once
        service.resolve(mem, agency(SH), d1["dispute_id"], upheld=False)
    assert (e.value.code, e.value.status) == ("CLEARING_DISPUTE_DECIDED", 409) and "UPHELD" in e.value.message_en
    nov = service.run_month(mem, NATIONAL, "2026-11")
    assert nov.cleared_fen == -100_000 == nov.adjust_fen and nov.verification.ok
    service.close_month(mem, NATIONAL, "2026-11")
    view = service.disputes(mem, "2026-10")[0]
    assert view["landed_in"] == [{"month": "2026-11", "settlements": 1}] and view["n_settlements"] == 1
