"""Fast page tests (TestClient): every page renders, no 500, forms answer with the stable error codes and
Chinese messages, and the flows work end to end without JavaScript (plain form posts)."""

from __future__ import annotations

import dataclasses
import re
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import TODAY, csrf_of, login, person
from yidi.app import create_app
from yidi.demo.accounts import DEMO_PASSWORD
from yidi.domain.ids import mask_id
from yidi.services.context import Context

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
    for role in ("person", "hospital", "agency", "clearing"):
        assert f'data-role="{role}"' in html
    # each demo button submits a user name and the demo password through the one login form
    assert html.count('name="password" value="yidi-demo-2026"') == html.count('data-role="') >= 6
    assert 'name="username" value="reviewer-369900"' in html and 'name="username" value="payer-369900"' in html


def test_demo_accounts_only_in_the_demo(ctx: Context) -> None:
    real = Context(ctx.engine, ctx.sessions, dataclasses.replace(ctx.packs, sample=False), ctx.today)
    with TestClient(create_app(ctx=real), follow_redirects=False) as c:
        for url in ("/", "/login"):
            html = c.get(url).text
            assert 'data-role="' not in html and "yidi-demo-2026" not in html
        assert 'name="username"' in c.get("/login").text and 'type="password"' in c.get("/login").text


@pytest.mark.parametrize("url", ["/me/filings", "/me/filings/new", "/me/claims", "/desk", "/desk/reconcile",
                                 "/agency/claims", "/agency/filings", "/agency/clearing", "/agency/policies",
                                 "/agency/payments", "/me/claims/BX1"])
def test_signed_out_pages_send_to_login(web: TestClient, url: str) -> None:
    r = web.get(url)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next="), r.text[:300]
    assert unquote(r.headers["location"].split("next=", 1)[1]) == url
    assert "<html" in web.get(r.headers["location"]).text


def test_signed_out_form_post_sends_to_login(web: TestClient) -> None:
    r = web.post("/me/filings", data={"type": "OTHER_TEMPORARY"}, headers={"referer": "http://testserver/me/filings/new"})
    assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fme%2Ffilings%2Fnew"


def test_api_still_answers_json_401(web: TestClient) -> None:
    r = web.get("/api/v1/filings")
    assert r.status_code == 401 and r.json()["error"]["code"] == "AUTH_REQUIRED"


def test_wrong_role_is_refused_with_a_page(as_person: TestClient) -> None:
    r = as_person.get("/desk")
    assert r.status_code == 403 and "ROLE_NOT_ALLOWED" in r.text and "<html" in r.text


@pytest.mark.parametrize(("user", "allowed", "refused", "home"), [
    ("reviewer-369900", ["/agency/claims", "/agency/filings", "/agency/clearing", "/agency/policies"],
     ["/agency/payments", "/desk", "/me/filings"], "/agency/claims"),
    ("payer-369900", ["/agency/payments", "/agency/clearing", "/agency/filings"], ["/agency/claims"], "/agency/payments"),
    ("admin-369900", ["/agency/clearing", "/agency/policies"], ["/agency/claims", "/agency/payments"], "/agency/clearing"),
    ("clearing-national", ["/agency/clearing"], ["/agency/claims", "/agency/filings", "/agency/policies", "/desk"],
     "/agency/clearing"),
    ("desk-H44010000001", ["/desk", "/desk/reconcile"], ["/agency/clearing", "/me/claims"], "/desk"),
])
def test_pages_follow_the_registry_per_role_and_duty(web: TestClient, user: str, allowed: list[str],
                                                      refused: list[str], home: str) -> None:
    r = web.post("/login", data={"username": user, "password": DEMO_PASSWORD})
    assert r.status_code == 303 and r.headers["location"] == home
    for url in allowed:
        assert web.get(url).status_code == 200, url
    for url in refused:
        r = web.get(url)
        assert r.status_code == 403 and "ROLE_NOT_ALLOWED" in r.text and "<html" in r.text, url
    menu = web.get(home).text.split('<main', 1)[0]
    for url in refused:
        assert f'href="{url}"' not in menu  # the menu offers only what the registry allows


def test_post_without_csrf_is_refused(as_person: TestClient) -> None:
    r = as_person.post("/me/filings", data={"type": "OTHER_TEMPORARY", "treatment_area": "440100"})
    assert r.status_code == 403 and "CSRF_FAILED" in r.text and "<html" in r.text
    r = as_person.post("/me/filings", data={"csrf": "forged", "type": "OTHER_TEMPORARY"})
    assert r.status_code == 403 and "CSRF_FAILED" in r.text


def test_cross_site_post_is_refused(as_person: TestClient) -> None:
    token = csrf_of(as_person.get("/me/filings/new").text)
    r = as_person.post("/me/filings", data={"csrf": token, "type": "OTHER_TEMPORARY"},
                       headers={"origin": "https://evil.example"})
    assert r.status_code == 403 and "CSRF_FAILED" in r.text


def test_login_with_user_name_and_password(web: TestClient) -> None:
    r = web.post("/login", data={"username": person("post_hoc"), "password": DEMO_PASSWORD, "next": "/me/claims"})
    assert r.status_code == 303 and r.headers["location"] == "/me/claims"
    assert set(web.cookies.keys()) == {"yidi_session"}  # the one session cookie; no page cookie of its own
    html = web.get("/me/claims").text
    assert csrf_of(html)
    # the same session works on the API: one mechanism for every door
    me = web.get("/api/v1/auth/me").json()
    assert me["role"] == "person" and me["user"] == person("post_hoc")


def test_login_rejects_a_wrong_password(web: TestClient) -> None:
    r = web.post("/login", data={"username": "agency-369900", "password": "not-the-password"})
    assert r.status_code == 401 and "LOGIN_FAILED" in r.text and "用户名或密码错误" in r.text
    assert 'value="agency-369900"' in r.text and "yidi_session" not in web.cookies
    r = web.post("/login", data={"username": "", "password": ""})
    assert r.status_code == 422 and r.text.count("FIELD_MISSING") >= 2


def test_login_from_another_site_is_refused(web: TestClient) -> None:
    r = web.post("/login", data={"username": "agency-369900", "password": DEMO_PASSWORD},
                 headers={"origin": "https://evil.example"})
    assert r.status_code == 403 and "CSRF_FAILED" in r.text and "yidi_session" not in web.cookies


def test_hospital_desk_accounts_name_a_known_institution(ctx: Context) -> None:
    from yidi.domain.errors import YidiError
    from yidi.services import accounts

    with pytest.raises(YidiError) as err:
        accounts.create_user(ctx, "desk-x", "long-enough-pw", accounts.AccountRole.HOSPITAL, "H00000000000")
    assert err.value.code == "INSTITUTION_NOT_FOUND"
    assert accounts.create_user(ctx, "desk-2", "long-enough-pw", accounts.AccountRole.HOSPITAL, "H36010000001") > 0


def test_api_session_login_opens_the_pages(web: TestClient) -> None:
    r = web.post("/api/v1/auth/session", json={"username": "desk-H44010000001", "password": DEMO_PASSWORD})
    assert r.status_code == 200 and r.json()["role"] == "hospital"
    assert web.get("/desk").status_code == 200


def test_logout_ends_the_session(as_person: TestClient) -> None:
    sid = as_person.cookies.get("yidi_session")
    token = csrf_of(as_person.get("/me/filings").text)
    assert as_person.post("/logout", data={}).status_code == 403  # logout needs the CSRF token too
    r = as_person.post("/logout", data={"csrf": token})
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert "yidi_session" not in as_person.cookies
    as_person.cookies.set("yidi_session", sid or "")  # the old cookie opens nothing any more
    assert as_person.get("/me/filings").status_code == 303


def test_switching_accounts_ends_the_previous_session(as_person: TestClient) -> None:
    old = as_person.cookies.get("yidi_session")
    login(as_person, "agency-369900")
    assert as_person.cookies.get("yidi_session") != old
    as_person.cookies.set("yidi_session", old or "")
    assert as_person.get("/me/filings").status_code == 303


def test_preferences_english_and_large_text(web: TestClient) -> None:
    r = web.get("/prefs?lang=en&large=1&next=/")
    assert r.status_code == 303 and r.headers["location"] == "/"
    html = web.get("/").text
    assert 'lang="en"' in html and 'class="large"' in html and "Ask" in html
    assert web.get("/prefs?next=https://evil.example").headers["location"] == "/"


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
    token = csrf_of(as_person.get("/me/filings/new").text)  # the script posts the whole form, token included
    r = as_person.post("/me/filings/validate", data={"csrf": token, "type": "OTHER_TEMPORARY",
                                                     "treatment_area": "4401", "for_whom": "self"})
    body = r.json()
    assert body["ok"] is False
    assert body["problems"]["treatment_area"][0]["code"] == "REGION_FORMAT"


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


def test_file_for_a_relative_after_they_confirm_the_link(as_person: TestClient) -> None:
    """黄勇 asks 林小红 (his mother, say) for a family link; she confirms; he files for her and follows it;
    she ends the link and he can no longer open it."""
    web, relative = as_person, person("beijing_insured")
    page = web.get("/me/relatives")
    assert page.status_code == 200 and "我的家人" in page.text and "还没有已确认的家人" in page.text
    token = csrf_of(page.text)
    data = {"csrf": token, "type": "OTHER_TEMPORARY", "treatment_area": "440100", "commitment": "on",
            "materials": ["credential", "filing_form", "commitment_letter"]}
    # no link yet: the form offers only 本人, and a forged choice is refused without filing anything
    assert 'name="for_whom" value="GL' not in web.get("/me/filings/new").text
    r = web.post("/me/filings", data={**data, "for_whom": "GL20260310AAAAAAAAAA"})
    assert r.status_code == 403 and "MAY_NOT_ACT_FOR_PERSON" in r.text
    r = web.post("/me/relatives", data={"csrf": token, "id_number": relative, "name": "林小红", "relationship": "PARENT"})
    assert r.status_code == 303 and r.headers["location"] == "/me/relatives?done=sent"
    assert "对方登录后会在“我的家人”中看到您的请求" in web.get("/me/relatives?done=sent").text
    login(web, relative)
    html = web.get("/me/relatives").text
    assert "等待我确认" in html and "黄勇请求作为您的子女" in html
    link_id = re.search(r'action="/me/relatives/(GL\w+)/confirm"', html).group(1)  # type: ignore[union-attr]
    assert web.post(f"/me/relatives/{link_id}/confirm", data={"csrf": csrf_of(html)}).status_code == 303
    login(web, person("post_hoc"))
    form = web.get("/me/filings/new").text
    assert f'value="{link_id}"' in form and "为家人 林小红（父母）" in form
    r = web.post("/me/filings", data={**data, "csrf": csrf_of(form), "for_whom": link_id})
    assert r.status_code == 303, r.text[:3000]
    url = r.headers["location"].split("?")[0]
    shown = web.get(url).text
    assert "林小红" in shown and "家人代办（已确认家人关联）" in shown
    assert url.rsplit("/", 1)[1] in web.get("/me/filings").text
    login(web, relative)
    assert "家人代办" in web.get(url).text  # hers, and she sees who filed it
    html = web.get("/me/relatives").text
    assert web.post(f"/me/relatives/{link_id}/revoke", data={"csrf": csrf_of(html)}).status_code == 303
    login(web, person("post_hoc"))
    assert web.get(url).status_code == 404
    assert f'value="{link_id}"' not in web.get("/me/filings/new").text


def test_family_page_answers_alike_and_names_bad_input(as_person: TestClient) -> None:
    token = csrf_of(as_person.get("/me/relatives").text)
    r = as_person.post("/me/relatives", data={"csrf": token, "id_number": "123", "name": "某人", "relationship": "PARENT"})
    assert r.status_code == 422 and 'data-code="ID_FORMAT"' in r.text and 'aria-invalid="true"' in r.text
    for id_number, name in ((person("beijing_insured"), "别人"), ("11010519870521990X", "林小红")):
        r = as_person.post("/me/relatives", data={"csrf": token, "id_number": id_number, "name": name,
                                                  "relationship": "SPOUSE"})
        assert r.status_code == 303 and r.headers["location"] == "/me/relatives?done=sent"


# ------------------------------------------------------------------------------------------ estimate


def test_estimate_shows_breakdown_and_explanation(as_person: TestClient) -> None:
    token = csrf_of(as_person.get("/estimate").text)  # signed in: the form carries the session's token
    r = as_person.post("/estimate", data={"csrf": token, "insured_region": "369900", "scheme": "EMPLOYEE",
                                          "hospital": "H44010000001", "visit_type": "INPATIENT", "filed": "true",
                                          "filing_type": "OTHER_TEMPORARY", "lines": "S001, 5, 60\nXA01, 2, 35.5"})
    assert r.status_code == 200, r.text[:3000]
    assert 'id="estimate"' in r.text and "¥" in r.text and "为什么是这个数" in r.text


def test_estimate_bad_line_is_named(web: TestClient) -> None:
    r = web.post("/estimate", data={"insured_region": "369900", "scheme": "EMPLOYEE",
                                    "hospital": "H44010000001", "visit_type": "INPATIENT", "filed": "false",
                                    "lines": "S001, -5, 60\nonly-code"})
    assert r.status_code == 422 and "第 1 行" in r.text and "LINE_FORMAT" in r.text


def test_estimate_csv_upload(web: TestClient) -> None:
    csv = "项目编码,数量,单价\nS001,3,60\nXA01,1,35.5\n".encode()
    r = web.post("/estimate", data={"insured_region": "369900", "scheme": "EMPLOYEE",
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


def test_desk_refuses_a_second_admission_and_names_the_open_one(as_hospital: TestClient) -> None:
    from yidi.demo.dataset import PERSONS

    p = next(x for x in PERSONS if x.key == "post_hoc")  # admitted here two days ago, not discharged
    token = csrf_of(as_hospital.get("/desk").text)
    r = as_hospital.post("/desk/admit", data={"csrf": token, "id_number": p.id_number, "name": p.name,
                                              "visit_type": "INPATIENT", "day": TODAY.isoformat()})
    assert r.status_code == 409 and "ADMISSION_ALREADY_OPEN" in r.text
    assert "就诊号 MD" in r.text and "出院结算" in r.text


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
    pid = person("retiree_resettled")  # 张建国
    assert mask_id(pid) in html and pid not in html


def test_policies_show_effective_dates(as_agency: TestClient) -> None:
    html = as_agency.get("/agency/policies?region=360100").text
    assert html.count("data-version=") >= 2 and "现行" in html


def test_clearing_bad_month(as_agency: TestClient) -> None:
    token = csrf_of(as_agency.get("/agency/clearing").text)
    r = as_agency.post("/agency/clearing/run", data={"csrf": token, "month": "2026-13"})
    assert r.status_code == 422 and "<html" in r.text


def test_clearing_runs_and_draws_charts(web: TestClient, ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    from yidi.demo.dataset import PERSONS

    login(web, "desk-H44010000001")
    p = next(x for x in PERSONS if x.key == "chronic_retiree")
    hospital_settles(web, p.id_number, p.name)
    monkeypatch.setattr(ctx, "today", lambda: TODAY.replace(month=TODAY.month + 1, day=1))  # the month has ended
    login(web, "admin-369900")  # running a clearing is an administrator's duty
    token = csrf_of(web.get("/agency/clearing").text)
    r = web.post("/agency/clearing/run", data={"csrf": token, "month": TODAY.strftime("%Y-%m")})
    assert r.status_code == 303, r.text[:3000]
    html = web.get(r.headers["location"]).text
    assert 'id="report"' in html and "<svg" in html and "广州" in html
    # the clearing operator sees the whole month (not one region's part) and cannot reach the agency's pages
    login(web, "clearing-national")
    html = web.get(r.headers["location"]).text
    assert 'id="report"' in html and "本区清算线" not in html and "清算线" in html
    assert 'id="run-form"' in html  # clearing operators run months too


def test_payments_page_for_payers(web: TestClient) -> None:
    login(web, "payer-369900")
    html = web.get("/agency/payments").text
    assert 'id="waiting-count">0<' in html
    r = web.post("/agency/payments", data={"csrf": csrf_of(html)})
    assert r.status_code == 422 and "BATCH_EMPTY" in r.text and "<html" in r.text
    assert web.get("/agency/payments/PB1").status_code == 404


def test_simulate_page_for_administrators(web: TestClient) -> None:
    login(web, "admin-369900")
    html = web.get("/agency/simulate").text
    assert 'href="/agency/simulate"' in html and 'id="simulate-form"' in html
    form = {"csrf": csrf_of(html), "from_month": "2026-01", "to_month": "2026-12", "settlements": "300", "seed": "2"}
    r = web.post("/agency/simulate", data=form)
    assert r.status_code == 200, r.text[:2000]
    assert 'id="result"' in r.text and "<svg" in r.text and 'id="pay-more"' in r.text
    r = web.post("/agency/simulate", data=form | {"settlements": "50"})
    assert r.status_code == 422 and "SIMULATE_SIZE_INVALID" in r.text
    r = web.post("/agency/simulate", data=form | {"to_month": "2025-01"})
    assert r.status_code == 422 and "SIMULATE_PERIOD_INVALID" in r.text


def test_simulate_page_refused_for_reviewers(web: TestClient) -> None:
    login(web, "reviewer-369900")
    assert 'href="/agency/simulate"' not in web.get("/agency/claims").text
    assert web.get("/agency/simulate").status_code == 403


def test_a_pending_filing_offers_cancel_to_the_person_and_review_to_the_agency(ctx: Context, web: TestClient) -> None:
    """In a region that reviews filings, 黄勇's filing waits for the agency (PENDING_REVIEW): he can still change or
    cancel it from its page, and the agency's list shows approve / reject on its row; once approved the row has
    no review form any more."""
    pol = ctx.packs.policies["369900"]
    versions = [v.model_copy(update={"filing": v.filing.model_copy(update={"review_required": True})})
                for v in pol.versions]
    # a changed copy for this test's context: the sample packs are shared by the whole session
    ctx.packs = dataclasses.replace(ctx.packs, policies={**ctx.packs.policies,
                                                        "369900": pol.model_copy(update={"versions": versions})})
    login(web, person("post_hoc"))
    token = csrf_of(web.get("/me/filings/new").text)
    r = web.post("/me/filings", data={"csrf": token, "for_whom": "self", "type": "OTHER_TEMPORARY",
                                      "treatment_area": "440100", "commitment": "on",
                                      "materials": ["credential", "filing_form", "commitment_letter"]})
    assert r.status_code == 303, r.text[:3000]
    url = r.headers["location"].split("?")[0]
    filing_id = url.rsplit("/", 1)[1]
    page = web.get(url).text
    assert f'action="/me/filings/{filing_id}/cancel"' in page and "变更备案" in page
    web.cookies.clear()
    login(web, "agency-369900")
    review = f'action="/agency/filings/{filing_id}/review"'
    listing = web.get("/agency/filings").text
    assert listing.count(review) == 2  # approve and reject
    r = web.post(f"/agency/filings/{filing_id}/review", data={"csrf": csrf_of(listing), "approve": "yes"})
    assert r.status_code == 303, r.text[:2000]
    assert review not in web.get("/agency/filings").text


@pytest.mark.parametrize(("url", "zh", "en"), [
    ("/desk", ">住院<", ">inpatient<"),
    ("/me/filings/new", ">其他临时外出就医人员<", ">other temporary trip<"),
])
def test_form_options_follow_the_page_language(web: TestClient, url: str, zh: str, en: str) -> None:
    login(web, "desk-H44010000001" if url == "/desk" else person("post_hoc"))
    assert zh in web.get(url).text
    web.cookies.set("lang", "en")
    page = web.get(url).text
    assert en in page and zh not in page
