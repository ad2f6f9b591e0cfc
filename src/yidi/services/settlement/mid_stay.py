"""中途结算 at the hospital: a stay's live parts, the lines they settled, and the part a settle computes now
(the rule: yidi.domain.mid_stay)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

from yidi.domain import mid_stay
from yidi.domain.bill import YearAccumulators
from yidi.domain.enums import VisitType
from yidi.domain.error_catalogue import error
from yidi.domain.money import from_fen
from yidi.domain.reference import Person
from yidi.domain.visit_states import OPEN, STATE_EN, STATE_ZH
from yidi.services.context import Context
from yidi.services.settlement.bills import Computed, compute
from yidi.services.settlement.requests import PreSettleIn
from yidi.store.repositories.settlements import SettleInputs, Settlement
from yidi.store.repositories.visits import HospitalVisit
from yidi.store.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Parts:
    """The visit's live settlements (all mid-stay parts while it is unsettled), by part."""

    live: list[Settlement]

    @property
    def next_part(self) -> int:
        return max((s.part for s in self.live), default=0) + 1

    def settled_lines(self) -> dict[str, Settlement]:
        """line_id -> the live part that settled it (frozen: not withdrawn, not changed)."""
        return {ln["line_id"]: s for s in self.live if s.mid_setl for ln in s.breakdown.get("lines", [])}


def parts_of(uow: UnitOfWork, visit: HospitalVisit, settlements: Sequence[Settlement] | None = None) -> Parts:
    """Only a stay has parts: an outpatient visit costs no query, nor a visit whose settlements were read."""
    if visit.visit_type is not VisitType.INPATIENT:
        return Parts([])
    setls = uow.settlements.of_visit(visit.visit_id) if settlements is None else settlements
    return Parts(sorted((s for s in setls if s.status == "SETTLED"), key=lambda s: s.part))


def check_mid(visit: HospitalVisit) -> None:
    """Mid-stay settlement is for an inpatient stay still in house (not discharged, not settled)."""
    if visit.visit_type is not VisitType.INPATIENT or visit.status != OPEN:
        raise error("MID_SETTLE_NOT_ALLOWED", mdtrt_id=visit.mdtrt_id, visit_type=visit.visit_type.value.lower(),
                    visit_type_zh=visit.visit_type.zh, state_zh=STATE_ZH.get(visit.status, visit.status),
                    state_en=STATE_EN.get(visit.status, visit.status))


def refuse_settled_lines(parts: Parts, line_ids: list[str]) -> None:
    """A line a live part settled is neither withdrawn nor changed (revoke that part first)."""
    settled = parts.settled_lines()
    for line_id in line_ids:
        if line_id in settled:
            raise error("LINE_SETTLED_MID", line_id=line_id, setl_id=settled[line_id].setl_id)


def compute_part(ctx: Context, uow: UnitOfWork, visit: HospitalVisit, p: Person, acc: YearAccumulators,
                 acc_version: int, req: PreSettleIn, today: dt.date, parts: Parts,
                 known: SettleInputs | None = None, payer: Person | None = None) -> tuple[Computed, int]:
    """What settling now gives and the part's number: the whole visit when it has no live parts (as ever),
    else the stay so far minus its earlier parts of this year (yidi.domain.mid_stay). `payer`: a family
    member paying by mutual aid (家庭共济); the stay so far is computed with what earlier parts took from their
    account given back (a part that changes the payer may come out negative: MID_SETTLE_NEGATIVE)."""
    if not parts.live:
        c = compute(ctx, uow, visit, p, acc, acc_version, req, today, known, payer)
        return c, 1
    settled = parts.settled_lines()
    rows = known.lines if known is not None else uow.lines.of_visit(visit.visit_id, active=True)
    # a part of an earlier year keeps its lines; this year's parts are combined with this one
    earlier = [s for s in parts.live if s.year == today.year]
    rows = [r for r in rows if r.line_id not in settled or settled[r.line_id].year == today.year]
    new = [r for r in rows if r.line_id not in settled]
    if req.mid_setl and not new:
        raise error("MID_SETTLE_NO_NEW_LINES", mdtrt_id=visit.mdtrt_id, setl_id=parts.live[-1].setl_id)
    base = mid_stay.without_earlier(acc, [(YearAccumulators.model_validate(s.accumulators_before),
                                           YearAccumulators.model_validate(s.accumulators_after)) for s in earlier])
    balance = p.account_balance + sum((from_fen(s.acct_pay_fen) for s in earlier), from_fen(0))
    if payer is not None:
        aided = sum((from_fen(s.acct_mulaid_pay_fen) for s in earlier), from_fen(0))
        payer = replace(payer, account_balance=payer.account_balance + aided)
    whole = compute(ctx, uow, visit, replace(p, account_balance=balance), base, acc_version,
                    req.model_copy(update={"medfee_sumamt": None}), today, None if known is None else replace(known, lines=rows),
                    payer)
    ours = from_fen(sum(r.amount_fen for r in new))
    if req.medfee_sumamt is not None and req.medfee_sumamt != ours:
        raise error("MEDFEE_MISMATCH", theirs=req.medfee_sumamt, ours=ours)
    part = parts.next_part
    b = mid_stay.part_of(whole.breakdown, [{f: from_fen(getattr(s, f"{f}_fen")) for f in mid_stay.PART_FIELDS}
                                           for s in earlier], {r.line_id for r in new}, part)
    basis = whole.basis.model_copy(update={"account_balance": p.account_balance, "medfee_sumamt": b.medfee_sumamt,
                                           "fund_pay_sumamt": b.fund_pay_sumamt, "acct_pay": b.acct_pay,
                                           "psn_cash_pay": b.psn_cash_pay})
    return Computed(b, whole.eligibility, basis, acc, new), part
