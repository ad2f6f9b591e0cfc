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

from sqlalchemy.orm import Session

from yidi.domain.enums import FilingType
from yidi.domain.errors import YidiError
from yidi.domain.family import Act
from yidi.domain.filing_rules import (
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
from yidi.domain.policy import FilingRules
from yidi.domain.reference import Institution, Person
from yidi.domain.scope import intra_province_needs_filing
from yidi.services import acting
from yidi.services.access import Principal, Role, require
from yidi.services.context import Context
from yidi.services.personal_data import mask_name
from yidi.store.db import unit_of_work
from yidi.store.family_links import FamilyLinks
from yidi.store.models import FilingEventRow, PersonRow
from yidi.store.repositories import Filings, Institutions, Persons, Regions, Visits, person_of, record_of


@dataclass(frozen=True, slots=True)
class FilingView:
    """A filing as a door shows it: the record, whose it is, and its history."""

    record: FilingRecord
    person_name: str
    events: Sequence[FilingEventRow] = ()


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
    return YidiError("FILING_NOT_FOUND", f"没有找到备案 {filing_id}", f"filing {filing_id} not found", "filing_id", 404)


def _target(s: Session, principal: Principal, id_number: str | None) -> PersonRow:
    """The person a filing is for, locked for this transaction so that two filings for one person
    cannot both pass the duplicate check; persons outside the caller's reach do not exist for it."""
    require(principal, Role.PERSON, Role.AGENCY, what_zh="办理备案", what_en="file")
    return acting.target(s, principal, id_number, Act.FILING, lock=True)


def _visible(s: Session, principal: Principal, filing_id: str, *, lock: bool = False) -> tuple[FilingRecord, PersonRow]:
    found = Filings(s).get(filing_id)
    if found is None:
        raise _filing_not_found(filing_id)
    row, person = found
    if not acting.may_act_for(s, principal, person, Act.FILING, region=row.insured_region):
        raise _filing_not_found(filing_id)
    if lock:
        # the same person lock as filing takes: a change racing a new filing sees the other's result
        Persons(s).row(person.citizen_id, for_update=True)
        s.refresh(row)
    return record_of(row, person.citizen_id), person


def _on_behalf(principal: Principal, person: PersonRow, request: FilingRequest) -> tuple[FilingRequest, str]:
    """Who really acts, when it is not the person: a relative (`person:<masked ID>`; the confirmed family link
    is their consent) or agency staff (`agency:<region>`; they attest the person's consent at the counter)."""
    if principal.role is Role.PERSON and principal.subject == person.citizen_id:
        return request, ""
    if principal.role is Role.PERSON:
        request = request.model_copy(update={"consent": True})
    return request, f"{principal.role.value}:{principal.shown}"


def _institutions(s: Session, codes: Sequence[str]) -> dict[str, Institution]:
    repo = Institutions(s)
    out: dict[str, Institution] = {}
    for c in codes:
        inst = repo.get(c)
        if inst is not None:
            out[c] = inst
    return out


def _check_admission(s: Session, person: PersonRow, request: FilingRequest) -> None:
    """补办备案: a filing that goes back to an admission needs that admission, still open, in the area."""
    if request.admitted_on is None:
        return
    insts = Institutions(s)
    for v in Visits(s).open_of(person.id):
        inst = insts.get(v.institution)
        if v.admitted_on == request.admitted_on and inst is not None and area_covers(request.treatment_area, inst.region):
            return
    raise YidiError("FILING_NO_OPEN_ADMISSION",
                    f"没有找到 {request.admitted_on} 在备案就医地入院且尚未出院结算的记录；补办备案须在出院结算前办理",
                    f"no open admission on {request.admitted_on} in the treatment area; a post-hoc filing must be "
                    "made before discharge settlement", "admitted_on", 422)


def _event(s: Session, record: FilingRecord, action: str, principal: Principal, today: dt.date, note: str = "") -> None:
    Filings(s).record_event(record, action=action, actor_role=principal.role.value, actor=principal.shown,
                            on_day=today, note=note)


def _view(s: Session, record: FilingRecord, person: PersonRow, *, history: bool = False) -> FilingView:
    return FilingView(record, person.name, Filings(s).events(record.filing_id) if history else ())


def file(ctx: Context, principal: Principal, request: FilingRequest, id_number: str | None = None) -> FilingView:
    """办理备案 File for oneself, for a relative whose family link is confirmed, or (agency staff at the
    counter) for a person insured in the region with their attested consent."""
    today = ctx.today()
    with unit_of_work(ctx.sessions) as s:
        prow = _target(s, principal, id_number)
        person = person_of(prow)
        request, filed_by = _on_behalf(principal, prow, request)
        rules, intra = rules_for(ctx, person.insured_region, today)
        regions = Regions(s).all()
        _check_admission(s, prow, request)
        record = new_filing(
            request, person, Filings(s).of_person(prow), rules, regions, today, new_filing_id(today),
            institutions=_institutions(s, request.institutions), intra_province_filing=intra,
            region_names={c: r.name for c, r in regions.items()}, filed_by=filed_by,
        )
        Filings(s).save(record, prow.id)
        _event(s, record, "CREATED", principal, today, request.reason)
        return _view(s, record, prow, history=True)


def list_filings(ctx: Context, principal: Principal, *, status: FilingStatus | None = None, limit: int = 100,
                 offset: int = 0) -> FilingPage:
    """我的备案 A person's own filings and those of relatives they may act for (every version, newest first),
    or an agency's region's filings."""
    require(principal, Role.PERSON, Role.AGENCY, what_zh="查看备案", what_en="list filings")
    with unit_of_work(ctx.sessions) as s:
        if principal.role is Role.AGENCY:
            total, found = Filings(s).of_region(principal.subject, status=status, limit=limit, offset=offset)
            return FilingPage(total, [FilingView(r, mask_name(name)) for r, name in found])  # lists mask names
        prow = Persons(s).row(principal.subject)
        if prow is None:
            return FilingPage(0, [])
        people = [prow, *FamilyLinks(s).confirmed_relatives(prow.id)]
        mine = [(r, p) for p in people for r in Filings(s).of_person(p) if status is None or r.status is status]
        mine.sort(key=lambda x: (x[0].created_on, x[0].filing_id), reverse=True)
        return FilingPage(len(mine), [FilingView(r, mask_name(p.name)) for r, p in mine[offset:offset + limit]])


def show(ctx: Context, principal: Principal, filing_id: str) -> FilingView:
    with unit_of_work(ctx.sessions) as s:
        record, prow = _visible(s, principal, filing_id)
        return _view(s, record, prow, history=True)


def _modifier(principal: Principal, what_zh: str, what_en: str) -> None:
    require(principal, Role.PERSON, Role.AGENCY, what_zh=what_zh, what_en=what_en)


def change(ctx: Context, principal: Principal, filing_id: str, request: FilingRequest) -> tuple[FilingView, FilingView]:
    """变更备案: the old version ends (or waits for the review of the new one), a new version starts."""
    _modifier(principal, "变更备案", "change a filing")
    today = ctx.today()
    with unit_of_work(ctx.sessions) as s:
        record, prow = _visible(s, principal, filing_id, lock=True)
        person: Person = person_of(prow)
        request, filed_by = _on_behalf(principal, prow, request)
        rules, intra = rules_for(ctx, person.insured_region, today)
        regions = Regions(s).all()
        _check_admission(s, prow, request)
        old, new = change_filing(
            record, request, person, Filings(s).of_person(prow), rules, regions, today, new_filing_id(today),
            institutions=_institutions(s, request.institutions), intra_province_filing=intra,
            region_names={c: r.name for c, r in regions.items()}, filed_by=filed_by,
        )
        repo = Filings(s)
        repo.save(new, prow.id)
        _event(s, new, "CREATED", principal, today, f"变更自 {record.filing_id}")
        if old != record:
            repo.save(old, prow.id)
            _event(s, old, "SUPERSEDED", principal, today, f"变更为 {new.filing_id}")
        return _view(s, old, prow, history=True), _view(s, new, prow, history=True)


def cancel(ctx: Context, principal: Principal, filing_id: str, reason: str = "") -> FilingView:
    """取消备案 from today; the record stays, marked CANCELLED."""
    _modifier(principal, "取消备案", "cancel a filing")
    today = ctx.today()
    with unit_of_work(ctx.sessions) as s:
        record, prow = _visible(s, principal, filing_id, lock=True)
        rules, _intra = rules_for(ctx, prow.insured_region, today)
        done = cancel_filing(record, rules, today, reason)
        Filings(s).save(done, prow.id)
        _event(s, done, "CANCELLED", principal, today, reason)
        return _view(s, done, prow, history=True)


def review(ctx: Context, principal: Principal, filing_id: str, approve: bool, reason: str = "") -> FilingView:
    """审核备案: an agency approves or rejects a pending filing of a person insured in its region."""
    require(principal, Role.AGENCY, what_zh="审核备案", what_en="review filings")
    today = ctx.today()
    with unit_of_work(ctx.sessions) as s:
        record, prow = _visible(s, principal, filing_id, lock=True)
        repo = Filings(s)
        replaced = repo.record(record.supersedes) if record.supersedes else None
        done, old = review_filing(record, approve, reason, today, replaced)
        repo.save(done, prow.id, reviewed_by=principal.subject)
        _event(s, done, "APPROVED" if approve else "REJECTED", principal, today, reason)
        if old is not None:
            repo.save(old, prow.id)
            _event(s, old, "SUPERSEDED", principal, today, f"变更为 {done.filing_id}")
        return _view(s, done, prow, history=True)
