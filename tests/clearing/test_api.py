"""Clearing over HTTP: run, read (scoped to the agency), statements, report, close, confirm, dispute."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.clearing.test_clearing import worked_month
from tests.support.db import as_
from yidi.services.context import Context

BJ = as_("agency", "110100")
SZ = as_("agency", "440300")


def test_clearing_over_http(client: TestClient, ctx: Context) -> None:
    worked_month(ctx)
    r = client.post("/api/v1/clearing/runs/2026-10", json={}, headers=BJ)
    assert r.status_code == 200, r.text
    assert r.json()["cleared_fen"] == 218_000 and r.json()["verification"]["ok"]
    assert client.post("/api/v1/clearing/runs/2026-13", json={}, headers=BJ).status_code == 422
    assert client.post("/api/v1/clearing/runs/2026-10", json={"warning_pct": 0}, headers=BJ).status_code == 422
    hosp = as_("hospital", "H11010000001")
    assert client.post("/api/v1/clearing/runs/2026-10", json={}, headers=hosp).status_code == 403

    mine = client.get("/api/v1/clearing/runs/2026-10", headers=SZ).json()
    assert {(p["treatment_region"], p["insured_region"]) for p in mine["pairs"]} == {
        ("440300", "110100"), ("310100", "440300"), ("110100", "440300"), ("440100", "440300")}
    assert [h["institution"] for h in mine["hospitals"]] == ["H44030000001"]

    csv = client.get("/api/v1/clearing/runs/2026-10/statement.csv", headers=SZ)
    assert csv.status_code == 200 and "深圳市" in csv.text and "500.00" in csv.text
    xlsx = client.get("/api/v1/clearing/runs/2026-10/statement.xlsx", headers=SZ)
    wb = load_workbook(io.BytesIO(xlsx.content))
    assert wb.sheetnames[0] == "汇总 summary" and "结算 settlements" in wb.sheetnames
    page = client.get("/api/v1/clearing/runs/2026-10/report.html", headers=BJ)
    assert page.status_code == 200 and "<svg" in page.text and "北京市" in page.text

    # disputes need a closed month; then they end in an adjustment of November
    d = client.post("/api/v1/clearing/runs/2026-10/disputes", json={"setl_ids": ["S5"], "reason": "未备案"}, headers=SZ)
    assert d.status_code == 409 and d.json()["error"]["code"] == "CLEARING_NOT_CLOSED"
    assert client.post("/api/v1/clearing/runs/2026-10/close", headers=BJ).json()["status"] == "CLOSED"
    d = client.post("/api/v1/clearing/runs/2026-10/disputes", json={"setl_ids": ["S5"], "reason": "未备案"}, headers=SZ)
    assert d.status_code == 201, d.text
    did = d.json()["dispute_id"]
    assert client.post(f"/api/v1/clearing/disputes/{did}/decision", json={"upheld": True}, headers=SZ).status_code == 403
    dec = client.post(f"/api/v1/clearing/disputes/{did}/decision", json={"upheld": True}, headers=BJ)
    assert dec.json()["effective_month"] == "2026-11"
    nov = client.post("/api/v1/clearing/runs/2026-11", json={}, headers=BJ).json()
    assert nov["cleared_fen"] == -10_000
    assert client.post("/api/v1/clearing/runs/2026-10/confirmation", json={}, headers=as_("agency", "310100")).status_code == 200
    assert [x["dispute_id"] for x in client.get("/api/v1/clearing/disputes", headers=BJ).json()] == [did]
    assert client.get("/api/v1/clearing/runs/2030-01", headers=BJ).status_code == 404
