"""The advisor's guided flow for pages: a situation read from a query string, and its answers described.

The whole situation travels in the URL (GET), so the flow works without JavaScript, every step can be
bookmarked or shared with a relative, and nothing personal is stored on the server.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from yidi.advisor.models import Situation
from yidi.domain.packset import PackSet
from yidi.domain.validation import validate_model
from yidi.web.labels import label

FIELDS = tuple(Situation.model_fields)
BOOL_FIELDS = {"filed", "treated", "paid_in_full", "chronic_certified", "referral_certificate"}

LABELS: dict[str, tuple[str, str]] = {
    "insured_region": ("参保地", "Insured region"),
    "scheme": ("险种", "Scheme"),
    "category": ("人员类别", "Category"),
    "current_region": ("就医地", "Treatment region"),
    "reason": ("为什么在外地", "Why away"),
    "visit_type": ("就医类型", "Visit type"),
    "filed": ("是否已备案", "Filed"),
    "filing_type": ("备案类型", "Filing type"),
    "filing_area": ("备案就医地", "Filing area"),
    "filing_start": ("备案开始", "Filing start"),
    "filing_end": ("备案结束", "Filing end"),
    "treated": ("是否已就医", "Treated already"),
    "admitted_on": ("入院日期", "Admitted on"),
    "paid_in_full": ("是否已全额付款", "Paid in full"),
    "paid_on": ("付款日期", "Paid on"),
    "hospital": ("医院", "Hospital"),
    "hospital_level": ("医院等级", "Hospital level"),
    "insurance_status": ("参保状态", "Insurance status"),
    "chronic_disease": ("慢特病", "Chronic disease"),
    "chronic_certified": ("慢特病已认定", "Chronic disease certified"),
    "referral_certificate": ("有转诊证明", "Referral certificate"),
    "bill_total": ("费用总额", "Bill total"),
}

def situation_from(params: Mapping[str, str]) -> Situation:
    """A Situation from query parameters; unknown parameters are not the advisor's and are left alone."""
    data: dict[str, Any] = {}
    for k in FIELDS:
        v = (params.get(k) or "").strip()
        if not v or k == "bill_lines":
            continue
        if k in BOOL_FIELDS:
            data[k] = v.lower() in ("true", "1", "yes", "on")
        else:
            data[k] = v
    return validate_model(Situation, data)


def as_params(known: Mapping[str, Any]) -> dict[str, str]:
    """A situation's known fields as query parameters (what the next step's form carries along)."""
    out: dict[str, str] = {}
    for k, v in known.items():
        if k not in FIELDS or k == "bill_lines" or v is None:
            continue
        out[k] = ("true" if v else "false") if isinstance(v, bool) else str(v)
    return out


# an answer's field -> its kind in yidi.web.labels
_KINDS = {"scheme": "scheme", "category": "category", "visit_type": "visit_type", "hospital_level": "level",
          "filing_type": "filing_type", "reason": "stay_reason", "insurance_status": "insurance_status"}


def describe(field: str, value: Any, packs: PackSet, lang: str) -> str:
    """An answer as a person reads it (region names, 是/否, enum labels)."""
    en = lang == "en"
    if isinstance(value, bool) or field in BOOL_FIELDS:
        yes = value is True or str(value).lower() == "true"
        return ("yes" if yes else "no") if en else ("是" if yes else "否")
    s = str(value)
    try:
        if field in ("insured_region", "current_region", "filing_area"):
            r = packs.regions.get(s)
            if r is not None:
                return f"{r.name} ({s})"
            prov = next((x.province_name for x in packs.regions.values() if x.province == s and x.province_name), "")
            return f"{prov} ({s})" if prov else s
        if field in _KINDS:  # the one label table: the same words in both languages
            return label(_KINDS[field], s, lang)
        if field == "hospital":
            inst = packs.institutions.get(s)
            return f"{inst.name} ({s})" if inst else s
    except (ValueError, KeyError):
        return s
    return s
