"""门诊慢特病 certification through the API (issue 17), on SQLite and PostgreSQL.

A person insured in 江西省本级 (369900) applies for hypertension with a diagnosis scan; the agency of that
region approves it with a validity; from then on a hospital in Beijing sees the disease and the eligibility
check for a chronic-outpatient visit there passes — and fails again once the validity has ended. Returns and
rejections carry their reason; another region's staff and another person see nothing; refusals store nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.support.db import TODAY, as_
from tests.support.scans import image_bytes, pdf_bytes
from tests.support.unchanged import assert_unchanged, snapshot
from yidi.demo.dataset import DemoPerson
from yidi.services.context import Context

MINE, CERTS, HOLDER, ELIG = "/api/v1/me/chronic", "/api/v1/chronic", "/api/v1/hospital/persons/chronic", "/api/v1/eligibility"
REVIEWER = {**as_("agency", "369900"), "X-Yidi-Duties": "reviewer"}
OTHER_REVIEWER = {**as_("agency", "360100"), "X-Yidi-Duties": "reviewer"}
BEIJING = "H11010000001"  # networked for chronic outpatient care, hypertension (M03900) opened
HYPERTENSION = {"disease": "M03900", "hospital": "江西省人民医院", "diagnosed_on": "2025-11-02"}


@pytest.fixture(autouse=True)
def scans_dir(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YIDI_DATA_DIR", str(tmp_path / "data"))


def me(p: DemoPerson) -> dict[str, str]:
    return as_("person", p.id_number)


def err(r: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    e: dict[str, Any] = r.json()["error"]
    assert e["code"] == code, e
    return e


def apply_with_paper(client: TestClient, who: DemoPerson, body: dict[str, Any] = HYPERTENSION) -> str:
    r = client.post(MINE, json=body, headers=me(who))
    assert r.status_code == 201, r.text
    cert_id: str = r.json()["cert_id"]
    r = client.post(f"{CERTS}/{cert_id}/papers", files={"file": ("诊断证明.pdf", pdf_bytes(), "application/pdf")},
                    headers=me(who))
    assert r.status_code == 201, r.text
    return cert_id


def eligibility(client: TestClient, who: DemoPerson, day: dt.date = TODAY) -> dict[str, Any]:
    r = client.post(ELIG, headers=as_("hospital", BEIJING), json={
        "id_number": who.id_number, "name": who.name, "institution": BEIJING, "visit_type": "CHRONIC_OUTPATIENT",
        "chronic_disease": "M03900", "day": day.isoformat()})
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def test_apply_approve_then_a_hospital_elsewhere_sees_it(client: TestClient, demo: dict[str, DemoPerson]) -> None:
    p = demo["long_term_resident"]  # insured 369900, filed to Beijing, no certified disease yet
    before = eligibility(client, p)
    assert not before["eligible"]
    assert "CHRONIC_NOT_CERTIFIED" in [r["code"] for r in before["reasons"]]
    cert_id = apply_with_paper(client, p)

    queue = client.get(f"{CERTS}/queue", headers=REVIEWER).json()
    assert [c["cert_id"] for c in queue] == [cert_id]
    assert queue[0]["disease_zh"] == "高血压病" and queue[0]["papers"][0]["kind"] == "pdf"
    assert p.id_number not in str(queue)  # the queue shows masked ID numbers
    paper = client.get(f"{CERTS}/{cert_id}/papers/{queue[0]['papers'][0]['paper_id']}", headers=REVIEWER)
    assert paper.status_code == 200 and paper.content == pdf_bytes()

    r = client.post(f"{CERTS}/{cert_id}/review", headers=REVIEWER, json={"decision": "APPROVE"})
    assert r.status_code == 200, r.text
    got = r.json()
    # default validity: two years from the decision day, ending the day before the anniversary
    assert (got["state"], got["valid_from"], got["valid_until"]) == ("APPROVED", "2026-03-10", "2028-03-09")
    assert [e["action"] for e in got["history"]] == ["APPLY", "ADD_PAPER", "APPROVE"]

    held = client.post(HOLDER, headers=as_("hospital", BEIJING), json={"id_number": p.id_number, "name": p.name})
    assert held.status_code == 200, held.text
    assert held.json()["certified"] == [{"disease": "M03900", "disease_zh": "高血压病", "valid_from": "2026-03-10",
                                         "valid_until": "2028-03-09"}]
    assert eligibility(client, p)["eligible"]
    # the day after the validity ends, the check refuses again and says why
    lapsed = eligibility(client, p, dt.date(2028, 3, 10))
    assert not lapsed["eligible"]
    reason = next(r for r in lapsed["reasons"] if r["code"] == "CHRONIC_NOT_CERTIFIED")
    assert "有效期" in reason["message_zh"]
    # the person's own list shows it, the queue is empty
    assert client.get(MINE, headers=me(p)).json()[0]["state_zh"] == "已认定"
    assert client.get(f"{CERTS}/queue", headers=REVIEWER).json() == []


def test_return_resubmit_reject_keep_the_reasons(client: TestClient, demo: dict[str, DemoPerson]) -> None:
    p = demo["resident_worker"]
    cert_id = apply_with_paper(client, p, {**HYPERTENSION, "disease": "M01600"})
    r = client.post(f"{CERTS}/{cert_id}/review", headers=REVIEWER,
                    json={"decision": "RETURN", "reason": "请补充近三个月的血糖检验报告"})
    assert r.json()["state"] == "RETURNED" and r.json()["reason"] == "请补充近三个月的血糖检验报告"
    assert client.get(f"{CERTS}/queue", headers=REVIEWER).json() == []  # not waiting for the agency now
    r = client.post(f"{CERTS}/{cert_id}/papers", files={"file": ("血糖.png", image_bytes("PNG"), "image/png")},
                    headers=me(p))
    assert r.status_code == 201, r.text
    r = client.post(f"{CERTS}/{cert_id}/resubmit", headers=me(p))
    assert r.json()["state"] == "APPLIED"
    r = client.post(f"{CERTS}/{cert_id}/review", headers=REVIEWER,
                    json={"decision": "REJECT", "reason": "检验结果未达到糖尿病认定标准"})
    got = r.json()
    assert (got["state"], got["state_zh"], got["reason"]) == ("REJECTED", "未通过", "检验结果未达到糖尿病认定标准")
    assert [e["action"] for e in got["history"]] == ["APPLY", "ADD_PAPER", "RETURN", "ADD_PAPER", "RESUBMIT", "REJECT"]
    # a rejected disease is not certified: the person may apply again
    assert client.post(MINE, json={**HYPERTENSION, "disease": "M01600"}, headers=me(p)).status_code == 201


def test_scope_and_refusals_change_nothing(client: TestClient, ctx: Context, demo: dict[str, DemoPerson]) -> None:
    p, other = demo["long_term_resident"], demo["resident_worker"]
    r = client.post(MINE, json=HYPERTENSION, headers=me(p))
    cert_id = r.json()["cert_id"]
    before = snapshot(ctx)
    # approving with no paper, another region's staff, another person, a wrong state, bad input
    err(client.post(f"{CERTS}/{cert_id}/review", headers=REVIEWER, json={"decision": "APPROVE"}), 422,
        "CHRONIC_PAPERS_MISSING")
    err(client.post(f"{CERTS}/{cert_id}/review", headers=OTHER_REVIEWER, json={"decision": "APPROVE"}), 404,
        "CHRONIC_CERT_NOT_FOUND")
    err(client.get(f"{CERTS}/{cert_id}", headers=me(other)), 404, "CHRONIC_CERT_NOT_FOUND")
    err(client.post(f"{CERTS}/{cert_id}/resubmit", headers=me(p)), 409, "CHRONIC_CERT_STATE")
    err(client.post(MINE, json=HYPERTENSION, headers=me(p)), 409, "CHRONIC_CERT_OPEN")
    err(client.post(MINE, json={**HYPERTENSION, "disease": "J45"}, headers=me(p)), 422, "CHRONIC_DISEASE_NOT_LISTED")
    err(client.post(MINE, json={**HYPERTENSION, "diagnosed_on": "2026-03-11"}, headers=me(p)), 422,
        "CHRONIC_DIAGNOSIS_DATE")
    err(client.post(f"{CERTS}/{cert_id}/review", headers=REVIEWER, json={"decision": "REJECT"}), 422,
        "CHRONIC_REASON_REQUIRED")
    err(client.post(f"{CERTS}/{cert_id}/papers", files={"file": ("x.pdf", b"%PDF-1.4 not really", "application/pdf")},
                    headers=me(p)), 422, "SCAN_INVALID")
    err(client.post(HOLDER, headers=as_("hospital", BEIJING), json={"id_number": p.id_number, "name": "别人"}), 404,
        "PERSON_NOT_FOUND")
    assert_unchanged(ctx, before)


def test_validity_bounds(client: TestClient, ctx: Context, demo: dict[str, DemoPerson]) -> None:
    p = demo["long_term_resident"]
    cert_id = apply_with_paper(client, p)
    before = snapshot(ctx)
    # before the diagnosis (2025-11-02), ending before it starts, more than five years
    for body in ({"valid_from": "2025-11-01", "valid_until": "2026-11-01"},
                 {"valid_from": "2026-03-10", "valid_until": "2026-03-09"},
                 {"valid_from": "2026-03-10", "valid_until": "2031-03-11"}):
        err(client.post(f"{CERTS}/{cert_id}/review", headers=REVIEWER, json={"decision": "APPROVE", **body}), 422,
            "CHRONIC_VALIDITY")
    assert_unchanged(ctx, before)
    r = client.post(f"{CERTS}/{cert_id}/review", headers=REVIEWER,
                    json={"decision": "APPROVE", "valid_from": "2026-04-01", "valid_until": "2027-03-31"})
    assert r.status_code == 200, r.text
    # approved from April: a visit on 2026-03-10 is not covered yet, one in April is
    assert not eligibility(client, p)["eligible"]
    assert eligibility(client, p, dt.date(2026, 4, 1))["eligible"]


def test_the_finder_filters_by_disease(client: TestClient, ctx: Context) -> None:
    # the sample institutions.yaml opens 器官移植抗排异治疗 (M08300) at these five hospitals only
    r = client.get("/api/v1/institutions", params={"chronic_disease": "M08300"})
    assert r.status_code == 200, r.text
    assert [i["code"] for i in r.json()["items"]] == ["H11010000002", "H31010000002", "H36010000002", "H44010000004",
                                                      "H51010000001"]
    r = client.get("/api/v1/institutions", params={"chronic_disease": "M08300", "region": "440000"})
    assert [i["code"] for i in r.json()["items"]] == ["H44010000004"]
    err(client.get("/api/v1/institutions", params={"chronic_disease": "M99999"}), 422, "CHRONIC_DISEASE_UNKNOWN")
