"""Issue 13, item 3: every amount, total, date and text has a bound, refused at the door with a code that
names the field, so valid-looking input never reaches a 500 or leaves a visit that cannot settle.
SQLite and PostgreSQL; "refused" always means: every table as before, ledger and audit chain verify."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from tests.claims.helpers import API as CLAIMS
from tests.claims.helpers import BANK, INVOICES, LINES, VISIT, add_people, me
from tests.settlement.helpers import API as HOSPITAL
from tests.settlement.helpers import GZ1, key_for, register, seed_person, upload
from tests.support.db import as_
from tests.support.unchanged import unchanged
from yidi.cli import app as cli
from yidi.demo.dataset import demo_id
from yidi.domain import bounds
from yidi.services.context import Context
from yidi.store.models import PersonRow
from yidi.store.schema import metadata

ROOT = Path(__file__).resolve().parents[2]


def problem(r: Any, status: int, code: str, field: str | None = None) -> dict[str, Any]:
    """The response is `status` and one of its problems has `code` (and names `field`)."""
    assert r.status_code == status, r.text[:2000]
    probs = r.json()["error"]["problems"]
    found = [p for p in probs if p["code"] == code and (field is None or p["field"] == field)]
    assert found, probs[:5]
    assert found[0]["message_zh"] and found[0]["message_en"]
    return found[0]


def line(n: int, price: str, **more: Any) -> dict[str, Any]:
    return {"line_id": f"B{n}", "code": "S001", "quantity": "1", "unit_price": price, **more}


# ------------------------------------------------------------------------------------------ amounts and totals


def test_two_lines_of_sixty_million_are_refused_and_the_visit_still_settles(ctx: Context, client: TestClient) -> None:
    p = seed_person(ctx, 1)
    h = key_for(ctx, GZ1)
    mid = register(client, h, p)["mdtrt_id"]
    url = f"{HOSPITAL}/visits/{mid}/lines"
    # the reproduction: each line passed the old limit (1e8), their sum broke pre-settle and settle
    with unchanged(ctx):
        r = client.post(url, json={"lines": [line(1, "60000000.00"), line(2, "60000000.00")]}, headers=h)
    problem(r, 422, "AMOUNT_TOO_LARGE", "lines.0.unit_price")  # 60,000,000.00 > 5,000,000.00 per unit
    problem(r, 422, "AMOUNT_TOO_LARGE", "lines.1.unit_price")
    # within the unit price but not the line: 2 x 3,000,000.00 = 6,000,000.00 > 5,000,000.00 per line
    with unchanged(ctx):
        r = client.post(url, json={"lines": [line(1, "3000000.00", quantity="2")]}, headers=h)
    problem(r, 422, "AMOUNT_TOO_LARGE", "lines.0")
    # each line within its bounds, five together beyond the visit: 5 x 4,500,000.00 = 22,500,000.00 > 20,000,000.00
    with unchanged(ctx):
        r = client.post(url, json={"lines": [line(i, "4500000.00") for i in range(1, 6)]}, headers=h)
    problem(r, 422, "TOTAL_TOO_LARGE", "lines")
    # four are fine (18,000,000.00); a fifth in a later batch would pass the bound and is refused at upload
    upload(client, h, mid, [line(i, "4500000.00") for i in range(1, 5)])
    with unchanged(ctx):
        r = client.post(url, json={"lines": [line(5, "4500000.00")]}, headers=h)
    problem(r, 422, "TOTAL_TOO_LARGE", "lines")
    # so the visit is never stuck: pre-settle and settle answer
    q = client.post(f"{HOSPITAL}/visits/{mid}/pre-settle", json={}, headers=h)
    assert q.status_code == 200, q.text
    assert q.json()["breakdown"]["medfee_sumamt"] == "18000000.00"
    s = client.post(f"{HOSPITAL}/visits/{mid}/settle", json={"idempotency_key": "bounds-0001"}, headers=h)
    assert s.status_code == 200, s.text


def test_long_line_name_and_forty_decimals_are_refused(ctx: Context, client: TestClient) -> None:
    p = seed_person(ctx, 2)
    h = key_for(ctx, GZ1)
    mid = register(client, h, p)["mdtrt_id"]
    url = f"{HOSPITAL}/visits/{mid}/lines"
    cases = [
        (line(1, "10.00", name="药" * 100_000), "TEXT_TOO_LONG", "lines.0.name"),  # SQLite stored it, PostgreSQL 500
        (line(1, "10.00", quantity="1." + "0" * 39 + "1"), "QUANTITY_PRECISION", "lines.0.quantity"),
        (line(1, "10.00", quantity="2." + "0" * 40), "QUANTITY_PRECISION", "lines.0.quantity"),  # 40 decimals written
        (line(1, "10.00", quantity="100000"), "QUANTITY_TOO_LARGE", "lines.0.quantity"),
        (line(1, "10.001"), "MONEY_PRECISION", "lines.0.unit_price"),
        (line(1, "10.00", code="S" * 51), "TEXT_TOO_LONG", "lines.0.code"),
        (line(1, "10.00", name="床位\x00费"), "TEXT_INVALID_CHARACTER", "lines.0.name"),
    ]
    for body, code, field in cases:
        with unchanged(ctx):
            r = client.post(url, json={"lines": [body]}, headers=h)
        problem(r, 422, code, field)


def test_a_hundred_invoices_of_a_hundred_million_are_refused(ctx: Context, client: TestClient,
                                                              tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YIDI_DATA_DIR", str(tmp_path))
    add_people(ctx)

    def invoices(amount: str) -> list[dict[str, Any]]:
        return [{**INVOICES[0], "invoice_no": f"GZ{i:06d}", "amount": amount} for i in range(100)]

    body = {"visit": VISIT, "lines": LINES, "bank": BANK}
    with unchanged(ctx):
        r = client.post(CLAIMS, json={**body, "invoices": invoices("99999999.99")}, headers=me())
    problem(r, 422, "AMOUNT_TOO_LARGE", "invoices.0.amount")  # one invoice is at most 20,000,000.00
    # each within bounds, together beyond one claim: 100 x 250,000.00 = 25,000,000.00 > 20,000,000.00
    with unchanged(ctx):
        r = client.post(CLAIMS, json={**body, "invoices": invoices("250000.00")}, headers=me())
    problem(r, 422, "TOTAL_TOO_LARGE", "invoices")
    # at the bound exactly (100 x 200,000.00 = 20,000,000.00) the claim is a draft like any other
    r = client.post(CLAIMS, json={**body, "invoices": invoices("200000.00")}, headers=me())
    assert r.status_code == 201, r.text


def test_advice_estimates_a_large_total_and_refuses_lines_beyond_a_visit(client: TestClient) -> None:
    sit = {"insured_region": "369900", "scheme": "EMPLOYEE", "current_region": "440100", "visit_type": "INPATIENT",
           "filed": True, "filing_type": "OTHER_TEMPORARY", "filing_area": "440100", "treated": True,
           "hospital": "H44010000001"}
    # 12,000,000.00 is above one line's bound (5,000,000.00): estimated as 5,000,000 + 5,000,000 + 2,000,000
    r = client.post("/api/v1/advice", json={**sit, "bill_total": "12000000.00"})
    assert r.status_code == 200, r.text
    assert r.json()["money"]["estimate"]["medfee_sumamt"] == "12000000.00"
    problem(client.post("/api/v1/advice", json={**sit, "bill_total": "20000000.01"}), 422, "TOTAL_TOO_LARGE", "bill_total")
    five = [line(i, "5000000.00") for i in range(5)]  # 25,000,000.00 > 20,000,000.00
    problem(client.post("/api/v1/advice", json={**sit, "bill_lines": five}), 422, "TOTAL_TOO_LARGE", "bill_lines")


# ------------------------------------------------------------------------------------------ dates


def test_filing_in_the_year_9999_is_refused_on_the_api(ctx: Context, client: TestClient) -> None:
    p = seed_person(ctx, 3, filing=False)
    body = {"type": "OTHER_TEMPORARY", "treatment_area": "440100", "commitment": True,
            "materials": ["credential", "filing_form", "commitment_letter"]}
    for dates, field in (({"start": "9999-12-01"}, "start"), ({"start": "2026-03-10", "end": "9999-12-31"}, "end"),
                         ({"start": "1900-01-01"}, "start"), ({"start": "2999-01-01"}, "start")):
        with unchanged(ctx):
            r = client.post("/api/v1/filings", json={**body, **dates}, headers=as_("person", p.id_number))
        problem(r, 422, "DATE_OUT_OF_RANGE", field)


def test_filing_in_the_year_9999_is_refused_on_the_page(ctx: Context, demo: Any) -> None:
    from tests.web.conftest import csrf_of, login, person
    from yidi.app import create_app

    with TestClient(create_app(ctx=ctx), follow_redirects=False) as web:
        login(web, person("post_hoc"))
        token = csrf_of(web.get("/me/filings/new").text)
        with unchanged(ctx):
            r = web.post("/me/filings", data={"csrf": token, "for_whom": "self", "type": "OTHER_TEMPORARY",
                                              "treatment_area": "440100", "start": "9999-12-01", "commitment": "on",
                                              "materials": ["credential", "filing_form", "commitment_letter"]})
        assert r.status_code == 422 and "<html" in r.text  # was 500 (year 10000 in the validity arithmetic)
        assert "DATE_OUT_OF_RANGE" in r.text and "不在合理范围" in r.text


@pytest.mark.parametrize(("day", "code"), [("2999-01-01", "DATE_OUT_OF_RANGE"), ("1900-06-01", "DATE_OUT_OF_RANGE"),
                                           ("2026-03-01T00:00:00", "DATE_FORMAT"), ("2026-02-30", "DATE_NOT_EXIST"),
                                           (1772323200, "DATE_FORMAT")])
def test_implausible_dates_are_refused(ctx: Context, client: TestClient, day: Any, code: str) -> None:
    p = seed_person(ctx, 4)
    h = key_for(ctx, GZ1)
    with unchanged(ctx):
        r = client.post(f"{HOSPITAL}/visits", json={"id_number": p.id_number, "name": p.name, "visit_type": "OUTPATIENT",
                                                    "admitted_on": day}, headers=h)
    problem(r, 422, code, "admitted_on")
    bill = json.loads((ROOT / "examples" / "inpatient-referral.json").read_text(encoding="utf-8"))
    problem(client.post("/api/v1/quote", json={**bill, "admission_date": day}), 422, code, "admission_date")


# ------------------------------------------------------------------------------------------ the importer (CLI)


def test_import_with_nul_or_overlong_code_reports_rows_not_a_traceback(ctx: Context, db: tuple[str, Engine],
                                                                       tmp_path: Path) -> None:
    url, engine = db
    good = demo_id("360102", "19800101", 21)
    sheet = tmp_path / "persons.csv"
    sheet.write_text("身份证号,姓名,参保地,险种,慢特病\n"
                     f"{good},张\x00三,369900,职工,\n"
                     f"{demo_id('360102', '19800101', 23)},李四,369900,职工,{'M' * 100}\n"
                     f"{demo_id('360102', '19800101', 25)},{'王' * 51},369900,职工,\n", encoding="utf-8")
    with engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(PersonRow)).scalar_one()
    res = CliRunner().invoke(cli, ["import", "persons", str(sheet), "--json"],
                             env={"YIDI_DATABASE_URL": url, "YIDI_SECRET_KEY": "k" * 32})
    assert res.exit_code == 2, res.output  # bad input, reported: no traceback
    assert not isinstance(res.exception, Exception) or isinstance(res.exception, SystemExit), res.exception
    report = json.loads(res.stdout)
    got = {(x["line"], p["code"], p["field"]) for x in report["rejected"] for p in x["problems"]}
    assert got == {(2, "TEXT_INVALID_CHARACTER", "name"), (3, "TEXT_TOO_LONG", "chronic_diseases.0"),
                   (4, "TEXT_TOO_LONG", "name")}
    assert report["written"] == 0
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(PersonRow)).scalar_one() == before


# ------------------------------------------------------------------------------------------ one statement of the bounds


def test_docs_table_is_the_bounds_module() -> None:
    doc = (ROOT / "docs" / "bounds.md").read_text(encoding="utf-8")
    assert bounds.markdown_table() in doc, "regenerate: .venv/bin/python scripts/docs_bounds.py"


def test_text_bounds_are_the_column_lengths(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    pairs = [  # (input model, field) -> its column: the same constant on both sides
        ("FeeLine", "name", "fee_lines", "name"), ("FeeLine", "code", "fee_lines", "code"),
        ("FeeLine", "line_id", "claim_lines", "line_id"), ("RegisterVisitIn", "name", "persons", "name"),
        ("RegisterVisitIn", "chronic_disease", "hospital_visits", "chronic_disease"),
        ("InvoiceIn", "invoice_no", "claim_invoices", "invoice_no"), ("InvoiceIn", "payer", "claim_invoices", "payer"),
        ("VisitIn", "hospital_name", "claims", "hospital_name"), ("VisitIn", "diagnosis_name", "claims", "diagnosis_name"),
        ("VisitIn", "diagnosis_code", "claims", "diagnosis_code"), ("BankIn", "bank_name", "claims", "bank_name"),
        ("BankIn", "holder", "claims", "account_holder"), ("BankIn", "account_no", "claims", "bank_account"),
        ("CounterProofIn", "proof_note", "family_links", "proof_note"), ("LinkRequestIn", "name", "persons", "name"),
    ]
    for model, field, table, column in pairs:
        prop = schemas[model]["properties"][field]
        limits = [s["maxLength"] for s in [prop, *prop.get("anyOf", [])] if "maxLength" in s]
        assert limits == [metadata.tables[table].c[column].type.length], (model, field)


def _unbounded(node: Any, spec: dict[str, Any], path: str, seen: set[str]) -> list[str]:
    if isinstance(node, list):
        return [u for i, x in enumerate(node) for u in _unbounded(x, spec, f"{path}[{i}]", seen)]
    if not isinstance(node, dict):
        return []
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        return _unbounded(spec["components"]["schemas"][name], spec, name, seen | {name})
    out = []
    fixed = "pattern" in node and not re.search(r"[+*]|\{\d+,\}", node["pattern"])  # like ^\d{4}-\d{2}$
    if node.get("type") == "string" and not ({"maxLength", "enum", "const", "contentMediaType"} & node.keys() or fixed
                                             or node.get("format") in ("date", "date-time", "binary")):
        out.append(path)
    for k, v in node.items():
        if k not in ("description", "title", "examples", "example", "default", "enum", "const", "required"):
            out += _unbounded(v, spec, f"{path}.{k}", seen)
    return out


def test_every_text_a_request_carries_has_a_bound(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    found: list[str] = []
    for route, ops in spec["paths"].items():
        for method, op in ops.items():
            for prm in op.get("parameters", []):
                found += _unbounded(prm.get("schema", {}), spec, f"{method} {route} ?{prm['name']}", set())
            body = op.get("requestBody", {}).get("content", {})
            found += _unbounded(body, spec, f"{method} {route} body", set())
    assert not found, found
