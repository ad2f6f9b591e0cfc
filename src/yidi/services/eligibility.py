"""The eligibility check at admission: gather what the rules need from the store, ask them, change nothing."""

from __future__ import annotations

from pydantic import Field

from yidi.domain import bounds as B
from yidi.domain.eligibility import EligibilityResult, check_eligibility
from yidi.domain.enums import VisitType
from yidi.domain.error_catalogue import error
from yidi.domain.family import Act
from yidi.domain.ids import parse_citizen_id
from yidi.domain.validation import Code, Day, IdNumber, Strict, Text
from yidi.services import acting
from yidi.services.access import Principal, Role, forbidden
from yidi.services.context import Context


class EligibilityRequest(Strict):
    """What a hospital presents at admission (cf. national transactions 1101 and 2001)."""

    id_number: IdNumber
    name: Text = Field(min_length=1, max_length=B.PERSON_NAME)
    institution: Code = Field(min_length=1, max_length=B.INSTITUTION_CODE, pattern=r"^[A-Za-z0-9]+$")
    visit_type: VisitType
    day: Day | None = Field(default=None, description="visit (admission) day; default today")
    emergency: bool = False
    chronic_disease: Code | None = Field(default=None, max_length=B.DISEASE_CODE)
    gender: Code | None = Field(default=None, max_length=B.GENDER)


def check(ctx: Context, principal: Principal, req: EligibilityRequest) -> EligibilityResult:
    """待遇资格核验 May this visit settle directly, under which filing, and if not, every reason why.

    Scope: a hospital checks admissions at its own institution, a person checks themself or a relative who
    confirmed a family link (yidi.services.acting), an agency only persons insured in its region.
    """
    today = ctx.today()
    day = req.day or today
    cid = parse_citizen_id(req.id_number, "id_number")
    if principal.role is Role.HOSPITAL and req.institution != principal.subject:
        raise forbidden("核验其他医疗机构的就医", "check visits at another institution", "institution")
    with ctx.uow() as uow:
        uow.read_only()  # the check changes nothing: its reads need no BEGIN / COMMIT round trips
        if principal.role is Role.PERSON and cid.number != principal.subject:
            acting.target(uow, principal, cid.number, Act.ELIGIBILITY)  # a relative who confirmed the link
        # one statement: the person, their filings and open visits, and the reference data's version
        facts = uow.filings.at_admission(cid.number)
        institution = uow.institutions.cached(req.institution, facts.reference_version)
        if institution is None:
            raise error("INSTITUTION_UNKNOWN", institution=req.institution)
        person, filings, admissions = facts.person, facts.filings, facts.open_visits
        if principal.role is Role.AGENCY and person is not None and person.insured_region != principal.subject:
            raise forbidden("查询其他统筹区参保人的待遇资格", "check persons insured in another region", "id_number")
        policy = None
        if person is not None:
            found = ctx.packs.policy_for(person.insured_region, day)
            policy = found[1] if found else None
        # names only dress the messages: the packs' names avoid a query on this hot path
        names = {c: r.name for c, r in ctx.packs.regions.items()}
        return check_eligibility(
            person, cid, req.name, institution, req.visit_type, day, filings, policy,
            gender=req.gender, emergency=req.emergency, open_admissions=admissions,
            chronic_disease=req.chronic_disease, today=max(today, day), region_names=names,
        )
