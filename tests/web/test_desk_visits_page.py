"""The desk's visit list page (issue 18): the admission desk finds the patients in house without a visit number."""

from __future__ import annotations

from fastapi.testclient import TestClient

from yidi.demo.dataset import PERSONS


def test_the_desk_finds_its_patients_in_house(as_hospital: TestClient) -> None:
    p = next(x for x in PERSONS if x.key == "post_hoc")  # admitted at this hospital two days ago
    assert 'href="/desk/visits?in_house=true"' in as_hospital.get("/desk").text
    r = as_hospital.get("/desk/visits", params={"in_house": "true"})
    assert r.status_code == 200 and p.name in r.text and "在院（已登记）" in r.text
    assert p.id_number not in r.text, "the ID number is masked"
    r = as_hospital.get("/desk/visits", params={"name": p.name})
    assert r.status_code == 200 and '<ul id="visits"' in r.text
    r = as_hospital.get("/desk/visits", params={"status": "GONE"})
    assert r.status_code == 422 and "没有符合条件的就诊" in r.text
