"""Scans previewed on the agency's claim page (issue 19): an image inline, a PDF embedded, served with a safe
content type and the claim's own access check (another region's agency and a hospital see nothing)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.support.scans import image_bytes, pdf_bytes
from tests.web.conftest import TODAY, login, person
from yidi.domain.validation import validate_model
from yidi.services import accounts, claims
from yidi.services.access import Principal, Role
from yidi.services.context import Context


def submitted_with_scans(ctx: Context) -> tuple[str, dict[str, int]]:
    """A claim of 张建国 (insured in 369900) with every required paper: the invoice as a PDF, the rest PNG."""
    me = Principal(Role.PERSON, person("retiree_resettled"))
    c: dict[str, Any] = claims.create(ctx, me, validate_model(claims.ClaimIn, {
        "visit": {"institution": "H44030000002", "visit_type": "INPATIENT", "admitted_on": TODAY.replace(day=1).isoformat(),
                  "discharged_on": TODAY.replace(day=5).isoformat(), "diagnosis_name": "肺炎"},
        "invoices": [{"invoice_no": "FP2026001", "invoice_date": TODAY.replace(day=5).isoformat(), "amount": "251.00",
                      "payer": "张建国"}],
        "lines": [{"line_id": "1", "code": "S001", "quantity": "3", "unit_price": "60"},
                  {"line_id": "2", "code": "XA01", "quantity": "2", "unit_price": "35.5"}],
        "bank": {"bank_name": "中国银行", "account_no": "6216610200001234567", "holder": "张建国"}}))
    for item in c["checklist"]:
        if item["required"] and not item["satisfied"] and item["code"] not in ("bank",):
            if item["code"] == "invoice":
                c = claims.add_document(ctx, me, c["claim_no"], "invoice", "发票.pdf", "application/pdf", pdf_bytes())
            else:
                c = claims.add_document(ctx, me, c["claim_no"], item["code"], f"扫描{len(c['documents']) + 1}.png",
                                        "image/png", image_bytes("PNG"))
    claims.submit(ctx, me, c["claim_no"])
    kinds = {d["material"]: d["id"] for d in c["documents"]}
    return c["claim_no"], kinds


def test_the_reviewer_sees_the_scans_on_the_claim_page(web: TestClient, ctx: Context) -> None:
    no, docs = submitted_with_scans(ctx)
    login(web, "reviewer-369900")
    html = web.get(f"/agency/claims/{no}").text
    pdf = f"/agency/claims/{no}/documents/{docs['invoice']}"
    assert f'<object data="{pdf}" type="application/pdf"' in html
    png_id = next(i for m, i in docs.items() if m != "invoice")
    assert f'<img src="/agency/claims/{no}/documents/{png_id}" alt="' in html
    r = web.get(pdf)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf" and r.content.startswith(b"%PDF-")
    assert r.headers["content-disposition"] == "inline" and r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "SAMEORIGIN" and "no-store" in r.headers["cache-control"]
    r = web.get(f"/agency/claims/{no}/documents/{png_id}")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    assert "sandbox" in r.headers["content-security-policy"]
    assert web.get(f"/agency/claims/{no}/documents/999999").status_code == 404


def test_another_region_and_other_roles_see_no_scan(web: TestClient, ctx: Context) -> None:
    no, docs = submitted_with_scans(ctx)
    url = f"/agency/claims/{no}/documents/{docs['invoice']}"
    accounts.create_user(ctx, "shenzhen-reviewer", "yidi-demo-2026", accounts.AccountRole.AGENCY, "440300",
                         duties=["reviewer"])
    login(web, "shenzhen-reviewer")
    r = web.get(url)
    assert r.status_code == 404 and b"%PDF" not in r.content and "<html" in r.text
    login(web, "desk-H44010000001")
    r = web.get(url)
    assert r.status_code == 403 and b"%PDF" not in r.content
