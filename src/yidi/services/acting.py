"""May this principal act for this person? The one answer every service asks before acting for someone.

- A person acts for themself, and for a relative whose family link to them is CONFIRMED and grants the act
  (yidi.domain.family: filings and eligibility; a manual claim for someone else is done at the counter).
- Agency staff act for persons insured in their region (at the counter, as before).
- Anyone else, or a person without such a link, is refused with MAY_NOT_ACT_FOR_PERSON (403) — the same
  answer whether a person with that ID number exists or not, and before anything is written.
"""

from __future__ import annotations

from yidi.domain.error_catalogue import error
from yidi.domain.errors import YidiError
from yidi.domain.family import Act, grants, may_not_act
from yidi.domain.ids import parse_citizen_id
from yidi.domain.reference import Person
from yidi.services.access import Principal, Role
from yidi.store.uow import UnitOfWork


def person_not_found(field: str = "id_number") -> YidiError:
    return error("PERSON_NOT_FOUND", field=field)


def linked(uow: UnitOfWork, principal: Principal, person: Person, act: Act) -> bool:
    """A person principal holds a confirmed family link to `person` that grants `act`."""
    if principal.role is not Role.PERSON:
        return False
    return grants(uow.family_links.link_between(principal.subject, person.citizen_id.number), act)


def may_act_for(uow: UnitOfWork, principal: Principal, person: Person, act: Act, *, region: str | None = None) -> bool:
    """Whether `principal` may do `act` for `person` now. `region`: the record's insured region when it is not
    the person's current one (a claim keeps the region it was made in)."""
    if principal.role is Role.AGENCY:
        return (region or person.insured_region) == principal.subject
    if principal.role is Role.PERSON:
        return person.citizen_id.number == principal.subject or linked(uow, principal, person, act)
    return False


def target(uow: UnitOfWork, principal: Principal, id_number: str | None, act: Act, *, lock: bool = False) -> Person:
    """The person a use case acts for: the caller (no `id_number`, or their own), a linked relative, or — for
    agency staff — a person insured in their region. `lock` takes the person's row lock for the transaction
    (two filings for one person serialise on it)."""
    if id_number is None:
        if principal.role is not Role.PERSON:
            raise error("FIELD_MISSING", field="id_number", detail_zh="id_number（为谁办理）", detail_en="id_number")
        id_number = principal.subject
    number = parse_citizen_id(id_number, "id_number").number
    if principal.role is Role.PERSON and number != principal.subject:
        # refused alike whether the person exists or not: a stranger learns nothing about the number tried
        # (and takes no lock on a stranger's row)
        person = uow.persons.get(number)
        if person is None or not linked(uow, principal, person, act):
            raise may_not_act(act)
        if lock:
            person = uow.persons.get(number, lock=True) or person
        return person
    found = uow.persons.get(number, lock=lock)
    if found is None or not may_act_for(uow, principal, found, act):
        raise person_not_found()
    return found
