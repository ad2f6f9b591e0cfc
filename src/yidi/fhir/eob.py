"""A settlement (结算) as a FHIR ExplanationOfBenefit: the bill's total and each fund's share as adjudications,
the explanation's steps as process notes, the person's cash as the payment."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fhir.resources.R4B.explanationofbenefit import ExplanationOfBenefit

from yidi.domain.amounts import AMOUNT_LABELS
from yidi.domain.enums import VisitType
from yidi.services.settlement.history import Slip

YIDI = "https://yidi.example/fhir"  # the code systems of yidi's own names (amount fields, settlement ids)
# the amounts a claim's adjudication lists, in the order of the calculation; the fund fields are benefits
ADJUDICATED = ("medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt",
               "act_pay_dedc", "hifp_pay", "hifob_pay", "cvlserv_pay", "hifmi_pay", "maf_pay", "fund_pay_sumamt",
               "psn_part_amt", "acct_pay", "psn_cash_pay")
MAX_NOTES = 60


def _money(v: Any) -> dict[str, Any]:
    return {"value": Decimal(str(v)), "currency": "CNY"}


def _concept(code: str, zh: str, en: str) -> dict[str, Any]:
    return {"coding": [{"system": f"{YIDI}/amount", "code": code, "display": en}], "text": zh}


def explanation_of_benefit(s: Slip) -> ExplanationOfBenefit:
    """The slip as an ExplanationOfBenefit (status cancelled once revoked); the library validates it."""
    b, item = s.breakdown, s.item
    inpatient = item.visit_type is VisitType.INPATIENT
    adjudication = [{"category": _concept(f, *AMOUNT_LABELS[f]), "amount": _money(b[f])} for f in ADJUDICATED if f in b]
    notes = [{"number": i + 1, "type": "display", "text": f"{step.get('text_zh', '')} {step.get('text_en', '')}".strip()}
             for i, step in enumerate((b.get("steps") or [])[:MAX_NOTES])]
    data: dict[str, Any] = {
        "resourceType": "ExplanationOfBenefit",
        "id": item.setl_id,
        "identifier": [{"system": f"{YIDI}/setl_id", "value": item.setl_id},
                       {"system": f"{YIDI}/mdtrt_id", "value": s.mdtrt_id}],
        "status": "cancelled" if item.status == "REVOKED" else "active",
        "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/claim-type",
                             "code": "institutional" if inpatient else "professional"}]},
        "use": "claim",
        "patient": {"display": f"{s.person_name} {s.person_id_number}"},
        "billablePeriod": {"start": s.admitted_on.isoformat(),
                           **({"end": s.discharged_on.isoformat()} if s.discharged_on else {})},
        "created": item.settlement_date.isoformat(),
        "insurer": {"display": f"{s.insured_region_name} {s.insured_region}".strip()},
        "provider": {"identifier": {"system": f"{YIDI}/institution", "value": item.institution},
                     "display": item.institution_name},
        "outcome": "complete",
        "insurance": [{"focal": True, "coverage": {"display": f"{s.scheme.zh} {s.insured_region}"}}],
        "item": [{"sequence": 1, "productOrService": {"text": "本次就医费用 the visit's fees"},
                  "adjudication": adjudication}],
        "total": [{"category": _concept(f, *AMOUNT_LABELS[f]), "amount": _money(b[f])}
                  for f in ("medfee_sumamt", "fund_pay_sumamt", "psn_part_amt") if f in b],
        "payment": {"amount": _money(b.get("psn_cash_pay", "0.00"))},
        "processNote": notes or None,
    }
    return ExplanationOfBenefit.model_validate({k: v for k, v in data.items() if v is not None})
