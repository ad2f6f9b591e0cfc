"""A bill estimate (the estimate page): a person already treated at a hospital, with these fee lines, asks what
the fund pays and what they pay. Builds the advisor's situation for that case and returns its plan, or says why
no estimate can be made. Pure: the packs and the day are passed in."""

from __future__ import annotations

import datetime as dt
from typing import Any

from yidi.advisor.models import Estimate, Plan, Situation
from yidi.advisor.plan import advise
from yidi.domain.bill import FeeLine
from yidi.domain.error_catalogue import error
from yidi.domain.packset import PackSet
from yidi.domain.validation import validate_model


def situation_for(packs: PackSet, *, insured_region: str | None, scheme: str | None, category: str | None,
                  hospital: str | None, visit_type: str | None, filed: bool, filing_type: str | None,
                  lines: list[FeeLine]) -> Situation:
    """The situation an estimate stands for (fields not given stay unknown, as the advisor expects)."""
    inst = packs.institutions.get(hospital or "")
    sit: dict[str, Any] = {"insured_region": insured_region, "scheme": scheme, "category": category,
                           "hospital": hospital, "visit_type": visit_type}
    if inst is not None:
        sit["current_region"] = inst.region  # treated where the hospital is
    sit["filed"] = filed
    if filed and filing_type:
        sit["filing_type"] = filing_type
        sit["filing_area"] = inst.region if inst else None
    sit["treated"] = True
    # unfiled: what a manual claim would pay (the insured region judges paid-in-full care as unfiled);
    # the stay reason does not change that amount, so the advisor is not made to ask for it
    sit["paid_in_full"] = not filed
    if not filed:
        sit["reason"] = "travelling"
    sit["bill_lines"] = [ln.model_dump(mode="json") for ln in lines]
    return validate_model(Situation, {k: v for k, v in sit.items() if v is not None})


def estimate(packs: PackSet, today: dt.date, situation: Situation) -> tuple[Plan, Estimate]:
    """The advisor's plan and its money estimate; ESTIMATE_UNAVAILABLE (422) when the plan has none."""
    plan = advise(situation, packs, today)
    if plan.money is None or plan.money.estimate is None:
        raise error("ESTIMATE_UNAVAILABLE",
                    detail_zh=plan.money.estimate_note_zh if plan.money else "缺少估算所需的信息（参保地、险种、医院）",
                    detail_en="an estimate needs the insured region, scheme and hospital")
    return plan, plan.money.estimate
