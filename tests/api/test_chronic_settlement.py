"""A chronic-outpatient visit settled through the hospital API for a certified disease, and refused without
one (issue 17), on SQLite and PostgreSQL; the insured region's per-disease limit applies (issue 16 rule 7).

李秀英 is insured in 江西省本级 (369900, employee, active) with a long-term filing to Beijing. Her region's
sample pack gives 门诊慢特病 85 % for active employees, no deductible, and caps hypertension (M03900) at 3,000
yuan of fund payment a year. She certifies hypertension at home; a Beijing hospital then settles her visits.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from tests.api.test_chronic_certification import CERTS, HYPERTENSION, MINE, REVIEWER, me, scans_dir  # noqa: F401
from tests.settlement.helpers import key_for
from tests.support.scans import pdf_bytes
from tests.support.unchanged import assert_unchanged, snapshot
from yidi.demo.dataset import DemoPerson
from yidi.services import ledger
from yidi.services.context import Context

HOSP = "/api/v1/hospital"
BEIJING = "H11010000001"
AMLODIPINE = "XC08CAA020"  # 苯磺酸氨氯地平片, class A in the Beijing sample catalogue


def certify(client: TestClient, p: DemoPerson) -> None:
    cert_id = client.post(MINE, json=HYPERTENSION, headers=me(p)).json()["cert_id"]
    client.post(f"{CERTS}/{cert_id}/papers", files={"file": ("诊断.pdf", pdf_bytes(), "application/pdf")}, headers=me(p))
    r = client.post(f"{CERTS}/{cert_id}/review", headers=REVIEWER, json={"decision": "APPROVE"})
    assert r.status_code == 200, r.text


def chronic_visit(client: TestClient, h: dict[str, str], p: DemoPerson, disease: str, price: str) -> dict[str, Any]:
    r = client.post(f"{HOSP}/visits", headers=h, json={"id_number": p.id_number, "name": p.name,
                                                       "visit_type": "CHRONIC_OUTPATIENT", "chronic_disease": disease})
    assert r.status_code == 201, r.text
    mid = r.json()["mdtrt_id"]
    r = client.post(f"{HOSP}/visits/{mid}/lines", headers=h, json={"lines": [
        {"line_id": "1", "code": AMLODIPINE, "quantity": "10", "unit_price": price}]})
    assert r.status_code == 200, r.text
    r = client.post(f"{HOSP}/visits/{mid}/settle", headers=h, json={"idempotency_key": f"k-{mid}"})
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def test_chronic_visit_settles_for_a_certified_disease_with_its_limit(
        client: TestClient, ctx: Context, demo: dict[str, DemoPerson]) -> None:
    p = demo["long_term_resident"]
    certify(client, p)
    h = key_for(ctx, BEIJING)
    first = chronic_visit(client, h, p, "M03900", "30.00")["breakdown"]
    # 10 x 30.00 = 300.00 in scope (class A); no deductible; fund 300 x 85 % = 255.00; person 45.00
    assert (Decimal(first["hifp_pay"]), Decimal(first["psn_part_amt"])) == (Decimal("255.00"), Decimal("45.00"))
    second = chronic_visit(client, h, p, "M03900", "400.00")["breakdown"]
    # 10 x 400.00 = 4,000.00; by ratio 4,000 x 85 % = 3,400.00, but hypertension's limit 3,000 leaves
    # 3,000 - 255 = 2,745.00: the fund pays 2,745.00, the person 4,000 - 2,745 = 1,255.00
    assert (Decimal(second["hifp_pay"]), Decimal(second["psn_part_amt"])) == (Decimal("2745.00"), Decimal("1255.00"))
    limit = next(s for s in second["steps"] if s["rule"] == "fund.disease_limit")
    assert limit["clause"]["parameter"] == "schemes.EMPLOYEE.benefits.CHRONIC_OUTPATIENT.diseases.M03900.annual_limit"
    assert "3,000.00" in limit["text_zh"] or "3000.00" in limit["text_zh"]
    rep = ledger.verify(ctx)
    assert rep.ok, rep.problems


def test_chronic_visit_without_certification_is_refused_with_the_fix(
        client: TestClient, ctx: Context, demo: dict[str, DemoPerson]) -> None:
    p = demo["long_term_resident"]
    certify(client, p)  # hypertension only
    h = key_for(ctx, BEIJING)
    before = snapshot(ctx)
    r = client.post(f"{HOSP}/visits", headers=h, json={"id_number": p.id_number, "name": p.name,
                                                       "visit_type": "CHRONIC_OUTPATIENT", "chronic_disease": "M01600"})
    assert r.status_code == 422, r.text
    e = r.json()["error"]
    assert e["code"] == "VISIT_NOT_ELIGIBLE"
    reason = next(x for x in e["problems"] if x["code"] == "CHRONIC_NOT_CERTIFIED")
    assert "M01600" in reason["message_zh"] and "申请该病种的门诊慢特病资格认定" in reason["message_zh"]  # the fix
    assert_unchanged(ctx, before)
