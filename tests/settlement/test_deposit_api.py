"""The inpatient deposit (押金, issue 16 rule 4): recorded at admission, settled against the cash share at
discharge as a refund or a top-up, on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient

from tests.settlement.helpers import API, GZ1, key_for, lines, register, seed_person, settle, upload
from yidi.services.context import Context


def test_deposit_refunded_or_topped_up(ctx: Context, client: TestClient) -> None:
    h = key_for(ctx, GZ1)
    for seq, deposit in ((611, "100000.00"), (612, "1.00")):
        p = seed_person(ctx, seq, balance="0.00")  # no account: the whole share is cash
        v = register(client, h, p, "INPATIENT", deposit=deposit)
        assert v["deposit"] == deposit
        upload(client, h, v["mdtrt_id"], lines(20))
        s = settle(client, h, v["mdtrt_id"])
        cash = Decimal(s["breakdown"]["psn_cash_pay"])
        assert Decimal("1.00") < cash < Decimal("100000.00")  # 20 lines of 100.00: some cash, far below 100,000
        d = s["deposit"]
        assert Decimal(d["deposit"]) == Decimal(deposit) and Decimal(d["owed"]) == cash
        if deposit == "100000.00":
            # the hospital pays back what the deposit exceeds the cash share by
            assert Decimal(d["refund"]) == Decimal("100000.00") - cash and Decimal(d["top_up"]) == 0
        else:
            # the person pays the cash share less the 1.00 already paid
            assert Decimal(d["top_up"]) == cash - Decimal("1.00") and Decimal(d["refund"]) == 0
        shown = client.get(f"{API}/settlements/{s['setl_id']}", headers=h).json()
        assert shown["deposit"] == d
        # revoked: nothing is owed on it any more, the deposit is held again for the stay, and what changed
        # hands at the cashier goes back — the refund from the person, the top-up from the hospital
        r = client.post(f"{API}/settlements/{s['setl_id']}/revoke", json={"reason": "退费重结"}, headers=h)
        assert r.status_code == 200, r.text
        undone = r.json()["deposit"]
        assert undone == {"deposit": deposit, "owed": "0.00", "refund": "0.00", "top_up": "0.00", "revoked": "true",
                          "refund_back": d["refund"], "top_up_back": d["top_up"]}
        assert client.get(f"{API}/settlements/{s['setl_id']}", headers=h).json()["deposit"] == undone


def test_no_deposit_for_an_outpatient_visit(ctx: Context, client: TestClient) -> None:
    p = seed_person(ctx, 613)
    r = client.post(f"{API}/visits", json={"id_number": p.id_number, "name": p.name, "visit_type": "OUTPATIENT",
                                          "deposit": "100.00"}, headers=key_for(ctx, GZ1))
    assert r.status_code == 422 and r.json()["error"]["code"] == "DEPOSIT_NOT_INPATIENT"
    # an inpatient visit without one: no deposit on the settlement
    v = register(client, key_for(ctx, GZ1), seed_person(ctx, 614), "INPATIENT")
    assert v["deposit"] == "0.00"
