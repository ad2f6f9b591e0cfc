"""Which deductible, tier grid and annual cap a bill's person gets: the benefit's own, or a selector's.

A benefit's selectors (docs/policy-pack.md) give persons of an age band (age in whole years on the
treatment day, the admission day), person categories and/or assistance groups their own deductible,
ratios or cap; the first matching one applies, and each part it does not give stays the benefit's.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from yidi.domain.bill import Bill
from yidi.domain.breakdown import Breakdown, Step
from yidi.domain.engine.context import Ctx
from yidi.domain.policy import Benefit, Deductible, PolicyVersion, SchemePolicy, Tier
from yidi.domain.reference import Person
from yidi.domain.sources import Source


@dataclass(frozen=True, slots=True)
class Terms:
    """What the deductible and the pooled fund apply to this bill, with the pack paths they cite."""

    deductible: Deductible
    deductible_param: str
    tiers: dict[str, dict[str, list[Tier]]]
    tiers_param: str  # the grid's path; the cell used is appended
    cap: Decimal
    cap_param: str
    source: Source | None  # the selector's source, when one applies


def terms(bill: Bill, person: Person, scheme: SchemePolicy, benefit: Benefit, out: Breakdown, ctx: Ctx,
          version: PolicyVersion) -> Terms:
    """The bill's terms; a step says which selector applied and why."""
    vt = bill.visit_type.value
    base = f"schemes.{person.scheme.value}.benefits.{vt}"
    pool = benefit.cap_pool
    cap_param = f"schemes.{person.scheme.value}.caps.{pool}"
    age = person.citizen_id.age_on(bill.admission_date)
    i, sel = benefit.selector_for(age, person.category, person.assistance_group)
    if sel is None:
        return Terms(benefit.deductible, f"{base}.deductible", benefit.tiers, f"{base}.tiers", scheme.caps[pool],
                     cap_param, None)
    own = f"{base}.selectors.{i}"
    parts = [zh for zh, v in (("起付标准", sel.deductible), ("支付比例", sel.tiers), ("年度最高支付限额", sel.cap))
             if v is not None]
    who = [f"就医日 {bill.admission_date} 年满 {age} 周岁"] if sel.min_age is not None or sel.max_age is not None else []
    if sel.categories is not None:
        who.append(person.category.zh)
    if sel.groups is not None and person.assistance_group:
        who.append(person.assistance_group)
    out.steps.append(Step(
        "benefit.selector",
        f"按「{sel.name}」执行本次的{'、'.join(parts)}（{'，'.join(who)}）。",
        f"Selector {sel.name} applies (age {age} on {bill.admission_date}).",
        ctx.clause(own, sel.source, benefit.source, scheme.source, version.source),
        {}, {} if sel.cap is None else {"cap": sel.cap},
    ))
    return Terms(
        sel.deductible or benefit.deductible,
        f"{own}.deductible" if sel.deductible is not None else f"{base}.deductible",
        sel.tiers or benefit.tiers,
        f"{own}.tiers" if sel.tiers is not None else f"{base}.tiers",
        sel.cap if sel.cap is not None else scheme.caps[pool],
        f"{own}.cap" if sel.cap is not None else cap_param,
        sel.source,
    )
