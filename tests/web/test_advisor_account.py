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
