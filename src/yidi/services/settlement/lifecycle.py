"""入院撤销 / 挂号撤销 (2404/2202), 就诊信息变更 (2403), 出院办理 (2402), 出院撤销 (2405): a visit's state changes.

Each is one unit of work that locks the visit (the same lock as line upload and settle), checks the
transition against yidi.domain.visit_states under the lock, and records the hospital's msgid: the same
msgid with the same body answers the visit again (whatever happened since), with another body it is
MSGID_REUSED.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from yidi.domain.enums import VisitType
from yidi.domain.error_catalogue import error
from yidi.domain.ids import mask_id
from yidi.domain.visit_states import CANCELLED, DISCHARGED, OPEN, check_transition, refuse_active_lines
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
from yidi.services.settlement.requests import (
    FIXABLE_BEFORE_DISCHARGE,
    INFNO,
    CancelDischargeIn,
    CancelVisitIn,
    ChangeVisitIn,
    DischargeIn,
)
from yidi.services.settlement.views import VisitView, visit_view
from yidi.store.repositories.messages import Message
from yidi.store.repositories.visits import HospitalVisit
from yidi.store.retry import retrying
from yidi.store.uow import UnitOfWork

Apply = Callable[[UnitOfWork, HospitalVisit, dt.date], dict[str, Any]]


def _transition(ctx: Context, principal: Principal, mdtrt_id: str, kind: str, msgid: str | None,
                body: dict[str, Any], apply: Apply, what: tuple[str, str], action: str,
                only: tuple[VisitType, ...] | None = None) -> VisitView:
    inst = hospital(principal, *what)
    h = request_hash({"mdtrt_id": mdtrt_id, **body})

    def run() -> VisitView:
        today = ctx.today()
        with ctx.uow() as uow:
            visit = uow.visits.claim(own_visit(uow, inst, mdtrt_id))
            infno = INFNO[visit.visit_type is VisitType.INPATIENT].get(kind, "")
            if msgid:
                msg = uow.messages.get(inst, msgid)
                refuse_reversed(msg, msgid)
                if msg is not None:
                    if msg.infno != infno or msg.request_hash != h or msg.visit_id != visit.visit_id:
                        raise msgid_reused(msgid)
                    return visit_view(uow, visit)  # done once: the visit as it is now
            check_transition(kind, visit.visit_type, visit.status, mdtrt_id, only)
            before = visit.status
            detail = apply(uow, visit, today)
            uow.visits.save(visit)
            if msgid:
                uow.messages.add(Message(None, inst, msgid, infno, "DONE", visit_id=visit.visit_id, request_hash=h,
                                         at=now()))
            audit(uow, principal, action, "visit", mdtrt_id,
                  {"infno": infno, "from": before, "to": visit.status, **detail})
            return visit_view(uow, visit)

    return retrying(run)


def cancel_visit(ctx: Context, principal: Principal, mdtrt_id: str, req: CancelVisitIn,
                 only: tuple[VisitType, ...] | None = None) -> VisitView:
    """入院撤销 2404 / 挂号撤销 2202: a registration made by mistake ends, CANCELLED; the person is free to be
    admitted elsewhere at once. Only an OPEN visit without active fee lines (withdraw them first); `only`:
    the visit type the caller's transaction is for (the envelope's 2404 cancels admissions only)."""

    def apply(uow: UnitOfWork, visit: HospitalVisit, today: dt.date) -> dict[str, Any]:
        refused = refuse_active_lines(len(uow.lines.of_visit(visit.visit_id, active=True)), mdtrt_id)
        if refused is not None:
            raise refused
        visit.status = CANCELLED
        return {"reason": req.reason}

    return _transition(ctx, principal, mdtrt_id, "cancel", req.msgid, {"kind": "cancel", "reason": req.reason},
                       apply, ("撤销入院（挂号）登记", "cancel registrations"), "VISIT_CANCEL", only)


def discharge(ctx: Context, principal: Principal, mdtrt_id: str, req: DischargeIn) -> VisitView:
    """出院办理 2402: an OPEN admission becomes DISCHARGED on the given day (default today); it still counts as
    an open admission until settled, and its lines may still change (出院带药)."""

    def apply(uow: UnitOfWork, visit: HospitalVisit, today: dt.date) -> dict[str, Any]:
        day = req.discharge_date or today
        if day > today:
            raise error("DATE_IN_FUTURE", field="discharge_date", what_zh="出院日期", what_en="discharge day")
        if day < visit.admitted_on:
            raise error("DATE_ORDER", field="discharge_date", detail_zh=f"出院日期 {day} 早于入院日期 {visit.admitted_on}",
                        detail_en=f"the discharge day {day} is before the admission day {visit.admitted_on}")
        visit.status, visit.discharged_on = DISCHARGED, day
        return {"discharged_on": day.isoformat()}

    return _transition(ctx, principal, mdtrt_id, "discharge", req.msgid, req.model_dump(mode="json", exclude={"msgid"}),
                       apply, ("办理出院", "discharge"), "VISIT_DISCHARGE")


def cancel_discharge(ctx: Context, principal: Principal, mdtrt_id: str, req: CancelDischargeIn) -> VisitView:
    """出院撤销 2405: a DISCHARGED (not settled) admission is OPEN again; a settled one is revoked first."""

    def apply(uow: UnitOfWork, visit: HospitalVisit, today: dt.date) -> dict[str, Any]:
        visit.status, visit.discharged_on = OPEN, None
        return {}

    return _transition(ctx, principal, mdtrt_id, "discharge_cancel", req.msgid, {"kind": "discharge_cancel"},
                       apply, ("撤销出院", "cancel discharges"), "VISIT_DISCHARGE_CANCEL")


def change_visit(ctx: Context, principal: Principal, mdtrt_id: str, req: ChangeVisitIn) -> VisitView:
    """住院信息变更 2403: correct the admission day, the emergency flag or the chronic disease of a visit not
    yet settled. Eligibility is checked again with the new facts: a change a filing cannot fix is refused
    (VISIT_NOT_ELIGIBLE), one a post-hoc filing can fix is recorded (eligible: false), as at registration."""

    def apply(uow: UnitOfWork, visit: HospitalVisit, today: dt.date) -> dict[str, Any]:
        day = req.admitted_on or visit.admitted_on
        if day > today:
            raise error("DATE_IN_FUTURE", field="admitted_on", what_zh="入院（就诊）日期", what_en="admission day")
        if visit.discharged_on is not None and day > visit.discharged_on:
            raise error("DATE_ORDER", field="admitted_on", detail_zh=f"入院日期 {day} 晚于出院日期 {visit.discharged_on}",
                        detail_en=f"the admission day {day} is after the discharge day {visit.discharged_on}")
        early = [ln for ln in uow.lines.of_visit(visit.visit_id, active=True) if ln.line_date and ln.line_date < day]
        if early:
            raise error("LINE_DATE_OUTSIDE", field="admitted_on", line_id=early[0].line_id, date=early[0].line_date,
                        why_zh=f"早于新的入院日期 {day}；请先撤销或更正该明细", why_en=f"is before the new admission day {day}")
        visit.admitted_on = day
        visit.emergency = visit.emergency if req.emergency is None else req.emergency
        visit.chronic_disease = req.chronic_disease or visit.chronic_disease
        person = uow.persons.by_key(visit.person)
        result = eligibility(uow, ctx, visit.person, person, person.name, visit.institution, visit.visit_type, day,
                             today, emergency=visit.emergency, chronic=visit.chronic_disease, this_visit=visit.visit_id)
        if any(r.code not in FIXABLE_BEFORE_DISCHARGE for r in result.reasons):
            raise not_eligible(result)
        visit.eligible, visit.eligibility = result.eligible, result.as_dict()
        visit.filing_id = result.filing.filing_id if result.filing else None
        return {"person": mask_id(person.citizen_id.number), "admitted_on": day.isoformat(),
                "emergency": visit.emergency, "eligible": result.eligible}

    return _transition(ctx, principal, mdtrt_id, "change", req.msgid, req.model_dump(mode="json", exclude={"msgid"}),
                       apply, ("变更就诊信息", "change visits"), "VISIT_CHANGE")
