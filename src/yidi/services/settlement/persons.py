"""人员信息获取 (1101): what a hospital's desk may learn of a person at admission, given the ID number and name."""

from __future__ import annotations

from dataclasses import dataclass

from yidi.domain.eligibility.identity import names_match
from yidi.domain.error_catalogue import error
from yidi.domain.ids import mask_id, parse_citizen_id
from yidi.services.access import Principal
from yidi.services.context import Context
from yidi.services.settlement.checks import hospital
from yidi.services.settlement.requests import PersonQueryIn


@dataclass(frozen=True, slots=True)
class PersonInfo:
    """1101 baseinfo + insuinfo, as much as a hospital needs at admission (ID masked)."""

    person_id_number: str
    name: str
    insured_region: str
    scheme: str
    insutype: str
    category: str
    status: str
    balc: str


def person_info(ctx: Context, principal: Principal, req: PersonQueryIn) -> PersonInfo:
    """The person with this ID number, if the name matches too: an ID number alone does not open a person's
    record to a hospital (a wrong name answers exactly like an unknown number)."""
    hospital(principal, "查询参保人信息", "query persons")
    cid = parse_citizen_id(req.id_number, "id_number").number
    with ctx.uow() as uow:
        uow.read_only()  # a look-up changes nothing: no BEGIN / COMMIT round trips
        p = uow.persons.brief(cid)  # its chronic diseases are not shown: one read, not two
    if p is None or not names_match(req.name, p.name):
        raise error("PERSON_NOT_FOUND")
    return PersonInfo(mask_id(cid), p.name, p.insured_region, p.scheme.value, p.scheme.insutype, p.category.value,
                      p.status.value, str(p.account_balance))
