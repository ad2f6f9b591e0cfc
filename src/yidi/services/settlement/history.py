"""A person's settlements (结算记录), their purchases at pharmacies (购药记录: the settlements made at a 定点零售药店)
and the slip (结算单) a person takes home, as a person or the desk sees them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from yidi.domain.amounts import AMOUNT_FIELDS
from yidi.domain.deposit import DepositOutcome, deposit_outcome
from yidi.domain.enums import InstitutionKind, Scheme, VisitType
from yidi.domain.error_catalogue import error
from yidi.domain.family import Act
from yidi.domain.ids import mask_id, parse_citizen_id
from yidi.domain.money import from_fen
from yidi.services import acting
from yidi.services.access import Principal, Role
from yidi.services.context import Context
from yidi.services.settlement.checks import settlement_not_found
from yidi.store.repositories.settlements import Settlement
from yidi.store.uow import UnitOfWork

# a person's list shows the newest settlements; years of weekly outpatient visits stay one page
MAX_HISTORY = 500


@dataclass(frozen=True, slots=True)
class SettlementItem:
    """One line of a person's settlement history: where, when, and who paid what (yuan)."""

    setl_id: str
    status: str  # SETTLED / REVOKED
    settlement_date: dt.date
    institution: str
    institution_name: str
    treatment_region: str
    treatment_region_name: str
    visit_type: VisitType
    medfee_sumamt: str
    fund_pay_sumamt: str
    psn_part_amt: str
    acct_pay: str
    psn_cash_pay: str
    revoked_on: dt.date | None
    revoke_reason: str
    at_pharmacy: bool = False  # a purchase at a designated pharmacy (定点零售药店), not a visit to a hospital

    def as_dict(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in self.__dataclass_fields__}


@dataclass(frozen=True, slots=True)
class History:
    person_id_number: str  # masked
    person_name: str
    items: list[SettlementItem]


@dataclass(frozen=True, slots=True)
class Slip:
    """The settlement slip (结算单): everything the face shows, with the stored breakdown for the auditors' fold."""

    item: SettlementItem
    mdtrt_id: str
    person_name: str
    person_id_number: str  # masked
    insured_region: str
    insured_region_name: str
    scheme: Scheme
    admitted_on: dt.date
    discharged_on: dt.date | None
    amounts: dict[str, str]  # every amount field, yuan
    breakdown: dict[str, Any]
    deposit: DepositOutcome | None = None  # an inpatient deposit against the cash share


class _Names:
    """Institution and region names of one unit of work, each read once."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.cache: dict[tuple[str, str], str] = {}

    def institution(self, code: str) -> str:
        if ("i", code) not in self.cache:
            found = self.uow.institutions.get(code)
            self.cache["i", code] = found.name if found else code
            self.cache["k", code] = found.kind.value if found else ""
        return self.cache["i", code]

    def pharmacy(self, code: str) -> bool:
        self.institution(code)
        return self.cache["k", code] == InstitutionKind.PHARMACY.value

    def region(self, code: str) -> str:
        if ("r", code) not in self.cache:
            found = self.uow.regions.get(code)
            self.cache["r", code] = found.name if found else code
        return self.cache["r", code]


def _item(row: Settlement, names: _Names) -> SettlementItem:
    def y(f: str) -> str:
        return str(from_fen(getattr(row, f"{f}_fen")))

    return SettlementItem(
        row.setl_id, row.status, row.settlement_date, row.institution, names.institution(row.institution),
        row.treatment_region, names.region(row.treatment_region), row.visit_type, y("medfee_sumamt"),
        y("fund_pay_sumamt"), y("psn_part_amt"), y("acct_pay"), y("psn_cash_pay"), row.revoked_on, row.revoke_reason,
        names.pharmacy(row.institution))


def person_settlements(ctx: Context, principal: Principal, id_number: str | None = None, *,
                       purchases: bool = False) -> History:
    """The caller's settlements, or a relative's whose confirmed family link grants it (acting.target refuses
    anyone else with MAY_NOT_ACT_FOR_PERSON, whether the number exists or not). `purchases`: only those made
    at pharmacies (the person's 购药记录), among the newest MAX_HISTORY settlements."""
    with ctx.uow() as uow:
        person = acting.target(uow, principal, id_number, Act.SETTLEMENTS)
        keyed = uow.persons.keyed(person.citizen_id.number)
        rows = uow.settlements.of_person(keyed[0], MAX_HISTORY) if keyed else []
        names = _Names(uow)
        items = [_item(r, names) for r in rows]
        return History(mask_id(person.citizen_id.number), person.name,
                       [i for i in items if i.at_pharmacy] if purchases else items)


def _readable(uow: UnitOfWork, principal: Principal, row: Settlement | None) -> bool:
    """The desk that made it, the person, a relative the person linked; nobody else (not even that it exists)."""
    if row is None:
        return False
    if principal.role is Role.HOSPITAL:
        return row.institution == principal.subject
    if principal.role is Role.PERSON:
        person = uow.persons.by_key(row.person_id)
        return person.citizen_id.number == principal.subject or acting.linked(uow, principal, person, Act.SETTLEMENTS)
    return False


def _slip(uow: UnitOfWork, row: Settlement, names: _Names) -> Slip:
    person = uow.persons.by_key(row.person_id)
    visit = uow.visits.get(row.visit_id)
    return Slip(_item(row, names), visit.mdtrt_id, person.name, mask_id(person.citizen_id.number),
                row.insured_region, names.region(row.insured_region), row.scheme, visit.admitted_on,
                visit.discharged_on, {f: str(from_fen(getattr(row, f"{f}_fen"))) for f in AMOUNT_FIELDS},
                row.breakdown,
                deposit_outcome(visit.deposit, from_fen(row.psn_cash_pay_fen), revoked=row.status == "REVOKED")
                if visit.deposit else None)


def slip(ctx: Context, principal: Principal, setl_id: str) -> Slip:
    with ctx.uow() as uow:
        row = uow.settlements.by_setl_id(setl_id)
        if row is None or not _readable(uow, principal, row):
            if principal.role is Role.HOSPITAL:
                raise settlement_not_found(setl_id)
            raise error("MY_SETTLEMENT_NOT_FOUND", setl_id=setl_id)
        return _slip(uow, row, _Names(uow))


def slips(ctx: Context, principal: Principal, id_number: str | None, first: dt.date | None = None,
          last: dt.date | None = None) -> list[Slip]:
    """The slips of one person's settlements dated `first`..`last` (either open), newest first, as the caller
    may read them: a person their own or a linked relative's (refused as GET /api/v1/me/settlements refuses);
    a desk the ones it made for that person (none: an empty list, whether the person exists or not)."""
    with ctx.uow() as uow:
        if principal.role is Role.HOSPITAL:
            if id_number is None:
                raise error("FIELD_MISSING", field="patient", detail_zh="patient（参保人身份证号）", detail_en="patient")
            keyed = uow.persons.keyed(parse_citizen_id(id_number, "patient").number)
        else:
            person = acting.target(uow, principal, id_number, Act.SETTLEMENTS)
            keyed = uow.persons.keyed(person.citizen_id.number)
        rows = uow.settlements.of_person(keyed[0], MAX_HISTORY) if keyed else []
        names = _Names(uow)
        return [_slip(uow, r, names) for r in rows
                if (principal.role is not Role.HOSPITAL or r.institution == principal.subject)
                and (first is None or r.settlement_date >= first) and (last is None or r.settlement_date <= last)]
