"""The eligibility check over HTTP: eligible answers, every reason at once, scope, bad input."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient

from tests.support.db import TODAY, as_
from yidi.demo.dataset import DemoPerson

API = "/api/v1/eligibility"


def check(client: TestClient, p: DemoPerson, institution: str, visit_type: str = "INPATIENT",
          **extra: Any) -> Any:
    body = {"id_number": p.id_number, "name": p.name, "institution": institution, "visit_type": visit_type, **extra}
    return client.post(API, json=body, headers=as_("hospital", institution))


def codes(r: Any) -> list[str]:
    return [x["code"] for x in r.json()["reasons"]]


def test_long_term_filer_is_eligible(client: TestClient, demo: dict[str, DemoPerson]) -> None:
    r = check(client, demo["retiree_resettled"], "H44030000001")
    assert r.status_code == 200, r.text
    j = r.json()
    assert j["eligible"] is True and j["basis"] == "LONG_TERM" and j["ratio_category"] == "LONG_TERM"
    assert j["filing"]["type"] == "RETIREE_RESETTLED" and j["reasons"] == []


def test_referral_and_province_wide_filings(client: TestClient, demo: dict[str, DemoPerson]) -> None:
    assert check(client, demo["referral"], "H44010000004").json()["ratio_category"] == "REFERRAL"
    j = check(client, demo["other_temporary"], "H44030000003").json()  # filed for all of Guangdong
    assert j["eligible"] and j["ratio_category"] == "OTHER_TEMPORARY"


def test_every_reason_at_once(client: TestClient, demo: dict[str, DemoPerson]) -> None:
    p = demo["lapsed"]
    r = client.post(API, json={"id_number": p.id_number, "name": "孙小伟", "institution": "H44030000002",
                               "visit_type": "INPATIENT", "gender": "F"}, headers=as_("hospital", "H44030000002"))
    assert r.status_code == 200
    assert r.json()["eligible"] is False
    assert {"IDENTITY_MISMATCH", "INSURANCE_LAPSED", "HOSPITAL_NOT_NETWORKED", "NO_FILING"} <= set(codes(r))
    for reason in r.json()["reasons"]:
        assert reason["message_zh"] and reason["action_zh"] and reason["where_zh"]


def test_waiting_period_open_admission_and_chronic(client: TestClient, demo: dict[str, DemoPerson]) -> None:
    assert "INSURANCE_WAITING" in codes(check(client, demo["waiting"], "H44010000001"))
    assert "OPEN_ADMISSION" in codes(check(client, demo["post_hoc"], "H44010000004"))
    r = check(client, demo["dibao"], "H44010000001", "CHRONIC_OUTPATIENT", chronic_disease="M01600")
    assert {"CHRONIC_NOT_OPENED", "NO_FILING"} <= set(codes(r))
    r = check(client, demo["chronic_retiree"], "H44010000004", "CHRONIC_OUTPATIENT", chronic_disease="M00503")
    assert r.json()["eligible"] is True


def test_emergency_counts_as_filed_and_not_cross_region(client: TestClient, demo: dict[str, DemoPerson]) -> None:
    j = check(client, demo["dibao"], "H44010000001", emergency=True).json()
    assert j["eligible"] and j["ratio_category"] == "EMERGENCY"
    assert [n["code"] for n in j["notes"]] == ["EMERGENCY_AS_FILED"]
    j = check(client, demo["dibao"], "H36990000001").json()
    assert j["eligible"] and j["basis"] == "LOCAL"


def test_post_hoc_filing_makes_the_open_admission_settleable(client: TestClient, demo: dict[str, DemoPerson]) -> None:
    p = demo["post_hoc"]
    admitted = (TODAY - dt.timedelta(days=2)).isoformat()
    assert codes(check(client, p, "H44010000001", day=admitted)) == ["NO_FILING"]
    body = {"type": "OTHER_TEMPORARY", "treatment_area": "440100", "commitment": True,
            "materials": ["credential", "filing_form"], "start": admitted, "admitted_on": admitted}
    assert client.post("/api/v1/filings", json=body, headers=as_("person", p.id_number)).status_code == 201
    j = check(client, p, "H44010000001", day=admitted).json()
    assert j["eligible"] and j["ratio_category"] == "OTHER_TEMPORARY"


def test_unknown_person_is_a_reason_not_an_error(client: TestClient, demo: dict[str, DemoPerson]) -> None:
    r = client.post(API, json={"id_number": "360426199101010071", "name": "某人", "institution": "H44010000001",
                               "visit_type": "INPATIENT"}, headers=as_("hospital", "H44010000001"))
    assert r.status_code == 200 and codes(r) == ["PERSON_NOT_FOUND"]


def test_scope(client: TestClient, demo: dict[str, DemoPerson]) -> None:
    p = demo["retiree_resettled"]
    body = {"id_number": p.id_number, "name": p.name, "institution": "H44030000001", "visit_type": "INPATIENT"}
    r = client.post(API, json=body, headers=as_("hospital", "H44010000001"))
    assert r.status_code == 403 and r.json()["error"]["code"] == "FORBIDDEN"
    r = client.post(API, json=body, headers=as_("person", demo["dibao"].id_number))
    assert r.status_code == 403 and r.json()["error"]["code"] == "MAY_NOT_ACT_FOR_PERSON"  # no family link
    assert client.post(API, json=body, headers=as_("person", p.id_number)).status_code == 200
    assert client.post(API, json=body, headers=as_("agency", "440300")).status_code == 403
    assert client.post(API, json=body, headers=as_("agency", "369900")).status_code == 200


def test_bad_input(client: TestClient, demo: dict[str, DemoPerson]) -> None:
    p = demo["retiree_resettled"]
    good = {"id_number": p.id_number, "name": p.name, "institution": "H44030000001", "visit_type": "INPATIENT"}
    h = as_("agency", "369900")
    cases = [
        ({**good, "id_number": "360426199101010072"}, 422, "ID_CHECKSUM"),
        ({**good, "institution": "H00000000000"}, 422, "INSTITUTION_UNKNOWN"),
        ({**good, "visit_type": "DENTAL"}, 422, "FIELD_CHOICE"),
        ({**good, "day": "2026-13-01"}, 422, "DATE_NOT_EXIST"),
        ({**good, "visit_type": "CHRONIC_OUTPATIENT"}, 422, "CHRONIC_DISEASE_REQUIRED"),
        ({**good, "gender": "X"}, 422, "GENDER_FORMAT"),
        ({k: v for k, v in good.items() if k != "name"}, 422, "FIELD_MISSING"),
    ]
    for body, status, code in cases:
        r = client.post(API, json=body, headers=h)
        assert r.status_code == status, (code, r.text)
        assert code in [x["code"] for x in r.json()["error"]["problems"]], r.text
