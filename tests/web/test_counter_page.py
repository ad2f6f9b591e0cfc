"""The pharmacy counter page (issue 17): a pharmacy's desk account pre-settles and settles a purchase with
plain form posts; the receipt is the desk's settlement page; a hospital's account is refused."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.web.conftest import csrf_of, login, person


def test_purchase_at_the_counter(web: TestClient) -> None:
    login(web, "desk-P11010000001")  # 北京某大药房（示例，双通道）
    page = web.get("/counter")
    assert page.status_code == 200 and "药店购药结算" in page.text
    form = {"csrf": csrf_of(page.text), "id_number": person("long_term_resident"), "name": "李秀英",
            "lines": "XC08CAA020, 2, 30.00", "use_account": "on",
            "msgid": re.search(r'name="msgid" value="(\w+)"', page.text).group(1),  # type: ignore[union-attr]
            "idempotency_key": re.search(r'name="idempotency_key" value="(\w+)"', page.text).group(1)}  # type: ignore[union-attr]
    r = web.post("/counter", data=form)
    assert r.status_code == 200, r.text[:2000]
    # 2 x 30.00 = 60.00; Jiangxi lets only the personal account pay at a pharmacy: fund 0.00, account 60.00
    assert 'id="fund">¥0.00<' in r.text and 'id="acct">¥60.00<' in r.text, r.text[-3000:]
    assert "只能使用个人账户支付" in r.text
    again = web.post("/counter", data=form)  # the same form twice: the same purchase
    mdtrt = re.search(r'action="/counter/(\w+)/settle"', r.text).group(1)  # type: ignore[union-attr]
    assert f"/counter/{mdtrt}/settle" in again.text
    s = web.post(f"/counter/{mdtrt}/settle", data={"csrf": csrf_of(r.text), "idempotency_key": form["idempotency_key"],
                                                  "use_account": "on"})
    assert s.status_code == 303 and s.headers["location"].startswith("/desk/settlements/"), s.text[:1000]
    assert web.get(s.headers["location"].split("?")[0]).status_code == 200


def test_a_hospital_desk_is_refused(web: TestClient) -> None:
    login(web, "desk-H11010000001")
    r = web.get("/counter")
    assert r.status_code == 403 and "<html" in r.text
