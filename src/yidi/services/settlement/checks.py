"""What several settlement use cases check alike: the hospital principal, the visit's state, a message's
msgid, the person's eligibility; and the errors they answer with."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from yidi.domain.eligibility import EligibilityResult, check_eligibility
from yidi.domain.enums import VisitType
from yidi.domain.error_catalogue import error
from yidi.domain.errors import Problem, YidiError
from yidi.domain.filing_rules import FilingRecord
from yidi.domain.reference import Person
from yidi.domain.visit_states import STATE_EN, STATE_ZH, UNSETTLED
from yidi.services.access import Principal, Role, require
from yidi.services.context import Context
from yidi.store.repositories.messages import Message
from yidi.store.repositories.visits import HospitalVisit
from yidi.store.uow import UnitOfWork


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def request_hash(payload: dict[str, Any]) -> str:
    """SHA-256 of a canonical JSON form: the same request body always hashes the same."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def hospital(principal: Principal, what_zh: str, what_en: str) -> str:
    """The institution code of a hospital principal (anyone else is refused)."""
    require(principal, Role.HOSPITAL, what_zh=what_zh, what_en=what_en)
    return principal.subject


def audit(uow: UnitOfWork, principal: Principal, action: str, object_type: str, object_id: str,
          detail: dict[str, Any]) -> None:
    uow.audit.record(principal.role.value, principal.shown, action, object_type, object_id, detail)


def visit_not_found(mdtrt_id: str) -> YidiError:
    # another hospital's visit is "not found" too: its existence must not leak
    return error("VISIT_NOT_FOUND", mdtrt_id=mdtrt_id)


def settlement_not_found(setl_id: str) -> YidiError:
    return error("SETTLEMENT_NOT_FOUND", setl_id=setl_id)


def msgid_reused(msgid: str) -> YidiError:
    return error("MSGID_REUSED", msgid=msgid)


def own_visit(uow: UnitOfWork, inst: str, mdtrt_id: str) -> HospitalVisit:
    """The hospital's own visit (another hospital's is not found)."""
    visit = uow.visits.by_mdtrt(mdtrt_id)
    if visit is None or visit.institution != inst:
        raise visit_not_found(mdtrt_id)
    return visit


def check_open(visit: HospitalVisit, mdtrt_id: str) -> None:
    if visit.status == "SETTLED":
        raise error("VISIT_SETTLED", mdtrt_id=mdtrt_id)
    if visit.status not in UNSETTLED:
        raise error("VISIT_CLOSED", mdtrt_id=mdtrt_id, state_zh=STATE_ZH.get(visit.status, visit.status),
                    state_en=STATE_EN.get(visit.status, visit.status))


def refuse_reversed(msg: Message | None, msgid: str) -> None:
    if msg is not None and msg.outcome == "REVERSED_UNSEEN":
        raise error("MSG_REVERSED", msgid=msgid)


def eligibility(uow: UnitOfWork, ctx: Context, person_key: int, p: Person, name: str, inst_code: str,
                visit_type: VisitType, day: dt.date, today: dt.date, *, emergency: bool, chronic: str | None,
                gender: str | None = None, this_visit: int | None = None,
                known: tuple[list[FilingRecord], list[tuple[str, dt.date]], int] | None = None) -> EligibilityResult:
    """The person's eligibility for this visit; `known`: their filings, other open admissions and the reference
    version, already read."""
    institution = uow.institutions.cached(inst_code, None if known is None else known[2])
    if institution is None:
        raise error("INSTITUTION_UNKNOWN", institution=inst_code)
    if known is not None:
        filings, admissions, _v = known
    else:
        filings = uow.filings.of_person(p.citizen_id.number)
        # an admission is an inpatient stay: outpatient visits still open elsewhere do not block a visit here
        admissions = [(v.institution, v.admitted_on)
                      for v, _md in uow.visits.open_admissions(person_key, besides=this_visit)]
    found = ctx.packs.policy_for(p.insured_region, day)
    return check_eligibility(p, p.citizen_id.number, name, institution, visit_type, day, filings,
                             found[1] if found else None, gender=gender, emergency=emergency,
                             open_admissions=admissions, chronic_disease=chronic, today=max(today, day))


def not_eligible(result: EligibilityResult, code: str = "VISIT_NOT_ELIGIBLE") -> YidiError:
    problems = [Problem(r.code, r.field, f"{r.message_zh}。{r.action_zh}（{r.where_zh}）", f"{r.message_en}. {r.action_en}")
                for r in result.reasons]
    err = YidiError.of(problems, code=code, status=422)
    err.message_zh = "本次就医不能直接结算：" + "；".join(r.message_zh for r in result.reasons)
    err.message_en = "this visit cannot settle directly: " + "; ".join(r.message_en for r in result.reasons)
    return err
