"""A dispute's settlements over HTTP, a page at a time (bounds in yidi.domain.bounds), and who may read them."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.clearing.test_clearing import NATIONAL, worked_month
from tests.support.db import as_
from yidi.domain.bounds import DISPUTE_SETTLEMENTS
from yidi.services import clearing as service
from yidi.services.context import Context

BJ, SH, SZ = as_("agency", "110100"), as_("agency", "310100"), as_("agency", "440300")


def test_dispute_items_are_paged_and_scoped(client: TestClient, ctx: Context) -> None:
    worked_month(ctx)
    service.close_month(ctx, NATIONAL, "2026-10")
    # 北京 disputes S1 (上海 hospital, 1,000.00 yuan), 深圳 disputes S4 (上海 hospital, 200.00): 上海 is party to both
    d1 = client.post("/api/v1/clearing/runs/2026-10/disputes", json={"setl_ids": ["S1"], "reason": "未备案"}, headers=BJ)
    d2 = client.post("/api/v1/clearing/runs/2026-10/disputes", json={"setl_ids": ["S4"], "reason": "金额"}, headers=SZ)
    assert d1.status_code == d2.status_code == 201
    i1, i2 = d1.json()["dispute_id"], d2.json()["dispute_id"]

    page = client.get(f"/api/v1/clearing/disputes/{i2}/items?limit=1", headers=SH)
    assert page.status_code == 200, page.text
    assert page.json() == {"dispute_id": i2, "total": 1, "amount_fen": 20_000, "limit": 1, "offset": 0,
                           "settlements": [{"setl_id": "S4", "cleared_fen": 20_000}]}
    assert client.get(f"/api/v1/clearing/disputes/{i2}/items?offset=1", headers=SH).json()["settlements"] == []
    # 北京 is neither the raiser nor on S4's line: for it the dispute does not exist
    r = client.get(f"/api/v1/clearing/disputes/{i2}/items", headers=BJ)
    assert r.status_code == 404 and r.json()["error"]["code"] == "CLEARING_DISPUTE_NOT_FOUND"
    for bad in ("limit=0", f"limit={DISPUTE_SETTLEMENTS + 1}", "offset=-1"):
        r = client.get(f"/api/v1/clearing/disputes/{i1}/items?{bad}", headers=BJ)
        assert r.status_code == 422 and r.json()["error"]["code"] == "FIELD_INVALID", bad

    # the lists: each dispute with its first page and its count; an agency sees the disputes that concern it
    listed = client.get("/api/v1/clearing/disputes", headers=SH).json()
    assert [(d["dispute_id"], d["n_settlements"], d["amount_fen"]) for d in listed] == [(i1, 1, 100_000), (i2, 1, 20_000)]
    assert [d["dispute_id"] for d in client.get("/api/v1/clearing/disputes", headers=BJ).json()] == [i1]
    mine = client.get("/api/v1/clearing/runs/2026-10", headers=SZ).json()
    assert [d["dispute_id"] for d in mine["disputes"]] == [i2]
