"""Mid-stay settlement (中途结算, issue 18) through the JSON API and the envelope, on SQLite and PostgreSQL.

The stay of the conformance kit (tests/fsi/test_conformance.py), settled in two parts, by hand (the sample
policy of Jiangxi provincial level 369900, the retiree 张建国 with a long-term filing to Shenzhen, a level-3
hospital; deductible 800.00 per admission, the pooled fund 85 %, account 8650.40):
- part 1, in house: S001 bed 5 x 80.00 = 400.00 (price cap 60.00: 100.00 over the cap, 300.00 in scope) and
  XA01 (class A) 10 x 35.00 = 350.00 in scope: 750.00 in all, 650.00 in scope; the deductible takes
  min(800.00, 650.00) = 650.00, the fund pays 0.00, the person 750.00, all from the account (7900.40 left);
- part 2, at discharge: XB01 (class B, 10 % first) 20 x 40.50 = 810.00: 81.00 first, 729.00 in scope. The stay
  so far as one: 1560.00, in scope 1379.00, deductible 800.00, fund (1379.00 - 800.00) x 85 % = 492.15; minus
  part 1: 810.00, deductible 800.00 - 650.00 = 150.00 (one deductible for the admission), fund 492.15 - 0.00 =
  492.15, the person 810.00 - 492.15 = 317.85 from the account (7900.40 - 317.85 = 7582.55 left);
- so the two parts add up to the one settlement of the kit: 1560.00, deductible 800.00, fund 492.15, the
  person 1067.85, 7582.55 left, one admission in the year (not two: a second admission would charge again).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import httpx
from fastapi.testclient import TestClient

from tests.settlement.helpers import API
from tests.support.db import TODAY, as_
from tests.support.unchanged import assert_unchanged, snapshot, verified
from yidi.demo.dataset import DemoPerson, demo_id
from yidi.domain.amounts import AMOUNT_FIELDS
from yidi.services.context import Context

CID, NAME = demo_id("360102", "19560312", 31), "张建国"
HOSPITAL = as_("hospital", "H44030000001")
DAY = (TODAY - dt.timedelta(days=3)).isoformat()
PART1 = [{"line_id": "1", "code": "S001", "name": "床位费", "quantity": "5", "unit_price": "80.00", "date": DAY},
         {"line_id": "2", "code": "XA01", "name": "甲类药", "quantity": "10", "unit_price": "35.00", "date": DAY}]
PART2 = [{"line_id": "3", "code": "XB01", "name": "乙类药", "quantity": "20", "unit_price": "40.50", "date": DAY}]
MONEY = ("medfee_sumamt", "inscp_scp_amt", "act_pay_dedc", "hifp_pay", "fund_pay_sumamt", "psn_part_amt",
         "acct_pay", "psn_cash_pay", "balc")


def call(c: TestClient, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
    return c.post(f"{API}{path}", json=body or {}, headers=HOSPITAL)


def ok(r: httpx.Response) -> dict[str, Any]:
    assert r.status_code in (200, 201), r.text
    return dict(r.json())


def refused(r: httpx.Response) -> tuple[int, str]:
    return r.status_code, r.json()["error"]["code"]


def admit(c: TestClient, ls: list[dict[str, Any]]) -> str:
    v = ok(c.post(f"{API}/visits", json={"id_number": CID, "name": NAME, "visit_type": "INPATIENT", "admitted_on": DAY},
                  headers=HOSPITAL))
    ok(call(c, f"/visits/{v['mdtrt_id']}/lines", {"lines": ls}))
    return str(v["mdtrt_id"])


def amounts(s: dict[str, Any]) -> dict[str, str]:
    return {f: s["breakdown"][f] for f in MONEY}


def test_two_parts_add_up_to_one_settlement(ctx: Context, client: TestClient, demo: dict[str, DemoPerson]) -> None:
    mdtrt_id = admit(client, PART1)
    quote = ok(call(client, f"/visits/{mdtrt_id}/pre-settle", {"mid_setl": True}))
    p1 = ok(call(client, f"/visits/{mdtrt_id}/settle", {"idempotency_key": "MID-PART-1", "mid_setl": True,
                                                          "medfee_sumamt": "750.00"}))
    assert amounts(p1) == {**{f: quote["breakdown"][f] for f in MONEY}} == {
        "medfee_sumamt": "750.00", "inscp_scp_amt": "650.00", "act_pay_dedc": "650.00", "hifp_pay": "0.00",
        "fund_pay_sumamt": "0.00", "psn_part_amt": "750.00", "acct_pay": "750.00", "psn_cash_pay": "0.00",
        "balc": "7900.40"}
    assert (p1["mid_setl"], p1["part"]) == (True, 1)
    assert ok(client.get(f"{API}/visits/{mdtrt_id}", headers=HOSPITAL))["status"] == "OPEN", "still in house"
    # the lines part 1 settled are frozen; new lines come in
    before = snapshot(ctx)
    assert refused(call(client, f"/visits/{mdtrt_id}/lines/withdraw", {"line_ids": ["1"]})) == (409, "LINE_SETTLED_MID")
    assert refused(call(client, f"/visits/{mdtrt_id}/lines", {"lines": [{**PART1[1], "quantity": "9"}],
                                                              "replace": True})) == (409, "LINE_SETTLED_MID")
    assert refused(call(client, f"/visits/{mdtrt_id}/settle", {"idempotency_key": "MID-PART-X", "mid_setl": True})) \
        == (422, "MID_SETTLE_NO_NEW_LINES")
    assert_unchanged(ctx, before)
    ok(call(client, f"/visits/{mdtrt_id}/lines", {"lines": PART2}))
    ok(call(client, f"/visits/{mdtrt_id}/discharge", {}))
    # the total the HIS sends is this part's (810.00), not the stay's
    assert refused(call(client, f"/visits/{mdtrt_id}/settle", {"idempotency_key": "MID-PART-2",
                                                                "medfee_sumamt": "1560.00"})) == (409, "MEDFEE_MISMATCH")
    p2 = ok(call(client, f"/visits/{mdtrt_id}/settle", {"idempotency_key": "MID-PART-2", "medfee_sumamt": "810.00"}))
    assert amounts(p2) == {
        "medfee_sumamt": "810.00", "inscp_scp_amt": "729.00", "act_pay_dedc": "150.00", "hifp_pay": "492.15",
        "fund_pay_sumamt": "492.15", "psn_part_amt": "317.85", "acct_pay": "317.85", "psn_cash_pay": "0.00",
        "balc": "7582.55"}
    assert (p2["mid_setl"], p2["part"]) == (False, 2)
    assert [ln["line_id"] for ln in p2["breakdown"]["lines"]] == ["3"]
    assert p2["breakdown"]["steps"][-1]["rule"] == "MID_STAY"
    assert ok(client.get(f"{API}/visits/{mdtrt_id}", headers=HOSPITAL))["status"] == "SETTLED"
    acc = ok(call(client, "/accumulators/query", {"id_number": CID}))
    assert acc["admissions"] == 1 and acc["settlements"] == 2
    assert sum(Decimal(v) for v in acc["deductible_paid"].values()) == Decimal("800.00")
    assert sum(Decimal(v) for v in acc["fund_paid"].values()) == Decimal("492.15")
    # the same key again: the same part, not a third
    again = call(client, f"/visits/{mdtrt_id}/settle", {"idempotency_key": "MID-PART-2", "medfee_sumamt": "810.00"})
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json()["setl_id"] == p2["setl_id"]
    verified(ctx)


def test_the_parts_sum_to_what_one_settlement_gives(ctx: Context, client: TestClient,
                                                   demo: dict[str, DemoPerson]) -> None:
    mdtrt_id = admit(client, PART1)
    p1 = ok(call(client, f"/visits/{mdtrt_id}/settle", {"idempotency_key": "MID-SUM-1", "mid_setl": True}))
    ok(call(client, f"/visits/{mdtrt_id}/lines", {"lines": PART2}))
    p2 = ok(call(client, f"/visits/{mdtrt_id}/settle", {"idempotency_key": "MID-SUM-2"}))
    # undo both (the later first) and settle the stay once: every amount is the two parts' sum
    assert refused(call(client, f"/settlements/{p1['setl_id']}/revoke")) == (409, "MID_SETTLE_LATER_PART")
    ok(call(client, f"/settlements/{p2['setl_id']}/revoke"))
    assert ok(client.get(f"{API}/visits/{mdtrt_id}", headers=HOSPITAL))["status"] == "DISCHARGED"
    ok(call(client, f"/settlements/{p1['setl_id']}/revoke"))
    acc = ok(call(client, "/accumulators/query", {"id_number": CID}))
    assert acc["admissions"] == 0 and not any(Decimal(v) for v in acc["fund_paid"].values())
    whole = ok(call(client, f"/visits/{mdtrt_id}/settle", {"idempotency_key": "MID-SUM-W"}))
    assert whole["part"] == 1 and whole["breakdown"]["hifp_pay"] == "492.15"
    for f in AMOUNT_FIELDS:
        if f != "balc":
            assert Decimal(p1["breakdown"][f]) + Decimal(p2["breakdown"][f]) == Decimal(whole["breakdown"][f]), f
    assert p2["breakdown"]["balc"] == whole["breakdown"]["balc"] == "7582.55"
    verified(ctx)


def test_mid_stay_only_for_a_stay_in_house(ctx: Context, client: TestClient, demo: dict[str, DemoPerson]) -> None:
    mdtrt_id = admit(client, PART1)
    ok(call(client, f"/visits/{mdtrt_id}/discharge", {}))
    before = snapshot(ctx)
    for path, body in (("pre-settle", {}), ("settle", {"idempotency_key": "MID-DSCG-1"})):
        r = call(client, f"/visits/{mdtrt_id}/{path}", {**body, "mid_setl": True})
        assert refused(r) == (409, "MID_SETTLE_NOT_ALLOWED") and "已出院未结算" in r.json()["error"]["message_zh"]
    assert_unchanged(ctx, before)


def test_a_mid_stay_part_through_the_envelope(ctx: Context, client: TestClient, demo: dict[str, DemoPerson]) -> None:
    """2304 with mid_setl_flag 1 settles the part; the answer says which part (the JSON API's amounts)."""
    mdtrt_id = admit(client, PART1)
    env = {"infno": "2304", "msgid": "H44030000001202603100900000001", "fixmedins_code": "H44030000001",
           "input": {"data": {"mdtrt_id": mdtrt_id, "psn_no": CID, "medfee_sumamt": 750, "mid_setl_flag": "1",
                              "acct_used_flag": "1"}}}
    r = client.post("/api/v1/fsi", json=env, headers=HOSPITAL).json()
    assert r["infcode"] == 0, r
    info = r["output"]["setlinfo"]
    assert (info["mid_setl_flag"], info["part"], info["medfee_sumamt"], info["act_pay_dedc"], info["acct_pay"]) == \
        ("1", 1, "750.00", "650.00", "750.00")
    # the same msgid again: the same part
    assert client.post("/api/v1/fsi", json=env, headers=HOSPITAL).json()["output"]["setlinfo"]["setl_id"] == info["setl_id"]
    # 5203 shows it as the JSON API does
    shown = ok(client.get(f"{API}/settlements/{info['setl_id']}", headers=HOSPITAL))
    assert (shown["mid_setl"], shown["part"], shown["breakdown"]["act_pay_dedc"]) == (True, 1, "650.00")
    assert demo_id("360102", "19560312", 31) == CID
