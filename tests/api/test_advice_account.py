"""POST /api/v1/advice for a signed-in person: the insurance record fills what the situation leaves open (issue 19)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.support.db import as_
from yidi.demo.dataset import DemoPerson


def test_the_record_fills_region_scheme_and_category(client: TestClient, demo: dict[str, DemoPerson]) -> None:
    p = demo["referral"]  # 赵敏: insured in 369900 (江西省本级), resident scheme, per the demo dataset
    anonymous = client.post("/api/v1/advice", json={"current_region": "440100"}).json()
    assert "insured_region" not in anonymous["situation"] and "insured_region" in {
        q["field"] for q in anonymous["questions"]}
    mine = client.post("/api/v1/advice", json={"current_region": "440100"}, headers=as_("person", p.id_number)).json()
    assert (mine["situation"]["insured_region"], mine["situation"]["scheme"]) == ("369900", "RESIDENT")
    assert "insured_region" not in {q["field"] for q in mine["questions"]}

def test_an_explicit_field_still_wins(client: TestClient, demo: dict[str, DemoPerson]) -> None:
    p = demo["referral"]  # asking for somebody insured in 南昌 (360100), an employee
    body = {"current_region": "440100", "insured_region": "360100", "scheme": "EMPLOYEE"}
    plan = client.post("/api/v1/advice", json=body, headers=as_("person", p.id_number)).json()
    assert (plan["situation"]["insured_region"], plan["situation"]["scheme"]) == ("360100", "EMPLOYEE")
