"""Manual claims over HTTP on SQLite and PostgreSQL: deadline, duplicate and directly settled invoices,
bad bank accounts, scan uploads (type by content, size, content addressing), the GB18030 fee list,
role scoping, and a claim never paid twice under concurrency."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.claims.helpers import (
    AGENCY,
    API,
    INVOICES,
    JPEG,
    PDF,
    PNG,
    SUN,
    VISIT,
    add_people,
    draft,
    error,
    me,
    submitted,
    upload,
)
from tests.support.db import as_
from yidi.demo.dataset import DemoPerson
from yidi.domain.errors import YidiError
from yidi.services import claims, settlement
from yidi.services.access import Principal, Role
from yidi.services.context import Context
from yidi.store.claim_models import ClaimDocumentRow, ClaimLedgerEntryRow, ClaimRow
from yidi.store.db import unit_of_work

SUN_BANK = {"bank_name": "工商银行", "account_no": "6222020000000001", "holder": "孙小美"}


def count(ctx: Context, table: Any) -> int:
    with unit_of_work(ctx.sessions) as s:
        return s.scalar(select(func.count()).select_from(table)) or 0


def test_deadline_passed(client: TestClient, ctx: Context) -> None:
    add_people(ctx)
    old = {**VISIT, "admitted_on": "2025-02-20", "discharged_on": "2025-03-01"}  # + 365 days = 2026-03-01 < today
    c = draft(client, visit=old, invoices=[{**INVOICES[0], "invoice_date": "2025-03-01"}])
    assert c["deadline"] == "2026-03-01"
    for m in ("credential", "invoice", "fee_list", "bank_card", "discharge_summary", "unfiled_statement"):
        upload(client, c["claim_no"], m)
    e = error(client.post(f"{API}/{c['claim_no']}/submit", headers=me()), 422, "CLAIM_DEADLINE_PASSED")
    assert "2026-03-01" in e["message_zh"]
    assert client.get(f"{API}/{c['claim_no']}", headers=me()).json()["state"] == "DRAFT"


def test_bad_content_is_refused_and_nothing_stored(client: TestClient, ctx: Context) -> None:
    add_people(ctx)
    body = {"visit": VISIT, "invoices": INVOICES, "bank": {**SUN_BANK}}
    error(client.post(API, json=body, headers=me()), 422, "BANK_ACCOUNT_NOT_OWNER")
    future = [{**INVOICES[0], "invoice_date": "2026-03-11"}]
    error(client.post(API, json={"visit": VISIT, "invoices": future}, headers=me()), 422, "INVOICE_DATE_FUTURE")
    twice = [INVOICES[0], {**INVOICES[0], "amount": "1.00"}]
    error(client.post(API, json={"visit": VISIT, "invoices": twice}, headers=me()), 422, "INVOICE_DUPLICATE")
    error(client.post(API, json={"visit": {**VISIT, "institution": "H00000000000"}}, headers=me()), 422,
          "INSTITUTION_UNKNOWN")
    error(client.post(API, json={"visit": {**VISIT, "discharged_on": None}}, headers=me()), 422, "DISCHARGE_MISSING")
    error(client.post(API, json={"visit": VISIT, "id_number": SUN}, headers=me()), 403, "MAY_NOT_ACT_FOR_PERSON")
    assert count(ctx, ClaimRow) == 0
    # a hospital not in our reference data, by name and region, is accepted
    unknown = {k: v for k, v in VISIT.items() if k != "institution"} | {"hospital_name": "某县民营医院",
                                                                         "hospital_region": "440100"}
    r = client.post(API, json={"visit": unknown}, headers=me())
    assert r.status_code == 201, r.text
    assert r.json()["visit"]["institution"] is None and r.json()["visit"]["hospital_level"] == "UNRATED"


def test_invoice_claimed_twice(client: TestClient, ctx: Context) -> None:
    add_people(ctx)
    first = submitted(client)
    e = error(client.post(API, json={"visit": VISIT, "invoices": INVOICES}, headers=me()), 409, "INVOICE_ALREADY_CLAIMED")
    assert first in e["message_zh"]  # the person's own claim is named
    e = error(client.post(API, json={"visit": VISIT, "invoices": INVOICES, "bank": SUN_BANK}, headers=me(SUN)), 409,
              "INVOICE_ALREADY_CLAIMED")
    assert first not in e["message_zh"] and "另一笔报销申请" in e["message_zh"]  # someone else's is not
    client.post(f"{API}/{first}/reject", json={"reason": "应向就医地申请"}, headers=AGENCY)
    assert client.post(API, json={"visit": VISIT, "invoices": INVOICES}, headers=me()).status_code == 201


def test_visit_settled_directly_is_refused(client: TestClient, ctx: Context, demo: dict[str, DemoPerson]) -> None:
    p = demo["chronic_retiree"]  # long-term filing for Guangzhou
    hosp = Principal(Role.HOSPITAL, "H44010000001")
    admitted = ctx.today() - dt.timedelta(days=3)
    v = settlement.register_visit(ctx, hosp, settlement.RegisterVisitIn(
        id_number=p.id_number, name=p.name, visit_type="INPATIENT", admitted_on=admitted))
    settlement.upload_lines(ctx, hosp, v.mdtrt_id, settlement.UploadLinesIn(lines=[
        {"line_id": "1", "code": "XA01", "quantity": "2", "unit_price": "30.00"}]))
    done = settlement.settle(ctx, hosp, v.mdtrt_id, settlement.SettleIn(idempotency_key="claim-test-0001",
                                                                        discharge_date=ctx.today()))
    visit = {**VISIT, "institution": "H44010000001", "admitted_on": admitted.isoformat(),
             "discharged_on": ctx.today().isoformat()}
    e = error(client.post(API, json={"visit": visit}, headers=as_("person", p.id_number)), 409, "CLAIM_ALREADY_SETTLED")
    assert done.setl_id in e["message_zh"] and "H44010000001" in e["message_zh"]


def test_scans_checked_by_content_and_never_lost(client: TestClient, ctx: Context, data_dir: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    add_people(ctx)
    no = draft(client)["claim_no"]
    error(upload(client, no, "credential", PNG, "id.pdf"), 415, "SCAN_TYPE_MISMATCH")
    error(upload(client, no, "credential", b"<html>not a scan</html>", "id.pdf"), 415, "SCAN_TYPE_UNSUPPORTED")
    error(upload(client, no, "credential", PDF, "id.pdf", media="image/png"), 415, "SCAN_TYPE_MISMATCH")
    error(upload(client, no, "passport", PDF, "id.pdf"), 422, "MATERIAL_UNKNOWN")
    monkeypatch.setenv("YIDI_MAX_SCAN_BYTES", "1000")
    error(upload(client, no, "credential", PDF + b"0" * 2000, "big.pdf"), 413, "FILE_TOO_LARGE")
    assert count(ctx, ClaimDocumentRow) == 0 and not list(data_dir.rglob("*.pdf")) and not (data_dir / "scans").exists()

    a = upload(client, no, "credential", JPEG, "身份证.jpg", media="image/jpeg")
    b = upload(client, no, "bank_card", JPEG, "card.jpg", media="image/jpeg")
    assert a.status_code == b.status_code == 201
    docs = b.json()["documents"]
    assert docs[0]["sha256"] == docs[1]["sha256"] and docs[0]["kind"] == "jpeg"
    files = [f for f in (data_dir / "scans").rglob("*") if f.is_file()]
    assert [f.name for f in files] == [docs[0]["sha256"]]  # one paper, one file, named by its SHA-256
    got = client.get(f"{API}/{no}/documents/{docs[0]['id']}", headers=me())
    assert got.status_code == 200 and got.content == JPEG and got.headers["content-type"] == "image/jpeg"

    r = client.delete(f"{API}/{no}/documents/{docs[0]['id']}", headers=me())
    assert r.status_code == 200 and len(r.json()["documents"]) == 1 and "credential" in r.json()["missing"]
    assert client.patch(f"{API}/{no}", json={"invoices": INVOICES}, headers=me()).status_code == 200
    # removed from the checklist, not lost: the row, the file and the history remain
    assert count(ctx, ClaimDocumentRow) == 2 and files[0].exists()
    assert client.get(f"{API}/{no}/documents/{docs[0]['id']}", headers=me()).content == JPEG
    actions = [e["action"] for e in client.get(f"{API}/{no}", headers=me()).json()["history"]]
    assert actions == ["CREATED", "DOCUMENT_ADDED", "DOCUMENT_ADDED", "DOCUMENT_REMOVED", "EDITED"]


def test_gb18030_fee_list(client: TestClient, ctx: Context) -> None:
    add_people(ctx)
    no = draft(client, lines=None)["claim_no"]
    text = ("明细流水号,项目编码,项目名称,数量,单价,金额,费用发生日期\r\n"
            "1,XA01,阿莫西林胶囊,10,50.00,500.00,2026-02-01\r\n"
            "2,S002,冠状动脉造影,1,3000.00,3000.00,2026-02-02\r\n"
            "3,XC01,某进口保健品,1,200.00,200.00,2026-02-03\r\n"
            "4,M001,一次性输液器,20,25.00,500.00,2026-02-04\r\n")
    data = text.encode("gb18030")
    r = client.post(f"{API}/{no}/fee-list", files={"file": ("费用明细.csv", data, "text/csv")}, headers=me())
    assert r.status_code == 200, r.text
    v = r.json()
    assert v["line_total"] == "4200.00" and v["line_total"] == v["invoice_total"]
    assert [ln["name"] for ln in v["explanation"]["lines"]][:2] == ["阿莫西林胶囊", "冠状动脉造影"]

    bad = (text + "5,XA02,某药,abc,1.00,,2026-02-04\r\n6,XA03,某药,1,2.00,3.00,\r\n").encode("gb18030")
    e = error(client.post(f"{API}/{no}/fee-list", files={"file": ("list.csv", bad, "text/csv")}, headers=me()), 422,
              "FILE_ROWS_INVALID")
    assert {p["code"] for p in e["problems"]} == {"NOT_A_NUMBER", "LINE_AMOUNT_MISMATCH"}
    assert any("第 6 行" in p["message_zh"] for p in e["problems"])
    assert client.get(f"{API}/{no}", headers=me()).json()["line_total"] == "4200.00"  # nothing changed
    error(client.post(f"{API}/{no}/fee-list", files={"file": ("list.xlsx", data, "application/octet-stream")},
                      headers=me()), 415, "FILE_TYPE")


def test_each_role_sees_only_its_own(client: TestClient, ctx: Context) -> None:
    add_people(ctx)
    no = submitted(client)
    error(client.get(f"{API}/{no}", headers=me(SUN)), 404, "CLAIM_NOT_FOUND")
    error(client.get(f"{API}/{no}", headers=as_("agency", "440100")), 404, "CLAIM_NOT_FOUND")
    error(client.get(f"{API}/{no}", headers=as_("hospital", "H44010000002")), 403, "ROLE_NOT_ALLOWED")
    error(client.post(f"{API}/{no}/review", headers=me()), 403, "ROLE_NOT_ALLOWED")
    error(client.get(f"{API}/queue", headers=me()), 403, "ROLE_NOT_ALLOWED")
    error(client.post(f"{API}/batches", headers=me()), 403, "ROLE_NOT_ALLOWED")
    error(client.post(f"{API}/{no}/review", headers=as_("agency", "440100")), 404, "CLAIM_NOT_FOUND")
    assert client.get(API, headers=me(SUN)).json()["total"] == 0
    assert client.get(f"{API}/queue", headers=as_("agency", "440100")).json()["count"] == 0
    assert client.get(API, headers=AGENCY).json()["total"] == 1
    error(client.get(f"{API}/{no}", headers={}), 401, "AUTH_REQUIRED")
    # agency staff at a window claim on a person's behalf; the agent's papers join the checklist
    r = client.post(API, json={"visit": VISIT, "id_number": SUN, "bank": SUN_BANK}, headers=AGENCY)
    assert r.status_code == 201 and r.json()["filed_by"] == "agency:369900"
    assert "agent_authorisation" in r.json()["missing"]
    error(client.post(API, json={"visit": VISIT, "id_number": SUN}, headers=as_("agency", "440100")), 404,
          "PERSON_NOT_FOUND")


def _approved(client: TestClient) -> str:
    no = submitted(client)
    client.post(f"{API}/{no}/review", headers=AGENCY)
    r = client.post(f"{API}/{no}/approve", headers=AGENCY)
    assert r.status_code == 200, r.text
    return no


def _race(fns: list[Any]) -> list[Any]:
    out: list[Any] = [None] * len(fns)
    gate = threading.Barrier(len(fns))

    def run(i: int) -> None:
        gate.wait()
        try:
            out[i] = fns[i]()
        except YidiError as e:
            out[i] = e

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(fns))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def test_never_paid_twice(client: TestClient, ctx: Context) -> None:
    add_people(ctx)
    no = _approved(client)
    agency = Principal(Role.AGENCY, "369900")
    made = _race([lambda: claims.create_batch(ctx, agency) for _ in range(4)])
    ok = [m for m in made if isinstance(m, dict)]
    assert len(ok) == 1 and ok[0]["claims"][0]["claim_no"] == no
    assert all(isinstance(m, YidiError) and m.code == "BATCH_EMPTY" for m in made if m is not ok[0])
    batch_no = ok[0]["batch_no"]
    paid = _race([lambda: claims.mark_paid(ctx, agency, batch_no) for _ in range(4)])
    assert sum(isinstance(p, dict) for p in paid) == 1
    assert all(p.code == "BATCH_ALREADY_PAID" for p in paid if isinstance(p, YidiError))
    with unit_of_work(ctx.sessions) as s:
        legs = s.execute(select(ClaimLedgerEntryRow.amount_fen)).scalars().all()
        assert len(legs) == 2 and sum(legs) == 0
    error(client.post(f"{API}/{no}/approve", headers=AGENCY), 409, "CLAIM_STATE")
    assert claims.ledger_balances(ctx)["ok"] is True


def test_approval_sees_earlier_approvals(client: TestClient, ctx: Context) -> None:
    """Two admissions of one person: the second approval finds the first's deductible and fund use."""
    add_people(ctx)
    first = _approved(client)
    visit2 = {**VISIT, "admitted_on": "2026-02-10", "discharged_on": "2026-02-12"}
    no = submitted(client, visit=visit2, invoices=[{**INVOICES[0], "invoice_no": "GZ2026000999",
                                                     "invoice_date": "2026-02-12"}])
    client.post(f"{API}/{no}/review", headers=AGENCY)
    second = client.post(f"{API}/{no}/approve", headers=AGENCY).json()
    # 369900 charges the deductible per admission (repeat factor 1): both pay it, so both get 2214.00;
    # the second's accumulators start from the first's (2 admissions, 4428.00 from the fund)
    assert second["amounts"]["payable"] == "2214.00"
    with unit_of_work(ctx.sessions) as s:
        row = s.scalars(select(ClaimRow).where(ClaimRow.claim_no == no)).one()
        assert row.accumulators_before is not None and row.accumulators_before["admissions"] == 1
        assert row.accumulators_after is not None and row.accumulators_after["fund_paid"]["basic"] == "4428.00"
    assert first != no
