"""End to end (issue 17, docs/chronic-and-pharmacy.md), on SQLite and PostgreSQL: 李秀英, insured in 江西省本级
(369900, employee, active, personal account 3,120.00, long-term filing to Beijing), certifies hypertension at
home, buys medicine at a Beijing pharmacy, has a chronic visit settled at a Beijing hospital, and the month's
clearing shows the pharmacy and the hospital each on its own line.

The sample pack of 369900: a pharmacy purchase elsewhere may use the personal account only (the default);
门诊慢特病 85 % for active employees, no deductible, hypertension limited to 3,000 of fund payment a year.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from tests.api.test_chronic_certification import scans_dir  # noqa: F401
from tests.api.test_chronic_settlement import AMLODIPINE, BEIJING, certify, chronic_visit
from tests.settlement.helpers import key_for
from tests.support.db import as_
from tests.support.unchanged import assert_unchanged, snapshot
from yidi.demo.dataset import DemoPerson
from yidi.services import ledger
from yidi.services.context import Context

PHARMACY = "P11010000001"  # 北京某大药房（示例，双通道）
SHOP = "/api/v1/pharmacy"


def D(s: str) -> Decimal:
    return Decimal(s)


def purchase(client: TestClient, h: dict[str, str], p: DemoPerson, msgid: str, **extra: Any) -> dict[str, Any]:
    r = client.post(f"{SHOP}/purchases", headers=h, json={
        "id_number": p.id_number, "name": p.name, "msgid": msgid,
        "lines": [{"line_id": "1", "code": AMLODIPINE, "quantity": "2", "unit_price": "30.00"}], **extra})
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def test_certify_at_home_buy_and_be_treated_in_beijing_cleared_in_the_month(
        client: TestClient, ctx: Context, demo: dict[str, DemoPerson]) -> None:
    p = demo["long_term_resident"]
    certify(client, p)  # applied with a diagnosis scan, approved by the 369900 reviewer

    shop = key_for(ctx, PHARMACY)
    # 2101: 2 x 30.00 = 60.00 of amlodipine (class A). Account only (369900's default for pharmacies):
    # the fund pays 0.00; the personal account pays the 60.00
    q = purchase(client, shop, p, "PH-0001")
    b = q["breakdown"]
    assert (D(b["hifp_pay"]), D(b["acct_pay"]), D(b["psn_cash_pay"])) == (D("0.00"), D("60.00"), D("0.00"))
    assert any(s["rule"] == "pharmacy.account_only" for s in b["steps"])
    again = purchase(client, shop, p, "PH-0001")  # the same msgid: the same purchase, nothing new
    assert again["mdtrt_id"] == q["mdtrt_id"]
    # 2102, twice with one key: one settlement
    s1 = client.post(f"{SHOP}/purchases/{q['mdtrt_id']}/settle", headers=shop, json={"idempotency_key": "ph-key-0001"})
    s2 = client.post(f"{SHOP}/purchases/{q['mdtrt_id']}/settle", headers=shop, json={"idempotency_key": "ph-key-0001"})
    assert s1.status_code == s2.status_code == 200, s1.text
    assert s1.json()["setl_id"] == s2.json()["setl_id"] and s2.headers.get("Idempotent-Replayed") == "true"

    # a chronic purchase at this 双通道 pharmacy for the certified disease: the chronic benefit,
    # 60.00 x 85 % = 51.00 from the fund, 9.00 from the account
    cq = purchase(client, shop, p, "PH-0002", chronic_disease="M03900")
    c = cq["breakdown"]
    assert (D(c["hifp_pay"]), D(c["acct_pay"])) == (D("51.00"), D("9.00"))
    # 2103 revokes a settlement: settle the chronic purchase, revoke it, the account gets its 9.00 back
    cs = client.post(f"{SHOP}/purchases/{cq['mdtrt_id']}/settle", headers=shop, json={"idempotency_key": "ph-key-0002"})
    assert cs.status_code == 200, cs.text
    rv = client.post(f"{SHOP}/settlements/{cs.json()['setl_id']}/revoke", headers=shop, json={"reason": "顾客退药"})
    assert rv.status_code == 200 and rv.json()["status"] == "REVOKED", rv.text

    # a hospital's key is refused at the pharmacy counter, and changes nothing
    hosp = key_for(ctx, BEIJING)
    before = snapshot(ctx)
    r = client.post(f"{SHOP}/purchases", headers=hosp, json={
        "id_number": p.id_number, "name": p.name, "msgid": "X-1",
        "lines": [{"line_id": "1", "code": AMLODIPINE, "quantity": "1", "unit_price": "1.00"}]})
    assert r.status_code == 403 and r.json()["error"]["code"] == "FORBIDDEN"
    assert_unchanged(ctx, before)

    # the chronic visit at the Beijing hospital: 300.00 x 85 % = 255.00 from the fund
    v = chronic_visit(client, hosp, p, "M03900", "30.00")["breakdown"]
    assert D(v["hifp_pay"]) == D("255.00")
    assert ledger.verify(ctx).ok

    # the month's clearing (treatment region Beijing): the pharmacy and the hospital on lines of their own
    bj = as_("agency", "110100")
    run = client.post("/api/v1/clearing/runs/2026-03", json={}, headers=bj)
    assert run.status_code == 200 and run.json()["verification"]["ok"], run.text
    month = client.get("/api/v1/clearing/runs/2026-03", headers=bj).json()
    lines = {h["institution"]: (h["n_settle"], h["fund_fen"], h["acct_fen"], h["owed_fen"]) for h in month["hospitals"]}
    # the pharmacy: the account-only purchase (the chronic one settled and revoked in the month nets to
    # nothing): fund 0, account 60.00 owed by Jiangxi; the hospital: fund 255.00 + account 45.00 = 300.00
    assert lines == {PHARMACY: (1, 0, 6000, 6000), BEIJING: (1, 25500, 4500, 30000)}
    pair = next(x for x in month["pairs"] if (x["treatment_region"], x["insured_region"]) == ("110100", "369900"))
    assert (pair["n_settle"], pair["cleared_fen"]) == (2, 36000)  # 60.00 + 300.00


def test_uncertified_chronic_purchase_is_refused(client: TestClient, ctx: Context, demo: dict[str, DemoPerson]) -> None:
    p = demo["long_term_resident"]  # no certification yet
    shop = key_for(ctx, PHARMACY)
    r = client.post(f"{SHOP}/purchases", headers=shop, json={
        "id_number": p.id_number, "name": p.name, "msgid": "PH-9", "chronic_disease": "M03900",
        "lines": [{"line_id": "1", "code": AMLODIPINE, "quantity": "1", "unit_price": "30.00"}]})
    assert r.status_code == 422, r.text
    e = r.json()["error"]
    assert e["code"] == "VISIT_NOT_ELIGIBLE" and "CHRONIC_NOT_CERTIFIED" in [x["code"] for x in e["problems"]]


def test_pharmacy_settle_refuses_two_different_idempotency_keys(
        client: TestClient, ctx: Context, demo: dict[str, DemoPerson]) -> None:
    # the pharmacy's 2102 reads the key as the hospital's 2304 does: header and body must agree, otherwise a
    # retry sent with only the header would not find the first settlement and could pay twice
    p = demo["long_term_resident"]
    shop = key_for(ctx, PHARMACY)
    q = purchase(client, shop, p, "PH-KEYS")
    before = snapshot(ctx)
    r = client.post(f"{SHOP}/purchases/{q['mdtrt_id']}/settle", headers={**shop, "Idempotency-Key": "ph-key-head"},
                    json={"idempotency_key": "ph-key-body"})
    assert r.status_code == 422, r.text
    e = r.json()["error"]
    assert e["code"] == "IDEMPOTENCY_KEY_CONFLICT" and e["message_zh"] == "请求头与请求体中的幂等键不一致"
    assert_unchanged(ctx, before)
    # the same key in both places settles
    ok = client.post(f"{SHOP}/purchases/{q['mdtrt_id']}/settle", headers={**shop, "Idempotency-Key": "ph-key-same"},
                     json={"idempotency_key": "ph-key-same"})
    assert ok.status_code == 200, ok.text
