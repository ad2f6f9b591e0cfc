"""A filing (备案) as a FHIR Coverage: whose it is, the scheme (险种) and insured region paying, the treatment
area and the days it covers, its state; the library validates it before it is answered."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fhir.resources.R4B.coverage import Coverage

from yidi.domain.filing_rules.records import FilingStatus
from yidi.domain.ids import mask_id
from yidi.fhir.eob import YIDI
from yidi.services.filings import FilingView

# a filing's state as a Coverage status (FHIR's financial resource status: active | cancelled | draft |
# entered-in-error); a superseded version is no longer in force, as a cancelled one
STATUS = {FilingStatus.PENDING_REVIEW: "draft", FilingStatus.ACTIVE: "active", FilingStatus.REJECTED: "cancelled",
          FilingStatus.CANCELLED: "cancelled", FilingStatus.SUPERSEDED: "cancelled"}


def coverage(v: FilingView, names: Mapping[str, str]) -> Coverage:
    """The filing as a Coverage (its class: the filing type; its network: the treatment area); `names`: region
    and province names by code, shown beside the codes."""
    r = v.record
    end = r.last_day
    data: dict[str, Any] = {
        "resourceType": "Coverage",
        "id": r.filing_id,
        "identifier": [{"system": f"{YIDI}/filing_id", "value": r.filing_id}],
        "status": STATUS[r.status],
        "beneficiary": {"display": f"{v.person_name} {mask_id(r.person_id_number)}"},
        "payor": [{"identifier": {"system": f"{YIDI}/admdvs", "value": r.insured_region},
                   "display": f"参保地 insured region {names.get(r.insured_region, '')} {r.insured_region}"}],
        "period": {"start": r.start.isoformat(), **({"end": end.isoformat()} if end else {})},
        "network": f"就医地 treatment area {names.get(r.treatment_area, '')} {r.treatment_area}",
        "class": [{"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/coverage-class",
                                        "code": "plan"}]},
                   "value": r.type.value, "name": f"{r.type.zh} {r.type.value}"}],
    }
    if v.scheme is not None:
        data["type"] = {"coding": [{"system": f"{YIDI}/insutype", "code": v.scheme.insutype,
                                    "display": v.scheme.value}], "text": v.scheme.zh}
    return Coverage.model_validate(data)
