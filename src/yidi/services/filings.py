"""Filing (备案) use cases: file, list, show, change, cancel, review — each in one transaction.

The rules are the pure functions of yidi.domain.filing_rules; this module finds what they need in the
store, scopes everything by the caller's principal, and stores the records they return (never deleting:
a change supersedes, a cancellation marks). A person sees only their own filings, an agency only those
of persons insured in its region; a filing outside the caller's scope is reported as not found, so its
existence does not leak. A person also files for, and follows the filings of, a relative whose family link
to them is confirmed (yidi.services.acting decides, for every service); revoking the link ends that at once.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from yidi.domain import bounds as B
from yidi.domain.enums import FilingType, Scheme
from yidi.domain.error_catalogue import error
from yidi.domain.errors import YidiError
from yidi.domain.family import Act
from yidi.domain.filing_rules import (
    FilingEvent,
    FilingRecord,
    FilingRequest,
    FilingStatus,
    Material,
    area_covers,
    cancel_filing,
    change_filing,
    materials_for,
    new_filing,
    review_filing,
)
from yidi.domain.ids import parse_citizen_id
from yidi.domain.policy import FilingRules
from yidi.domain.reference import Institution, Person
from yidi.domain.scope import intra_province_needs_filing
from yidi.services import acting
from yidi.services.access import Principal, Role, require
from yidi.services.context import Context
from yidi.services.personal_data import mask_name
from yidi.store.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class FilingView:
    """A filing as a door shows it: the record, whose it is, and its history."""

    record: FilingRecord
    person_name: str
    events: Sequence[FilingEvent] = ()
    scheme: Scheme | None = None  # the person's insurance scheme (险种), for exports that state it (FHIR Coverage)


@dataclass(frozen=True, slots=True)
class FilingPage:
    total: int
    items: list[FilingView]


def new_filing_id(today: dt.date) -> str:
    """BA + date + 10 random hex digits: unguessable, so an ID tried by a stranger finds nothing."""
    return f"BA{today:%Y%m%d}{secrets.token_hex(5).upper()}"


def rules_for(ctx: Context, region: str, day: dt.date) -> tuple[FilingRules, bool]:
    """The insured region's filing rules in force, and whether its province files intra-province care.

    A region without a policy pack gets the schema's documented defaults (FilingRules()): filing does not
    depend on the payment rules, and a missing pack must not stop a person from filing.
    """
    found = ctx.packs.policy_for(region, day)
    if found is None:
        return FilingRules(), False
    _pol, version = found
    return version.filing, intra_province_needs_filing(version.cross_region)


def materials(filing_type: FilingType, commitment: bool) -> list[Material]:
    return materials_for(filing_type, commitment)


def _filing_not_found(filing_id: str) -> YidiError:
    return error("FILING_NOT_FOUND", filing_id=filing_id)


def _target(uow: UnitOfWork, principal: Principal, id_number: str | None) -> Person:
    """The person a filing is for, locked for this transaction so that two filings for one person
    cannot both pass the duplicate check; persons outside the caller's reach do not exist for it."""
    require(principal, Role.PERSON, Role.AGENCY, what_zh="办理备案", what_en="file")
    return acting.target(uow, principal, id_number, Act.FILING, lock=True)


def _visible(uow: UnitOfWork, principal: Principal, filing_id: str, *, lock: bool = False) -> tuple[FilingRecord, Person]:
    record = uow.filings.get(filing_id)
    person = uow.persons.get(record.person_id_number) if record is not None else None
    if record is None or person is None:
        raise _filing_not_found(filing_id)
    if not acting.may_act_for(uow, principal, person, Act.FILING, region=record.insured_region):
        raise _filing_not_found(filing_id)
    if lock:
        # the same person lock as filing takes: a change racing a new filing sees the other's result
        uow.persons.get(person.citizen_id.number, lock=True)
        record = uow.filings.get(filing_id) or record
    return record, person


def _on_behalf(principal: Principal, person: Person, request: FilingRequest) -> tuple[FilingRequest, str]:
    """Who really acts, when it is not the person: a relative (`person:<masked ID>`; the confirmed family link
    is their consent) or agency staff (`agency:<region>`; they attest the person's consent at the counter)."""
    if principal.role is Role.PERSON and principal.subject == person.citizen_id.number:
        return request, ""
    if principal.role is Role.PERSON:
        request = request.model_copy(update={"consent": True})
    return request, f"{principal.role.value}:{principal.shown}"


def _institutions(uow: UnitOfWork, codes: Sequence[str]) -> dict[str, Institution]:
    out: dict[str, Institution] = {}
    for c in codes:
        inst = uow.institutions.get(c)
        if inst is not None:
            out[c] = inst
    return out


def _check_admission(uow: UnitOfWork, person: Person, request: FilingRequest) -> None:
    """补办备案: a filing that goes back to an admission needs that admission, still open, in the area."""
    if request.admitted_on is None:
        return
    for v in uow.visits.open_of(person.citizen_id.number):
        inst = uow.institutions.get(v.institution)
        if v.admitted_on == request.admitted_on and inst is not None and area_covers(request.treatment_area, inst.region):
            return
    raise error("FILING_NO_OPEN_ADMISSION", admitted_on=request.admitted_on)


def _event(uow: UnitOfWork, record: FilingRecord, action: str, principal: Principal, today: dt.date,
           note: str = "") -> None:
    uow.filings.record_event(record, action=action, actor_role=principal.role.value, actor=principal.shown,
                             on_day=today, note=note)


def _view(uow: UnitOfWork, record: FilingRecord, person: Person, *, history: bool = False) -> FilingView:
    return FilingView(record, person.name, uow.filings.events(record.filing_id) if history else (), person.scheme)


def file(ctx: Context, principal: Principal, request: FilingRequest, id_number: str | None = None) -> FilingView:
    """办理备案 File for oneself, for a relative whose family link is confirmed, or (agency staff at the
    counter) for a person insured in the region with their attested consent."""
    today = ctx.today()
    with ctx.uow() as uow:
        person = _target(uow, principal, id_number)
        request, filed_by = _on_behalf(principal, person, request)
        rules, intra = rules_for(ctx, person.insured_region, today)
        regions = uow.regions.all()
        _check_admission(uow, person, request)
        record = new_filing(
            request, person, uow.filings.of_person(person.citizen_id.number), rules, regions, today,
            new_filing_id(today), institutions=_institutions(uow, request.institutions), intra_province_filing=intra,
            region_names={c: r.name for c, r in regions.items()}, filed_by=filed_by,
        )
        uow.filings.save(record)
        _event(uow, record, "CREATED", principal, today, request.reason)
        return _view(uow, record, person, history=True)


def search_terms(text: str) -> dict[str, str]:
    """What an agency typed to find a person's filings: an ID number (checked: GB 11643) or a full name."""
    text = text.strip()
    if not text:
        return {}
    if len(text) == 18 and text[:17].isdigit():
        return {"citizen_id": parse_citizen_id(text, "q").number}
    if len(text) > B.PERSON_NAME or any(c.isdigit() for c in text):
        raise error("FILING_SEARCH_INVALID", limit=B.PERSON_NAME)
    return {"name": text}


def list_filings(ctx: Context, principal: Principal, *, status: FilingStatus | None = None, limit: int = 100,
                 offset: int = 0, person: str = "") -> FilingPage:
    """我的备案 A person's own filings and those of relatives they may act for (every version, newest first),
    or an agency's region's filings (`person`: only those of the person with this full name or ID number)."""
    require(principal, Role.PERSON, Role.AGENCY, what_zh="查看备案", what_en="list filings")
    terms = search_terms(person) if principal.role is Role.AGENCY else {}
    with ctx.uow() as uow:
        if principal.role is Role.AGENCY:
            total, found = uow.filings.of_region(principal.subject, status=status, limit=limit, offset=offset,
                                                 **terms)
            return FilingPage(total, [FilingView(r, mask_name(name)) for r, name in found])  # lists mask names
        me = uow.persons.get(principal.subject)
        if me is None:
            return FilingPage(0, [])
        people = [me, *uow.family_links.relatives_of(principal.subject)]
        mine = [(r, p) for p in people for r in uow.filings.of_person(p.citizen_id.number)
                if status is None or r.status is status]
        mine.sort(key=lambda x: (x[0].created_on, x[0].filing_id), reverse=True)
        return FilingPage(len(mine), [FilingView(r, mask_name(p.name)) for r, p in mine[offset:offset + limit]])


def show(ctx: Context, principal: Principal, filing_id: str) -> FilingView:
    with ctx.uow() as uow:
        record, person = _visible(uow, principal, filing_id)
        return _view(uow, record, person, history=True)


def _modifier(principal: Principal, what_zh: str, what_en: str) -> None:
    require(principal, Role.PERSON, Role.AGENCY, what_zh=what_zh, what_en=what_en)


def change(ctx: Context, principal: Principal, filing_id: str, request: FilingRequest) -> tuple[FilingView, FilingView]:
    """变更备案: the old version ends (or waits for the review of the new one), a new version starts."""
    _modifier(principal, "变更备案", "change a filing")
    today = ctx.today()
    with ctx.uow() as uow:
        record, person = _visible(uow, principal, filing_id, lock=True)
        request, filed_by = _on_behalf(principal, person, request)
        rules, intra = rules_for(ctx, person.insured_region, today)
        regions = uow.regions.all()
        _check_admission(uow, person, request)
        old, new = change_filing(
            record, request, person, uow.filings.of_person(person.citizen_id.number), rules, regions, today,
            new_filing_id(today), institutions=_institutions(uow, request.institutions), intra_province_filing=intra,
            region_names={c: r.name for c, r in regions.items()}, filed_by=filed_by,
        )
        uow.filings.save(new)
        _event(uow, new, "CREATED", principal, today, f"变更自 {record.filing_id}")
        if old != record:
            uow.filings.save(old)
            _event(uow, old, "SUPERSEDED", principal, today, f"变更为 {new.filing_id}")
        return _view(uow, old, person, history=True), _view(uow, new, person, history=True)


def cancel(ctx: Context, principal: Principal, filing_id: str, reason: str = "") -> FilingView:
    """取消备案 from today; the record stays, marked CANCELLED."""
    _modifier(principal, "取消备案", "cancel a filing")
    today = ctx.today()
    with ctx.uow() as uow:
        record, person = _visible(uow, principal, filing_id, lock=True)
        rules, _intra = rules_for(ctx, person.insured_region, today)
        done = cancel_filing(record, rules, today, reason)
        uow.filings.save(done)
        _event(uow, done, "CANCELLED", principal, today, reason)
        return _view(uow, done, person, history=True)


def review(ctx: Context, principal: Principal, filing_id: str, approve: bool, reason: str = "") -> FilingView:
    """审核备案: an agency approves or rejects a pending filing of a person insured in its region."""
    require(principal, Role.AGENCY, what_zh="审核备案", what_en="review filings")
    today = ctx.today()
    with ctx.uow() as uow:
        record, person = _visible(uow, principal, filing_id, lock=True)
        replaced = uow.filings.get(record.supersedes) if record.supersedes else None
        done, old = review_filing(record, approve, reason, today, replaced)
        uow.filings.save(done, reviewed_by=principal.subject)
        _event(uow, done, "APPROVED" if approve else "REJECTED", principal, today, reason)
        if old is not None:
            uow.filings.save(old)
            _event(uow, old, "SUPERSEDED", principal, today, f"变更为 {done.filing_id}")
        return _view(uow, done, person, history=True)
