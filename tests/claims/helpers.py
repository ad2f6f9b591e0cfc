"""Shared data of the claim tests: an unfiled employee of 369900, a Guangzhou admission, scans."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.support.db import as_
from tests.support.scans import image_bytes, pdf_bytes
from yidi.demo.dataset import demo_id
from yidi.domain.enums import Category, Scheme
from yidi.domain.ids import CitizenId
from yidi.domain.reference import Person
from yidi.services.context import Context
from yidi.store.db import unit_of_work
from yidi.store.repositories import Persons

API = "/api/v1/claims"
QIAN = demo_id("360102", "19800101", 11)  # 钱多多, employee of 369900, no filing
SUN = demo_id("360102", "19810202", 13)  # 孙小美, employee of 369900, no filing
PDF = pdf_bytes()  # real files: an upload must parse as what it claims to be (issue 13)
PNG = image_bytes("PNG")
JPEG = image_bytes("JPEG")
AGENCY = as_("agency", "369900")

# Guangzhou (440100), level 2 hospital, inpatient 2026-02-01..05; the 440000 catalogue classes the lines.
VISIT: dict[str, Any] = {"institution": "H44010000002", "visit_type": "INPATIENT", "admitted_on": "2026-02-01",
                         "discharged_on": "2026-02-05", "diagnosis_code": "J18.9", "diagnosis_name": "肺炎",
                         "reason_not_direct": "出差广州突发疾病，未办理备案"}
LINES: list[dict[str, Any]] = [
    {"line_id": "1", "code": "XA01", "name": "阿莫西林胶囊", "quantity": "10", "unit_price": "50.00"},    # A 500.00
    {"line_id": "2", "code": "S002", "name": "冠状动脉造影", "quantity": "1", "unit_price": "3000.00"},  # B 3000.00
    {"line_id": "3", "code": "XC01", "name": "某进口保健品", "quantity": "1", "unit_price": "200.00"},    # C 200.00
    {"line_id": "4", "code": "M001", "name": "一次性输液器", "quantity": "20", "unit_price": "25.00"},    # A 500.00
]
INVOICES = [{"invoice_no": "GZ2026000123", "invoice_date": "2026-02-05", "amount": "4200.00", "payer": "钱多多"}]
BANK = {"bank_name": "中国银行", "account_no": "6217 0000 1234 5678", "holder": "钱多多"}
PAPERS = ("credential", "invoice", "fee_list", "bank_card", "discharge_summary", "unfiled_statement")


def add_people(ctx: Context) -> None:
    with unit_of_work(ctx.sessions) as s:
        for number, name in ((QIAN, "钱多多"), (SUN, "孙小美")):
            Persons(s).upsert(Person(CitizenId(number), name, "369900", Scheme.EMPLOYEE, Category.ACTIVE))


def me(number: str = QIAN) -> dict[str, str]:
    return as_("person", number)


def error(r: Any, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    e = r.json()["error"]
    assert e["code"] == code, e
    assert e["message_zh"] and e["message_en"]
    return e  # type: ignore[no-any-return]


def draft(client: TestClient, *, who: str = QIAN, **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"visit": VISIT, "invoices": INVOICES, "lines": LINES, "bank": BANK}
    body.update(over)
    r = client.post(API, json=body, headers=me(who))
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def upload(client: TestClient, no: str, material: str, data: bytes = PDF, name: str = "scan.pdf",
           who: str = QIAN, media: str = "application/pdf") -> Any:
    return client.post(f"{API}/{no}/documents", data={"material": material}, files={"file": (name, data, media)},
                       headers=me(who))


def ready(client: TestClient, who: str = QIAN, **over: Any) -> dict[str, Any]:
    c = draft(client, who=who, **over)
    for m in PAPERS:
        assert upload(client, c["claim_no"], m, who=who).status_code == 201
    return c


def submitted(client: TestClient, who: str = QIAN, **over: Any) -> str:
    c = ready(client, who=who, **over)
    r = client.post(f"{API}/{c['claim_no']}/submit", headers=me(who))
    assert r.status_code == 200, r.text
    return str(c["claim_no"])
