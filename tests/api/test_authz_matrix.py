"""The allowed/denied matrix: every route of the app, every kind of caller, against a table written by hand.

`EXPECTED` states who may call each route, one row per route and one column per caller below, from the rules
each role lives by: reference data, the advisor and the calculator are open to everyone; a person acts on
their own filings, claims and family links; a hospital desk only settles (its own visits: the services scope
records); agency staff work their region's filings and claims by duty (reviewer decides, payer pays,
administrator runs clearing and simulations); clearing operators see the whole month but no person's file.
Which records a caller then sees within a route is the services' scoping (each role only its own data:
tests/api/test_filings_api.py, tests/claims/, tests/clearing/, tests/settlement/ ask for others' records).

The table is checked three ways: the registry `yidi.http.authz.RULES` decides exactly as the table says for
every route the app has (and has a rule for no other); every API operation answers as the table says (an
allowed caller gets past authorisation, a denied one gets 401 when signed out, 403 ROLE_NOT_ALLOWED when
signed in, never a 5xx); every page answers as the table says (signed out: 303 to the login page; refused:
the 403 page). A new route therefore needs a row here, decided by a person, not copied from the registry.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.support.apps import reuse
from yidi.app import create_app
from yidi.demo.dataset import DemoPerson
from yidi.http.authz import RULES, app_routes
from yidi.http.security import AuthConfig
from yidi.services.access import Duty, Principal, Role
from yidi.services.context import Context

CALLERS: dict[str, Principal | None] = {
    "anonymous": None,
    "person": Principal(Role.PERSON, "PLACEHOLDER"),  # the demo person's ID number is filled in below
    "hospital": Principal(Role.HOSPITAL, "H44010000001"),
    "agency-all": Principal(Role.AGENCY, "369900", frozenset(Duty)),
    "agency-reviewer": Principal(Role.AGENCY, "369900", frozenset({Duty.REVIEWER})),
    "agency-payer": Principal(Role.AGENCY, "369900", frozenset({Duty.PAYER})),
    "agency-admin": Principal(Role.AGENCY, "369900", frozenset({Duty.ADMINISTRATOR})),
    "clearing": Principal(Role.CLEARING, "000000"),
}

# Columns, in the order of CALLERS: anonymous, person, hospital, agency (all duties), agency reviewer, agency
# payer, agency administrator, clearing operator. Y: allowed; -: denied.
EXPECTED: dict[str, str] = {
    #                                                          an pe ho aa ar ap ad cl
    # reference data, the advisor, the calculator, signing in and out: everyone (no personal data)
    "GET /api/v1/health":                                     "Y  Y  Y  Y  Y  Y  Y  Y",
    "GET /api/v1/institutions":                               "Y  Y  Y  Y  Y  Y  Y  Y",
    "POST /api/v1/quote":                                     "Y  Y  Y  Y  Y  Y  Y  Y",
    "POST /api/v1/advice":                                    "Y  Y  Y  Y  Y  Y  Y  Y",
    "GET /api/v1/advice/search":                              "Y  Y  Y  Y  Y  Y  Y  Y",
    "GET /api/v1/filings/materials":                          "Y  Y  Y  Y  Y  Y  Y  Y",
    "POST /api/v1/auth/token":                                "Y  Y  Y  Y  Y  Y  Y  Y",
    "POST /api/v1/auth/session":                              "Y  Y  Y  Y  Y  Y  Y  Y",
    "POST /api/v1/auth/logout":                               "Y  Y  Y  Y  Y  Y  Y  Y",
    # who am I: anyone signed in; a person's own data and family links: that person only
    "GET /api/v1/auth/me":                                    "-  Y  Y  Y  Y  Y  Y  Y",
    "GET /api/v1/me/export":                                  "-  Y  -  -  -  -  -  -",
    "POST /api/v1/me/credential":                             "-  Y  -  -  -  -  -  -",
    "GET /api/v1/me/settlements":                             "-  Y  -  -  -  -  -  -",
    "GET /api/v1/me/settlements/{setl_id}":                   "-  Y  -  -  -  -  -  -",
    "GET /api/v1/me/settlements/{setl_id}/estimate":          "-  Y  -  -  -  -  -  -",
    "POST /api/v1/me/estimates":                              "-  Y  -  -  -  -  -  -",
    "GET /api/v1/me/estimates":                               "-  Y  -  -  -  -  -  -",
    "GET /api/v1/me/purchases":                               "-  Y  -  -  -  -  -  -",
    "GET /api/v1/fhir/ExplanationOfBenefit/{setl_id}":        "-  Y  Y  -  -  -  -  -",
    # FHIR search of settlements: the person (or a linked relative's), a desk the ones it made
    "GET /api/v1/fhir/ExplanationOfBenefit":                  "-  Y  Y  -  -  -  -  -",
    # the FHIR CapabilityStatement: open, like the API's own description (no personal data)
    "GET /api/v1/fhir/metadata":                              "Y  Y  Y  Y  Y  Y  Y  Y",
    # a filing as a FHIR Coverage: as the filing itself, the person or the insured region's staff
    "GET /api/v1/fhir/Coverage/{filing_id}":                  "-  Y  -  Y  Y  Y  Y  -",
    # the eligibility answer as FHIR: as the check itself, the person, the hospital, staff
    "POST /api/v1/fhir/CoverageEligibilityResponse":          "-  Y  Y  Y  Y  Y  Y  -",
    # a month's clearing line as FHIR: as the month itself, agency staff (its own lines) and the clearing centre
    "GET /api/v1/fhir/PaymentReconciliation/{rec_id}":        "-  -  -  Y  Y  Y  Y  Y",
    "POST /api/v1/me/relatives":                              "-  Y  -  -  -  -  -  -",
    "GET /api/v1/me/relatives":                               "-  Y  -  -  -  -  -  -",
    "POST /api/v1/me/relatives/{link_id}/confirm":            "-  Y  -  -  -  -  -  -",
    "POST /api/v1/me/relatives/{link_id}/decline":            "-  Y  -  -  -  -  -  -",
    "POST /api/v1/me/relatives/{link_id}/revoke":             "-  Y  -  -  -  -  -  -",
    # the proof of a family link checked at the counter: agency reviewers
    "POST /api/v1/family-links":                              "-  -  -  Y  Y  -  -  -",
    # 门诊慢特病认定: the person applies and follows; staff of the insured region review (reviewer duty)
    "POST /api/v1/me/chronic":                                "-  Y  -  -  -  -  -  -",
    "GET /api/v1/me/chronic":                                 "-  Y  -  -  -  -  -  -",
    "GET /api/v1/chronic/queue":                              "-  -  -  Y  Y  -  -  -",
    "GET /api/v1/chronic/{cert_id}":                          "-  Y  -  Y  Y  Y  Y  -",
    "POST /api/v1/chronic/{cert_id}/papers":                  "-  Y  -  -  -  -  -  -",
    "GET /api/v1/chronic/{cert_id}/papers/{paper_id}":        "-  Y  -  Y  Y  Y  Y  -",
    "POST /api/v1/chronic/{cert_id}/resubmit":                "-  Y  -  -  -  -  -  -",
    "POST /api/v1/chronic/{cert_id}/withdraw":                "-  Y  -  -  -  -  -  -",
    "POST /api/v1/chronic/{cert_id}/review":                  "-  -  -  Y  Y  -  -  -",
    "POST /api/v1/family-links/query":                        "-  -  -  Y  Y  -  -  -",
    "POST /api/v1/family-links/{link_id}/revoke":             "-  -  -  Y  Y  -  -  -",
    # filings: the person, or the staff of the insured region; deciding one: reviewers
    "POST /api/v1/filings":                                   "-  Y  -  Y  Y  Y  Y  -",
    "GET /api/v1/filings":                                    "-  Y  -  Y  Y  Y  Y  -",
    "GET /api/v1/filings/{filing_id}":                        "-  Y  -  Y  Y  Y  Y  -",
    "POST /api/v1/filings/{filing_id}/cancel":                "-  Y  -  Y  Y  Y  Y  -",
    "POST /api/v1/filings/{filing_id}/change":                "-  Y  -  Y  Y  Y  Y  -",
    "POST /api/v1/filings/{filing_id}/review":                "-  -  -  Y  Y  -  -  -",
    # eligibility at admission: the person, the hospital, staff (not the clearing centre)
    "POST /api/v1/eligibility":                               "-  Y  Y  Y  Y  Y  Y  -",
    # direct settlement: hospital desks only
    "POST /api/v1/hospital/credentials/redeem":               "-  -  Y  -  -  -  -  -",
    "POST /api/v1/hospital/persons/query":                    "-  -  Y  -  -  -  -  -",
    "POST /api/v1/hospital/persons/chronic":                  "-  -  Y  -  -  -  -  -",
    "POST /api/v1/pharmacy/purchases":                        "-  -  Y  -  -  -  -  -",
    "POST /api/v1/pharmacy/purchases/{mdtrt_id}/settle":      "-  -  Y  -  -  -  -  -",
    "POST /api/v1/pharmacy/settlements/{setl_id}/revoke":     "-  -  Y  -  -  -  -  -",
    "POST /api/v1/fsi":                                       "-  -  Y  -  -  -  -  -",
    "POST /api/v1/hospital/visits":                           "-  -  Y  -  -  -  -  -",
    "GET /api/v1/hospital/visits":                            "-  -  Y  -  -  -  -  -",
    "GET /api/v1/hospital/visits/{mdtrt_id}":                 "-  -  Y  -  -  -  -  -",
    "POST /api/v1/hospital/visits/{mdtrt_id}/cancel":         "-  -  Y  -  -  -  -  -",
    "POST /api/v1/hospital/visits/{mdtrt_id}/change":         "-  -  Y  -  -  -  -  -",
    "POST /api/v1/hospital/visits/{mdtrt_id}/discharge":      "-  -  Y  -  -  -  -  -",
    "POST /api/v1/hospital/visits/{mdtrt_id}/discharge/cancel": "-  -  Y  -  -  -  -  -",
    "POST /api/v1/hospital/visits/{mdtrt_id}/lines":          "-  -  Y  -  -  -  -  -",
    "POST /api/v1/hospital/visits/{mdtrt_id}/lines/withdraw": "-  -  Y  -  -  -  -  -",
    "POST /api/v1/hospital/visits/{mdtrt_id}/pre-settle":     "-  -  Y  -  -  -  -  -",
    "POST /api/v1/hospital/visits/{mdtrt_id}/settle":         "-  -  Y  -  -  -  -  -",
    "GET /api/v1/hospital/settlements/{setl_id}":             "-  -  Y  -  -  -  -  -",
    "POST /api/v1/hospital/settlements/{setl_id}/revoke":     "-  -  Y  -  -  -  -  -",
    "POST /api/v1/hospital/reversals":                        "-  -  Y  -  -  -  -  -",
    "POST /api/v1/hospital/accumulators/query":               "-  -  Y  -  -  -  -  -",
    "POST /api/v1/hospital/reconciliation":                   "-  -  Y  -  -  -  -  -",
    # manual claims: the person or staff; the queue and decisions: reviewers; payment batches: payers
    "POST /api/v1/claims":                                    "-  Y  -  Y  Y  Y  Y  -",
    "GET /api/v1/claims":                                     "-  Y  -  Y  Y  Y  Y  -",
    "GET /api/v1/claims/queue":                               "-  -  -  Y  Y  -  -  -",
    "POST /api/v1/claims/batches":                            "-  -  -  Y  -  Y  -  -",
    "GET /api/v1/claims/batches/{batch_no}":                  "-  -  -  Y  -  Y  -  -",
    "GET /api/v1/claims/batches/{batch_no}/export":           "-  -  -  Y  -  Y  -  -",
    "POST /api/v1/claims/batches/{batch_no}/paid":            "-  -  -  Y  -  Y  -  -",
    "GET /api/v1/claims/{claim_no}":                          "-  Y  -  Y  Y  Y  Y  -",
    "PATCH /api/v1/claims/{claim_no}":                        "-  Y  -  Y  Y  Y  Y  -",
    "POST /api/v1/claims/{claim_no}/fee-list":                "-  Y  -  Y  Y  Y  Y  -",
    "POST /api/v1/claims/{claim_no}/documents":               "-  Y  -  Y  Y  Y  Y  -",
    "GET /api/v1/claims/{claim_no}/documents/{doc_id}":       "-  Y  -  Y  Y  Y  Y  -",
    "DELETE /api/v1/claims/{claim_no}/documents/{doc_id}":    "-  Y  -  Y  Y  Y  Y  -",
    "POST /api/v1/claims/{claim_no}/submit":                  "-  Y  -  Y  Y  Y  Y  -",
    "POST /api/v1/claims/{claim_no}/review":                  "-  -  -  Y  Y  -  -  -",
    "POST /api/v1/claims/{claim_no}/lines/{line_id}/exclude": "-  -  -  Y  Y  -  -  -",
    "POST /api/v1/claims/{claim_no}/lines/{line_id}/include": "-  -  -  Y  Y  -  -  -",
    "POST /api/v1/claims/{claim_no}/approve":                 "-  -  -  Y  Y  -  -  -",
    "POST /api/v1/claims/{claim_no}/return":                  "-  -  -  Y  Y  -  -  -",
    "POST /api/v1/claims/{claim_no}/reject":                  "-  -  -  Y  Y  -  -  -",
    # 复核: the person (or staff at a window); upholding: a reviewer (approve decides the other way)
    "POST /api/v1/claims/{claim_no}/appeal":                  "-  Y  -  Y  Y  Y  Y  -",
    "POST /api/v1/claims/{claim_no}/uphold":                  "-  -  -  Y  Y  -  -  -",
    # monthly clearing: staff and the clearing centre read; running and closing a month: administrators and
    # the clearing centre; statements: the agency's own; confirming and disputing: payers and administrators
    # 统计月报 monthly statistics (aggregates, no person's data): every agency duty (own region), the clearing centre
    "GET /api/v1/statistics":                                 "-  -  -  Y  Y  Y  Y  Y",
    "GET /api/v1/statistics.csv":                             "-  -  -  Y  Y  Y  Y  Y",
    "GET /api/v1/clearing/runs":                              "-  -  -  Y  Y  Y  Y  Y",
    "POST /api/v1/clearing/runs/{month}":                     "-  -  -  Y  -  -  Y  Y",
    "POST /api/v1/clearing/runs/{month}/close":               "-  -  -  Y  -  -  Y  Y",
    "GET /api/v1/clearing/runs/{month}":                      "-  -  -  Y  Y  Y  Y  Y",
    "GET /api/v1/clearing/runs/{month}/verify":               "-  -  -  Y  Y  Y  Y  Y",
    "GET /api/v1/clearing/runs/{month}/items":                "-  -  -  Y  Y  Y  Y  Y",
    "GET /api/v1/clearing/runs/{month}/statement.csv":        "-  -  -  Y  Y  Y  Y  -",
    "GET /api/v1/clearing/runs/{month}/statement.xlsx":       "-  -  -  Y  Y  Y  Y  -",
    "GET /api/v1/clearing/runs/{month}/report.html":          "-  -  -  Y  Y  Y  Y  Y",
    "POST /api/v1/clearing/runs/{month}/confirmation":        "-  -  -  Y  -  Y  Y  -",
    "POST /api/v1/clearing/runs/{month}/disputes":            "-  -  -  Y  -  Y  Y  -",
    "GET /api/v1/clearing/disputes":                          "-  -  -  Y  Y  Y  Y  Y",
    "GET /api/v1/clearing/disputes/{dispute_id}/items":       "-  -  -  Y  Y  Y  Y  Y",
    "POST /api/v1/clearing/disputes/{dispute_id}/decision":   "-  -  -  Y  -  Y  Y  Y",
    # policy simulation: agency administrators and the clearing centre
    "POST /api/v1/simulate":                                  "-  -  -  Y  -  -  Y  Y",
    "GET /api/v1/simulate/{simulation_id}/report.html":       "-  -  -  Y  -  -  Y  Y",
    # pages open to everyone
    "GET /":                                                  "Y  Y  Y  Y  Y  Y  Y  Y",
    "GET /prefs":                                             "Y  Y  Y  Y  Y  Y  Y  Y",
    "GET /favicon.ico":                                       "Y  Y  Y  Y  Y  Y  Y  Y",
    "GET /advice":                                            "Y  Y  Y  Y  Y  Y  Y  Y",
    "GET /estimate":                                          "Y  Y  Y  Y  Y  Y  Y  Y",
    "POST /estimate":                                         "Y  Y  Y  Y  Y  Y  Y  Y",
    "GET /hospitals":                                         "Y  Y  Y  Y  Y  Y  Y  Y",
    "GET /login":                                             "Y  Y  Y  Y  Y  Y  Y  Y",
    "POST /login":                                            "Y  Y  Y  Y  Y  Y  Y  Y",
    "POST /logout":                                           "Y  Y  Y  Y  Y  Y  Y  Y",
    # the person's own pages
    "GET /me/filings":                                        "-  Y  -  -  -  -  -  -",
    "GET /me/filings/new":                                    "-  Y  -  -  -  -  -  -",
    "POST /me/filings/validate":                              "-  Y  -  -  -  -  -  -",
    "POST /me/filings":                                       "-  Y  -  -  -  -  -  -",
    "GET /me/filings/{filing_id}":                            "-  Y  -  -  -  -  -  -",
    "POST /me/filings/{filing_id}/cancel":                    "-  Y  -  -  -  -  -  -",
    "GET /me/filings/{filing_id}/change":                     "-  Y  -  -  -  -  -  -",
    "POST /me/filings/{filing_id}/change":                    "-  Y  -  -  -  -  -  -",
    "GET /me/relatives":                                      "-  Y  -  -  -  -  -  -",
    "POST /me/relatives":                                     "-  Y  -  -  -  -  -  -",
    "POST /me/relatives/{link_id}/{action}":                  "-  Y  -  -  -  -  -  -",
    "GET /me/credential":                                     "-  Y  -  -  -  -  -  -",
    "GET /me/settlements":                                    "-  Y  -  -  -  -  -  -",
    "GET /me/settlements/{setl_id}":                          "-  Y  -  -  -  -  -  -",
    "GET /me/purchases":                                      "-  Y  -  -  -  -  -  -",
    "GET /me/purchases/{setl_id}":                            "-  Y  -  -  -  -  -  -",
    "GET /me/chronic":                                        "-  Y  -  -  -  -  -  -",
    "POST /me/chronic":                                       "-  Y  -  -  -  -  -  -",
    "POST /me/chronic/{cert_id}/papers":                      "-  Y  -  -  -  -  -  -",
    "POST /me/chronic/{cert_id}/{action}":                    "-  Y  -  -  -  -  -  -",
    "GET /me/claims":                                         "-  Y  -  -  -  -  -  -",
    "GET /me/claims/new":                                     "-  Y  -  -  -  -  -  -",
    "POST /me/claims":                                        "-  Y  -  -  -  -  -  -",
    "GET /me/claims/{claim_no}":                              "-  Y  -  -  -  -  -  -",
    "POST /me/claims/{claim_no}/documents":                   "-  Y  -  -  -  -  -  -",
    "POST /me/claims/{claim_no}/fee-list":                    "-  Y  -  -  -  -  -  -",
    "POST /me/claims/{claim_no}/submit":                      "-  Y  -  -  -  -  -  -",
    "POST /me/claims/{claim_no}/appeal":                      "-  Y  -  -  -  -  -  -",
    # the hospital desk
    "GET /desk":                                              "-  -  Y  -  -  -  -  -",
    "GET /counter":                                           "-  -  Y  -  -  -  -  -",
    "POST /counter":                                          "-  -  Y  -  -  -  -  -",
    "POST /counter/{mdtrt_id}/settle":                        "-  -  Y  -  -  -  -  -",
    "POST /desk/check":                                       "-  -  Y  -  -  -  -  -",
    "POST /desk/credential":                                  "-  -  Y  -  -  -  -  -",
    "POST /desk/admit":                                       "-  -  Y  -  -  -  -  -",
    "GET /desk/visits":                                       "-  -  Y  -  -  -  -  -",
    "GET /desk/visits/{mdtrt_id}":                            "-  -  Y  -  -  -  -  -",
    "POST /desk/visits/{mdtrt_id}/state/{action}":            "-  -  Y  -  -  -  -  -",
    "POST /desk/visits/{mdtrt_id}/lines":                     "-  -  Y  -  -  -  -  -",
    "GET /desk/visits/{mdtrt_id}/lines/{line_id}":            "-  -  Y  -  -  -  -  -",
    "POST /desk/visits/{mdtrt_id}/lines/{line_id}":           "-  -  Y  -  -  -  -  -",
    "POST /desk/visits/{mdtrt_id}/lines/{line_id}/withdraw":  "-  -  Y  -  -  -  -  -",
    "POST /desk/visits/{mdtrt_id}/pre-settle":                "-  -  Y  -  -  -  -  -",
    "POST /desk/visits/{mdtrt_id}/settle":                    "-  -  Y  -  -  -  -  -",
    "GET /desk/settlements/{setl_id}":                        "-  -  Y  -  -  -  -  -",
    "GET /desk/settlements/{setl_id}/slip":                   "-  -  Y  -  -  -  -  -",
    "POST /desk/settlements/{setl_id}/revoke":                "-  -  Y  -  -  -  -  -",
    "GET /desk/reconcile":                                    "-  -  Y  -  -  -  -  -",
    "POST /desk/reconcile":                                   "-  -  Y  -  -  -  -  -",
    # agency staff pages, by duty; clearing pages also for the clearing centre
    "GET /agency/claims":                                     "-  -  -  Y  Y  -  -  -",
    "GET /agency/claims/{claim_no}":                          "-  -  -  Y  Y  Y  -  -",
    "GET /agency/claims/{claim_no}/documents/{doc_id}":       "-  -  -  Y  Y  Y  -  -",
    "POST /agency/claims/{claim_no}/{action}":                "-  -  -  Y  Y  -  -  -",
    "GET /agency/payments":                                   "-  -  -  Y  -  Y  -  -",
    "POST /agency/payments":                                  "-  -  -  Y  -  Y  -  -",
    "GET /agency/payments/{batch_no}":                        "-  -  -  Y  -  Y  -  -",
    "POST /agency/payments/{batch_no}/paid":                  "-  -  -  Y  -  Y  -  -",
    "GET /agency/filings":                                    "-  -  -  Y  Y  Y  Y  -",
    "GET /agency/filings.csv":                                "-  -  -  Y  Y  Y  Y  -",
    "GET /agency/filings/{filing_id}":                        "-  -  -  Y  Y  Y  Y  -",
    "GET /agency/chronic":                                    "-  -  -  Y  Y  -  -  -",
    "POST /agency/chronic/{cert_id}/review":                  "-  -  -  Y  Y  -  -  -",
    "POST /agency/filings/{filing_id}/review":                "-  -  -  Y  Y  -  -  -",
    "GET /agency/clearing":                                   "-  -  -  Y  Y  Y  Y  Y",
    "GET /agency/statistics":                                 "-  -  -  Y  Y  Y  Y  Y",
    "GET /agency/clearing/disputes/{dispute_id}":             "-  -  -  Y  Y  Y  Y  Y",
    "POST /agency/clearing/run":                              "-  -  -  Y  -  -  Y  Y",
    "POST /agency/clearing/confirm":                          "-  -  -  Y  -  Y  Y  -",
    "POST /agency/clearing/dispute":                          "-  -  -  Y  -  Y  Y  -",
    "GET /agency/policies":                                   "-  -  -  Y  Y  Y  Y  -",
    "GET /agency/simulate":                                   "-  -  -  Y  -  -  Y  Y",
    "POST /agency/simulate":                                  "-  -  -  Y  -  -  Y  Y",
}


def headers(p: Principal | None, person_id: str) -> dict[str, str]:
    if p is None:
        return {}
    subject = person_id if p.role is Role.PERSON else p.subject
    h = {"X-Yidi-Role": p.role.value, "X-Yidi-Subject": subject}
    if p.role is Role.AGENCY:
        h["X-Yidi-Duties"] = ",".join(sorted(p.duties))
    return h


@pytest.fixture
def matrix_client(ctx: Context, demo: dict[str, DemoPerson]) -> Iterator[TestClient]:
    cfg = AuthConfig(b"matrix-secret-0123456789", dev_headers=True)
    with TestClient(reuse(create_app(ctx=ctx, auth=cfg), "matrix"), raise_server_exceptions=False) as c:
        yield c


def expected(key: str) -> dict[str, bool]:
    """The table's row for a route: caller name -> allowed."""
    cells = EXPECTED[key].split()
    assert len(cells) == len(CALLERS) and set(cells) <= {"Y", "-"}, f"bad row for {key}: {EXPECTED[key]!r}"
    return {name: cell == "Y" for name, cell in zip(CALLERS, cells, strict=True)}


def test_every_route_has_a_rule(ctx: Context) -> None:
    app = create_app(ctx=ctx, auth=AuthConfig(b"x" * 20))
    routes = app_routes(app)
    missing = sorted(routes - RULES.keys())
    assert not missing, f"routes without an access rule (add them to yidi.http.authz.RULES): {missing}"
    spec = app.openapi()
    ops = {f"{m.upper()} {path}" for path, item in spec["paths"].items() for m in item}
    assert ops <= routes  # the OpenAPI document shows nothing that escapes the check


def test_no_rule_for_a_route_the_app_does_not_have(ctx: Context) -> None:
    # a stale rule is a route someone removed or renamed without deciding again who may call it
    app = create_app(ctx=ctx, auth=AuthConfig(b"x" * 20))
    stale = sorted(RULES.keys() - app_routes(app))
    assert not stale, f"rules for routes this app does not have (remove them from yidi.http.authz.RULES): {stale}"


def test_the_registry_decides_as_the_table(ctx: Context) -> None:
    app = create_app(ctx=ctx, auth=AuthConfig(b"x" * 20))
    routes = app_routes(app)
    assert sorted(routes - EXPECTED.keys()) == [], "a route without a row in EXPECTED: decide who may call it"
    assert sorted(EXPECTED.keys() - routes) == [], "a row in EXPECTED for a route the app does not have"
    wrong = [f"{key} as {name}: the table says {'allowed' if want else 'denied'}, RULES {RULES[key].describe()}"
             for key in sorted(routes) for name, want in expected(key).items()
             if RULES[key].allows(CALLERS[name]) != want]
    assert not wrong, "\n".join(wrong)


def _fill(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def _error_code(r: httpx.Response) -> str | None:
    body = r.json() if r.headers.get("content-type", "").startswith("application/json") else None
    err = body.get("error", {}) if isinstance(body, dict) else {}
    return err.get("code") if isinstance(err, dict) else None


def test_matrix(matrix_client: TestClient, demo: dict[str, DemoPerson]) -> None:
    """Every API operation, every caller: allowed ones get past authorisation, denied ones exactly 401 when
    signed out and 403 ROLE_NOT_ALLOWED when signed in."""
    person_id = demo["post_hoc"].id_number
    spec = matrix_client.app.openapi()  # type: ignore[attr-defined]
    checked = 0
    wrong: list[str] = []
    for path, item in spec["paths"].items():
        for method in item:
            key = f"{method.upper()} {path}"
            for name, allowed in expected(key).items():
                p = CALLERS[name]
                r = matrix_client.request(method.upper(), _fill(path), headers=headers(p, person_id),
                                          json={} if method in ("post", "put", "patch") else None)
                checked += 1
                code = _error_code(r)
                refused = r.status_code == 401 or (r.status_code, code) == (403, "ROLE_NOT_ALLOWED")
                if r.status_code >= 500:
                    wrong.append(f"{key} as {name}: {r.status_code}")
                elif allowed and refused:
                    wrong.append(f"{key} as {name}: allowed by the table, got {r.status_code} {code}")
                elif not allowed and p is None and (r.status_code, code) != (401, "AUTH_REQUIRED"):
                    wrong.append(f"{key} as {name}: denied by the table, got {r.status_code} {code} "
                                 "(want 401 AUTH_REQUIRED)")
                elif not allowed and p is not None and (r.status_code, code) != (403, "ROLE_NOT_ALLOWED"):
                    wrong.append(f"{key} as {name}: denied by the table, got {r.status_code} {code} "
                                 "(want 403 ROLE_NOT_ALLOWED)")
    assert not wrong, "\n".join(wrong)
    assert checked == len(CALLERS) * sum(len(item) for item in spec["paths"].values())


def test_page_matrix(matrix_client: TestClient, demo: dict[str, DemoPerson]) -> None:
    """Every page route, every caller: a signed-out visitor of a closed page is sent to the login page (303),
    a refused one gets the 403 page naming ROLE_NOT_ALLOWED; an allowed one neither, and never a 5xx."""
    person_id = demo["post_hoc"].id_number
    app = matrix_client.app
    spec = app.openapi()  # type: ignore[attr-defined]
    api = {f"{m.upper()} {path}" for path, item in spec["paths"].items() for m in item}
    pages = sorted(app_routes(app) - api)  # type: ignore[arg-type]
    assert len(pages) >= 40  # the pages are there to be checked
    wrong: list[str] = []
    for key in pages:
        method, path = key.split(" ", 1)
        for name, allowed in expected(key).items():
            p = CALLERS[name]
            r = matrix_client.request(method, _fill(path), headers=headers(p, person_id), follow_redirects=False,
                                      data={} if method == "POST" else None)
            to_login = r.status_code == 303 and r.headers.get("location", "").startswith("/login?")
            refused = r.status_code == 403 and "ROLE_NOT_ALLOWED" in r.text
            if r.status_code >= 500:
                wrong.append(f"{key} as {name}: {r.status_code}")
            elif allowed and (refused or (to_login and path != "/logout")):
                wrong.append(f"{key} as {name}: allowed by the table, got {r.status_code}")
            elif not allowed and p is None and not to_login:
                wrong.append(f"{key} as {name}: denied by the table, got {r.status_code} (want 303 to /login)")
            elif not allowed and p is not None and not refused:
                wrong.append(f"{key} as {name}: denied by the table, got {r.status_code} (want the 403 page)")
    assert not wrong, "\n".join(wrong)
