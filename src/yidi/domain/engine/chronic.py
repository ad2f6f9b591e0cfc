"""门诊慢特病 per-disease terms (issue 16 rule 7): the disease's own deductible, ratio bands and annual limit.

A CHRONIC_OUTPATIENT bill names the disease it treats (`Bill.chronic_disease`). The disease must be
certified for the person on the day of care (R-9.10): a bill for another disease is refused here, in the one
calculation every door uses, not only at the eligibility check. Where the insured region's chronic benefit
lists the disease (`benefits.CHRONIC_OUTPATIENT.diseases.<code>`), its terms replace the benefit's:
- `deductible`: an annual deductible of the disease's own, counted in `disease_deductible[<code>]`;
- `tiers`: the disease's ratio bands (cited as `…diseases.<code>.tiers.<cell>`);
- `annual_limit`: the pooled fund pays at most this for the disease in a year (`disease_paid[<code>]`),
  inside the pool's own cap; what the limit withholds stays with the person (or a later layer).
A disease the benefit does not list, or a bill without a disease, takes the benefit as written (default).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from yidi.domain.bill import Bill, YearAccumulators
from yidi.domain.breakdown import Breakdown, Step
from yidi.domain.engine.context import Ctx
from yidi.domain.enums import VisitType
from yidi.domain.error_catalogue import error
from yidi.domain.money import ZERO, fmt
from yidi.domain.policy import ALL, Benefit, Deductible, DiseaseBenefit, PolicyVersion
from yidi.domain.reference import Person


@dataclass(frozen=True, slots=True)
class DiseaseTerms:
    code: str
    terms: DiseaseBenefit
    param: str  # schemes.<scheme>.benefits.CHRONIC_OUTPATIENT.diseases.<code>


def for_disease(bill: Bill, person: Person, benefit: Benefit) -> tuple[Benefit, DiseaseTerms | None]:
    """The benefit this bill is calculated with, and the disease's own terms if the pack lists it."""
    code = bill.chronic_disease
    if code is None or bill.visit_type is not VisitType.CHRONIC_OUTPATIENT:
        return benefit, None
    if not person.chronic_certified(code, bill.admission_date):
        raise error("BILL_CHRONIC_NOT_CERTIFIED", chronic_disease=code, day=bill.admission_date.isoformat())
    terms = benefit.diseases.get(code)
    if terms is None:
        return benefit, None
    changed = benefit
    if terms.deductible is not None:
        changed = changed.model_copy(update={"deductible": Deductible(mode="annual", amounts={ALL: {ALL: terms.deductible}},
                                                                      source=terms.source)})
    if terms.tiers is not None:
        changed = changed.model_copy(update={"tiers": terms.tiers})
    param = f"schemes.{person.scheme.value}.benefits.{VisitType.CHRONIC_OUTPATIENT.value}.diseases.{code}"
    return changed, DiseaseTerms(code, terms, param)


def disease_accumulators(acc: YearAccumulators, t: DiseaseTerms | None) -> YearAccumulators:
    """The accumulators the deductible step reads: a disease with a deductible of its own counts its own."""
    if t is None or t.terms.deductible is None:
        return acc
    vt = VisitType.CHRONIC_OUTPATIENT.value
    return acc.model_copy(update={"deductible_paid": {**acc.deductible_paid, vt: acc.disease_deductible.get(t.code, ZERO)}})


def cite_disease(out: Breakdown, t: DiseaseTerms | None, first_step: int) -> None:
    """Steps from `first_step` on that applied the disease's deductible or bands cite its parameters."""
    if t is None:
        return
    base = t.param.rsplit(".diseases.", 1)[0]
    for i in range(first_step, len(out.steps)):
        step = out.steps[i]
        c = step.clause
        if c is None:
            continue
        if step.rule == "deductible" and t.terms.deductible is not None:
            c = replace(c, parameter=f"{t.param}.deductible")
        elif step.rule == "fund.tiers" and t.terms.tiers is not None and c.parameter.startswith(f"{base}.tiers"):
            c = replace(c, parameter=t.param + c.parameter[len(base):])
        else:
            continue
        out.steps[i] = replace(step, clause=c)


def disease_limit(t: DiseaseTerms | None, hifp: Decimal, acc: YearAccumulators, out: Breakdown, ctx: Ctx,
                  version: PolicyVersion) -> Decimal:
    """The pooled fund's payment after the disease's annual limit; the bands give up the excess from the top."""
    if t is None or t.terms.annual_limit is None:
        return hifp
    limit = t.terms.annual_limit
    before = acc.disease_paid.get(t.code, ZERO)
    room = max(ZERO, limit - before)
    if hifp <= room:
        return hifp
    cut = hifp - room
    left = cut
    for i in range(len(out.bands) - 1, -1, -1):  # the highest band gives up its payment first
        band = out.bands[i]
        if band.payer != "hifp_pay" or not left:
            continue
        take = min(band.pay, left)
        out.bands[i] = replace(band, pay=band.pay - take)
        left -= take
    out.steps.append(Step(
        "fund.disease_limit",
        f"该病种（{t.code}）统筹基金年度支付限额 {fmt(limit)} 元，本年已支付 {fmt(before)} 元，本次最多支付 "
        f"{fmt(room)} 元；按比例应付 {fmt(hifp)} 元，超出限额的 {fmt(cut)} 元基金不再支付。",
        f"Annual limit of {t.code}: {fmt(limit)}, {fmt(before)} paid before; the fund pays {fmt(room)} instead of "
        f"{fmt(hifp)}.",
        ctx.clause(f"{t.param}.annual_limit", t.terms.source, version.source),
        {"annual_limit": limit, "paid_before": before, "hifp_by_ratio": hifp},
        {"hifp_pay": room, "withheld_by_limit": cut},
    ))
    return room


def disease_after(acc: YearAccumulators, t: DiseaseTerms | None, dedc: Decimal, hifp: Decimal) -> dict[str, object]:
    """The per-disease accumulators after this bill (nothing when the disease has no terms of its own)."""
    if t is None:
        return {}
    upd: dict[str, object] = {"disease_paid": {**acc.disease_paid, t.code: acc.disease_paid.get(t.code, ZERO) + hifp}}
    if t.terms.deductible is not None:
        upd["disease_deductible"] = {**acc.disease_deductible,
                                     t.code: acc.disease_deductible.get(t.code, ZERO) + dedc}
    return upd
