"""A person's settlement history and the slip they take home (issue 19): API, pages, who may see what."""

from __future__ import annotations

import re
from decimal import Decimal

from fastapi.testclient import TestClient

from tests.web.conftest import csrf_of, login, person
from tests.web.test_pages import hospital_settles
from yidi.demo.dataset import PERSONS
from yidi.domain.family import Relationship
from yidi.services import family
from yidi.services.access import Principal, Role
from yidi.services.context import Context

PATIENT = next(x for x in PERSONS if x.key == "chronic_retiree")  # 郑丽, long-term filing in Guangzhou
HOSPITAL_NAME_RE = re.compile(r'<strong>([^<]+)</strong> <span class="badge')


def _settled(web: TestClient) -> str:
    login(web, "desk-H44010000001")
    url = hospital_settles(web, PATIENT.id_number, PATIENT.name)
    return url.rsplit("/", 1)[1]


def test_my_settlements_list_and_slip(web: TestClient) -> None:
    setl_id = _settled(web)
    login(web, PATIENT.id_number)
    body = web.get("/api/v1/me/settlements").json()
    assert body["person_name"] == "郑丽" and PATIENT.id_number not in str(body)  # the ID number stays masked
    [item] = body["items"]
    # the desk typed S001 3 x 60.00 and XA01 2 x 35.50: 180.00 + 71.00 = 251.00
    assert item["setl_id"] == setl_id and item["medfee_sumamt"] == "251.00" and item["status"] == "SETTLED"
    assert item["institution_name"] and item["institution_name"] != item["institution"]
    fund, share = Decimal(item["fund_pay_sumamt"]), Decimal(item["psn_part_amt"])
    assert fund + share == Decimal("251.00")  # what the funds pay and what is left to the person
    assert Decimal(item["acct_pay"]) + Decimal(item["psn_cash_pay"]) == share

    html = web.get("/me/settlements").text
    assert f'data-setl="{setl_id}"' in html and "已结算" in html and "SETTLED" not in html.split('data-status')[0]
    assert f'href="/me/settlements/{setl_id}"' in html
    slip = web.get(f"/me/settlements/{setl_id}").text
    face = slip.split('<details class="audit')[0]
    assert 'id="slip-patient">郑丽<' in face and item["institution_name"] in face
    assert "个人账户支付" in face and "统筹基金" in face and "¥251.00" in face
    for internal in ("fulamt_ownpay_amt", "psn_cash_pay", "EMPLOYEE", "INPATIENT", "schemes.", "LONG_TERM"):
        assert internal not in face, internal
    assert "fulamt_ownpay_amt" in slip  # kept for auditors, in the fold
    assert "广州市 440100" in face  # a region with its name
    assert 'href="/me/settlements/' + setl_id + '?paper=80mm"' in slip


def test_slip_is_the_persons_own(web: TestClient) -> None:
    setl_id = _settled(web)
    login(web, person("post_hoc"))  # somebody else
    assert web.get("/api/v1/me/settlements").json()["items"] == []
    r = web.get(f"/api/v1/me/settlements/{setl_id}")
    assert r.status_code == 404 and r.json()["error"]["code"] == "MY_SETTLEMENT_NOT_FOUND"
    assert web.get("/api/v1/me/settlements/S20990101NOPE").json()["error"]["code"] == "MY_SETTLEMENT_NOT_FOUND"  # alike
    r = web.get(f"/me/settlements/{setl_id}")
    assert r.status_code == 404 and "<html" in r.text and "郑丽" not in r.text
    r = web.get("/api/v1/me/settlements", params={"id_number": PATIENT.id_number})
    assert r.status_code == 403 and r.json()["error"]["code"] == "MAY_NOT_ACT_FOR_PERSON"


def test_a_relative_who_confirmed_the_link_is_seen(web: TestClient, ctx: Context) -> None:
    setl_id = _settled(web)
    child = person("post_hoc")
    family.request_link(ctx, Principal(Role.PERSON, child), PATIENT.id_number, PATIENT.name, Relationship.PARENT)
    link_id = family.my_family(ctx, Principal(Role.PERSON, PATIENT.id_number)).awaiting_me[0].link.link_id
    login(web, child)
    assert web.get(f"/me/settlements?relative={link_id}").status_code == 403  # not confirmed yet
    family.confirm(ctx, Principal(Role.PERSON, PATIENT.id_number), link_id)
    html = web.get(f"/me/settlements?relative={link_id}").text
    assert f'data-setl="{setl_id}"' in html and 'id="whose"' in html
    assert web.get("/api/v1/me/settlements", params={"id_number": PATIENT.id_number}).json()["items"][0]["setl_id"] == setl_id
    assert "郑丽" in web.get(f"/me/settlements/{setl_id}").text


def test_desk_prints_the_slip_and_the_revoke_reason(web: TestClient) -> None:
    setl_id = _settled(web)
    html = web.get(f"/desk/settlements/{setl_id}").text
    assert f'href="/desk/settlements/{setl_id}/slip"' in html
    assert web.post(f"/desk/settlements/{setl_id}/revoke", data={"csrf": csrf_of(html), "reason": "录入错误"}).status_code == 303
    slip = web.get(f"/desk/settlements/{setl_id}/slip?paper=80mm").text
    assert 'id="revoke-reason">录入错误<' in slip and "已撤销" in slip and "paper-80mm" in slip
    assert web.get("/desk/settlements/S20990101NOPE/slip").status_code == 404
    login(web, PATIENT.id_number)
    assert web.get(f"/desk/settlements/{setl_id}/slip").status_code == 403  # the desk's page, not a person's
    assert 'data-status="REVOKED"' in web.get("/me/settlements").text


def test_slip_shows_the_deposit_and_the_refund(web: TestClient) -> None:
    import re as _re

    from tests.web.test_pages import TODAY

    login(web, "desk-H44010000001")
    token = csrf_of(web.get("/desk").text)
    form = {"csrf": token, "id_number": PATIENT.id_number, "name": PATIENT.name, "visit_type": "INPATIENT",
            "day": TODAY.isoformat()}
    r = web.post("/desk/check", data=form)
    assert 'name="deposit"' in r.text  # the admit form asks for the deposit of an inpatient visit
    r = web.post("/desk/admit", data={**form, "deposit": "3000"})
    assert r.status_code == 303, r.text[:3000]
    visit = r.headers["location"].split("?")[0]
    assert 'id="visit-deposit">¥3,000.00<' in web.get(visit).text
    web.post(visit + "/lines", data={"csrf": token, "lines": "S001, 3, 60, 床位费\nXA01, 2, 35.5"})
    r = web.post(visit + "/pre-settle", data={"csrf": token, "discharge_date": TODAY.isoformat()})
    key = _re.search(r'name="idempotency_key" value="([^"]+)"', r.text).group(1)  # type: ignore[union-attr]
    r = web.post(visit + "/settle", data={"csrf": token, "idempotency_key": key, "discharge_date": TODAY.isoformat()})
    assert r.status_code == 303, r.text[:3000]
    setl_id = r.headers["location"].split("?")[0].rsplit("/", 1)[1]
    login(web, PATIENT.id_number)
    item = web.get("/api/v1/me/settlements").json()["items"][0]
    cash = Decimal(item["psn_cash_pay"])  # no account used: the whole share, at most the bill's 251.00
    face = web.get(f"/me/settlements/{setl_id}").text.split('<details class="audit')[0]
    assert 'id="slip-deposit"' in face and "¥3,000.00" in face and "应退还" in face
    assert f'id="slip-refund">¥{Decimal("3000.00") - cash:,.2f}<' in face  # 3,000 less the cash share
