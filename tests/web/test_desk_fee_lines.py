"""The desk corrects and withdraws a fee line on the page (issue 19, hospital desk), only before settlement."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.web.conftest import TODAY, csrf_of, desk_visit
from yidi.demo.dataset import PERSONS


def _admitted_with_lines(client: TestClient) -> tuple[str, str]:
    p = next(x for x in PERSONS if x.key == "chronic_retiree")  # long-term filing in Guangzhou
    return desk_visit(client, p.id_number, p.name, "S001, 3, 60, 床位费\nXA01, 2, 35.5")


def _total(html: str) -> str:
    """The visit's active lines and their sum, as the page's heading shows them."""
    m = re.search(r"费用明细 <small>(\d+) 条 · ([^<]+)</small>", html)
    assert m, html[:3000]
    return f"{m.group(1)} / {m.group(2).strip()}"


def test_a_line_is_corrected_and_another_withdrawn_before_settlement(as_hospital: TestClient) -> None:
    visit, token = _admitted_with_lines(as_hospital)
    page = as_hospital.get(visit).text
    # 3 × 60 + 2 × 35.50 = 180 + 71 = 251.00
    assert _total(page) == "2 / ¥251.00"
    assert f'href="{visit}/lines/L1"' in page and f'href="{visit}/lines/L2"' in page
    form = as_hospital.get(f"{visit}/lines/L1").text
    assert 'id="line-form"' in form and 'value="S001"' in form and 'id="withdraw-form"' in form

    r = as_hospital.post(f"{visit}/lines/L1", data={"csrf": token, "code": "S001", "name": "床位费",
                                                    "quantity": "2", "unit_price": "60"})
    assert r.status_code == 303 and r.headers["location"].endswith("?done=line-corrected")
    page = as_hospital.get(r.headers["location"]).text
    assert "明细已更正" in page and _total(page) == "2 / ¥191.00"  # 2 × 60 + 71 = 191.00

    # bad input is shown on the line's form, with its code, and changes nothing
    r = as_hospital.post(f"{visit}/lines/L1", data={"csrf": token, "code": "S001", "quantity": "-1", "unit_price": "60"})
    assert r.status_code == 422 and 'id="line-form"' in r.text and 'value="-1"' in r.text and "data-code=" in r.text
    assert _total(as_hospital.get(visit).text) == "2 / ¥191.00"

    r = as_hospital.post(f"{visit}/lines/L2/withdraw", data={"csrf": token})
    assert r.status_code == 303 and r.headers["location"].endswith("?done=line-withdrawn")
    page = as_hospital.get(r.headers["location"]).text
    assert "明细已撤销" in page and _total(page) == "1 / ¥120.00"  # only L1: 2 × 60
    assert 'data-status="WITHDRAWN">已撤销' in page
    # a withdrawn line corrected on its page counts again
    assert 'id="withdraw-form"' not in as_hospital.get(f"{visit}/lines/L2").text
    r = as_hospital.post(f"{visit}/lines/L2", data={"csrf": token, "code": "XA01", "quantity": "1", "unit_price": "35.5"})
    assert r.status_code == 303
    assert _total(as_hospital.get(visit).text) == "2 / ¥155.50"  # 120 + 1 × 35.50
    assert as_hospital.get(f"{visit}/lines/L9").status_code == 404


def test_a_settled_visits_lines_no_longer_change(as_hospital: TestClient) -> None:
    visit, token = _admitted_with_lines(as_hospital)
    r = as_hospital.post(visit + "/pre-settle", data={"csrf": token, "discharge_date": TODAY.isoformat()})
    key = re.search(r'name="idempotency_key" value="([^"]+)"', r.text).group(1)  # type: ignore[union-attr]
    r = as_hospital.post(visit + "/settle", data={"csrf": token, "idempotency_key": key,
                                                  "discharge_date": TODAY.isoformat()})
    assert r.status_code == 303, r.text[:2000]
    page = as_hospital.get(visit).text
    assert f'href="{visit}/lines/L1"' not in page
    assert 'id="line-form"' not in as_hospital.get(f"{visit}/lines/L1").text
    r = as_hospital.post(f"{visit}/lines/L1/withdraw", data={"csrf": token})
    assert r.status_code == 409 and 'data-code="VISIT_SETTLED"' in r.text
    r = as_hospital.post(f"{visit}/lines/L1", data={"csrf": token, "code": "S001", "quantity": "1", "unit_price": "60"})
    assert r.status_code == 409
    assert _total(as_hospital.get(visit).text) == "2 / ¥251.00"


def test_a_person_may_not_change_fee_lines(as_person: TestClient) -> None:
    token = csrf_of(as_person.get("/me/filings").text)
    r = as_person.post("/desk/visits/MD1/lines/L1/withdraw", data={"csrf": token})
    assert r.status_code == 403
