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


def test_the_desk_discharges_and_cancels_a_mistaken_admission(as_hospital: TestClient) -> None:
    from tests.web.conftest import TODAY, csrf_of

    p = next(x for x in PERSONS if x.key == "chronic_retiree")  # long-term filing in Guangzhou
    token = csrf_of(as_hospital.get("/desk").text)
    admit = {"csrf": token, "id_number": p.id_number, "name": p.name, "visit_type": "INPATIENT",
             "day": TODAY.isoformat()}
    r = as_hospital.post("/desk/admit", data=admit)
    assert r.status_code == 303, r.text[:500]
    visit = r.headers["location"].split("?")[0]
    page = as_hospital.get(visit).text
    assert 'id="discharge-form"' in page and 'id="cancel-form"' in page
    r = as_hospital.post(f"{visit}/state/discharge", data={"csrf": token, "discharge_date": TODAY.isoformat()})
    assert r.status_code == 303 and r.headers["location"].endswith("?done=discharged")
    page = as_hospital.get(r.headers["location"]).text
    assert "已出院未结算" in page and 'id="discharge-cancel-form"' in page and 'id="cancel-form"' not in page
    r = as_hospital.post(f"{visit}/state/cancel", data={"csrf": token})  # not from DISCHARGED
    assert r.status_code == 409 and "撤销出院" in r.text
    assert as_hospital.post(f"{visit}/state/discharge-cancel", data={"csrf": token}).status_code == 303
    r = as_hospital.post(f"{visit}/state/cancel", data={"csrf": token})
    assert r.status_code == 303 and "已撤销登记" in as_hospital.get(r.headers["location"]).text
    # the mistaken admission no longer blocks: the person is admitted again
    assert as_hospital.post("/desk/admit", data=admit).status_code == 303
