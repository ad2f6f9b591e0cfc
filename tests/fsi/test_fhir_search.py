"""FHIR R4 search (issue 18): GET /api/v1/fhir/ExplanationOfBenefit?patient=…&created=… answers a searchset
Bundle that fhir.resources validates, scoped as the JSON routes (the person and a linked relative, the desk
that made the settlement); GET /api/v1/fhir/metadata the CapabilityStatement. The settlement is the kit's stay
(tests/fsi/test_fhir.py: 1560.00 in all, 492.15 from the pooled fund), settled on TODAY (2026-03-10)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from tests.fsi.test_fhir import CID, HOSPITAL, settled
from tests.support.db import as_
from yidi.demo.dataset import DemoPerson, demo_id
from yidi.domain.errors import YidiError
from yidi.fhir.search import date_range
from yidi.services.context import Context

EOB = "/api/v1/fhir/ExplanationOfBenefit"


def _bundle(client: TestClient, query: str, who: dict[str, str]) -> Bundle:
    r = client.get(f"{EOB}?{query}", headers=who)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/fhir+json"), r.text
    return Bundle.model_validate_json(r.text)  # the library's validation


def test_search_by_patient_and_day(ctx: Context, client: TestClient, demo: dict[str, DemoPerson]) -> None:
    setl_id = settled(client)
    person = as_("person", CID)
    for query, who in (("", person), (f"patient={CID}", person), (f"patient=Patient/{CID}&created=2026-03-10", HOSPITAL),
                       ("created=2026-03", person), ("created=ge2026-03-10&created=le2026-03-10", person)):
        b = _bundle(client, query, who)
        assert b.type == "searchset" and b.total == 1, query
        eob = b.entry[0].resource
        assert eob.id == setl_id and b.entry[0].fullUrl.endswith(f"/fhir/ExplanationOfBenefit/{setl_id}")
        assert {t.category.coding[0].code: t.amount.value for t in eob.total}["fund_pay_sumamt"] == Decimal("492.15")
    # days around it find nothing: before, after, the month before
    for query in ("created=lt2026-03-10", "created=gt2026-03-10", "created=2026-02", "created=2026-03-09"):
        assert _bundle(client, query, person).total == 0, query
    # another desk finds none of this desk's settlements (an empty set, not an error: it learns nothing)
    other_desk = _bundle(client, f"patient={CID}", as_("hospital", "H44010000001"))
    assert other_desk.total == 0 and not other_desk.entry
    # a stranger may not search someone else's (as GET /api/v1/me/settlements?id_number=…)
    r = client.get(f"{EOB}?patient={CID}", headers=as_("person", demo_id("360103", "19780705", 42)))
    assert r.status_code == 403 and r.json()["error"]["code"] == "MAY_NOT_ACT_FOR_PERSON"
    # a desk names the patient; a wrong date is refused with its code
    r = client.get(EOB, headers=HOSPITAL)
    assert r.status_code == 422 and r.json()["error"]["code"] == "FIELD_MISSING"
    r = client.get(f"{EOB}?created=2026-13-01", headers=person)
    assert r.status_code == 422 and r.json()["error"]["code"] == "FHIR_SEARCH_INVALID"


def test_metadata_is_a_capability_statement(client: TestClient) -> None:
    r = client.get("/api/v1/fhir/metadata")  # signed out: FHIR clients read it first
    assert r.status_code == 200, r.text
    cs = CapabilityStatement.model_validate_json(r.text)
    assert cs.fhirVersion == "4.0.1" and cs.kind == "instance" and cs.format == ["json"]
    resources = {res.type: [i.code for i in res.interaction] for res in cs.rest[0].resource}
    assert resources == {"ExplanationOfBenefit": ["read", "search-type"], "Coverage": ["read"],
                         "CoverageEligibilityResponse": ["create"], "PaymentReconciliation": ["read"]}


@pytest.mark.parametrize(("values", "first", "last"), [
    ([], None, None),
    (["2026-02"], dt.date(2026, 2, 1), dt.date(2026, 2, 28)),  # February 2026: 28 days
    (["eq2024-02"], dt.date(2024, 2, 1), dt.date(2024, 2, 29)),  # a leap year
    (["gt2026-12-01", "lt2026-12-07"], dt.date(2026, 12, 2), dt.date(2026, 12, 6)),
    (["ge2026-12", "le2026-12-15"], dt.date(2026, 12, 1), dt.date(2026, 12, 15)),
    (["lt2026-03"], None, dt.date(2026, 2, 28)),  # before March: to the last day of February
])
def test_created_ranges_worked_by_hand(values: list[str], first: dt.date | None, last: dt.date | None) -> None:
    assert date_range(values) == (first, last)


@pytest.mark.parametrize("values", [["2026-3-1"], ["ne2026-03-01"], ["2026-02-30"], ["a", "b", "c"], ["2026"]])
def test_bad_created_values_are_refused(values: list[str]) -> None:
    with pytest.raises(YidiError) as e:
        date_range(values)
    assert e.value.code == "FHIR_SEARCH_INVALID"
