"""Issue 18's "done when": the JSON API and the envelope give the same results for the same visit. One stay is
settled through the envelope (2304), revoked, and settled again through the JSON API: every amount of the two
settlements, their funds, and the person's year accumulators after each (5206 and /accumulators/query) are
the same to the fen. (The stay: tests/fsi/test_gateway.py's three lines — S001 5 x 80, XB01 20 x 40.50, an
unknown code 12.34 fully self-funded.)"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from tests.fsi.test_gateway import CID, HOSPITAL, admit, fsi
from tests.support.unchanged import verified
from yidi.demo.dataset import DemoPerson
from yidi.domain.amounts import AMOUNT_FIELDS
from yidi.services.context import Context

API = "/api/v1/hospital"


def _accumulators_by_envelope(client: TestClient) -> dict[str, Decimal]:
    out = fsi(client, "5206", {"data": {"psn_no": CID}})["output"]
    sums = {r["cum_type_code"]: Decimal(r["cum"]) for r in out["cuminfo"]}
    return {**sums, "admissions": Decimal(out["admissions"]), "settlements": Decimal(out["settlements"])}


def _accumulators_by_json(client: TestClient) -> dict[str, Decimal]:
    a = client.post(f"{API}/accumulators/query", json={"id_number": CID}, headers=HOSPITAL).json()
    sums = {f"{kind}.{k}": Decimal(v) for kind in ("deductible_paid", "fund_paid", "cap_left", "layer_paid")
            for k, v in a[kind].items()}
    return {**sums, "admissions": Decimal(a["admissions"]), "settlements": Decimal(a["settlements"])}


def test_one_visit_settled_through_each_door_gives_the_same_settlement(ctx: Context, client: TestClient,
                                                                       demo: dict[str, DemoPerson]) -> None:
    m = admit(client)
    lines = [{"feedetl_sn": "1", "mdtrt_id": m, "med_list_codg": "S001", "cnt": 5, "pric": 80},
             {"feedetl_sn": "2", "mdtrt_id": m, "med_list_codg": "XB01", "cnt": "20", "pric": 40.50},
             {"feedetl_sn": "3", "mdtrt_id": m, "med_list_codg": "ZZ-UNKNOWN", "cnt": 1, "pric": "12.34"}]
    assert fsi(client, "2301", {"feedetail": lines}, "H44030000001202603100201")["infcode"] == 0
    by_envelope = fsi(client, "2304", {"data": {"mdtrt_id": m, "acct_used_flag": "1"}},
                      "H44030000001202603100202")["output"]
    acc_envelope, acc_json_1 = _accumulators_by_envelope(client), _accumulators_by_json(client)
    assert acc_envelope == acc_json_1 and acc_envelope["admissions"] == 1
    setl_id = by_envelope["setlinfo"]["setl_id"]
    assert client.post(f"{API}/settlements/{setl_id}/revoke", json={}, headers=HOSPITAL).status_code == 200
    r = client.post(f"{API}/visits/{m}/settle", json={"idempotency_key": "TWO-DOORS-1", "use_account": True},
                    headers=HOSPITAL)
    assert r.status_code == 200, r.text
    by_json: dict[str, Any] = r.json()["breakdown"]
    for f in AMOUNT_FIELDS:
        assert by_envelope["setlinfo"][f] == by_json[f], f
    assert Decimal(by_json["fulamt_ownpay_amt"]) == Decimal("12.34") and Decimal(by_json["hifp_pay"]) > 0
    # the funds the envelope lists are the JSON breakdown's fund fields
    funds = {d["fund_pay_type"]: Decimal(d["fund_payamt"]) for d in by_envelope["setldetail"]}
    assert sum(funds.values()) == Decimal(by_json["fund_pay_sumamt"])
    # the year after each settlement, read through either door: the same (the revocation is not counted)
    after_json = _accumulators_by_json(client)
    assert after_json == _accumulators_by_envelope(client) == {**acc_envelope, "settlements": Decimal(1)}
    verified(ctx)
