"""Manual claims over HTTP on SQLite and PostgreSQL: the whole way from draft to paid, with the amount
recomputed by the engine after a line is excluded, the unfiled cut, the bank file and the ledger."""

from __future__ import annotations

import csv
import hashlib
import io

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.claims.helpers import AGENCY, API, PAPERS, QIAN, add_people, draft, error, me, ready, upload
from tests.support.scans import image_bytes
from yidi.domain.bill import YearAccumulators
from yidi.domain.enums import Scheme
from yidi.services import ledger
from yidi.services.context import Context
from yidi.store.claim_models import ClaimLedgerEntryRow
from yidi.store.db import unit_of_work
from yidi.store.repositories import Persons
from yidi.store.settlement_models import YearAccumulatorRow

# Hand computation (369900 employee, level-2 hospital in Guangzhou, no filing and no emergency: UNFILED;
# 369900 takes its cut as an extra pay-first share, unfiled_cut 20 %; deductible L2 500 per admission;
# ratio L2 90 %; tiers on the cumulative in-scope amount from the deductible; 440000 catalogue, B 10 %):
#   XA01 A 10 x 50.00 = 500.00 in scope | S002 B 3000.00: 300.00 pay-first, 2700.00 in scope
#   XC01 C 200.00 self-funded           | M001 A 20 x 25.00 = 500.00 in scope
#   in scope 3700.00; unfiled pay-first 20 % = 740.00 -> 2960.00; deductible 500.00 -> 2460.00
#   pooled fund 2460.00 x 90 % = 2214.00 (no layer applies below the cap)
# After excluding S002 (3000.00):
#   in scope 1000.00; 20 % = 200.00 -> 800.00; deductible 500.00 -> 300.00; fund 300.00 x 90 % = 270.00
FULL_FUND = "2214.00"
AFTER_EXCLUSION = "270.00"


def test_claim_from_draft_to_paid(client: TestClient, ctx: Context) -> None:
    add_people(ctx)
    c = draft(client)
    no = c["claim_no"]
    assert c["state"] == "DRAFT" and c["situations"] == ["INPATIENT", "UNFILED"]
    assert c["ready_to_submit"] is False
    assert set(c["missing"]) == set(PAPERS)  # data is complete, every scan is missing
    assert c["deadline"] == "2027-02-05"  # discharge + 365 days (369900 manual_claim.deadline_days)
    assert {a["code"] for a in c["asks"]} >= set(PAPERS) | {"deadline"}
    error(client.post(f"{API}/{no}/submit", headers=me()), 422, "CLAIM_INCOMPLETE")

    for m in PAPERS:
        assert upload(client, no, m).status_code == 201
    r = client.post(f"{API}/{no}/submit", headers=me())
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "SUBMITTED" and r.json()["missing"] == []
    error(client.patch(f"{API}/{no}", json={"bank": {"bank_name": "x", "account_no": "62170000111122223",
                                                     "holder": "钱多多"}}, headers=me()), 409, "CLAIM_NOT_EDITABLE")

    q = client.get(f"{API}/queue", headers=AGENCY).json()
    assert [i["claim_no"] for i in q["items"]] == [no]
    assert q["items"][0]["days_waiting"] == 0 and q["items"][0]["due"] == "2026-04-07"  # 20 working days

    r = client.post(f"{API}/{no}/review", headers=AGENCY)
    assert r.status_code == 200 and r.json()["state"] == "IN_REVIEW"
    seen = client.get(f"{API}/{no}", headers=AGENCY).json()
    assert seen["amounts"]["payable"] == FULL_FUND and seen["amounts"]["final"] is False
    assert seen["amounts"]["basis"] == "UNFILED" and seen["amounts"]["cross_region_selfpay_amt"] == "740.00"

    error(client.post(f"{API}/{no}/lines/2/exclude", json={"reason": ""}, headers=AGENCY), 422, "REASON_REQUIRED")
    r = client.post(f"{API}/{no}/lines/2/exclude", json={"reason": "与住院诊断无关的检查"}, headers=AGENCY)
    assert r.status_code == 200, r.text
    assert r.json()["amounts"]["payable"] == AFTER_EXCLUSION and r.json()["amounts"]["excluded"] == "3000.00"

    r = client.post(f"{API}/{no}/approve", json={"reason": "材料齐全"}, headers=AGENCY)
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "APPROVED" and r.json()["amounts"]["final"] is True

    mine = client.get(f"{API}/{no}", headers=me()).json()
    assert mine["state_zh"] == "审核通过待支付" and mine["amounts"]["payable"] == AFTER_EXCLUSION
    lines = {ln["line_id"]: ln for ln in mine["explanation"]["lines"]}
    assert lines["2"]["status"] == "EXCLUDED" and "与住院诊断无关的检查" in lines["2"]["reason_zh"]
    assert lines["3"]["status"] == "CLASS_C" and lines["1"]["inscp_scp_amt"] == "500.00"
    rules = [st["rule"] for st in mine["explanation"]["steps"]]
    assert rules[0] == "claim.excluded_lines" and "cross_region.first_selfpay" in rules and rules[-1] == "claim.payable"
    assert [e["action"] for e in mine["history"]] == [
        "CREATED", *["DOCUMENT_ADDED"] * len(PAPERS), "SUBMIT", "START_REVIEW", "LINE_EXCLUDED", "APPROVE"]
    assert all(e["actor_role"] for e in mine["history"])
    assert QIAN not in client.get(f"{API}/{no}", headers=me()).text  # the ID is shown masked

    # the approval consumed the year's accumulators, as a settlement would
    with unit_of_work(ctx.sessions) as s:
        person = Persons(s).row(QIAN)
        assert person is not None
        row = s.get(YearAccumulatorRow, (person.id, Scheme.EMPLOYEE, 2026))
        assert row is not None
        acc = YearAccumulators.model_validate(row.content)
        assert acc.admissions == 1 and str(acc.deductible_paid["INPATIENT"]) == "500.00"
        assert str(acc.fund_paid["basic"]) == AFTER_EXCLUSION

    b = client.post(f"{API}/batches", headers=AGENCY)
    assert b.status_code == 201, b.text
    batch = b.json()
    assert batch["count"] == 1 and batch["total"] == AFTER_EXCLUSION
    error(client.post(f"{API}/batches", headers=AGENCY), 422, "BATCH_EMPTY")

    raw = client.get(f"{API}/batches/{batch['batch_no']}/export", headers=AGENCY).content
    body, last = raw.rsplit(b"SHA256,", 1)
    assert last.strip().decode() == hashlib.sha256(body).hexdigest() == batch["checksum"]
    rows = list(csv.reader(io.StringIO(body.decode())))
    assert rows[3][1] == no and rows[3][2] == "钱多多" and rows[3][4] == "6217000012345678" and rows[3][5] == "270.00"
    assert rows[-1] == ["TOTAL", "1", "270.00"]
    gb = client.get(f"{API}/batches/{batch['batch_no']}/export?encoding=gb18030", headers=AGENCY).content
    gbody, glast = gb.rsplit(b"SHA256,", 1)
    assert "钱多多" in gbody.decode("gb18030") and glast.strip().decode() == hashlib.sha256(gbody).hexdigest()

    r = client.post(f"{API}/batches/{batch['batch_no']}/paid", json={"bank_reference": "BOC-0001"}, headers=AGENCY)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "PAID" and r.json()["claims"][0]["state"] == "PAID"
    error(client.post(f"{API}/batches/{batch['batch_no']}/paid", headers=AGENCY), 409, "BATCH_ALREADY_PAID")
    assert client.get(f"{API}/{no}", headers=me()).json()["state"] == "PAID"

    with unit_of_work(ctx.sessions) as s:
        legs = s.execute(select(ClaimLedgerEntryRow.account, ClaimLedgerEntryRow.amount_fen)).all()
        assert sum(a for _acc, a in legs) == 0
        assert sorted(legs) == sorted([(f"claimant:{person.id}", -27000), ("fund:hifp_pay:369900", 27000)])
        assert s.scalar(select(func.count(func.distinct(ClaimLedgerEntryRow.posting)))) == 1
    # the claim consumed the year's accumulators at approval: `yidi ledger verify` accounts for it
    report = ledger.verify(ctx)
    assert report.ok, report.problems
    assert report.accumulators == 1


def test_return_for_more_and_resubmit(client: TestClient, ctx: Context) -> None:
    add_people(ctx)
    c = ready(client)
    no = c["claim_no"]
    client.post(f"{API}/{no}/submit", headers=me())
    client.post(f"{API}/{no}/review", headers=AGENCY)
    error(client.post(f"{API}/{no}/return", json={"reason": "请补充", "asked": ["passport"]}, headers=AGENCY), 422,
          "MATERIAL_UNKNOWN")
    r = client.post(f"{API}/{no}/return", json={"reason": "出院小结不清晰，请重新上传", "asked": ["discharge_summary"]},
                    headers=AGENCY)
    assert r.status_code == 200, r.text
    seen = client.get(f"{API}/{no}", headers=me()).json()
    assert seen["state"] == "RETURNED"
    assert any(a["code"] == "discharge_summary" and "经办机构要求补充" in a["text_zh"] for a in seen["asks"])
    assert any("出院小结不清晰" in a["text_zh"] for a in seen["asks"])
    assert upload(client, no, "discharge_summary", image_bytes("JPEG", (255, 255, 255)), "summary.jpg",
                  media="image/jpeg").status_code == 201
    r = client.post(f"{API}/{no}/submit", headers=me())
    assert r.status_code == 200 and r.json()["state"] == "SUBMITTED" and r.json()["asks"] == []
    r = client.post(f"{API}/{no}/reject", json={"reason": "非医保支付范围"}, headers=AGENCY)
    assert r.status_code == 200 and r.json()["state"] == "REJECTED"
    assert r.json()["history"][-1]["reason"] == "非医保支付范围"
