"""复核 on the pages (issue 19): the person appeals a rejected claim with a reason and a new scan in one form,
the reviewer who rejected is told another must decide, a second reviewer upholds or approves, and both pages
show the history and the outcome in words."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from fastapi.testclient import TestClient

from tests.support.scans import image_bytes, pdf_bytes
from tests.web.conftest import TODAY, csrf_of, login, person
from yidi.domain import claim_rules
from yidi.domain.validation import validate_model
from yidi.services import claims
from yidi.services.access import Principal, Role
from yidi.services.context import Context

ME = person("post_hoc")  # 黄勇, employee of 369900
FIRST, SECOND = "reviewer-369900", "agency-369900"


def submitted_claim(ctx: Context, id_number: str = ME, name: str = "黄勇", invoice_no: str = "SZ2026031") -> str:
    """A complete claim for care at an un-networked Shenzhen hospital, every paper attached, submitted."""
    me = Principal(Role.PERSON, id_number)
    c = claims.create(ctx, me, validate_model(claims.ClaimIn, {
        "visit": {"institution": "H44030000002", "visit_type": "INPATIENT", "admitted_on": "2026-03-01",
                  "discharged_on": "2026-03-05", "diagnosis_name": "肺炎"},
        "invoices": [{"invoice_no": invoice_no, "invoice_date": "2026-03-05", "amount": "251.00", "payer": name}],
        "lines": [{"line_id": "1", "code": "S001", "quantity": "3", "unit_price": "60"},
                  {"line_id": "2", "code": "XA01", "quantity": "2", "unit_price": "35.5"}],
        "bank": {"bank_name": "中国银行", "account_no": "6217000012345678", "holder": name}}))
    for code in c["missing"]:
        if code in claim_rules.MATERIAL_CODES:
            claims.add_document(ctx, me, c["claim_no"], code, "scan.pdf", "application/pdf", pdf_bytes())
    assert claims.submit(ctx, me, c["claim_no"])["state"] == "SUBMITTED"
    return str(c["claim_no"])


def _act(web: TestClient, no: str, action: str, **form: str) -> Any:
    token = csrf_of(web.get(f"/agency/claims/{no}").text)
    return web.post(f"/agency/claims/{no}/{action}", data={"csrf": token, **form})


def _rejected(web: TestClient, ctx: Context) -> str:
    no = submitted_claim(ctx)
    login(web, FIRST)
    assert _act(web, no, "review").status_code == 303
    assert _act(web, no, "reject", reason="未联网医院的费用须附转诊证明").status_code == 303
    return no


def _appeal(web: TestClient, no: str, reason: str, scan: bytes | None = None) -> Any:
    token = csrf_of(web.get(f"/me/claims/{no}").text)
    files = {"scan": ("referral.png", scan, "image/png")} if scan is not None else None
    return web.post(f"/me/claims/{no}/appeal", data={"csrf": token, "reason": reason,
                                                     "material": "referral_certificate"}, files=files)


def test_person_appeals_and_a_second_reviewer_upholds(web: TestClient, ctx: Context) -> None:
    no = _rejected(web, ctx)
    login(web, ME)
    html = web.get(f"/me/claims/{no}").text
    section = html.split('id="appeal"')[1]
    # rejected today (2026-03-10); 60 days to appeal by default: 2026-03-10 + 60 = 2026-05-09
    assert 'id="appeal-form"' in section and "2026-05-09" in section and "60 天" in section
    assert "未联网医院的费用须附转诊证明" in section and FIRST not in html  # staff accounts stay with staff
    # the form wants its reason and a new paper
    r = _appeal(web, no, "")
    assert r.status_code == 422 and "REASON_REQUIRED" in r.text
    r = _appeal(web, no, "转诊证明补开了，请复核")
    assert r.status_code == 422 and "CLAIM_APPEAL_NO_MATERIAL" in r.text
    r = _appeal(web, no, "转诊证明补开了，请复核", image_bytes("PNG"))
    assert r.status_code == 303 and r.headers["location"].endswith("done=appealed"), r.text[:2000]
    html = web.get(r.headers["location"]).text
    assert 'data-state="APPEALED"' in html and 'id="appeal-waiting"' in html and "复核中" in html
    assert "申请复核" in html.split('id="history"')[1]  # the history in words
    assert "APPEAL" not in re.sub(r'data-[a-z-]+="[^"]*"|id="[^"]*"', "", html.split("<main")[1])
    # the reviewer who rejected sees it is not theirs to decide, and no decision form
    login(web, FIRST)
    page = web.get(f"/agency/claims/{no}").text
    assert 'id="appeal-not-yours"' in page and f'action="/agency/claims/{no}/uphold"' not in page
    r = _act(web, no, "uphold", reason="维持")
    assert r.status_code == 403 and "CLAIM_APPEAL_SAME_REVIEWER" in r.text
    # a second reviewer sees the new paper marked, and upholds with a reason
    login(web, SECOND)
    page = web.get(f"/agency/claims/{no}").text
    assert "复核新材料" in page and f'action="/agency/claims/{no}/uphold"' in page and FIRST in page
    assert _act(web, no, "uphold", reason="").status_code == 422
    r = _act(web, no, "uphold", reason="转诊证明开具日期晚于出院，维持原决定")
    assert r.status_code == 303 and "已复核：维持不予报销" in web.get(r.headers["location"]).text
    login(web, ME)
    html = web.get(f"/me/claims/{no}").text
    assert 'data-outcome="UPHELD"' in html and "复核维持不予报销" in html and "转诊证明开具日期晚于出院" in html
    assert 'id="appeal-form"' not in html  # once only


def test_approved_on_appeal_is_shown_to_the_person(web: TestClient, ctx: Context) -> None:
    no = _rejected(web, ctx)
    login(web, ME)
    assert _appeal(web, no, "已补充转诊证明", image_bytes("PNG")).status_code == 303
    login(web, SECOND)
    r = _act(web, no, "approve", reason="转诊证明有效")
    assert r.status_code == 303, r.text[:2000]
    login(web, ME)
    html = web.get(f"/me/claims/{no}").text
    assert 'data-outcome="APPROVED"' in html and "复核通过" in html and 'id="payable"' in html


def test_after_the_appeal_period_the_form_is_gone(web: TestClient, ctx: Context) -> None:
    no = _rejected(web, ctx)
    ctx.today = lambda: TODAY + dt.timedelta(days=61)
    login(web, ME)
    html = web.get(f"/me/claims/{no}").text
    assert 'id="appeal-closed"' in html and 'id="appeal-form"' not in html and "2026-05-09" in html
