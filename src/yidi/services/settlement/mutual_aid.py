"""Family mutual aid at settlement (家庭共济): who pays, whether they may, and the locks that keep two settles
drawing on one account from overdrawing it or deadlocking.

The hospital names the payer by citizen ID (`mulaid_payer`). The payer must have a CONFIRMED family link with
the patient, in either direction: one of them asked and the other confirmed, so both agreed to it (a link
only asked for, declined or ended does not count). Unknown and unlinked payers get the same refusal, so the
answer does not tell whether someone is insured. The insured region's pack must allow it
(`account.mutual_aid`); the rule and its step are yidi.domain.engine.mutual_aid.

Lock order (no deadlock between two settles or revokes whose patient and payer are each other): first the
year-accumulator rows of both persons in ascending store number (the payer's under the employee scheme, the
only one with an account), then the person rows in ascending store number. Every settle and revoke takes an
accumulator lock before any person lock, so two transactions touching one person's account always meet at
the first lock they share.
"""

from __future__ import annotations

from dataclasses import dataclass

from yidi.domain.breakdown import Breakdown
from yidi.domain.enums import Scheme
from yidi.domain.error_catalogue import error
from yidi.domain.errors import YidiError
from yidi.domain.family import LinkState
from yidi.domain.reference import Person
from yidi.services.settlement.checks import visit_not_found
from yidi.store.repositories.accumulators import HeldAccumulators
from yidi.store.repositories.settlements import Settlement
from yidi.store.repositories.visits import VisitOf
from yidi.store.uow import UnitOfWork

RULE = "account.mutual_aid"


@dataclass(frozen=True, slots=True)
class Payer:
    """The family member whose account pays: the store's number of the person and the person."""

    key: int
    person: Person


def no_link() -> YidiError:
    return error("MUTUAL_AID_NO_LINK")


def find_payer(uow: UnitOfWork, patient_id_number: str, payer_id_number: str) -> Payer:
    """The payer the request names, before any lock; refused unless a confirmed link joins them to the
    patient (checked again after the locks by `check_link`)."""
    if payer_id_number == patient_id_number:
        raise no_link()  # the person's own account is acct_pay, not mutual aid
    found = uow.persons.keyed(payer_id_number)
    if found is None:
        raise no_link()
    check_link(uow, patient_id_number, payer_id_number)
    return Payer(found[0], found[1])


def check_link(uow: UnitOfWork, patient: str, payer: str) -> None:
    """Refuse unless a CONFIRMED family link joins the two (either asked, the other confirmed)."""
    for a, b in ((patient, payer), (payer, patient)):
        link = uow.family_links.link_between(a, b)
        if link is not None and link.state is LinkState.CONFIRMED:
            return
    raise no_link()


def lock_accumulators(uow: UnitOfWork, person: int, scheme: Scheme, year: int, payer: int | None) -> HeldAccumulators:
    """Lock the patient's year accumulators, and the payer's first where their number is lower (the order of
    the module docstring); the patient's, held."""
    if payer is not None and payer < person:
        uow.accumulators.get(payer, Scheme.EMPLOYEE, year, lock=True)
    held = uow.accumulators.get(person, scheme, year, lock=True)
    if payer is not None and payer > person:
        uow.accumulators.get(payer, Scheme.EMPLOYEE, year, lock=True)
    return held


def lock_for_settle(uow: UnitOfWork, mdtrt_id: str, institution: str, year: int,
                    payer_id_number: str | None) -> tuple[VisitOf, HeldAccumulators, int | None]:
    """Settle's first step: the hospital's visit, its person's year accumulators locked (with the payer's, in
    the order of the module docstring) and the payer's store number (None without mutual aid)."""
    if payer_id_number is None:  # the usual case: finding the visit and locking its row is one statement
        got = uow.accumulators.lock_for_visit(mdtrt_id, institution, year)
        if got is None:
            raise visit_not_found(mdtrt_id)
        return *got, None
    found = uow.visits.find(mdtrt_id)
    if found is None or found.institution != institution:
        raise visit_not_found(mdtrt_id)
    patient_no = uow.persons.by_key(found.person).citizen_id.number
    payer_key = find_payer(uow, patient_no, payer_id_number).key
    return found, lock_accumulators(uow, found.person, found.scheme, year, payer_key), payer_key


def lock_payer(uow: UnitOfWork, payer: int) -> Person:
    """The payer's person row, locked and read again (their balance as it is now)."""
    return uow.persons.by_key(payer, lock=True)


def lock_persons(uow: UnitOfWork, row: Settlement) -> tuple[Person, Person | None]:
    """Lock a settlement's patient and mutual-aid payer (if any) in number order: (patient, payer)."""
    payer = row.mulaid_payer_id
    got = {k: uow.persons.by_key(k, lock=True) for k in sorted({row.person_id, *([] if payer is None else [payer])})}
    return got[row.person_id], None if payer is None else got[payer]


def refuse_unless_applied(b: Breakdown) -> None:
    """The engine's mutual-aid step refused (the pack does not allow it, a resident, another pooling
    region): refuse the request rather than settle as if it had not been asked."""
    step = next((s for s in b.steps if s.rule == RULE), None)
    if step is not None and "acct_mulaid_pay" not in step.outputs:
        raise error("MUTUAL_AID_REFUSED", reason_zh=step.text_zh.split("，")[0], reason_en=step.text_en.rstrip("."))
