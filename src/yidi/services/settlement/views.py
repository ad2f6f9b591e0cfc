"""What the settlement use cases answer: a visit with its lines and settlements, a settlement (and the JSON
its settle answered with, which a replay answers again byte for byte), a pre-settlement quote."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic_core import to_json

from yidi.domain.deposit import deposit_outcome
from yidi.domain.enums import VisitType
from yidi.domain.ids import mask_id
from yidi.domain.money import ZERO, from_fen
from yidi.domain.reference import Person
from yidi.services.settlement.requests import INFNO, QuoteBasis
from yidi.store.repositories.lines import Line
from yidi.store.repositories.settlements import Settlement
from yidi.store.repositories.visits import HospitalVisit
from yidi.store.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class VisitView:
    mdtrt_id: str
    institution: str
    person_id_number: str  # masked
    person_name: str
    visit_type: VisitType
    admitted_on: dt.date
    discharged_on: dt.date | None
    emergency: bool
    status: str
    revision: int
    eligible: bool
    eligibility: dict[str, Any]
    lines: list[dict[str, Any]]
    settlements: list[dict[str, Any]]
    totals: dict[str, str]
    deposit: str = "0.00"  # 押金 paid at admission, yuan


def line_out(r: Line) -> dict[str, Any]:
    return {
        "line_id": r.line_id, "code": r.code, "name": r.name, "quantity": r.quantity,
        "unit_price": str(from_fen(r.unit_price_fen)), "det_item_fee_sumamt": str(from_fen(r.amount_fen)),
        "date": r.line_date.isoformat() if r.line_date else None, "status": r.status,
        "item_status": r.item_status, "chrgitm_lv": r.chrgitm_lv, "selfpay_prop": r.selfpay_prop,
        "fulamt_ownpay_amt": str(from_fen(r.fulamt_ownpay_fen)), "overlmt_amt": str(from_fen(r.overlmt_fen)),
        "preselfpay_amt": str(from_fen(r.preselfpay_fen)), "inscp_scp_amt": str(from_fen(r.inscp_scp_fen)),
        "reason_zh": r.reason_zh,
    }


def visit_view(uow: UnitOfWork, visit: HospitalVisit, *, with_lines: bool = True, person: Person | None = None,
               lines: Sequence[Line] | None = None, settlements: Sequence[Settlement] | None = None) -> VisitView:
    """The visit as the hospital sees it. What the caller has read already in this unit (the person, every line
    of the visit in the store's order, every settlement of it) is passed in and not read again: after a unit's
    writes, a read would also send them early (autoflush), defeating `UnitOfWork.write_at_once`."""
    person = person if person is not None else uow.persons.by_key(visit.person)
    lines = lines if lines is not None else uow.lines.of_visit(visit.visit_id)
    active = [ln for ln in lines if ln.status == "ACTIVE"]
    setls = settlements if settlements is not None else uow.settlements.of_visit(visit.visit_id)
    totals = {
        "lines": str(len(active)),
        "det_item_fee_sumamt": str(from_fen(sum(ln.amount_fen for ln in active))),
        "fulamt_ownpay_amt": str(from_fen(sum(ln.fulamt_ownpay_fen for ln in active))),
        "overlmt_amt": str(from_fen(sum(ln.overlmt_fen for ln in active))),
        "preselfpay_amt": str(from_fen(sum(ln.preselfpay_fen for ln in active))),
        "inscp_scp_amt": str(from_fen(sum(ln.inscp_scp_fen for ln in active))),
    }
    return VisitView(
        visit.mdtrt_id, visit.institution, mask_id(person.citizen_id.number), person.name, visit.visit_type,
        visit.admitted_on, visit.discharged_on, visit.emergency, visit.status, visit.revision, visit.eligible,
        visit.eligibility, [line_out(ln) for ln in lines] if with_lines else [],
        [{"setl_id": x.setl_id, "status": x.status, "settlement_date": x.settlement_date.isoformat(),
          "medfee_sumamt": str(from_fen(x.medfee_sumamt_fen)), "mid_setl": x.mid_setl, "part": x.part} for x in setls],
        totals, str(visit.deposit),
    )


@dataclass(frozen=True, slots=True)
class Change:
    """Something that differs between the pre-settlement a hospital saw and the settlement made."""

    what: str  # LINES / ACCUMULATORS / FILING / POLICY / ACCOUNT / AMOUNTS
    message_zh: str
    message_en: str

    def as_dict(self) -> dict[str, str]:
        return {"what": self.what, "message_zh": self.message_zh, "message_en": self.message_en}


@dataclass(frozen=True, slots=True)
class SettlementView:
    setl_id: str
    mdtrt_id: str
    institution: str
    status: str
    settlement_date: dt.date
    settled_at: dt.datetime
    revoked_on: dt.date | None
    revoked_at: dt.datetime | None
    infno: str
    breakdown: dict[str, Any]
    accumulators_before: dict[str, Any]
    accumulators_after: dict[str, Any]
    replayed: bool = False
    changes: tuple[Change, ...] = ()
    # settle only: the JSON this settlement was first answered with, which a replay answers again verbatim
    answer: str | None = None
    # an inpatient deposit against the cash share: deposit, owed, refund, top_up (None without a deposit)
    deposit: dict[str, str] | None = None
    mid_setl: bool = False  # 中途结算: a part settled while the person is in house
    part: int = 1  # its number among the visit's live settlements


def settlement_view(mdtrt_id: str, row: Settlement, *, replayed: bool = False,
                    changes: Sequence[Change] = (), deposit: Decimal = ZERO) -> SettlementView:
    inpatient = row.visit_type is VisitType.INPATIENT
    held = (deposit_outcome(deposit, from_fen(row.psn_cash_pay_fen), revoked=row.status == "REVOKED").as_dict()
            if inpatient and deposit else None)
    return SettlementView(row.setl_id, mdtrt_id, row.institution, row.status, row.settlement_date, row.settled_at,
                          row.revoked_on, row.revoked_at, INFNO[inpatient]["settle"], row.breakdown,
                          row.accumulators_before, row.accumulators_after, replayed, tuple(changes), deposit=held,
                          mid_setl=row.mid_setl, part=row.part)


def settlement_answer(view: SettlementView) -> str:
    """The settle answer as JSON (the fields of SettlementView but `replayed` and `answer`; dates ISO 8601,
    amounts strings). Stored with the settlement: while it stands, a retry gets exactly these bytes."""
    fields = {f: getattr(view, f) for f in view.__dataclass_fields__ if f not in ("replayed", "answer")}
    fields["changes"] = [c.as_dict() for c in view.changes]
    return to_json(fields).decode()


@dataclass(frozen=True, slots=True)
class Quote:
    """A pre-settlement: the breakdown (with its explanation) and what it rested on."""

    mdtrt_id: str
    breakdown: dict[str, Any]
    quote: QuoteBasis
    eligibility: dict[str, Any]
