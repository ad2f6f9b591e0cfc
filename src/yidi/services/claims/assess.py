"""A claim's amount: yidi.domain.engine.calculate on its lines not excluded, with the insured region's rule for
unfiled care where no filing covered it, and the person's year accumulators as they stand."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from yidi.domain.bill import Bill, FeeLine, PersonIn, YearAccumulators
from yidi.domain.breakdown import Breakdown
from yidi.domain.claim_rules.records import ClaimRecord
from yidi.domain.engine import calculate
from yidi.domain.error_catalogue import error
from yidi.domain.packset import PackSet
from yidi.domain.reference import Institution, Person
from yidi.domain.validation import validate_model
from yidi.services.claims.checklist import filing
from yidi.services.context import Context
from yidi.store.uow import UnitOfWork


def packs_with(packs: PackSet, claim: ClaimRecord) -> tuple[PackSet, str]:
    """The packs, and the institution code the engine should see. A hospital outside the packs (imported
    later, or not in our reference data at all) is added as what the claim says: its region (whose
    catalogue then applies, 就医地目录) and its level."""
    code = claim.institution
    if code is not None and code in packs.institutions:
        return packs, code
    code = code or f"X{claim.hospital_region}{claim.key:08d}"
    inst = Institution(code, claim.hospital_name, claim.hospital_region, claim.hospital_level)
    return dataclasses.replace(packs, institutions={**packs.institutions, code: inst}), code


def assess(ctx: Context, uow: UnitOfWork, claim: ClaimRecord, person: Person, acc: YearAccumulators) -> Breakdown:
    """The breakdown of the claim's lines not excluded (CLAIM_NO_LINES when there are none)."""
    rows = [r for r in uow.claims.lines(claim) if not r.excluded]
    if not rows:
        raise error("CLAIM_NO_LINES")
    packs, code = packs_with(ctx.packs, claim)
    bill = validate_model(Bill, {
        "bill_id": claim.claim_no[:30], "visit_type": claim.visit_type, "institution": code,
        "admission_date": claim.admitted_on, "discharge_date": claim.discharged_on,
        "settlement_date": claim.care_day, "person": PersonIn.of(person),
        "emergency": claim.emergency,
        # the person paid everything in cash at the hospital; the claim pays back the funds' share only
        "use_account": False,
        "lines": [FeeLine.model_construct(line_id=r.line_id, code=r.code, name=r.name, quantity=Decimal(r.quantity),
                                          unit_price=r.unit_price, amount=None, date=r.line_date)
                  for r in rows],
    })
    # hospital item codes may be missing from the catalogue: such lines are fully self-funded, never dropped
    return calculate(bill, packs, person=person, filing=filing(uow, claim), accumulators=acc,
                     unknown_items="self_funded")


def current_accumulators(uow: UnitOfWork, claim: ClaimRecord, person: Person) -> YearAccumulators:
    """The person's accumulators of the claim's year as they stand (read, not locked: a preview)."""
    return uow.accumulators.get(claim.person_key, person.scheme, claim.year_of_care).value
