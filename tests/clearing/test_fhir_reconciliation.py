"""FHIR R4 export (issue 18): a month's clearing line between two agencies as a PaymentReconciliation that
fhir.resources validates, scoped as the month itself: the two agencies and the clearing centre see it."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient
from fhir.resources.R4B.paymentreconciliation import PaymentReconciliation

from tests.clearing.test_clearing import worked_month
from tests.support.db import as_
from yidi.services.context import Context

API = "/api/v1/fhir/PaymentReconciliation"
BJ, SH, SZ = as_("agency", "110100"), as_("agency", "310100"), as_("agency", "440300")


def read(client: TestClient, rec_id: str, who: dict[str, str]) -> PaymentReconciliation:
    r = client.get(f"{API}/{rec_id}", headers=who)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/fhir+json"), r.text
    return PaymentReconciliation.model_validate_json(r.text)  # the library's validation


def test_a_clearing_line_as_a_payment_reconciliation(client: TestClient, ctx: Context) -> None:
    worked_month(ctx)
    assert client.get(f"{API}/2026-10.310100.110100", headers=BJ).json()["error"]["code"] == "CLEARING_NOT_RUN"
    assert client.post("/api/v1/clearing/runs/2026-10", json={}, headers=BJ).status_code == 200
    # S1: a Beijing insured treated in Shanghai, pooled fund 800.00 + large-amount subsidy 200.00, cash 300.00
    # (the person's, not cleared): Beijing's agency pays Shanghai's 800.00 + 200.00 = 1,000.00
    for who in (BJ, SH, as_("clearing", "000000")):
        rec = read(client, "2026-10.310100.110100", who)
        assert rec.paymentAmount.value == Decimal("1000.00") and rec.paymentAmount.currency == "CNY"
        assert {d.type.coding[0].code: d.amount.value for d in rec.detail} == {
            "hifp_fen": Decimal("800.00"), "hifob_fen": Decimal("200.00")}
        assert rec.paymentIssuer.identifier.value == "110100" and "北京市" in rec.paymentIssuer.display
        assert rec.requestor.identifier.value == "310100" and rec.outcome == "queued"  # open: may be rerun
        assert str(rec.period.start) == "2026-10-01" and str(rec.period.end) == "2026-10-31"
    # S2: a Shanghai insured treated in Beijing, fund 250.00 + account 50.00 = 300.00
    rec = read(client, "2026-10.110100.310100", SH)
    assert rec.paymentAmount.value == Decimal("300.00")
    assert {d.type.coding[0].code: d.amount.value for d in rec.detail} == {
        "hifp_fen": Decimal("250.00"), "acct_fen": Decimal("50.00")}
    # Shenzhen is no party to Beijing–Shanghai: not found, as a line that does not exist
    r = client.get(f"{API}/2026-10.310100.110100", headers=SZ)
    assert r.status_code == 404 and r.json()["error"]["code"] == "CLEARING_LINE_NOT_FOUND"
    assert client.get(f"{API}/2026-10.110100.110100", headers=BJ).status_code == 404
    assert client.get(f"{API}/2026-10.310100.110100", headers=as_("hospital", "H11010000001")).status_code == 403
    assert client.get(f"{API}/2026-13-310100-110100", headers=BJ).status_code == 422
    assert client.post("/api/v1/clearing/runs/2026-10/close", headers=BJ).status_code == 200
    assert read(client, "2026-10.310100.110100", BJ).outcome == "complete"
