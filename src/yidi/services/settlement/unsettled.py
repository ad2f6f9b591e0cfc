"""Visits a hospital could not settle directly, as their person sees them, and a manual claim started from one."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from yidi.domain import bounds as B
from yidi.domain.enums import VisitType
from yidi.domain.error_catalogue import error
from yidi.domain.money import from_fen
from yidi.domain.visit_states import DISCHARGED
from yidi.services.access import Principal, Role, require
from yidi.services.context import Context
from yidi.store.repositories.visits import HospitalVisit
from yidi.store.uow import UnitOfWork

MAX_UNSETTLED = 50
NOT_SETTLED_ZH = "已出院，医院未办理直接结算"


@dataclass(frozen=True, slots=True)
class UnsettledVisit:
    """A visit that did not (or cannot) settle directly: where, when, why, and what its lines add up to."""

    mdtrt_id: str
    institution: str
    institution_name: str
    visit_type: VisitType
    admitted_on: dt.date
    discharged_on: dt.date | None
    status: str
    reasons_zh: tuple[str, ...]
    total: str  # the active fee lines, yuan


def _failed(v: HospitalVisit) -> bool:
    # in hospital and able to settle at discharge is not a failure; refused at the check, or gone home
    # without settling, is
    return not v.eligible or v.status == DISCHARGED


def _reasons(v: HospitalVisit) -> tuple[str, ...]:
    said = tuple(str(r.get("message_zh", "")) for r in v.eligibility.get("reasons", []) if r.get("message_zh"))
    return said or ((NOT_SETTLED_ZH,) if v.status == DISCHARGED else ())


def _mine(uow: UnitOfWork, principal: Principal) -> int | None:
    require(principal, Role.PERSON, what_zh="查看自己的就诊", what_en="see one's own visits")
    keyed = uow.persons.keyed(principal.subject)
    return keyed[0] if keyed else None


def _view(uow: UnitOfWork, v: HospitalVisit) -> UnsettledVisit:
    inst = uow.institutions.get(v.institution)
    active = [ln for ln in uow.lines.of_visit(v.visit_id) if ln.status == "ACTIVE"]
    return UnsettledVisit(v.mdtrt_id, v.institution, inst.name if inst else v.institution, v.visit_type,
                          v.admitted_on, v.discharged_on, v.status, _reasons(v),
                          str(from_fen(sum(ln.amount_fen for ln in active))))


def unsettled_visits(ctx: Context, principal: Principal) -> list[UnsettledVisit]:
    """The caller's own visits that were refused direct settlement or left without it, newest first (a claim
    pays a bank account, so it is the person's own: a family link does not open this)."""
    with ctx.uow() as uow:
        key = _mine(uow, principal)
        found = uow.visits.unsettled_of(key, MAX_UNSETTLED) if key is not None else []
        return [_view(uow, v) for v in found if _failed(v)]


def claim_values(ctx: Context, principal: Principal, mdtrt_id: str) -> dict[str, str]:
    """The manual-claim form filled from one of the caller's unsettled visits: hospital, visit type, dates,
    why it was not settled directly, and the hospital's fee lines (one `code, quantity, price, name` a line)."""
    with ctx.uow() as uow:
        key = _mine(uow, principal)
        visit = uow.visits.by_mdtrt(mdtrt_id)
        if visit is None or visit.person != key or not _failed(visit):
            raise error("MY_VISIT_NOT_FOUND", mdtrt_id=mdtrt_id)
        lines = [ln for ln in uow.lines.of_visit(visit.visit_id) if ln.status == "ACTIVE"]
        values = {"institution": visit.institution, "visit_type": visit.visit_type.value,
                  "admitted_on": visit.admitted_on.isoformat(),
                  "reason_not_direct": "；".join(_reasons(visit))[:B.REASON],
                  "lines": "\n".join(f"{ln.code}, {ln.quantity}, {from_fen(ln.unit_price_fen)}, {ln.name}".rstrip(", ")
                                     for ln in lines)}
        if visit.discharged_on:
            values["discharged_on"] = visit.discharged_on.isoformat()
        return values
