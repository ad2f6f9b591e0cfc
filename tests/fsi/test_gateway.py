"""POST /api/v1/fsi accepts what real HIS software sends and answers every failure as an envelope (issue 18).

Amounts are read exactly (a JSON number is never a binary float), "", null and an absent key are the same,
variant spellings are read, extra keys are accepted and named back in warn_msg; a failure is infcode -1
with err_msg and a stable err_code, never an HTTP 500; the envelope and the JSON API give one behaviour.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.db import TODAY, as_
from tests.support.unchanged import assert_unchanged, snapshot
from yidi.demo.dataset import DemoPerson, demo_id
from yidi.fsi import HANDLERS
from yidi.fsi.fields import Node
from yidi.http.json_body import parse
from yidi.services.context import Context

H = "H44030000001"
HOSPITAL = as_("hospital", H)
CID = demo_id("360102", "19560312", 31)  # the demo retiree resettled in Shenzhen, 张建国


def fsi(client: TestClient, infno: str, inp: Any, msgid: str | None = None, **envelope: Any) -> dict[str, Any]:
    body = {"infno": infno, "msgid": msgid, "fixmedins_code": H, "input": inp, **envelope}
    r = client.post("/api/v1/fsi", content=json.dumps(body, ensure_ascii=False).encode(), headers=HOSPITAL)
    assert r.status_code == 200, r.text
    return dict(r.json())


def admit(client: TestClient, msgid: str = "H44030000001202603100001") -> str:
    out = fsi(client, "2401", {"mdtrtinfo": {"psn_no": CID, "mdtrt_cert_type": "02", "mdtrt_cert_no": CID,
                                             "psn_name": "张建国", "begntime": f"{TODAY} 08:00:00"}}, msgid)
    assert out["infcode"] == 0, out
    return str(out["output"]["result"]["mdtrt_id"])


def test_amounts_are_read_exactly_from_numbers_and_strings() -> None:
    n = Node(parse(b'{"a": 0.1, "b": 9, "c": "6834.20", "d": "", "e": null, "f": -12.5}'), "")
    # Decimal(0.1) would be 0.1000000000000000055511151231257827…: the literal is kept instead
    assert n.amount("a") == Decimal("0.1") and str(n.amount("a")) == "0.1"
    assert n.amount("b") == Decimal(9) and n.amount("c") == Decimal("6834.20") and n.amount("f") == Decimal("-12.5")
    assert n.amount("d") is None and n.amount("e") is None and n.amount("absent") is None


def test_empty_absent_and_variant_spellings(ctx: Context, client: TestClient, demo: dict[str, DemoPerson]) -> None:
    m = admit(client)
    # begntime "" changes nothing; null the same; the emergency flag absent leaves it
    for empty in ("", None):
        out = fsi(client, "2403", {"adminfo": {"mdtrt_id": m, "begntime": empty}})
        assert out["infcode"] == 0, out
    visit = client.get(f"/api/v1/hospital/visits/{m}", headers=HOSPITAL).json()
    assert visit["admitted_on"] == TODAY.isoformat()
    # dscgTime is dscg_time; the extra key is accepted and named back
    out = fsi(client, "2402", {"dscginfo": {"mdtrtId": m, "dscgTime": f"{TODAY} 15:00:00", "serv_code": "X"}},
              fixmedins_soft_fcty="某厂商")
    assert out["infcode"] == 0, out
    assert "input.dscginfo.serv_code" in out["warn_msg"] and "fixmedins_soft_fcty" in out["warn_msg"]
    visit = client.get(f"/api/v1/hospital/visits/{m}", headers=HOSPITAL).json()
    assert (visit["status"], visit["discharged_on"]) == ("DISCHARGED", TODAY.isoformat())


@pytest.mark.parametrize("infno", sorted(HANDLERS))
def test_every_transaction_answers_bad_input_as_an_envelope(ctx: Context, client: TestClient, infno: str) -> None:
    before = snapshot(ctx)
    hostile = [{}, {"data": []}, {"data": {"mdtrt_id": ["x"], "psn_no": {"a": 1}, "medfee_sumamt": True,
                                           "feedetl_sn": 3.5, "setl_id": "", "begntime": "not a day"}},
               {"feedetail": [{"feedetl_sn": None, "cnt": "1e400", "pric": "NaN"}]}, [], "", 12]
    for inp in hostile:
        out = fsi(client, infno, inp, "H44030000001202603109999")
        if infno == "9001":
            continue  # sign-in needs nothing
        assert out["infcode"] == -1 and out["err_msg"], (inp, out)
        assert out["err_code"] != "FSI_INTERNAL", (inp, out)
        assert out["output"] is None
    if infno != "9001":
        assert_unchanged(ctx, before)


def test_malformed_messages_are_refused_as_envelopes(ctx: Context, client: TestClient) -> None:
    for raw, code in ((b"{not json", "JSON_SYNTAX"), (b"[1, 2]", "FSI_ENVELOPE"), (b'"1101"', "FSI_ENVELOPE"),
                      (b"\xff\xfe", "JSON_SYNTAX"), (b"[" * 5000 + b"]" * 5000, "JSON_SYNTAX"),
                      (json.dumps({"input": {}}).encode(), "FSI_FIELD_MISSING"),
                      (json.dumps({"infno": "9999", "input": {}}).encode(), "FSI_INFNO_UNKNOWN"),
                      (json.dumps({"infno": "1101", "input": "QUJDRA=="}).encode(), "FSI_INPUT_ENCRYPTED"),
                      (json.dumps({"infno": "1101", "msgid": "bad id!", "input": {}}).encode(), "FSI_ENVELOPE")):
        r = client.post("/api/v1/fsi", content=raw, headers=HOSPITAL)
        assert r.status_code == 200 and (r.json()["infcode"], r.json()["err_code"]) == (-1, code), (raw[:40], r.text)


def test_another_institutions_code_in_the_envelope_is_refused(ctx: Context, client: TestClient,
                                                              demo: dict[str, DemoPerson]) -> None:
    before = snapshot(ctx)
    out = fsi(client, "2401", {"mdtrtinfo": {"psn_no": CID, "psn_name": "张建国"}}, "M1", fixmedins_code="H44010000001")
    assert (out["infcode"], out["err_code"]) == (-1, "FSI_INSTITUTION_MISMATCH")
    assert_unchanged(ctx, before)


def test_credentials_and_visit_types(ctx: Context, client: TestClient, demo: dict[str, DemoPerson]) -> None:
    out = fsi(client, "1101", {"data": {"mdtrt_cert_type": "01", "mdtrt_cert_no": "QR-TOKEN", "psn_name": "张建国"}})
    assert out["err_code"] == "CREDENTIAL_INVALID"
    out = fsi(client, "1101", {"data": {"mdtrt_cert_type": "04", "mdtrt_cert_no": CID, "psn_name": "张建国"}})
    assert out["err_code"] == "FSI_CERT_UNSUPPORTED"
    out = fsi(client, "1101", {"data": {"mdtrt_cert_type": "03", "mdtrt_cert_no": CID, "psn_name": "张建国"}})
    assert out["err_code"] == "FSI_FIELD_MISSING" and "card_sn" in out["err_msg"]
    out = fsi(client, "1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": CID, "psn_name": "张三"}})
    assert out["err_code"] == "PERSON_NOT_FOUND", "a wrong name answers like an unknown number"
    m = admit(client)
    out = fsi(client, "2202", {"data": {"mdtrt_id": m}}, "M2202")
    assert out["err_code"] == "VISIT_TYPE_NOT_ALLOWED", "2202 cancels outpatient registrations, not admissions"


def test_the_envelope_and_the_json_api_give_the_same_amounts(ctx: Context, client: TestClient,
                                                            demo: dict[str, DemoPerson]) -> None:
    m = admit(client)
    lines = [{"feedetl_sn": "1", "mdtrt_id": m, "med_list_codg": "S001", "cnt": 5, "pric": 80},
             {"feedetl_sn": "2", "mdtrt_id": m, "med_list_codg": "XB01", "cnt": "20", "pric": 40.50},
             {"feedetl_sn": "3", "mdtrt_id": m, "med_list_codg": "ZZ-UNKNOWN", "cnt": 1, "pric": "12.34"}]
    assert fsi(client, "2301", {"feedetail": lines}, "M2301")["infcode"] == 0
    quote = fsi(client, "2303", {"data": {"mdtrt_id": m, "acct_used_flag": "0"}})["output"]["setlinfo"]
    json_quote = client.post(f"/api/v1/hospital/visits/{m}/pre-settle", json={"use_account": False},
                             headers=HOSPITAL).json()["breakdown"]
    done = fsi(client, "2304", {"data": {"mdtrt_id": m, "acct_used_flag": "0", "medfee_sumamt": quote["medfee_sumamt"]}},
               "H44030000001202603100002")["output"]["setlinfo"]
    shown = client.get(f"/api/v1/hospital/settlements/{done['setl_id']}", headers=HOSPITAL).json()["breakdown"]
    for f in ("medfee_sumamt", "fulamt_ownpay_amt", "inscp_scp_amt", "hifp_pay", "fund_pay_sumamt", "acct_pay",
              "psn_cash_pay"):
        assert quote[f] == json_quote[f] == done[f] == shown[f], f
    assert done["acct_pay"] == "0.00" and done["fulamt_ownpay_amt"] == "12.34"  # unknown code: self-funded


def test_mutual_aid_through_the_envelope(ctx: Context, client: TestClient, demo: dict[str, DemoPerson]) -> None:
    # 家庭共济 (issue 16 rule 8): setlinfo carries acct_mulaid_pay; mulaid_psn_certno names the payer, and one
    # without a confirmed family link is refused as the JSON API refuses it, nothing settled
    m = admit(client)
    line = [{"feedetl_sn": "1", "mdtrt_id": m, "med_list_codg": "XC01", "cnt": 1, "pric": "100.00"}]
    assert fsi(client, "2301", {"feedetail": line}, "M2301")["infcode"] == 0
    quote = fsi(client, "2303", {"data": {"mdtrt_id": m}})["output"]["setlinfo"]
    assert quote["acct_mulaid_pay"] == "0.00"
    other = demo_id("360102", "19700101", 1)
    out = fsi(client, "2304", {"data": {"mdtrt_id": m, "mulaid_psn_certno": other}}, "H44030000001202603100003")
    assert out["infcode"] == -1 and out["err_code"] == "MUTUAL_AID_NO_LINK", out
    done = fsi(client, "2304", {"data": {"mdtrt_id": m}}, "H44030000001202603100004")["output"]["setlinfo"]
    assert done["acct_mulaid_pay"] == "0.00" and done["setl_id"]
