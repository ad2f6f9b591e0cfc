"""Authorisation: which role (and, for agency staff, which duty) may call which route — one registry, checked
on every request before the route runs.

Two layers, each in one place:
- here, per route: `RULES` maps `"METHOD /path"` to a Rule. The app depends on `authorize` for every
  route; a route without a rule answers 403 ROUTE_WITHOUT_RULE (fail closed) and the route-matrix test
  (tests/api/test_authz_matrix.py) fails until a rule is written here;
- per record, in the services (yidi.services.access): a hospital sees only its visits, staff their
  region's persons, filings, claims and clearing lines, a person only their own. Records outside the
  caller's scope answer 404 so that their existence does not leak.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.routing import iter_route_contexts

from yidi.domain.error_catalogue import error
from yidi.domain.errors import YidiError
from yidi.http.security import optional_principal
from yidi.services import trail
from yidi.services.access import Duty, Principal, Role

P, H, A, C = Role.PERSON, Role.HOSPITAL, Role.AGENCY, Role.CLEARING
REVIEWER, PAYER, ADMIN = Duty.REVIEWER, Duty.PAYER, Duty.ADMINISTRATOR


@dataclass(frozen=True)
class Rule:
    """Who may call a route. `public`: anyone, signed in or not. `duties`: an agency caller needs one of
    them (empty: any agency staff). Other roles are not concerned by duties."""

    roles: frozenset[Role] = frozenset()
    duties: frozenset[Duty] = frozenset()
    public: bool = False

    def allows(self, p: Principal | None) -> bool:
        if self.public:
            return True
        if p is None or p.role not in self.roles:
            return False
        return not (p.role is Role.AGENCY and self.duties and not (self.duties & p.duties))

    def describe(self) -> str:
        if self.public:
            return "public"
        roles = "/".join(r.value for r in sorted(self.roles))
        return roles + (f" (agency duty: {'/'.join(sorted(self.duties))})" if self.duties else "")


PUBLIC = Rule(public=True)


def allow(*roles: Role, duties: tuple[Duty, ...] = ()) -> Rule:
    return Rule(frozenset(roles), frozenset(duties))


ANY_SIGNED_IN = allow(P, H, A, C)

# Every route of the app. Keep it sorted by door; the matrix test lists what is missing or stale.
RULES: dict[str, Rule] = {
    # reference data, the advisor and the calculator are public: they hold no personal data
    "GET /api/v1/health": PUBLIC,
    "GET /api/v1/institutions": PUBLIC,
    "POST /api/v1/quote": PUBLIC,
    "POST /api/v1/advice": PUBLIC,
    "GET /api/v1/advice/search": PUBLIC,
    "GET /api/v1/filings/materials": PUBLIC,
    # authentication
    "POST /api/v1/auth/token": PUBLIC,
    "POST /api/v1/auth/session": PUBLIC,
    "POST /api/v1/auth/logout": PUBLIC,
    "GET /api/v1/auth/me": ANY_SIGNED_IN,
    "GET /api/v1/me/export": allow(P),
    "POST /api/v1/me/credential": allow(P),
    "GET /api/v1/me/settlements": allow(P),
    "GET /api/v1/me/settlements/{setl_id}": allow(P),
    "GET /api/v1/me/settlements/{setl_id}/estimate": allow(P),
    "POST /api/v1/me/estimates": allow(P),
    "GET /api/v1/me/estimates": allow(P),
    "GET /api/v1/me/purchases": allow(P),
    "GET /api/v1/fhir/metadata": PUBLIC,  # the FHIR CapabilityStatement: what the routes offer, no data
    "GET /api/v1/fhir/ExplanationOfBenefit": allow(P, H),  # search: own or a linked relative's; a desk its own
    "GET /api/v1/fhir/ExplanationOfBenefit/{setl_id}": allow(P, H),  # the person (or linked relative), the desk
    "GET /api/v1/fhir/Coverage/{filing_id}": allow(P, A),  # as GET /api/v1/filings/{filing_id}
    "POST /api/v1/fhir/CoverageEligibilityResponse": allow(P, H, A),  # as POST /api/v1/eligibility
    "GET /api/v1/fhir/PaymentReconciliation/{rec_id}": allow(A, C),  # as GET /api/v1/clearing/runs/{month}
    # family links (家人关联): a person asks, the relative answers, either side revokes; agency reviewers of
    # the relative's region record the proof checked at the counter (the service scopes by region)
    "POST /api/v1/me/relatives": allow(P),
    "GET /api/v1/me/relatives": allow(P),
    "POST /api/v1/me/relatives/{link_id}/confirm": allow(P),
    "POST /api/v1/me/relatives/{link_id}/decline": allow(P),
    "POST /api/v1/me/relatives/{link_id}/revoke": allow(P),
    "POST /api/v1/family-links": allow(A, duties=(REVIEWER,)),
    "POST /api/v1/family-links/query": allow(A, duties=(REVIEWER,)),
    "POST /api/v1/family-links/{link_id}/revoke": allow(A, duties=(REVIEWER,)),
    # filings (备案): the person (or a relative with a confirmed family link: yidi.services.acting), or staff
    # of the insured region; review needs the reviewer duty
    "POST /api/v1/filings": allow(P, A),
    "GET /api/v1/filings": allow(P, A),
    "GET /api/v1/filings/{filing_id}": allow(P, A),
    "POST /api/v1/filings/{filing_id}/cancel": allow(P, A),
    "POST /api/v1/filings/{filing_id}/change": allow(P, A),
    "POST /api/v1/filings/{filing_id}/review": allow(A, duties=(REVIEWER,)),
    # eligibility at admission: the hospital (its institution), the person (self), staff (their region)
    "POST /api/v1/eligibility": allow(P, H, A),
    # direct settlement: hospitals only, each its own visits (services.settlement scopes by institution)
    "POST /api/v1/hospital/credentials/redeem": allow(H),
    "POST /api/v1/hospital/persons/query": allow(H),
    "POST /api/v1/hospital/persons/chronic": allow(H),
    # the pharmacy counter: a pharmacy's key (a hospital principal; the service refuses a hospital's institution)
    "POST /api/v1/pharmacy/purchases": allow(H),
    "POST /api/v1/pharmacy/purchases/{mdtrt_id}/settle": allow(H),
    "POST /api/v1/pharmacy/settlements/{setl_id}/revoke": allow(H),
    "POST /api/v1/fsi": allow(H),  # the national envelope: the same hospital transactions
    "POST /api/v1/hospital/visits": allow(H),
    "GET /api/v1/hospital/visits": allow(H),
    "GET /api/v1/hospital/visits/{mdtrt_id}": allow(H),
    "POST /api/v1/hospital/visits/{mdtrt_id}/cancel": allow(H),
    "POST /api/v1/hospital/visits/{mdtrt_id}/change": allow(H),
    "POST /api/v1/hospital/visits/{mdtrt_id}/discharge": allow(H),
    "POST /api/v1/hospital/visits/{mdtrt_id}/discharge/cancel": allow(H),
    "POST /api/v1/hospital/visits/{mdtrt_id}/lines": allow(H),
    "POST /api/v1/hospital/visits/{mdtrt_id}/lines/withdraw": allow(H),
    "POST /api/v1/hospital/visits/{mdtrt_id}/pre-settle": allow(H),
    "POST /api/v1/hospital/visits/{mdtrt_id}/settle": allow(H),
    "GET /api/v1/hospital/settlements/{setl_id}": allow(H),
    "POST /api/v1/hospital/settlements/{setl_id}/revoke": allow(H),
    "POST /api/v1/hospital/reversals": allow(H),
    "POST /api/v1/hospital/accumulators/query": allow(H),
    "POST /api/v1/hospital/reconciliation": allow(H),
    # 门诊慢特病认定: the person applies for themself; staff of the insured region review (the service scopes
    # an application to its applicant and that region)
    "POST /api/v1/me/chronic": allow(P),
    "GET /api/v1/me/chronic": allow(P),
    "GET /api/v1/chronic/queue": allow(A, duties=(REVIEWER,)),
    "GET /api/v1/chronic/{cert_id}": allow(P, A),
    "POST /api/v1/chronic/{cert_id}/papers": allow(P),
    "GET /api/v1/chronic/{cert_id}/papers/{paper_id}": allow(P, A),
    "POST /api/v1/chronic/{cert_id}/resubmit": allow(P),
    "POST /api/v1/chronic/{cert_id}/withdraw": allow(P),
    "POST /api/v1/chronic/{cert_id}/review": allow(A, duties=(REVIEWER,)),
    # manual claims (手工报销): the person or staff of the insured region; review and payment by duty
    "POST /api/v1/claims": allow(P, A),
    "GET /api/v1/claims": allow(P, A),
    "GET /api/v1/claims/queue": allow(A, duties=(REVIEWER,)),
    "POST /api/v1/claims/batches": allow(A, duties=(PAYER,)),
    "GET /api/v1/claims/batches/{batch_no}": allow(A, duties=(PAYER,)),
    "GET /api/v1/claims/batches/{batch_no}/export": allow(A, duties=(PAYER,)),
    "POST /api/v1/claims/batches/{batch_no}/paid": allow(A, duties=(PAYER,)),
    "GET /api/v1/claims/{claim_no}": allow(P, A),
    "PATCH /api/v1/claims/{claim_no}": allow(P, A),
    "POST /api/v1/claims/{claim_no}/fee-list": allow(P, A),
    "POST /api/v1/claims/{claim_no}/documents": allow(P, A),
    "GET /api/v1/claims/{claim_no}/documents/{doc_id}": allow(P, A),
    "DELETE /api/v1/claims/{claim_no}/documents/{doc_id}": allow(P, A),
    "POST /api/v1/claims/{claim_no}/submit": allow(P, A),
    "POST /api/v1/claims/{claim_no}/review": allow(A, duties=(REVIEWER,)),
    "POST /api/v1/claims/{claim_no}/lines/{line_id}/exclude": allow(A, duties=(REVIEWER,)),
    "POST /api/v1/claims/{claim_no}/lines/{line_id}/include": allow(A, duties=(REVIEWER,)),
    "POST /api/v1/claims/{claim_no}/approve": allow(A, duties=(REVIEWER,)),
    "POST /api/v1/claims/{claim_no}/return": allow(A, duties=(REVIEWER,)),
    "POST /api/v1/claims/{claim_no}/reject": allow(A, duties=(REVIEWER,)),
    "POST /api/v1/claims/{claim_no}/appeal": allow(P, A),
    "POST /api/v1/claims/{claim_no}/uphold": allow(A, duties=(REVIEWER,)),
    # monthly clearing (清算): agencies read their own lines (the service scopes them); clearing operators
    # the whole month; running and closing a month is for clearing operators and agency administrators
    "GET /api/v1/clearing/runs": allow(A, C),
    "POST /api/v1/clearing/runs/{month}": allow(A, C, duties=(ADMIN,)),
    "POST /api/v1/clearing/runs/{month}/close": allow(A, C, duties=(ADMIN,)),
    "GET /api/v1/clearing/runs/{month}": allow(A, C),
    "GET /api/v1/clearing/runs/{month}/verify": allow(A, C),
    "GET /api/v1/clearing/runs/{month}/items": allow(A, C),
    "GET /api/v1/clearing/runs/{month}/statement.csv": allow(A),
    "GET /api/v1/clearing/runs/{month}/statement.xlsx": allow(A),
    "GET /api/v1/clearing/runs/{month}/report.html": allow(A, C),
    "POST /api/v1/clearing/runs/{month}/confirmation": allow(A, duties=(PAYER, ADMIN)),
    # 统计月报: aggregates only, no person's data; agency staff see their insured region, the clearing centre all
    "GET /api/v1/statistics": allow(A, C),
    "GET /api/v1/statistics.csv": allow(A, C),
    "POST /api/v1/clearing/runs/{month}/disputes": allow(A, duties=(PAYER, ADMIN)),
    "GET /api/v1/clearing/disputes": allow(A, C),
    "GET /api/v1/clearing/disputes/{dispute_id}/items": allow(A, C),
    "POST /api/v1/clearing/disputes/{dispute_id}/decision": allow(A, C, duties=(PAYER, ADMIN)),
    # policy simulation (政策模拟) on synthetic data: agency administrators and clearing operators
    "POST /api/v1/simulate": allow(A, C, duties=(ADMIN,)),
    "GET /api/v1/simulate/{simulation_id}/report.html": allow(A, C, duties=(ADMIN,)),
    # --- web pages (yidi.web): the same registry decides. A signed-out visitor of a page gets the login
    # page instead of a 401 (yidi.web.pages' error handler); a refused one an HTML 403 page.
    # open to everyone: the start page, the advisor with its estimate, the hospital finder, login/logout
    "GET /": PUBLIC,
    "GET /prefs": PUBLIC,
    "GET /favicon.ico": PUBLIC,
    "GET /advice": PUBLIC,
    "GET /estimate": PUBLIC,
    "POST /estimate": PUBLIC,
    "GET /hospitals": PUBLIC,
    "GET /login": PUBLIC,
    "POST /login": PUBLIC,
    "POST /logout": PUBLIC,
    # the insured person (acting for a relative needs a confirmed family link: yidi.services.acting)
    "GET /me/filings": allow(P),
    "GET /me/filings/new": allow(P),
    "POST /me/filings/validate": allow(P),
    "POST /me/filings": allow(P),
    "GET /me/filings/{filing_id}": allow(P),
    "POST /me/filings/{filing_id}/cancel": allow(P),
    "GET /me/filings/{filing_id}/change": allow(P),
    "POST /me/filings/{filing_id}/change": allow(P),
    "GET /me/relatives": allow(P),
    "POST /me/relatives": allow(P),
    "POST /me/relatives/{link_id}/{action}": allow(P),
    "GET /me/credential": allow(P),
    "GET /me/settlements": allow(P),
    "GET /me/settlements/{setl_id}": allow(P),
    "GET /me/purchases": allow(P),
    "GET /me/purchases/{setl_id}": allow(P),
    "GET /me/chronic": allow(P),
    "POST /me/chronic": allow(P),
    "POST /me/chronic/{cert_id}/papers": allow(P),
    "POST /me/chronic/{cert_id}/{action}": allow(P),
    "GET /me/claims": allow(P),
    "GET /me/claims/new": allow(P),
    "POST /me/claims": allow(P),
    "GET /me/claims/{claim_no}": allow(P),
    "POST /me/claims/{claim_no}/documents": allow(P),
    "POST /me/claims/{claim_no}/fee-list": allow(P),
    "POST /me/claims/{claim_no}/submit": allow(P),
    "POST /me/claims/{claim_no}/appeal": allow(P),
    # the hospital desk
    "GET /desk": allow(H),
    "GET /counter": allow(H),  # the pharmacy counter (a pharmacy's desk account; a hospital's is refused)
    "POST /counter": allow(H),
    "POST /counter/{mdtrt_id}/settle": allow(H),
    "POST /desk/check": allow(H),
    "POST /desk/credential": allow(H),
    "POST /desk/admit": allow(H),
    "GET /desk/visits": allow(H),
    "GET /desk/visits/{mdtrt_id}": allow(H),
    "POST /desk/visits/{mdtrt_id}/state/{action}": allow(H),
    "POST /desk/visits/{mdtrt_id}/lines": allow(H),
    "GET /desk/visits/{mdtrt_id}/lines/{line_id}": allow(H),
    "POST /desk/visits/{mdtrt_id}/lines/{line_id}": allow(H),
    "POST /desk/visits/{mdtrt_id}/lines/{line_id}/withdraw": allow(H),
    "POST /desk/visits/{mdtrt_id}/pre-settle": allow(H),
    "POST /desk/visits/{mdtrt_id}/settle": allow(H),
    "GET /desk/settlements/{setl_id}": allow(H),
    "GET /desk/settlements/{setl_id}/slip": allow(H),
    "POST /desk/settlements/{setl_id}/revoke": allow(H),
    "GET /desk/reconcile": allow(H),
    "POST /desk/reconcile": allow(H),
    # agency staff, by duty: claim review (reviewer), payment batches (payer), filings of the region (any
    # staff read, reviewers decide), clearing (agency or clearing operator; running it: administrator),
    # the policy packs in force (readable by all staff)
    "GET /agency/claims": allow(A, duties=(REVIEWER,)),
    "GET /agency/claims/{claim_no}": allow(A, duties=(REVIEWER, PAYER)),
    "GET /agency/claims/{claim_no}/documents/{doc_id}": allow(A, duties=(REVIEWER, PAYER)),  # as the claim page
    "POST /agency/claims/{claim_no}/{action}": allow(A, duties=(REVIEWER,)),
    "GET /agency/payments": allow(A, duties=(PAYER,)),
    "POST /agency/payments": allow(A, duties=(PAYER,)),
    "GET /agency/payments/{batch_no}": allow(A, duties=(PAYER,)),
    "POST /agency/payments/{batch_no}/paid": allow(A, duties=(PAYER,)),
    "GET /agency/filings": allow(A),
    "GET /agency/filings.csv": allow(A),
    "GET /agency/filings/{filing_id}": allow(A),
    "GET /agency/chronic": allow(A, duties=(REVIEWER,)),
    "POST /agency/chronic/{cert_id}/review": allow(A, duties=(REVIEWER,)),
    "POST /agency/filings/{filing_id}/review": allow(A, duties=(REVIEWER,)),
    "GET /agency/clearing": allow(A, C),
    "GET /agency/clearing/disputes/{dispute_id}": allow(A, C),
    "POST /agency/clearing/run": allow(A, C, duties=(ADMIN,)),
    "POST /agency/clearing/confirm": allow(A, duties=(PAYER, ADMIN)),  # as the API's confirmation
    "POST /agency/clearing/dispute": allow(A, duties=(PAYER, ADMIN)),
    "GET /agency/policies": allow(A),
    "GET /agency/statistics": allow(A, C),
    "GET /agency/simulate": allow(A, C, duties=(ADMIN,)),
    "POST /agency/simulate": allow(A, C, duties=(ADMIN,)),
}


def route_table(app: FastAPI) -> dict[tuple[Any, str], str]:
    """(endpoint function, method) -> "METHOD /full/path" for every API route of the app (HEAD as GET)."""
    table: dict[tuple[Any, str], str] = {}
    for rc in iter_route_contexts(app.routes):
        if rc.endpoint is None or not rc.methods or rc.path_format is None:
            continue
        for m in rc.methods:
            table[(rc.endpoint, m)] = f"{m} {rc.path_format}"
    return table


def app_routes(app: FastAPI) -> set[str]:
    """Every "METHOD /path" the app answers that goes through `authorize` (API routes, pages included)."""
    from fastapi.routing import APIRoute

    out: set[str] = set()
    for rc in iter_route_contexts(app.routes):
        if isinstance(rc.original_route, APIRoute) and rc.methods and rc.path_format:
            out |= {f"{m} {rc.path_format}" for m in rc.methods if m != "HEAD"}
    return out


def rule_for(request: Request) -> tuple[str, Rule | None]:
    app: FastAPI = request.app
    table: dict[tuple[Any, str], str] | None = getattr(app.state, "route_keys", None)
    route = request.scope.get("route")
    endpoint = getattr(route, "endpoint", None)
    method = "GET" if request.method == "HEAD" else request.method
    if table is None or (endpoint, method) not in table:
        table = route_table(app)  # routes are added after app creation (pages); rebuild when one is new
        app.state.route_keys = table
    # the URL only when no route matched: building request.url costs more than the lookup
    key = table.get((endpoint, method)) or f"{method} {request.url.path}"
    return key, RULES.get(key)


def _note_actor(request: Request, key: str) -> None:
    """Tell the audit chain who this request's writes are by (contextvar: reaches the endpoint's thread)."""
    p: Principal | None = getattr(request.state, "principal", None)
    if p is not None:
        trail.note_actor(p.role.value, f"{p.shown} {p.user}" if p.user else p.shown, key)
    else:
        trail.note_actor("anonymous", request.client.host if request.client else "", key)


async def authorize(request: Request) -> None:
    """App-wide dependency: find the route's rule and check the caller against it (401 / 403)."""
    key, rule = rule_for(request)
    try:
        await _check(request, key, rule)
    finally:
        _note_actor(request, key)


async def _check(request: Request, key: str, rule: Rule | None) -> None:
    if rule is None:
        raise error("ROUTE_WITHOUT_RULE", key=key)
    if rule.public:
        try:  # so a page can still see who is signed in; bad credentials do not close a public route
            await optional_principal(request)
        except YidiError:
            request.state.principal = None
        return
    principal = await optional_principal(request)
    if principal is None:
        from yidi.http.security import auth_required

        raise auth_required()
    if not rule.allows(principal):
        need = rule.describe()
        raise error("ROLE_NOT_ALLOWED", role=principal.role.value, what_zh="使用该接口", what_en=f"use {key}",
                    allowed=need)
