"""预结算 / 结算 (2303/2206, 2304/2207): quote a visit without writing; settle it once, in one transaction,
with its accumulators, personal account, balanced ledger posting, message and audit record."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import replace

from yidi.domain import ledger
from yidi.domain.amounts import AMOUNT_FIELDS
from yidi.domain.enums import VisitType
from yidi.domain.error_catalogue import error
from yidi.domain.money import from_fen, to_fen
from yidi.services.access import Principal
from yidi.services.context import Context
from yidi.services.settlement.bills import changes
from yidi.services.settlement.checks import (
    audit,
    check_open,
    hospital,
    msgid_reused,
    now,
    refuse_reversed,
    request_hash,
    settlement_not_found,
    visit_not_found,
)
from yidi.services.settlement.mid_stay import check_mid, compute_part, parts_of
from yidi.services.settlement.mutual_aid import check_link, find_payer, lock_for_settle, lock_payer
from yidi.services.settlement.requests import INFNO, PreSettleIn, SettleIn
from yidi.services.settlement.views import Quote, SettlementView, settlement_answer, settlement_view
from yidi.store.repositories.messages import Message
from yidi.store.repositories.reference import with_diseases
from yidi.store.repositories.settlements import Settlement, posted_of
from yidi.store.retry import retrying
from yidi.store.uow import UnitOfWork


def post(uow: UnitOfWork, row: Settlement, kind: str, sign: int, day: dt.date) -> None:
    """Write one balanced posting of the settlement (yidi.domain.ledger.legs refuses an unbalanced one)."""
    assert row.id is not None
    legs = [(a, to_fen(amt)) for a, amt in ledger.legs(posted_of(row), sign)]
    # a settlement's first posting needs no count; later ones (revoke, reinstate) number themselves
    n = 0 if kind == "SETTLE" else uow.ledger.postings_of(row.id)
    uow.ledger.post(row.id, ledger.posting_id(row.setl_id, kind, n), kind, legs, day, now())


def pre_settle(ctx: Context, principal: Principal, mdtrt_id: str, req: PreSettleIn) -> Quote:
    """预结算: the breakdown a settlement would give now, with its explanation; changes nothing."""
    inst = hospital(principal, "预结算", "pre-settle")
    today = ctx.today()
    with ctx.uow() as uow:
        uow.read_only()  # a quote changes nothing: its three reads need no BEGIN / COMMIT round trips
        # the visit, its person and accumulators, and what decides the money as settle reads it (no idempotency
        # key or msgid here): one statement
        found = uow.settlements.quote_inputs(mdtrt_id, today.year)
        if found is None or found[0].institution != inst:
            raise visit_not_found(mdtrt_id)
        visit, person, held, got = found
        check_open(visit, mdtrt_id)
        if req.mid_setl:
            check_mid(visit)
        person = with_diseases(person, got.diseases)
        payer = None if req.mulaid_payer is None else find_payer(uow, person.citizen_id.number, req.mulaid_payer)
        c, _part = compute_part(ctx, uow, visit, person, held.value, held.version, req, today, parts_of(uow, visit),
                                got, None if payer is None else payer.person)
        return Quote(mdtrt_id, c.breakdown.as_dict(), c.basis, c.eligibility.as_dict())


def _replay(mdtrt_id: str, row: Settlement, h: str, key: str) -> SettlementView:
    if row.request_hash != h:
        raise error("IDEMPOTENCY_KEY_REUSED", key=key)
    # while the settlement stands, the first answer verbatim; once revoked or reversed, the settlement as it
    # is now (REVOKED): answering "SETTLED" again would tell the hospital money was paid that was given back
    return replace(settlement_view(mdtrt_id, row, replayed=True), answer=row.answer if row.status == "SETTLED" else None)


def settle(ctx: Context, principal: Principal, mdtrt_id: str, req: SettleIn) -> SettlementView:
    """结算: in one transaction, compute and store the settlement, update the year accumulators and the
    personal account, write balanced ledger entries, the message and an audit record.

    The same key with the same body returns the first answer again, byte for byte (`replayed`, `answer`);
    once the settlement was revoked or reversed, the revoked settlement (a retry never pays twice). The same
    key with another body is refused.
    """
    inst = hospital(principal, "结算", "settle")
    # a request without mutual aid hashes as it did before the field existed (a retry across an upgrade)
    skip = {"msgid", "idempotency_key"} | ({"mulaid_payer"} if req.mulaid_payer is None else set())
    h = request_hash({"mdtrt_id": mdtrt_id, **req.model_dump(mode="json", exclude=skip)})
    msgid = req.msgid or req.idempotency_key

    def run() -> SettlementView:
        today = ctx.today()
        with ctx.uow() as uow:
            # every write at commit, in one statement with the rest (ledger legs, accumulators, account, visit and
            # message): asked before the locks, so the locked rows are read as plain values to change
            uow.write_at_once()
            found_visit, held, payer_key = lock_for_settle(uow, mdtrt_id, inst, today.year, req.mulaid_payer)
            # --- serialised from here on for this person: lock the visit and the person, then read again, in
            # one statement after those locks, everything that decides the money (a payer's row in number order)
            if payer_key is None:  # the usual case: the lock and the read go together
                payer_now = None
                visit, person, got = uow.settlements.lock_and_inputs(found_visit.visit_id, found_visit.person, inst,
                                                                     req.idempotency_key, msgid)
            else:
                payer_now = lock_payer(uow, payer_key) if payer_key < found_visit.person else None
                visit, person = uow.visits.lock_with_person(found_visit.visit_id)
                if payer_now is None:
                    payer_now = lock_payer(uow, payer_key)
                got = uow.settlements.inputs(inst, req.idempotency_key, msgid, visit.visit_id, visit.person,
                                             person.citizen_id.number)
            if got.found is not None:
                return _replay(mdtrt_id, got.found, h, req.idempotency_key)
            refuse_reversed(got.message, msgid)
            if got.message is not None:
                raise msgid_reused(msgid)
            person = with_diseases(person, got.diseases)
            if payer_now is not None:  # the link may have ended while this waited for the locks
                check_link(uow, person.citizen_id.number, payer_now.citizen_id.number)
            if visit.status == "SETTLED":
                raise error("VISIT_ALREADY_SETTLED", mdtrt_id=mdtrt_id)
            check_open(visit, mdtrt_id)
            if req.mid_setl:
                check_mid(visit)
            c, part = compute_part(ctx, uow, visit, person, held.value, held.version, req, today, parts_of(uow, visit),
                                   got, payer_now)
            b = c.breakdown
            assert b.accumulators_after is not None
            at = now()
            amounts = {f"{f}_fen": to_fen(getattr(b, f)) for f in AMOUNT_FIELDS}
            row = Settlement(
                id=None, setl_id=f"S{today:%Y%m%d}{secrets.token_hex(6).upper()}", visit_id=visit.visit_id,
                person_id=visit.person, institution=inst, insured_region=b.insured_region,
                treatment_region=b.treatment_region, visit_type=visit.visit_type, scheme=person.scheme, year=today.year,
                idempotency_key=req.idempotency_key, request_hash=h, msgid=msgid, status="SETTLED", basis=b.basis,
                filing_id=c.basis.filing_id, filing_type=b.filing_type, pack=b.pack, policy_version=b.policy_version,
                visit_revision=visit.revision, line_count=len(c.lines),
                pool_prop_selfpay=str(b.pool_prop_selfpay), breakdown=b.as_dict(),
                accumulators_before=held.value.as_dict(), accumulators_after=b.accumulators_after.as_dict(),
                settlement_date=today, settled_at=at, revoked_on=None, revoked_at=None, revoke_reason="",
                acc_version_after=held.version + 1, revoked_acc_version=None, answer=None,
                mulaid_payer_id=payer_key if b.acct_mulaid_pay else None, mid_setl=req.mid_setl, part=part, **amounts)
            # the answer is stored with the row (no UPDATE afterwards): it needs no number the store gives
            view = settlement_view(mdtrt_id, row, changes=changes(req.expected, c.basis), deposit=visit.deposit)
            row.answer = settlement_answer(view)
            row = uow.settlements.add(row)
            post(uow, row, "SETTLE", 1, today)
            held = uow.accumulators.save(held, b.accumulators_after)
            uow.persons.add_to_account(visit.person, -from_fen(row.acct_pay_fen))
            if payer_key is not None and row.acct_mulaid_pay_fen:
                uow.persons.add_to_account(payer_key, -from_fen(row.acct_mulaid_pay_fen))
            if not req.mid_setl:  # a mid-stay part leaves the person in house: the visit stays open
                visit.status = "SETTLED"
                visit.discharged_on = (req.discharge_date or visit.discharged_on
                                       or (today if visit.visit_type is VisitType.INPATIENT else None))
                uow.visits.save(visit)
            uow.messages.add(Message(None, inst, msgid, INFNO[visit.visit_type is VisitType.INPATIENT]["settle"], "DONE",
                                     settlement_id=row.id, visit_id=visit.visit_id, request_hash=h, at=at))
            audit(uow, principal, "SETTLE", "settlement", row.setl_id,
                  {"mdtrt_id": mdtrt_id, "medfee_sumamt": str(b.medfee_sumamt), "fund_pay_sumamt": str(b.fund_pay_sumamt),
                   "acct_pay": str(b.acct_pay), "acct_mulaid_pay": str(b.acct_mulaid_pay), "psn_cash_pay": str(b.psn_cash_pay),
                   "acc_version": held.version, "mid_setl": req.mid_setl, "part": part})
            return replace(view, answer=row.answer)

    return retrying(run)


def show_settlement(ctx: Context, principal: Principal, setl_id: str) -> SettlementView:
    inst = hospital(principal, "查看结算", "see settlements")
    with ctx.uow() as uow:
        row = uow.settlements.by_setl_id(setl_id)
        if row is None or row.institution != inst:
            raise settlement_not_found(setl_id)
        visit = uow.visits.get(row.visit_id)
        return settlement_view(visit.mdtrt_id, row, deposit=visit.deposit)
