"""结算撤销 (2305/2208) and 冲正 (2601): give back everything a settlement did, or undo a revocation exactly."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from yidi.domain import ledger
from yidi.domain.bill import YearAccumulators
from yidi.domain.enums import VisitType
from yidi.domain.error_catalogue import error
from yidi.domain.money import from_fen
from yidi.domain.visit_states import OPEN, after_revoke
from yidi.services.access import Principal
from yidi.services.context import Context
from yidi.services.settlement.checks import (
    audit,
    hospital,
    msgid_reused,
    now,
    refuse_reversed,
    request_hash,
    settlement_not_found,
)
from yidi.services.settlement.mutual_aid import lock_accumulators, lock_persons
from yidi.services.settlement.requests import INFNO, ReversalIn, RevokeIn, SettlementConfig
from yidi.services.settlement.settle import post
from yidi.services.settlement.views import SettlementView, settlement_view
from yidi.store.repositories.accumulators import HeldAccumulators
from yidi.store.repositories.messages import Message
from yidi.store.repositories.settlements import Settlement
from yidi.store.retry import retrying
from yidi.store.uow import UnitOfWork


def _undo(uow: UnitOfWork, principal: Principal, row: Settlement, held: HeldAccumulators, today: dt.date,
          reason: str, action: str) -> None:
    """Reverse every effect of a live settlement: accumulators, account, ledger, visit state. A part of a
    stay settled in parts only while no later part stands (MID_SETTLE_LATER_PART): each part was computed on
    the ones before it. A mid-stay part leaves the visit as it is (the person is in house)."""
    later = [s for s in uow.settlements.of_visit(row.visit_id) if s.status == "SETTLED" and s.part > row.part] \
        if row.visit_type is VisitType.INPATIENT else []
    if later:
        raise error("MID_SETTLE_LATER_PART", setl_id=row.setl_id, mdtrt_id=uow.visits.mdtrt_of(row.visit_id),
                    part=row.part, later=later[-1].part, later_setl_id=later[-1].setl_id)
    restored = ledger.accumulate(held.value, YearAccumulators.model_validate(row.accumulators_before),
                                 YearAccumulators.model_validate(row.accumulators_after), -1)
    held = uow.accumulators.save(held, restored)
    lock_persons(uow, row)
    uow.persons.add_to_account(row.person_id, from_fen(row.acct_pay_fen))
    if row.mulaid_payer_id is not None:  # the family member's account gets back what it paid (家庭共济)
        uow.persons.add_to_account(row.mulaid_payer_id, from_fen(row.acct_mulaid_pay_fen))
    post(uow, row, "REVOKE", -1, today)
    row.status, row.revoked_on, row.revoked_at, row.revoke_reason = "REVOKED", today, now(), reason
    row.revoked_acc_version = held.version
    uow.settlements.save(row)
    if not row.mid_setl:
        visit = uow.visits.get(row.visit_id)
        visit.status = after_revoke(visit.visit_type)
        if visit.status == OPEN:
            visit.discharged_on = None
        uow.visits.save(visit)
    audit(uow, principal, action, "settlement", row.setl_id,
          {"reason": reason, "medfee_sumamt": str(from_fen(row.medfee_sumamt_fen)), "acc_version": held.version})


def _lock_settlement(uow: UnitOfWork, inst: str, setl_id: str) -> tuple[Settlement, HeldAccumulators]:
    row = uow.settlements.by_setl_id(setl_id)
    if row is None or row.institution != inst:
        raise settlement_not_found(setl_id)
    held = lock_accumulators(uow, row.person_id, row.scheme, row.year, row.mulaid_payer_id)
    return uow.settlements.reread(row), held


def revoke(ctx: Context, principal: Principal, setl_id: str, req: RevokeIn,
           config: SettlementConfig | None = None) -> SettlementView:
    """结算撤销: only the settling hospital, within the window; restores what the settlement consumed.

    A partial refund (退费) is this followed by withdrawing the refunded lines and settling again: the new
    settlement is computed from the restored accumulators.
    """
    inst = hospital(principal, "撤销结算", "revoke settlements")
    cfg = config or SettlementConfig.from_env()
    h = request_hash({"setl_id": setl_id, "reason": req.reason})

    def run() -> SettlementView:
        today = ctx.today()
        with ctx.uow() as uow:
            row, held = _lock_settlement(uow, inst, setl_id)
            infno = INFNO[row.visit_type is VisitType.INPATIENT]["revoke"]
            if req.msgid:
                msg = uow.messages.get(inst, req.msgid)
                refuse_reversed(msg, req.msgid)
                if msg is not None:
                    if msg.infno != infno or msg.request_hash != h:
                        raise msgid_reused(req.msgid)
                    return settlement_view(uow.visits.mdtrt_of(row.visit_id), row, replayed=True)
            if row.status == "REVOKED":
                raise error("SETTLEMENT_ALREADY_REVOKED", setl_id=setl_id)
            if (today - row.settlement_date).days > cfg.revoke_window_days:
                raise error("REVOKE_WINDOW_PASSED", setl_id=setl_id, settlement_date=row.settlement_date,
                            revoke_window_days=cfg.revoke_window_days)
            _undo(uow, principal, row, held, today, req.reason, "REVOKE")
            uow.messages.add(Message(None, inst, req.msgid or f"revoke:{setl_id}", infno, "DONE", settlement_id=row.id,
                                     visit_id=row.visit_id, request_hash=h, at=now()))
            visit = uow.visits.get(row.visit_id)  # read by _undo: no query; its deposit, held again
            return settlement_view(visit.mdtrt_id, row, deposit=visit.deposit)

    return retrying(run)


@dataclass(frozen=True, slots=True)
class ReversalView:
    """The answer to 2601: what the original message did and what the reversal did about it."""

    omsgid: str
    found: bool
    oinfno: str | None
    result: Literal["REVERSED", "ALREADY_REVERSED", "BLOCKED", "NOTHING_TO_REVERSE"]
    message_zh: str
    message_en: str
    setl_id: str | None = None
    settlement_status: str | None = None


def reverse(ctx: Context, principal: Principal, req: ReversalIn) -> ReversalView:
    """冲正 2601 by the hospital's own msgid. Settle reversed = revoked (no window applies: the hospital
    never got the answer); revoke reversed = the settlement reinstated exactly, if nothing changed since;
    a msgid never seen is blocked, so the original cannot pay if it arrives late."""
    inst = hospital(principal, "冲正", "reverse transactions")
    om = req.omsgid

    def run() -> ReversalView:
        today = ctx.today()
        with ctx.uow() as uow:
            msg = uow.messages.get(inst, om)
            if msg is None:
                uow.messages.add(Message(None, inst, om, "", "REVERSED_UNSEEN", at=now(), reversed_at=now()))
                audit(uow, principal, "REVERSAL", "message", om, {"result": "BLOCKED"})
                return ReversalView(om, False, None, "BLOCKED", "未收到原交易；已登记冲正，原报文若迟到将被拒绝，不会结算",
                                    "the original never arrived; it is now blocked and will be refused if it arrives late")
            if msg.outcome in ("REVERSED", "REVERSED_UNSEEN"):
                return ReversalView(om, msg.outcome == "REVERSED", msg.infno or None, "ALREADY_REVERSED",
                                    "该报文已冲正", "this message was already reversed")
            kind = next((k for k, v in INFNO[True].items() if v == msg.infno), None) or \
                next((k for k, v in INFNO[False].items() if v == msg.infno), None)
            if kind not in ("settle", "revoke") or msg.settlement_id is None:
                raise error("REVERSAL_NOT_SUPPORTED", infno=msg.infno)
            row = uow.settlements.get(msg.settlement_id)
            held = lock_accumulators(uow, row.person_id, row.scheme, row.year, row.mulaid_payer_id)
            row = uow.settlements.reread(row)
            msg = uow.messages.get(inst, om)
            assert msg is not None
            if msg.outcome != "DONE":
                return ReversalView(om, True, msg.infno, "ALREADY_REVERSED", "该报文已冲正", "this message was already reversed",
                                    row.setl_id, row.status)
            result: Literal["REVERSED", "NOTHING_TO_REVERSE"]
            if kind == "settle":
                if row.status == "SETTLED":
                    _undo(uow, principal, row, held, today, f"冲正 {om}", "REVERSAL_OF_SETTLE")
                    result, zh, en = "REVERSED", "原结算已冲正（撤销），基金、账户和累计均已恢复", "the settlement was reversed"
                else:
                    result, zh, en = "NOTHING_TO_REVERSE", "原结算已被撤销，无需冲正", "the settlement had been revoked already"
            else:
                _reinstate(uow, principal, row, held, today, om)
                result, zh, en = "REVERSED", "原结算撤销已冲正，结算恢复有效", "the revocation was reversed; the settlement stands again"
            msg.outcome, msg.reversed_at = "REVERSED", now()
            uow.messages.save(msg)
            return ReversalView(om, True, msg.infno, result, zh, en, row.setl_id, row.status)

    return retrying(run)


def _reinstate(uow: UnitOfWork, principal: Principal, row: Settlement, held: HeldAccumulators, today: dt.date,
               om: str) -> None:
    """Undo a revocation exactly, which is only sound if nothing has moved since it was made."""
    visit = uow.visits.lock(row.visit_id)
    person, payer = lock_persons(uow, row)
    left_in = visit.status if row.mid_setl else after_revoke(visit.visit_type)  # a mid-stay part left it as it was
    if (row.status != "REVOKED" or held.version != row.revoked_acc_version or visit.status != left_in
            or visit.revision != row.visit_revision or person.account_balance < from_fen(row.acct_pay_fen)
            or (payer is not None and payer.account_balance < from_fen(row.acct_mulaid_pay_fen))):
        raise error("REVERSAL_NOT_POSSIBLE")
    after = YearAccumulators.model_validate(row.accumulators_after)
    held = uow.accumulators.save(held, ledger.accumulate(
        held.value, YearAccumulators.model_validate(row.accumulators_before), after, 1))
    uow.persons.add_to_account(row.person_id, -from_fen(row.acct_pay_fen))
    if row.mulaid_payer_id is not None:
        uow.persons.add_to_account(row.mulaid_payer_id, -from_fen(row.acct_mulaid_pay_fen))
    post(uow, row, "REINSTATE", 1, today)
    row.status, row.revoked_on, row.revoked_at, row.revoked_acc_version = "SETTLED", None, None, None
    row.acc_version_after = held.version
    uow.settlements.save(row)
    if not row.mid_setl:
        visit.status = "SETTLED"
        uow.visits.save(visit)
    audit(uow, principal, "REVERSAL_OF_REVOKE", "settlement", row.setl_id, {"omsgid": om, "acc_version": held.version})
