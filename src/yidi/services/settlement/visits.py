"""入院办理 / 门诊挂号 (2401/2201): register a visit after the eligibility check; show a visit."""

from __future__ import annotations

import secrets

from yidi.domain.admissions import OpenAdmission, refuse_second_admission
from yidi.domain.enums import InstitutionKind, VisitType
from yidi.domain.error_catalogue import error
from yidi.domain.ids import mask_id, parse_citizen_id
from yidi.services.access import Principal
from yidi.services.context import Context
from yidi.services.settlement.checks import (
    audit,
    eligibility,
    hospital,
    msgid_reused,
    not_eligible,
    now,
    own_visit,
    refuse_reversed,
    request_hash,
)
from yidi.services.settlement.requests import FIXABLE_BEFORE_DISCHARGE, INFNO, RegisterVisitIn
from yidi.services.settlement.views import VisitView, visit_view
from yidi.store.repositories.messages import Message
from yidi.store.repositories.visits import HospitalVisit, OpenVisit
from yidi.store.retry import retrying
from yidi.store.uow import UnitOfWork


def register_visit(ctx: Context, principal: Principal, req: RegisterVisitIn) -> VisitView:
    """入院办理 / 门诊挂号: check eligibility, record the visit with the result, return its mdtrt_id.

    Refused when the person cannot settle here for a reason a filing cannot fix (not found, identity,
    insurance status, hospital not networked, open admission elsewhere, chronic certification). A visit
    whose only problem is the filing is accepted, not eligible yet: a post-hoc filing before discharge
    makes it settleable, and settle checks again — except at a pharmacy, where a purchase has no discharge.
    """
    inst = hospital(principal, "办理入院或挂号", "register visits")
    cid = parse_citizen_id(req.id_number, "id_number").number
    today = ctx.today()
    day = req.admitted_on or today
    if day > today:
        raise error("DATE_IN_FUTURE", field="admitted_on", what_zh="入院（就诊）日期", what_en="admission day")
    infno = INFNO[req.visit_type is VisitType.INPATIENT]["register"]
    h = request_hash(req.model_dump(mode="json", exclude={"msgid"}))

    def run() -> VisitView:
        with ctx.uow() as uow:
            # before the first read: the visit's detail row and the message then go at commit as plain values
            uow.write_at_once()
            if req.msgid:
                msg = uow.messages.get(inst, req.msgid)
                refuse_reversed(msg, req.msgid)
                if msg is not None:
                    if msg.infno != infno or msg.request_hash != h or msg.visit_id is None:
                        raise msgid_reused(req.msgid)
                    return visit_view(uow, uow.visits.get(msg.visit_id))
            # the person's row lock serialises registrations for one person (two hospitals admitting at
            # the same moment): the second one reads the first one's admission after the lock
            found = uow.persons.keyed(cid, lock=True)
            if found is None:
                raise error("PERSON_NOT_FOUND")
            key, person = found
            # each read once after the lock, for every check below: the reference version (the institutions'
            # cache), the person's open admissions, their filings
            version = uow.institutions.version()
            opened = uow.visits.open_admissions(key)
            second = refuse_second_admission(req.visit_type, inst, _open_admissions(uow, opened, version))
            if second is not None:
                raise second
            known = (uow.filings.of_person(cid), [(v.institution, v.admitted_on) for v, _md in opened], version)
            result = eligibility(uow, ctx, key, person, req.name, inst, req.visit_type, day, today,
                                 emergency=req.emergency, chronic=req.chronic_disease, gender=req.gender, known=known)
            # a purchase at a pharmacy has no discharge to file before: there every reason blocks
            here = uow.institutions.cached(inst, version)
            shop = here is not None and here.kind is InstitutionKind.PHARMACY
            blocking = [r for r in result.reasons if shop or r.code not in FIXABLE_BEFORE_DISCHARGE]
            if blocking:
                raise not_eligible(result)
            visit = uow.visits.add(HospitalVisit(
                0, key, inst, req.visit_type, day, None, req.emergency, "OPEN",
                result.filing.filing_id if result.filing else None, f"MD{today:%Y%m%d}{secrets.token_hex(5).upper()}",
                req.chronic_disease, result.eligible, result.as_dict(), 0, req.msgid, now(), req.deposit))
            if req.msgid:
                uow.messages.add(Message(None, inst, req.msgid, infno, "DONE", visit_id=visit.visit_id,
                                         request_hash=h, at=now()))
            audit(uow, principal, "VISIT_REGISTER", "visit", visit.mdtrt_id,
                  {"infno": infno, "person": mask_id(cid), "visit_type": req.visit_type.value,
                   "eligible": result.eligible, "reasons": result.codes})
            return visit_view(uow, visit, person=person, lines=[], settlements=[])  # a new visit: nothing to read

    return retrying(run)


def _open_admissions(uow: UnitOfWork, opened: list[tuple[OpenVisit, str]], version: int) -> list[OpenAdmission]:
    out = []
    for v, mdtrt_id in opened:
        inst = uow.institutions.cached(v.institution, version)
        out.append(OpenAdmission(v.institution, inst.name if inst else "", v.admitted_on, mdtrt_id))
    return out


def show_visit(ctx: Context, principal: Principal, mdtrt_id: str) -> VisitView:
    inst = hospital(principal, "查看就诊", "see visits")
    with ctx.uow() as uow:
        return visit_view(uow, own_visit(uow, inst, mdtrt_id))
