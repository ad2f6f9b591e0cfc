"""What a claim needs: the insured region's manual-claim rules in force, the filing that covered the care, the
claim's situations, its materials checklist and its submission deadline."""

from __future__ import annotations

import datetime as dt

from yidi.domain import claim_rules as rules
from yidi.domain.claim_rules import Situation
from yidi.domain.claim_rules.records import ClaimRecord
from yidi.domain.filing_rules import filing_for
from yidi.domain.policy import ManualClaimRules
from yidi.domain.reference import Filing
from yidi.services.context import Context
from yidi.store.uow import UnitOfWork


def manual_rules(ctx: Context, region: str, day: dt.date) -> ManualClaimRules:
    """The region's manual-claim rules on `day`; the schema's defaults where it has no pack."""
    found = ctx.packs.policy_for(region, day)
    return found[1].manual_claim if found else ManualClaimRules()


def filing(uow: UnitOfWork, claim: ClaimRecord) -> Filing | None:
    """The filing that covered the care: at admission, or a post-hoc one made before discharge (docs/rules.md R-1.8).
    A filing made after discharge does not turn the claim into filed care [decision, C]."""
    records = uow.filings.of_person(claim.person_id_number)
    code = claim.institution
    found = filing_for(records, claim.hospital_region, claim.admitted_on, code)
    if found is None and claim.discharged_on is not None:
        found = filing_for(records, claim.hospital_region, claim.discharged_on, code)
    return found.to_filing() if found else None


def situations(uow: UnitOfWork, claim: ClaimRecord) -> list[Situation]:
    return rules.situations(claim.visit_type, emergency=claim.emergency, referral=claim.referral,
                            filed=filing(uow, claim) is not None, networked=claim.networked)


def checklist(ctx: Context, uow: UnitOfWork, claim: ClaimRecord) -> list[rules.ChecklistItem]:
    facts = rules.ClaimFacts(has_visit=bool(claim.diagnosis_name), invoices=len(uow.claims.invoices(claim)),
                             lines=len(uow.claims.lines(claim)), bank_account=bool(claim.bank_account),
                             on_behalf=bool(claim.filed_by))
    scans = {d.material for d in uow.claim_documents.of_claim(claim)}
    mr = manual_rules(ctx, claim.insured_region, claim.care_day)
    # The insured region's changes to the national list come from its policy pack (manual_claim).
    return rules.checklist(situations(uow, claim), facts, scans, rules.region_materials(mr))


def deadline(ctx: Context, uow: UnitOfWork, claim: ClaimRecord) -> tuple[dt.date | None, int]:
    """(the day the deadline runs from, the region's days to submit)."""
    mr = manual_rules(ctx, claim.insured_region, claim.care_day)
    start = rules.deadline_start(claim.visit_type, claim.discharged_on,
                                 [i.invoice_date for i in uow.claims.invoices(claim)])
    return start, mr.deadline_days
