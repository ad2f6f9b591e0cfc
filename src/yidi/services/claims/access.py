"""Who sees and changes which claim: a person their own claims (a family link does not cover claims: a claim
for someone else is made at the counter), agency staff the claims of their insured region; any other claim
is "not found", so its existence does not leak."""

from __future__ import annotations

from yidi.domain import claim_rules as rules
from yidi.domain.claim_rules.records import ClaimRecord
from yidi.domain.error_catalogue import error
from yidi.domain.errors import YidiError
from yidi.domain.family import Act
from yidi.domain.reference import Person
from yidi.services import acting
from yidi.services.access import Principal, Role, require
from yidi.store.uow import UnitOfWork


def not_found(claim_no: str) -> YidiError:
    # someone else's claim is "not found" too: its existence must not leak
    return error("CLAIM_NOT_FOUND", claim_no=claim_no)


def doer(principal: Principal, what_zh: str, what_en: str) -> None:
    """Persons and agency staff make and follow claims; no one else."""
    require(principal, Role.PERSON, Role.AGENCY, what_zh=what_zh, what_en=what_en)


def agency(principal: Principal, what_zh: str, what_en: str) -> str:
    """Agency staff only: their region."""
    require(principal, Role.AGENCY, what_zh=what_zh, what_en=what_en)
    return principal.subject


def visible(uow: UnitOfWork, principal: Principal, claim_no: str, *, lock: bool = False) -> tuple[ClaimRecord, Person]:
    """The claim and its person, if `principal` may see it; `lock` holds the claim for this transaction."""
    doer(principal, "查看报销申请", "see claims")
    claim = uow.claims.get(claim_no, lock=lock)
    if claim is None:
        raise not_found(claim_no)
    person = uow.persons.get(claim.person_id_number)
    assert person is not None
    if not acting.may_act_for(uow, principal, person, Act.CLAIM, region=claim.insured_region):
        raise not_found(claim_no)
    return claim, person


def editable(claim: ClaimRecord) -> None:
    """Only a draft or a returned claim changes content."""
    if claim.state not in rules.EDITABLE:
        raise error("CLAIM_NOT_EDITABLE", state_zh=claim.state.zh, state=claim.state.value)
