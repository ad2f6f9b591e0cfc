"""The eligibility answer (待遇资格核验) as a FHIR CoverageEligibilityResponse: in force or not, the filing it
rests on as the insurance's coverage, every blocking reason as an error and every note in the disposition, each
in Chinese (text) and English (display); the library validates it before it is answered."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fhir.resources.R4B.coverageeligibilityresponse import CoverageEligibilityResponse

from yidi.domain.eligibility import EligibilityResult, Reason
from yidi.domain.ids import mask_id
from yidi.fhir.eob import YIDI


def _reason(r: Reason) -> dict[str, Any]:
    """One reason: its stable code, what happened and what to do, where, and the policy it rests on."""
    zh = " ".join(x for x in (r.message_zh, r.action_zh, r.where_zh, r.source) if x)
    en = " ".join(x for x in (r.message_en, r.action_en, r.where_en) if x)
    return {"coding": [{"system": f"{YIDI}/eligibility-reason", "code": r.code, "display": en}], "text": zh}


def eligibility_response(res: EligibilityResult, id_number: str, name: str,
                         names: Mapping[str, str]) -> CoverageEligibilityResponse:
    """The answer for `name` (`id_number`, shown masked) at res.institution on res.day; `names`: region names."""
    f = res.filing
    insurance: dict[str, Any] = {"inforce": res.eligible, "coverage": (
        {"reference": f"Coverage/{f.filing_id}", "display": f"{f.type.zh} {f.filing_id}"} if f is not None
        else {"display": "无备案 no filing"})}
    if f is not None:
        insurance["benefitPeriod"] = {"start": f.start.isoformat(),
                                      **({"end": f.last_day.isoformat()} if f.last_day else {})}
    notes = [f"{n.code}: {n.message_zh} {n.message_en}" for n in res.notes]
    verdict = "可直接结算 may settle directly" if res.eligible else "不能直接结算 may not settle directly"
    data: dict[str, Any] = {
        "resourceType": "CoverageEligibilityResponse",
        "status": "active",
        "purpose": ["validation"],
        "patient": {"display": f"{name} {mask_id(id_number)}"},
        "servicedDate": res.day.isoformat(),
        "created": res.day.isoformat(),
        # the request was the JSON body of the POST (no stored CoverageEligibilityRequest to point at)
        "request": {"display": f"待遇资格核验 eligibility check {res.institution} {res.visit_type.value}"},
        "outcome": "complete",
        "disposition": "; ".join([verdict, *notes]),
        "insurer": {"display": f"参保地 insured region {names.get(res.insured_region or '', '')} "
                               f"{res.insured_region or '未知 unknown'}"},
        "insurance": [insurance],
        "error": [{"code": _reason(r)} for r in res.reasons] or None,
    }
    return CoverageEligibilityResponse.model_validate({k: v for k, v in data.items() if v is not None})
