"""The estimate is kept (issue 19): a signed-in person's estimate is saved, and the slip of that visit's
settlement shows it beside the real breakdown with what changed and why; API and pages, who sees what."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.web.codes import internal_codes, visible_text
from tests.web.conftest import csrf_of, login, person
from tests.web.test_pages import hospital_settles
from yidi.demo.dataset import PERSONS

PATIENT = next(x for x in PERSONS if x.key == "chronic_retiree")  # 郑丽, long-term filing in Guangzhou
# what she expects before going in: five days' bed (S001 5 x 60.00 = 300.00) and an angiography (S002 3800.00),
# estimated as if not filed; the desk then bills S001 3 x 60.00 = 180.00 and XA01 2 x 35.50 = 71.00
ESTIMATE = {"hospital": "H44010000001", "visit_type": "INPATIENT", "filed": False,
            "lines": [{"line_id": "1", "code": "S001", "quantity": "5", "unit_price": "60"},
                      {"line_id": "2", "code": "S002", "quantity": "1", "unit_price": "3800"}]}


def _estimated_then_settled(web: TestClient) -> tuple[dict[str, object], str]:
    login(web, PATIENT.id_number)
    token = csrf_of(web.get("/estimate").text)  # a signed-in page's API call carries the page's token
    r = web.post("/api/v1/me/estimates", json=ESTIMATE, headers={"X-CSRF-Token": token})
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["estimate_id"] and made["estimate"]["medfee_sumamt"] == "4100.00"  # 300.00 + 3800.00
    login(web, "desk-H44010000001")
    setl_id = hospital_settles(web, PATIENT.id_number, PATIENT.name).rsplit("/", 1)[1]
    login(web, PATIENT.id_number)
    return made, setl_id


def test_estimate_beside_the_settlement(web: TestClient) -> None:
    made, setl_id = _estimated_then_settled(web)
    assert [e["estimate_id"] for e in web.get("/api/v1/me/estimates").json()["items"]] == [made["estimate_id"]]
    b = web.get(f"/api/v1/me/settlements/{setl_id}/estimate").json()
    assert b["estimate_id"] == made["estimate_id"]
    total = next(t for t in b["totals"] if t["field"] == "medfee_sumamt")
    # 180.00 + 71.00 = 251.00 settled against 4100.00 estimated: 3849.00 less
    assert (total["estimated"], total["actual"], total["change"]) == ("4100.00", "251.00", "-3849.00")
    slip = web.get(f"/api/v1/me/settlements/{setl_id}").json()
    fund = next(t for t in b["totals"] if t["field"] == "fund_pay_sumamt")
    assert fund["actual"] == slip["fund_pay_sumamt"] and fund["estimated"] == made["estimate"]["fund_pay_sumamt"]
    kinds = {(c["kind"], c["code"]) for c in b["changes"]}
    assert {("LINE_CHANGED", "S001"), ("LINE_ADDED", "XA01"), ("LINE_DROPPED", "S002"), ("BASIS", "")} <= kinds
    basis = next(c for c in b["changes"] if c["kind"] == "BASIS")["text_zh"]
    assert "估算按跨省未备案，实际按跨省长期备案" in basis  # she said "not filed"; her long-term filing counted
    page = web.get(f"/me/settlements/{setl_id}").text
    section = page.split('id="estimate-beside"')[1].split("</section>")[0]
    assert "估算与实际" in page and "¥" not in section and "4100.00" in section and "-3849.00" in section
    assert "实际新增：" in section and "少 120.00 元" in section  # S001: 300.00 estimated, 180.00 billed
    assert internal_codes(visible_text(section)) == []


def test_no_estimate_no_comparison_and_only_ones_own(web: TestClient) -> None:
    login(web, "desk-H44010000001")
    setl_id = hospital_settles(web, PATIENT.id_number, PATIENT.name).rsplit("/", 1)[1]
    login(web, PATIENT.id_number)
    r = web.get(f"/api/v1/me/settlements/{setl_id}/estimate")
    assert r.status_code == 404 and r.json()["error"]["code"] == "MY_ESTIMATE_NOT_FOUND"
    assert 'id="estimate-beside"' not in web.get(f"/me/settlements/{setl_id}").text
    login(web, person("post_hoc"))  # someone else: not even that it exists
    r = web.get(f"/api/v1/me/settlements/{setl_id}/estimate")
    assert r.status_code == 404 and r.json()["error"]["code"] == "MY_SETTLEMENT_NOT_FOUND"


def test_the_estimate_page_keeps_a_signed_in_persons_estimate(web: TestClient) -> None:
    form = web.get("/estimate").text
    data = dict(re.findall(r'<input id="f-\w+" name="(\w+)" type="text" value="([^"]*)"', form))
    body = {"insured_region": "369900", "scheme": "EMPLOYEE", "hospital": "H44010000001", "visit_type": "INPATIENT",
            "filed": "true", "filing_type": "OTHER_TEMPORARY", "lines": "S001, 2, 60", **data}
    anonymous = web.post("/estimate", data=body)
    assert 'id="estimate"' in anonymous.text and 'id="estimate-kept"' not in anonymous.text
    login(web, PATIENT.id_number)
    page = web.get("/estimate").text
    r = web.post("/estimate", data={**body, "csrf": csrf_of(page)})
    assert r.status_code == 200 and 'id="estimate-kept"' in r.text, r.text[:3000]
    [kept] = web.get("/api/v1/me/estimates").json()["items"]
    assert kept["medfee_sumamt"] == "120.00"  # 2 x 60.00
