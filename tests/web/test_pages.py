"""Fast page tests (TestClient): every page renders, no 500, forms answer with the stable error codes and
Chinese messages, and the flows work end to end without JavaScript (plain form posts)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import TODAY, csrf_of, login, person

PUBLIC = ["/", "/advice", "/advice?q=备案需要哪些材料", "/hospitals", "/hospitals?region=440100&level=L3",
          "/estimate", "/login", "/static/app.css", "/static/app.js"]


@pytest.mark.parametrize("url", PUBLIC)
def test_public_pages_render(web: TestClient, url: str) -> None:
    r = web.get(url)
    assert r.status_code == 200, r.text[:500]


def test_start_page_asks_and_shows_demo_accounts(web: TestClient) -> None:
    html = web.get("/").text
    assert "医保异地怎么报销" in html
    assert 'lang="zh-CN"' in html
    assert html.count('data-role="') == 4  # a demo account per role (two persons)
    for role in ("person", "hospital", "agency"):
        assert f'data-role="{role}"' in html


@pytest.mark.parametrize("url", ["/me/filings", "/me/filings/new", "/me/claims", "/desk", "/desk/reconcile",
                                 "/agency/claims", "/agency/filings", "/agency/clearing", "/agency/policies"])
def test_signed_out_pages_send_to_login(web: TestClient, url: str) -> None:
    r = web.get(url)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")


def test_wrong_role_is_refused_with_a_page(as_person: TestClient) -> None:
    r = as_person.get("/desk")
    assert r.status_code == 403 and "ROLE_NOT_ALLOWED" in r.text and "<html" in r.text


def test_preferences_english_and_large_text(web: TestClient) -> None:
    r = web.get("/prefs?lang=en&large=1&next=/")
    assert r.status_code == 303 and r.headers["location"] == "/"
    html = web.get("/").text
    assert 'lang="en"' in html and 'class="large"' in html and "Ask" in html
    assert web.get("/prefs?next=https://evil.example").headers["location"] == "/"


def test_post_without_csrf_is_refused(as_person: TestClient) -> None:
    r = as_person.post("/me/filings", data={"type": "OTHER_TEMPORARY", "treatment_area": "440100"})
    assert r.status_code == 403 and "CSRF_INVALID" in r.text


def test_login_rejects_unknown_account(web: TestClient) -> None:
    token = csrf_of(web.get("/login").text)
    r = web.post("/login", data={"role": "agency", "subject": "110100", "csrf": token})
    assert r.status_code == 401 and "LOGIN_UNKNOWN" in r.text and "没有这个演示账号" in r.text


# ------------------------------------------------------------------------------------------ advisor


def plan_status(html: str) -> str:
    m = re.search(r'id="plan" data-status="([A-Z_]+)"', html)
    assert m, html[:2000]
    return m.group(1)


def test_advisor_question_prefills_and_asks_the_rest(web: TestClient) -> None:
    html = web.get("/advice", params={"q": "我妈在北京住院了，没备案，现在还在住院"}).text
    assert "没备案已经住院了怎么办" in html  # the topic found
    assert 'name="filed" value="false"' in html  # carried along to the next step
    assert 'id="question"' in html


def test_advisor_bad_answer_gives_code_and_message(web: TestClient) -> None:
    r = web.get("/advice", params={"insured_region": "12345"})
    assert r.status_code == 422 and "REGION_FORMAT" in r.text


def test_advisor_answers_lead_to_a_plan(web: TestClient) -> None:
    html = web.get("/advice", params={
        "insured_region": "369900", "current_region": "440100", "scheme": "EMPLOYEE", "category": "ACTIVE",
        "visit_type": "INPATIENT", "filed": "false", "reason": "travelling", "treated": "true",
        "paid_in_full": "false"}).text
    assert plan_status(html) == "POSSIBLE_AFTER"
    assert 'data-requires="FILE"' in html and "出院结算前" in html


# ------------------------------------------------------------------------------------------ filings


def test_filing_form_validates_with_codes(as_person: TestClient) -> None:
    page = as_person.get("/me/filings/new").text
    token = csrf_of(page)
    r = as_person.post("/me/filings", data={"csrf": token, "type": "NOPE", "treatment_area": "44",
                                            "materials": ["credential"]})
    assert r.status_code == 422
    assert "FIELD_CHOICE" in r.text and "REGION_FORMAT" in r.text and "取值不在允许范围内" in r.text


def test_validate_as_you_type_endpoint(as_person: TestClient) -> None:
    r = as_person.post("/me/filings/validate", data={"type": "OTHER_TEMPORARY", "treatment_area": "4401",
                                                     "for_whom": "other", "id_number": "3601021956"})
    body = r.json()
    assert body["ok"] is False
    assert body["problems"]["treatment_area"][0]["code"] == "REGION_FORMAT"
    assert {p["code"] for p in body["problems"]["id_number"]} & {"ID_CHECKSUM", "ID_FORMAT", "ID_BIRTH_DATE"}
    assert body["problems"]["consent"][0]["code"] == "CONSENT_REQUIRED"


def test_file_see_cancel(as_person: TestClient) -> None:
    token = csrf_of(as_person.get("/me/filings/new").text)
    r = as_person.post("/me/filings", data={"csrf": token, "for_whom": "self", "type": "OTHER_TEMPORARY",
                                            "treatment_area": "440100", "commitment": "on",
                                            "materials": ["credential", "filing_form", "commitment_letter"]})
    assert r.status_code == 303, r.text[:3000]
    url = r.headers["location"].split("?")[0]
    html = as_person.get(url).text
    assert "其他临时外出就医人员" in html
    assert url.rsplit("/", 1)[1] in as_person.get("/me/filings").text
    r = as_person.post(url + "/cancel", data={"csrf": token, "reason": "行程取消"})
    assert r.status_code == 303
    assert f'data-filing="{url.rsplit("/", 1)[1]}" data-status="CANCELLED"' in as_person.get("/me/filings").text


def test_file_for_a_relative_needs_consent_and_records_it(as_person: TestClient) -> None:
    token = csrf_of(as_person.get("/me/filings/new").text)
    relative = person("beijing_insured")
    data = {"csrf": token, "for_whom": "other", "id_number": relative, "relation": "子女",
            "type": "OTHER_TEMPORARY", "treatment_area": "440100", "commitment": "on",
            "materials": ["credential", "filing_form", "commitment_letter"]}
    r = as_person.post("/me/filings", data=data)
    assert r.status_code == 422 and "CONSENT_REQUIRED" in r.text
    r = as_person.post("/me/filings", data={**data, "consent": "on"})
    assert r.status_code == 200, r.text[:3000]
    assert "子女代办" in r.text and "林小红" in r.text


# ------------------------------------------------------------------------------------------ estimate


def test_estimate_shows_breakdown_and_explanation(web: TestClient) -> None:
    token = csrf_of(web.get("/estimate").text)
    r = web.post("/estimate", data={"csrf": token, "insured_region": "369900", "scheme": "EMPLOYEE",
                                    "hospital": "H44010000001", "visit_type": "INPATIENT", "filed": "true",
                                    "filing_type": "OTHER_TEMPORARY", "lines": "S001, 5, 60\nXA01, 2, 35.5"})
    assert r.status_code == 200, r.text[:3000]
    assert 'id="estimate"' in r.text and "¥" in r.text and "为什么是这个数" in r.text


def test_estimate_bad_line_is_named(web: TestClient) -> None:
    token = csrf_of(web.get("/estimate").text)
    r = web.post("/estimate", data={"csrf": token, "insured_region": "369900", "scheme": "EMPLOYEE",
                                    "hospital": "H44010000001", "visit_type": "INPATIENT", "filed": "false",
                                    "lines": "S001, -5, 60\nonly-code"})
    assert r.status_code == 422 and "第 1 行" in r.text and "LINE_FORMAT" in r.text


def test_estimate_csv_upload(web: TestClient) -> None:
    token = csrf_of(web.get("/estimate").text)
    csv = "项目编码,数量,单价\nS001,3,60\nXA01,1,35.5\n".encode()
    r = web.post("/estimate", data={"csrf": token, "insured_region": "369900", "scheme": "EMPLOYEE",
                                    "hospital": "H44010000001", "visit_type": "INPATIENT", "filed": "false"},
                 files={"upload": ("lines.csv", csv, "text/csv")})
    assert r.status_code == 200, r.text[:3000]
    assert 'id="medfee">¥215.50' in r.text


# ------------------------------------------------------------------------------------------ hospital


def hospital_settles(client: TestClient, id_number: str, name: str) -> str:
    """Check, admit, add lines, pre-settle, settle: returns the settlement page's URL."""
    token = csrf_of(client.get("/desk").text)
    r = client.post("/desk/check", data={"csrf": token, "id_number": id_number, "name": name,
                                         "visit_type": "INPATIENT", "day": TODAY.isoformat()})
    assert r.status_code == 200 and 'data-eligible="true"' in r.text, r.text[:4000]
    r = client.post("/desk/admit", data={"csrf": token, "id_number": id_number, "name": name,
                                         "visit_type": "INPATIENT", "day": TODAY.isoformat()})
    assert r.status_code == 303, r.text[:3000]
    visit = r.headers["location"].split("?")[0]
    r = client.post(visit + "/lines", data={"csrf": token, "lines": "S001, 3, 60, 床位费\nXA01, 2, 35.5"})
    assert r.status_code == 303, r.text[:3000]
    r = client.post(visit + "/pre-settle", data={"csrf": token, "discharge_date": TODAY.isoformat(), "use_account": "on"})
    assert r.status_code == 200 and 'id="quote"' in r.text, r.text[:3000]
    key = re.search(r'name="idempotency_key" value="([^"]+)"', r.text).group(1)  # type: ignore[union-attr]
    r = client.post(visit + "/settle", data={"csrf": token, "idempotency_key": key,
                                             "discharge_date": TODAY.isoformat(), "use_account": "on"})
    assert r.status_code == 303, r.text[:3000]
    again = client.post(visit + "/settle", data={"csrf": token, "idempotency_key": key,
                                                 "discharge_date": TODAY.isoformat(), "use_account": "on"})
    assert again.headers.get("location") == r.headers["location"]  # a double click settles once
    return r.headers["location"].split("?")[0]


def test_hospital_checks_settles_revokes_reconciles(as_hospital: TestClient) -> None:
    from yidi.demo.dataset import PERSONS

    p = next(x for x in PERSONS if x.key == "chronic_retiree")  # long-term filing in Guangzhou
    url = hospital_settles(as_hospital, p.id_number, p.name)
    html = as_hospital.get(url).text
    assert "SETTLED" in html and "为什么是这个数" in html
    token = csrf_of(html)
    r = as_hospital.post("/desk/reconcile", data={"csrf": token, "day": TODAY.isoformat(), "count": "0",
                                                  "medfee_sumamt": "0", "fund_pay_sumamt": "0", "acct_pay": "0",
                                                  "cash_payamt": "0"})
    assert 'data-result="mismatch"' in r.text
    assert as_hospital.post(url + "/revoke", data={"csrf": token, "reason": "录入错误"}).status_code == 303
    assert "REVOKED" in as_hospital.get(url).text


def test_hospital_not_eligible_shows_reasons(as_hospital: TestClient) -> None:
    from yidi.demo.dataset import PERSONS

    p = next(x for x in PERSONS if x.key == "lapsed")
    token = csrf_of(as_hospital.get("/desk").text)
    r = as_hospital.post("/desk/check", data={"csrf": token, "id_number": p.id_number, "name": p.name,
                                              "visit_type": "INPATIENT"})
    assert 'data-eligible="false"' in r.text and "data-reason=" in r.text


def test_hospital_form_errors(as_hospital: TestClient) -> None:
    token = csrf_of(as_hospital.get("/desk").text)
    r = as_hospital.post("/desk/check", data={"csrf": token, "id_number": "123", "name": "某人",
                                              "visit_type": "INPATIENT"})
    assert r.status_code == 422 and "ID_FORMAT" in r.text


# ------------------------------------------------------------------------------------------ agency


@pytest.mark.parametrize("url", ["/agency/claims", "/agency/filings", "/agency/filings?status=ACTIVE",
                                 "/agency/clearing", "/agency/policies", "/agency/policies?region=440300"])
def test_agency_pages_render(as_agency: TestClient, url: str) -> None:
    r = as_agency.get(url)
    assert r.status_code == 200, r.text[:2000]


def test_agency_sees_region_filings_masked(as_agency: TestClient) -> None:
    html = as_agency.get("/agency/filings").text
    assert "张建国" in html and person("retiree_resettled") not in html


def test_policies_show_effective_dates(as_agency: TestClient) -> None:
    html = as_agency.get("/agency/policies?region=360100").text
    assert html.count("data-version=") >= 2 and "现行" in html


def test_clearing_bad_month(as_agency: TestClient) -> None:
    token = csrf_of(as_agency.get("/agency/clearing").text)
    r = as_agency.post("/agency/clearing/run", data={"csrf": token, "month": "2026-13"})
    assert r.status_code == 422 and "<html" in r.text


def test_clearing_runs_and_draws_charts(web: TestClient) -> None:
    from yidi.demo.dataset import PERSONS

    login(web, "hospital", "H44010000001")
    p = next(x for x in PERSONS if x.key == "chronic_retiree")
    hospital_settles(web, p.id_number, p.name)
    login(web, "agency", "369900")
    token = csrf_of(web.get("/agency/clearing").text)
    r = web.post("/agency/clearing/run", data={"csrf": token, "month": TODAY.strftime("%Y-%m")})
    assert r.status_code == 303, r.text[:3000]
    html = web.get(r.headers["location"]).text
    assert 'id="report"' in html and "<svg" in html and "广州" in html
