"""A signed-in person's bill estimates (费用估算): kept when made, listed, and set beside the settlement of
the visit they were for — what changed and why (yidi.domain.estimate_diff).

Which estimate goes with a settlement: the person's newest one for the same hospital and visit type made on
or before the settlement day. Only the person's own (an estimate is what they asked; a relative's settlement
shows none)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from pydantic import Field

from yidi.advisor import estimate as advisor_estimate
from yidi.advisor.models import Estimate, Plan, Situation
from yidi.domain import bounds as B
from yidi.domain.bill import FeeLine
from yidi.domain.enums import FilingType, VisitType
from yidi.domain.error_catalogue import error
from yidi.domain.estimate_diff import Comparison, compare
from yidi.domain.validation import Code, Strict
from yidi.services import profile, settlement
from yidi.services.access import Principal, Role, require
from yidi.services.context import Context
from yidi.store.repositories.estimates import KeptEstimate

MAX_LISTED = 50
MAX_ESTIMATE_LINES = 500


class EstimateIn(Strict):
    """An estimate a signed-in person asks for: the hospital, the visit type, whether a filing covers it, the
    fee lines; the insured region, scheme and category are the person's own record."""

    hospital: Code = Field(min_length=1, max_length=B.INSTITUTION_CODE)
    visit_type: VisitType
    filed: bool = False
    filing_type: FilingType | None = None
    lines: list[FeeLine] = Field(min_length=1, max_length=MAX_ESTIMATE_LINES)


@dataclass(frozen=True, slots=True)
class Beside:
    """A settlement's kept estimate and the comparison."""

    estimate_id: int
    made_on: dt.date
    comparison: Comparison

    def as_dict(self) -> dict[str, Any]:
        return {"estimate_id": self.estimate_id, "made_on": self.made_on.isoformat(), **self.comparison.as_dict()}


def keep(ctx: Context, principal: Principal | None, situation: Situation, est: Estimate) -> int | None:
    """Keep a signed-in person's estimate of a bill at a named hospital (None: nobody to keep it for)."""
    if principal is None or principal.role is not Role.PERSON or not situation.hospital or situation.visit_type is None:
        return None
    with ctx.uow() as uow:
        keyed = uow.persons.keyed(principal.subject)
        if keyed is None:
            return None
        return uow.estimates.add(KeptEstimate(
            0, keyed[0], situation.hospital, VisitType(situation.visit_type), ctx.today(), dt.datetime.now(dt.UTC),
            situation.model_dump(mode="json", exclude_none=True), est.model_dump(mode="json")))


def make(ctx: Context, principal: Principal, body: EstimateIn) -> tuple[Plan, Estimate, int | None]:
    """Estimate the bill on the person's own record and keep it: (the plan, the estimate, its id)."""
    require(principal, Role.PERSON, what_zh="保存自己的估算", what_en="keep one's own estimate")
    own = profile.own_situation(ctx, principal)
    situation = advisor_estimate.situation_for(
        ctx.packs, insured_region=own.get("insured_region"), scheme=own.get("scheme"), category=own.get("category"),
        hospital=body.hospital, visit_type=body.visit_type.value, filed=body.filed,
        filing_type=body.filing_type.value if body.filing_type else None, lines=body.lines)
    plan, est = advisor_estimate.estimate(ctx.packs, ctx.today(), situation)
    return plan, est, keep(ctx, principal, situation, est)


def _summary(e: KeptEstimate) -> dict[str, Any]:
    est = e.estimate
    return {"estimate_id": e.id, "made_on": e.made_on.isoformat(), "institution": e.institution,
            "visit_type": e.visit_type.value, "medfee_sumamt": est.get("medfee_sumamt"),
            "fund_pay_sumamt": est.get("fund_pay_sumamt"), "psn_part_amt": est.get("psn_part_amt")}


def mine(ctx: Context, principal: Principal) -> list[dict[str, Any]]:
    """My kept estimates, newest first."""
    require(principal, Role.PERSON, what_zh="查看自己的估算", what_en="see one's own estimates")
    with ctx.uow() as uow:
        keyed = uow.persons.keyed(principal.subject)
        return [_summary(e) for e in uow.estimates.of_person(keyed[0], MAX_LISTED)] if keyed else []


def beside(ctx: Context, principal: Principal, setl_id: str) -> Beside | None:
    """The estimate I made for this settlement's visit beside what was settled; None when I made none.
    The settlement must be one I may read (else MY_SETTLEMENT_NOT_FOUND, as the slip)."""
    settlement.slip(ctx, principal, setl_id)  # who may read it, and its existence, decided as for the slip
    if principal.role is not Role.PERSON:
        return None
    with ctx.uow() as uow:
        row = uow.settlements.by_setl_id(setl_id)
        keyed = uow.persons.keyed(principal.subject)
        if row is None or keyed is None or row.person_id != keyed[0]:
            return None  # a relative's settlement: the estimates are theirs
        visit = uow.visits.get(row.visit_id)
        kept = uow.estimates.latest(keyed[0], row.institution, visit.visit_type, row.settlement_date)
        if kept is None:
            return None
        return Beside(kept.id, kept.made_on, compare(kept.estimate.get("breakdown") or {}, row.breakdown))


def beside_or_404(ctx: Context, principal: Principal, setl_id: str) -> dict[str, Any]:
    """The API's answer: the comparison, or MY_ESTIMATE_NOT_FOUND when no estimate goes with it."""
    found = beside(ctx, principal, setl_id)
    if found is None:
        raise error("MY_ESTIMATE_NOT_FOUND", setl_id=setl_id)
    return found.as_dict()

