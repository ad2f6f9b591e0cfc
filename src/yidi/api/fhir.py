"""Read-only FHIR R4 routes (/api/v1/fhir/…), scoped like the JSON ones: a settlement as an ExplanationOfBenefit
for the desk that made it, the person, or a relative the person linked (yidi.services.settlement.slip); a
filing as a Coverage for the person (or relative) and the insured region's staff (yidi.services.filings.show);
the eligibility answer as a CoverageEligibilityResponse for whoever may ask it (yidi.services.eligibility.check);
a month's clearing line between two agencies as a PaymentReconciliation for those two agencies (a provincial
agency: its province's) and the clearing centre (yidi.services.clearing.pair_line)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import StringConstraints

from yidi.api.deps import Caller, Ctx
from yidi.api.filings import FilingId
from yidi.domain.reference import region_names
from yidi.fhir.coverage import coverage
from yidi.fhir.eligibility import eligibility_response
from yidi.fhir.eob import explanation_of_benefit
from yidi.fhir.reconciliation import payment_reconciliation
from yidi.fhir.search import capability_statement, date_range, searchset
from yidi.http.json_body import JsonRoute
from yidi.services import clearing, eligibility, filings, settlement
from yidi.services.context import Context
from yidi.services.eligibility import EligibilityRequest

router = APIRouter(prefix="/fhir", tags=["fhir FHIR R4 导出"], route_class=JsonRoute)
FHIR_JSON = "application/fhir+json"
# month.treatment.insured, e.g. 2026-10.310100.110100: what Beijing's agency owes Shanghai's for October
# one `created` value: [eq|ge|gt|le|lt]YYYY-MM-DD at the longest (yidi.fhir.search.date_range reads it)
CreatedParam = Annotated[str, StringConstraints(max_length=12)]
RecId = Annotated[str, Path(pattern=r"^\d{4}-\d{2}\.[0-9]{6}\.[0-9]{6}$", max_length=21)]


def _base(request: Request) -> str:
    return str(request.url_for("fhir_metadata")).removesuffix("/metadata")


def _fhir(resource: Any) -> Response:
    return Response(resource.model_dump_json(exclude_none=True), media_type=FHIR_JSON)


@router.get("/metadata", name="fhir_metadata", summary="FHIR CapabilityStatement: what these routes offer",
            responses={200: {"content": {FHIR_JSON: {}}}})
def metadata(request: Request, ctx: Ctx) -> Response:
    return _fhir(capability_statement(_base(request), ctx.today()))


@router.get("/ExplanationOfBenefit", summary="结算 search: a searchset Bundle of ExplanationOfBenefit",
            responses={200: {"content": {FHIR_JSON: {}}}})
def eob_search(request: Request, ctx: Ctx, caller: Caller,
               patient: Annotated[str | None, Query(max_length=26, description="ID number (Patient/… accepted)")] = None,
               created: Annotated[list[CreatedParam] | None, Query()] = None) -> Response:
    """A person's settlements (their own without `patient`, a linked relative's with it); a desk's for the
    `patient` it names, the ones it made; `created` narrows by settlement day."""
    first, last = date_range(created or [])
    number = patient.removeprefix("Patient/") if patient else None
    found = [explanation_of_benefit(s) for s in settlement.slips(ctx, caller, number, first, last)]
    return _fhir(searchset(_base(request), "ExplanationOfBenefit", found, str(request.url)))


def _region_names(ctx: Context) -> dict[str, str]:
    """Region and province names by code, from the loaded packs (no query), shown beside codes."""
    return region_names(ctx.packs.regions)


@router.get("/ExplanationOfBenefit/{setl_id}", summary="结算 as FHIR R4 ExplanationOfBenefit",
            responses={200: {"content": {FHIR_JSON: {}}}})
def eob(ctx: Ctx, caller: Caller, setl_id: Annotated[str, Path(min_length=1, max_length=40)]) -> Response:
    resource = explanation_of_benefit(settlement.slip(ctx, caller, setl_id))
    return Response(resource.model_dump_json(exclude_none=True), media_type=FHIR_JSON)


@router.get("/Coverage/{filing_id}", summary="备案 as FHIR R4 Coverage", responses={200: {"content": {FHIR_JSON: {}}}})
def coverage_of_filing(ctx: Ctx, caller: Caller, filing_id: FilingId) -> Response:
    resource = coverage(filings.show(ctx, caller, filing_id), _region_names(ctx))
    return Response(resource.model_dump_json(exclude_none=True), media_type=FHIR_JSON)


# a POST like /api/v1/eligibility, with its body: the check changes nothing, but an ID number and a name do not
# belong in a URL (access logs, browser history)
@router.post("/CoverageEligibilityResponse", summary="待遇资格核验 as FHIR R4 CoverageEligibilityResponse",
             responses={200: {"content": {FHIR_JSON: {}}}})
def eligibility_answer(ctx: Ctx, caller: Caller, body: EligibilityRequest) -> Response:
    resource = eligibility_response(eligibility.check(ctx, caller, body), body.id_number, body.name, _region_names(ctx))
    return Response(resource.model_dump_json(exclude_none=True), media_type=FHIR_JSON)


@router.get("/PaymentReconciliation/{rec_id}", summary="清算明细 as FHIR R4 PaymentReconciliation",
            responses={200: {"content": {FHIR_JSON: {}}}})
def reconciliation(ctx: Ctx, caller: Caller, rec_id: RecId) -> Response:
    month, treatment_region, insured_region = rec_id.split(".")
    view, line = clearing.pair_line(ctx, caller, month, treatment_region, insured_region)
    return Response(payment_reconciliation(view, line).model_dump_json(exclude_none=True), media_type=FHIR_JSON)
