"""统计月报 over HTTP on the worked month of tests/clearing/test_clearing.py, counted by hand."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient

from tests.clearing.test_clearing import worked_month
from tests.support.db import as_
from yidi.services.context import Context

NATIONAL = as_("clearing", "000000")
BJ = as_("agency", "110100")


def test_national_figures_of_the_worked_month(client: TestClient, ctx: Context) -> None:
    worked_month(ctx)
    r = client.get("/api/v1/statistics", params={"month": "2026-10"}, headers=NATIONAL)
    assert r.status_code == 200, r.text
    f = r.json()
    # October: S1..S5 and S7 count; S6 was revoked (20 Oct), S8 is a September settlement -> 6 settlements.
    # Inpatient S1 1,000 + S3 500 + S4 200 + S5 100 + S7 80 = 1,880.00; outpatient S2: fund 250.00 (its 50.00
    # from the personal account is not fund) -> 2,130.00 in all.
    assert f["settlements"] == 6 and f["fund_paid_fen"] == 213_000
    assert {r["visit_type"]: (r["settlements"], r["fund_paid"]) for r in f["by_visit_type"]} == {
        "INPATIENT": (5, "1880.00"), "OUTPATIENT": (1, "250.00")}
    # (insured province, treatment province): S7 is 深圳 insured, 广州 treated: one province, still cross-region
    assert {(p["insured_province"], p["treatment_province"]): (p["settlements"], p["fund_paid_fen"])
            for p in f["by_province_pair"]} == {
        ("110000", "310000"): (1, 100_000), ("310000", "110000"): (1, 25_000), ("110000", "440000"): (1, 50_000),
        ("440000", "310000"): (1, 20_000), ("440000", "110000"): (1, 10_000), ("440000", "440000"): (1, 8_000)}
    assert f["claims"]["submitted"] == 0 and f["claims"]["avg_days_to_decision"] is None
    names = {p["insured_province"]: p["insured_province_name"] for p in f["by_province_pair"]}
    assert names["110000"] == "北京市"


def test_an_agency_sees_its_insured_region_only(client: TestClient, ctx: Context) -> None:
    worked_month(ctx)
    f = client.get("/api/v1/statistics?month=2026-10", headers=BJ).json()
    # 北京 insured in October: S1 (上海, 1,000.00) and S3 (深圳, 500.00); S6 revoked, S8 September
    assert f["region"] == "110100" and f["settlements"] == 2 and f["fund_paid_fen"] == 150_000
    assert {(p["insured_province"], p["treatment_province"]) for p in f["by_province_pair"]} == {
        ("110000", "310000"), ("110000", "440000")}
    networked_bj = {i.code for i in ctx.packs.institutions.values() if i.region == "110100" and i.networked}
    assert f["networked_institutions"] == len(networked_bj)
    # the CSV carries the same figures, with Chinese names beside the codes
    rows = list(csv.reader(io.StringIO(client.get("/api/v1/statistics.csv?month=2026-10", headers=BJ).text.lstrip("\ufeff"))))
    assert ["settlements_by_visit_type", "INPATIENT", "住院", "2", "1500.00"] in rows


def test_a_bad_month_is_refused_and_others_are_not_let_in(client: TestClient, ctx: Context) -> None:
    r = client.get("/api/v1/statistics?month=2026-13", headers=BJ)
    assert r.status_code == 422 and r.json()["error"]["code"] == "STATISTICS_MONTH_INVALID"
    assert client.get("/api/v1/statistics?month=2026-10", headers=as_("hospital", "H11010000001")).status_code == 403


def test_a_province_sees_the_regions_of_its_province(client: TestClient, ctx: Context) -> None:
    worked_month(ctx)
    # 广东 insured in October: 深圳's S4 (上海, 200.00), S5 (北京, 100.00), S7 (广州, 80.00); none of 广州's own
    for who in (as_("agency", "440000"), as_("clearing", "440000")):
        f = client.get("/api/v1/statistics?month=2026-10", headers=who).json()
        assert f["region"] == "440000" and f["region_name"] == "广东省"
        assert f["settlements"] == 3 and f["fund_paid_fen"] == 38_000
