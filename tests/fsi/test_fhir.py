"""FHIR R4 export (issue 18): a settlement as an ExplanationOfBenefit that fhir.resources validates, with the
amounts of the kit's stay (worked by hand in tests/fsi/test_conformance.py: 1560.00 in all, 492.15 from the
pooled fund, 1067.85 the person's share, all from the account, so 0.00 paid in cash), scoped as the JSON API."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from fhir.resources.R4B.explanationofbenefit import ExplanationOfBenefit

from tests.fsi.test_his_client import load
from tests.support.db import TODAY, as_
from yidi.demo.dataset import DemoPerson, demo_id
from yidi.services.context import Context

CID = demo_id("360102", "19560312", 31)
HOSPITAL = as_("hospital", "H44030000001")


def settled(client: TestClient) -> str:
    his_client = load()

    def send(body: bytes) -> dict[str, Any]:
        return dict(client.post("/api/v1/fsi", content=body, headers=HOSPITAL).json())

    day = his_client.run_day(his_client.His(send, "H44030000001", TODAY), CID, "张建国")
    return str(day["settlement"]["setl_id"])


def test_a_settlement_as_an_explanation_of_benefit(ctx: Context, client: TestClient,
                                                   demo: dict[str, DemoPerson]) -> None:
    setl_id = settled(client)
    for who in (HOSPITAL, as_("person", CID)):
        r = client.get(f"/api/v1/fhir/ExplanationOfBenefit/{setl_id}", headers=who)
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/fhir+json"), r.text
        eob = ExplanationOfBenefit.model_validate_json(r.text)  # the library's validation
        totals = {t.category.coding[0].code: t.amount.value for t in eob.total}
        assert totals == {"medfee_sumamt": Decimal("1560.00"), "fund_pay_sumamt": Decimal("492.15"),
                          "psn_part_amt": Decimal("1067.85")}
        adjudicated = {a.category.coding[0].code: a.amount.value for a in eob.item[0].adjudication}
        assert adjudicated["hifp_pay"] == Decimal("492.15") and adjudicated["act_pay_dedc"] == Decimal("800.00")
        assert eob.payment.amount.value == 0 and eob.status == "active" and eob.processNote
        assert CID not in r.text, "the ID number is masked"
    # another hospital, another person: not found, as in the JSON API
    assert client.get(f"/api/v1/fhir/ExplanationOfBenefit/{setl_id}",
                      headers=as_("hospital", "H44010000001")).status_code == 404
    assert client.get(f"/api/v1/fhir/ExplanationOfBenefit/{setl_id}",
                      headers=as_("person", demo_id("360103", "19780705", 42))).status_code == 404
    assert client.post(f"/api/v1/hospital/settlements/{setl_id}/revoke", json={}, headers=HOSPITAL).status_code == 200
    r = client.get(f"/api/v1/fhir/ExplanationOfBenefit/{setl_id}", headers=HOSPITAL)
    assert ExplanationOfBenefit.model_validate_json(r.text).status == "cancelled"
