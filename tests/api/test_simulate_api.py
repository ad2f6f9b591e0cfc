"""POST /api/v1/simulate and its report (issue 7): administrators run it, others are refused, bad input has codes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from yidi.app import create_app
from yidi.http.security import AuthConfig
from yidi.services.context import Context

ADMIN = {"X-Yidi-Role": "agency", "X-Yidi-Subject": "369900", "X-Yidi-Duties": "administrator"}
REVIEWER = {"X-Yidi-Role": "agency", "X-Yidi-Subject": "369900", "X-Yidi-Duties": "reviewer"}
BODY = {"from_month": "2026-01", "to_month": "2026-06", "settlements": 300, "seed": 3}


@pytest.fixture
def api(ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("YIDI_DATA_DIR", str(tmp_path / "data"))
    with TestClient(create_app(ctx=ctx, auth=AuthConfig(b"simulate-secret-0123456789", dev_headers=True))) as c:
        yield c


def test_administrator_runs_and_reads_the_report(api: TestClient) -> None:
    r = api.post("/api/v1/simulate", json=BODY, headers=ADMIN)
    assert r.status_code == 200, r.text[:1000]
    out = r.json()
    assert out["period"] == {"from": "2026-01-01", "to": "2026-06-30"}
    assert 0 < out["settlements"] <= 300 and out["people_pay_more"] >= 0
    fund = out["totals_fen"]["fund_pay_sumamt"]
    assert fund["change"] == fund["proposal"] - fund["baseline"]
    assert set(out["by"]) == {"insured_region", "month", "visit_type", "filing", "level"}
    assert sum(m["baseline_fund_fen"] for m in out["by"]["month"]) == fund["baseline"]
    rep = api.get(out["report"], headers=ADMIN)
    assert rep.status_code == 200 and "<svg" in rep.text and "政策模拟" in rep.text


def test_refused_for_reviewer_and_person(api: TestClient) -> None:
    r = api.post("/api/v1/simulate", json=BODY, headers=REVIEWER)
    assert r.status_code == 403 and r.json()["error"]["code"] == "ROLE_NOT_ALLOWED"
    person = {"X-Yidi-Role": "person", "X-Yidi-Subject": "110101199001011237"}
    r = api.post("/api/v1/simulate", json=BODY, headers=person)
    assert r.status_code == 403 and r.json()["error"]["code"] == "ROLE_NOT_ALLOWED"
    assert api.post("/api/v1/simulate", json=BODY).status_code == 401


@pytest.mark.parametrize(("change", "code", "field"), [
    ({"to_month": "2025-12"}, "SIMULATE_PERIOD_INVALID", "to_month"),
    ({"to_month": "2027-02"}, "SIMULATE_PERIOD_INVALID", "to_month"),
    ({"from_month": "2026-13"}, "SIMULATE_MONTH_INVALID", "from_month"),
])
def test_bad_periods_have_codes(api: TestClient, change: dict[str, str], code: str, field: str) -> None:
    r = api.post("/api/v1/simulate", json=BODY | change, headers=ADMIN)
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["code"] == code and err["field"] == field and err["message_zh"] and err["message_en"]


@pytest.mark.parametrize("change", [{"settlements": 99}, {"settlements": 50_001}, {"seed": -1},
                                    {"proposal": "bigger"}, {"from_month": "2026/01"}, {"extra": 1}])
def test_bad_fields_are_422(api: TestClient, change: dict[str, object]) -> None:
    r = api.post("/api/v1/simulate", json=BODY | change, headers=ADMIN)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["problems"]


def test_unknown_report_is_404(api: TestClient) -> None:
    r = api.get("/api/v1/simulate/" + "0" * 32 + "/report.html", headers=ADMIN)
    assert r.status_code == 404 and r.json()["error"]["code"] == "SIMULATION_NOT_FOUND"
    assert api.get("/api/v1/simulate/..%2F..%2Fx/report.html", headers=ADMIN).status_code in (404, 422)
