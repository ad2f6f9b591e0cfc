"""zh pages speak in words (issue 19): no internal codes in the visible text of each role's pages, the same
labels in English mode, region names beside codes, an HTML 404 page for unknown page addresses, a favicon."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.web.codes import internal_codes, visible_text
from tests.web.conftest import login, person
from tests.web.test_pages import hospital_settles
from yidi.demo.dataset import PERSONS

PATIENT = next(x for x in PERSONS if x.key == "chronic_retiree")
PUBLIC = ("/", "/advice?q=我是南昌的医保，现在在广州住院，没备案", "/estimate", "/hospitals?region=440100", "/login")
PERSON = ("/me/filings", "/me/filings/new", "/me/relatives", "/me/claims", "/me/claims/new", "/me/settlements")
AGENCY = ("/agency/claims", "/agency/filings", "/agency/clearing", "/agency/policies", "/agency/payments",
          "/agency/simulate")


def _clean(client: TestClient, url: str) -> str:
    r = client.get(url)
    assert r.status_code < 500, (url, r.status_code)
    text = visible_text(r.text)
    assert internal_codes(text) == [], (url, internal_codes(text))
    return text


def test_every_roles_pages_show_no_internal_codes(web: TestClient) -> None:
    for url in PUBLIC:
        _clean(web, url)
    login(web, "desk-H44010000001")
    setl = hospital_settles(web, PATIENT.id_number, PATIENT.name)
    visit = re.search(r'href="(/desk/visits/[^"]+)"', web.get(setl).text).group(1)  # type: ignore[union-attr]
    for url in ("/desk", "/desk/reconcile", visit, setl, setl + "/slip"):
        _clean(web, url)
    login(web, PATIENT.id_number)
    for url in (*PERSON, "/me/settlements/" + setl.rsplit("/", 1)[1]):
        _clean(web, url)
    filing = re.search(r'href="(/me/filings/BA\w+)"', web.get("/me/filings").text).group(1)  # type: ignore[union-attr]
    assert "广州市 440100" in _clean(web, filing)  # the treatment area with its name
    # refused: the 403 page names the role in words
    text = _clean(web, "/desk")
    assert "您现在以“参保人”身份登录" in text
    for account in ("agency-369900", "admin-369900", "clearing-national"):
        login(web, account)
        for url in AGENCY:
            _clean(web, url)


def test_english_mode_uses_the_same_labels(web: TestClient) -> None:
    login(web, "desk-H44010000001")
    setl = hospital_settles(web, PATIENT.id_number, PATIENT.name)
    web.cookies.set("lang", "en")
    text = visible_text(web.get(setl + "/slip").text)
    assert "inpatient" in text and "employee insurance" in text and "settled" in text
    assert "INPATIENT" not in text and "住院" not in text
    text = visible_text(web.get("/advice?q=我是南昌的医保，现在在广州住院，没备案").text)
    assert "INPATIENT" not in text and "EMPLOYEE" not in text


@pytest.mark.parametrize("url", ["/no/such/page", "/me/nothing-here", "/desk/nothing-here"])
def test_an_unknown_page_gets_a_page(web: TestClient, url: str) -> None:
    r = web.get(url)
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "找不到这个页面" in r.text and internal_codes(visible_text(r.text)) == []


def test_api_and_static_addresses_keep_json(web: TestClient) -> None:
    r = web.get("/api/v1/no-such-thing")
    assert r.status_code == 404 and r.json()["error"]["code"] == "NOT_FOUND"
    assert web.get("/static/none.css").headers["content-type"].startswith("application/json")


def test_favicon(web: TestClient) -> None:
    r = web.get("/favicon.ico")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml") and b"<svg" in r.content
    assert 'rel="icon"' in web.get("/").text


def test_a_refused_staff_member_reads_role_and_duties_in_words(web: TestClient) -> None:
    login(web, "admin-369900")
    r = web.get("/agency/claims")  # review belongs to reviewers
    text = visible_text(r.text)
    assert r.status_code == 403 and "经办机构" in text and "管理" in text and internal_codes(text) == []
    login(web, person("post_hoc"))
    assert web.get("/agency/claims").status_code == 403
