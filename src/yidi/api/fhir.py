"""Read-only FHIR R4 routes (/api/v1/fhir/…), scoped like the JSON ones: a settlement as an ExplanationOfBenefit
for the desk that made it, the person, or a relative the person linked (yidi.services.settlement.slip)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from yidi.api.deps import Caller, Ctx
from yidi.fhir.eob import explanation_of_benefit
from yidi.services import settlement

router = APIRouter(prefix="/fhir", tags=["fhir FHIR R4 导出"])
FHIR_JSON = "application/fhir+json"


@router.get("/ExplanationOfBenefit/{setl_id}", summary="结算 as FHIR R4 ExplanationOfBenefit",
            responses={200: {"content": {FHIR_JSON: {}}}})
def eob(ctx: Ctx, caller: Caller, setl_id: Annotated[str, Path(min_length=1, max_length=40)]) -> Response:
    resource = explanation_of_benefit(settlement.slip(ctx, caller, setl_id))
    return Response(resource.model_dump_json(exclude_none=True), media_type=FHIR_JSON)
