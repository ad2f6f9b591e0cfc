"""A person's purchases at pharmacies (issue 17): GET /api/v1/me/purchases and the page /me/purchases list only
the settlements made at a 定点零售药店; each opens its receipt (the settlement's slip, with what was bought, the
breakdown and its explanation); a relative with a confirmed link sees them too, nobody else does.

李秀英 (insured in 369900, employee, long-term filing to Beijing) buys at the Beijing pharmacy P11010000001 at the
counter: 2 x 30.00 of amlodipine = 60.00; Jiangxi lets only the personal account pay at a pharmacy elsewhere,
so the fund pays 0.00 and the account 60.00. A hospital visit of hers would not be listed here.
"""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.web.codes import internal_codes, visible_text
from tests.web.conftest import csrf_of, login, person
from tests.web.test_pages import hospital_settles

BUYER = person("long_term_resident")


def _bought(web: TestClient) -> str:
    """A purchase settled at the counter of P11010000001; its settlement id."""
    login(web, "desk-P11010000001")
    page = web.get("/counter")
    form = {"csrf": csrf_of(page.text), "id_number": BUYER, "name": "李秀英",
            "lines": "XC08CAA020, 2, 30.00", "use_account": "on",
            "msgid": re.search(r'name="msgid" value="(\w+)"', page.text).group(1),  # type: ignore[union-attr]
            "idempotency_key": re.search(r'name="idempotency_key" value="(\w+)"', page.text).group(1)}  # type: ignore[union-attr]
    r = web.post("/counter", data=form)
    mdtrt = re.search(r'action="/counter/(\w+)/settle"', r.text).group(1)  # type: ignore[union-attr]
    s = web.post(f"/counter/{mdtrt}/settle", data={"csrf": csrf_of(r.text), "idempotency_key": form["idempotency_key"],
                                                  "use_account": "on"})
    assert s.status_code == 303, s.text[:1000]
    return s.headers["location"].split("?")[0].rsplit("/", 1)[1]


def test_my_purchases_and_the_receipt(web: TestClient) -> None:
    setl_id = _bought(web)
    login(web, "desk-H11010000001")
    visit = hospital_settles(web, BUYER, "李秀英").rsplit("/", 1)[1]  # a hospital visit: not a purchase
    login(web, BUYER)

    body = web.get("/api/v1/me/purchases").json()
    assert body["person_name"] == "李秀英" and BUYER not in str(body)  # the ID number masked
    [item] = body["items"]
    assert item["setl_id"] == setl_id and item["at_pharmacy"] is True and item["institution"] == "P11010000001"
    assert (item["medfee_sumamt"], item["fund_pay_sumamt"], item["acct_pay"], item["psn_cash_pay"]) == (
        "60.00", "0.00", "60.00", "0.00")
    # the receipt is the settlement's slip: the breakdown with the rule that explains it
    slip = web.get(item["slip"]).json()
    assert any(s["rule"] == "pharmacy.account_only" for s in slip["breakdown"]["steps"])
    every = {i["setl_id"]: i["at_pharmacy"] for i in web.get("/api/v1/me/settlements").json()["items"]}
    assert every == {setl_id: True, visit: False}  # the settlements list keeps both

    html = web.get("/me/purchases").text
    assert f'data-setl="{setl_id}"' in html and f'data-setl="{visit}"' not in html
    assert "药店购药" in html and f'href="/me/purchases/{setl_id}"' in html and "查看购药结算单" in html
    assert internal_codes(visible_text(html)) == []
    receipt = web.get(f"/me/purchases/{setl_id}").text
    face = receipt.split('<details class="audit')[0]
    assert "购药结算单" in face and 'id="slip-lines"' in face and "¥60.00" in face
    assert "只能使用个人账户支付" in face  # the explanation step, in words
    assert 'href="/me/purchases"' in receipt and f'href="/me/purchases/{setl_id}?paper=80mm"' in receipt
    assert internal_codes(visible_text(face)) == []


def test_purchases_are_the_persons_own(web: TestClient) -> None:
    setl_id = _bought(web)
    login(web, person("post_hoc"))  # somebody else
    assert web.get("/api/v1/me/purchases").json()["items"] == []
    assert f'data-setl="{setl_id}"' not in web.get("/me/purchases").text
    r = web.get("/api/v1/me/purchases", params={"id_number": BUYER})  # no link to her
    assert r.status_code == 403 and r.json()["error"]["code"] == "MAY_NOT_ACT_FOR_PERSON"
    assert web.get(f"/me/purchases/{setl_id}").status_code == 404
