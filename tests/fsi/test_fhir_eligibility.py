"""FHIR R4 export (issue 18): the eligibility answer as a CoverageEligibilityResponse that fhir.resources
validates, every reason with its code in Chinese and English, scoped as POST /api/v1/eligibility."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from fhir.resources.R4B.coverageeligibilityresponse import CoverageEligibilityResponse

from tests.support.db import TODAY, as_
from yidi.demo.dataset import DemoPerson

API = "/api/v1/fhir/CoverageEligibilityResponse"


def ask(client: TestClient, body: dict[str, Any], who: dict[str, str]) -> CoverageEligibilityResponse:
    r = client.post(API, json=body, headers=who)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/fhir+json"), r.text
    assert body["id_number"] not in r.text, "the ID number is masked"
    return CoverageEligibilityResponse.model_validate_json(r.text)  # the library's validation


def test_an_eligible_admission(client: TestClient, demo: dict[str, DemoPerson]) -> None:
    p = demo["retiree_resettled"]  # 张建国, filed long-term (异地安置退休) for Shenzhen
    body = {"id_number": p.id_number, "name": p.name, "institution": "H44030000001", "visit_type": "INPATIENT"}
    for who in (as_("hospital", "H44030000001"), as_("person", p.id_number), as_("agency", "369900")):
        res = ask(client, body, who)
        assert res.insurance[0].inforce is True and res.error is None and res.outcome == "complete"
        assert res.insurance[0].coverage.reference.startswith("Coverage/BA")
        assert res.servicedDate == TODAY and "江西省省本级 369900" in res.insurer.display and p.name in res.patient.display


def test_every_reason_in_chinese_and_english(client: TestClient, demo: dict[str, DemoPerson]) -> None:
    p = demo["lapsed"]  # wrong name, lapsed, a hospital off the network, no filing: four reasons at once
    body = {"id_number": p.id_number, "name": "孙小伟", "institution": "H44030000002", "visit_type": "INPATIENT",
            "gender": "F"}
    res = ask(client, body, as_("hospital", "H44030000002"))
    assert res.insurance[0].inforce is False and "不能直接结算" in res.disposition
    codes = {e.code.coding[0].code for e in res.error}
    assert {"IDENTITY_MISMATCH", "INSURANCE_LAPSED", "HOSPITAL_NOT_NETWORKED", "NO_FILING"} <= codes
    json_reasons = client.post("/api/v1/eligibility", json=body, headers=as_("hospital", "H44030000002")).json()
    assert [e.code.coding[0].code for e in res.error] == [r["code"] for r in json_reasons["reasons"]]
    for e, r in zip(res.error, json_reasons["reasons"], strict=True):  # one behaviour, two shapes
        assert r["message_zh"] in e.code.text and r["action_zh"] in e.code.text
        assert r["message_en"] in e.code.coding[0].display and r["action_en"] in e.code.coding[0].display


def test_notes_and_scope(client: TestClient, demo: dict[str, DemoPerson]) -> None:
    p = demo["dibao"]
    body = {"id_number": p.id_number, "name": p.name, "institution": "H44010000001", "visit_type": "INPATIENT",
            "emergency": True}
    res = ask(client, body, as_("hospital", "H44010000001"))
    assert res.insurance[0].inforce is True and "EMERGENCY_AS_FILED" in res.disposition
    # another hospital's admission, another region's staff, another person: refused as the JSON check is
    assert client.post(API, json=body, headers=as_("hospital", "H44030000001")).status_code == 403
    assert client.post(API, json=body, headers=as_("agency", "440300")).status_code == 403
    assert client.post(API, json=body, headers=as_("person", demo["referral"].id_number)).status_code in (403, 404)
    assert client.post(API, json={**body, "id_number": "1"}, headers=as_("hospital", "H44010000001")).status_code == 422
