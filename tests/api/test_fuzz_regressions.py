"""What the schemathesis run (test_fuzz_openapi.py) found, each pinned down: a 422/404 with a stable code,
or a response the OpenAPI document now describes. SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.support.db import as_

AGENCY = as_("agency", "369900")
PERSON = as_("person", "360102195603120312")


def code(r: Any, status: int) -> str:
    assert r.status_code == status, r.text
    return str(r.json()["error"]["problems"][0]["code"] if r.json()["error"]["problems"] else r.json()["error"]["code"])


def test_absurd_numbers_are_422_not_a_decimal_overflow(client: TestClient) -> None:
    # was 500 (decimal.InvalidOperation when quantizing 1e30 to the fen) on /quote, lines, claims, advice
    bill = {"insured_region": "369900", "visit_type": "INPATIENT", "lines": [
        {"code": "S001", "quantity": "1", "unit_price": "1e30"}]}
    r = client.post("/api/v1/quote", json=bill)
    assert r.status_code == 422, r.text
    assert "NUMBER_FORMAT" in r.text  # an exponent is refused before its size matters (issue 13)
    bill["lines"][0] |= {"unit_price": "10", "quantity": "99999999999999999999"}
    assert "QUANTITY_TOO_LARGE" in client.post("/api/v1/quote", json=bill).text


def test_page_offsets_and_row_ids_beyond_the_columns_are_422(client: TestClient) -> None:
    # were 500 on PostgreSQL (bigint / integer out of range)
    assert code(client.get("/api/v1/claims", params={"offset": 10**21}, headers=PERSON), 422)
    assert code(client.get("/api/v1/filings", params={"offset": 10**21}, headers=PERSON), 422)
    assert code(client.get("/api/v1/institutions", params={"offset": 10**21}), 422)
    assert code(client.post("/api/v1/clearing/disputes/4238320248/decision", json={"upheld": True}, headers=AGENCY), 422)
    assert code(client.get("/api/v1/claims/C1/documents/4238320248", headers=PERSON), 422)


def test_clearing_warning_threshold_fits_its_column(client: TestClient) -> None:
    # was 500 on PostgreSQL: warning_pct with 15 decimals does not fit VARCHAR(10)
    r = client.post("/api/v1/clearing/runs/2026-03", json={"warning_pct": "60.652993724224494"}, headers=AGENCY)
    assert r.status_code == 422, r.text


def test_documented_statuses_and_content_types(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()["paths"]
    # uploads answer 413/415, logins 429: now in the document
    for path in ("/api/v1/claims/{claim_no}/fee-list", "/api/v1/claims/{claim_no}/documents"):
        assert {"413", "415"} <= spec[path]["post"]["responses"].keys()
    assert "429" in spec["/api/v1/auth/token"]["post"]["responses"]
    # files come as files, errors as the JSON envelope (was: errors documented as text/html)
    report = spec["/api/v1/clearing/runs/{month}/report.html"]["get"]["responses"]
    assert "text/html" in report["200"]["content"] and "application/json" in report["404"]["content"]
    assert "text/csv" in spec["/api/v1/clearing/runs/{month}/statement.csv"]["get"]["responses"]["200"]["content"]
    r = client.get("/api/v1/clearing/runs/2026-03/report.html", headers=AGENCY)
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/json")
