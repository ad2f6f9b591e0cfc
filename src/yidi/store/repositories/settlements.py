"""Repository of settlements (结算): one settlement per row, every amount in fen, found by setl_id, by the
hospital's idempotency key, by visit, by day; and what the ledger posts for one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, fields
from types import SimpleNamespace
from typing import Any, Protocol, cast

from sqlalchemy import Table, bindparam, func, insert, select
from sqlalchemy.orm import Session

from yidi.domain.enums import Scheme, VisitType
from yidi.domain.filing_rules import FilingRecord
from yidi.domain.ledger import FUND_FIELDS, Posted
from yidi.domain.money import from_fen
from yidi.domain.reference import Person
from yidi.store import audit_chain, json_params, json_text, prebuilt
from yidi.store.repositories import accumulators, settle_inputs
from yidi.store.repositories.accumulators import HeldAccumulators
from yidi.store.repositories.held import hold
from yidi.store.repositories.lines import Line
from yidi.store.repositories.messages import Message, message_of
from yidi.store.repositories.visits import HospitalVisit, Visits
from yidi.store.settlement_models import HospitalMessageRow, SettlementRow


@dataclass(slots=True)
class Settlement:
    """A settlement as stored: the columns of table settlements (`id` is the store's number, None until
    added; `person_id` the store's number of the person). Amounts are fen, named `<amount field>_fen`."""

    id: int | None
    setl_id: str
    visit_id: int
    person_id: int
    institution: str
    insured_region: str
    treatment_region: str
    visit_type: VisitType
    scheme: Scheme
    year: int
    idempotency_key: str
    request_hash: str
    msgid: str | None
    status: str  # SETTLED / REVOKED
    basis: str
    filing_id: str | None
    filing_type: str | None
    pack: str
    policy_version: str
    visit_revision: int
    line_count: int
    medfee_sumamt_fen: int
    fulamt_ownpay_amt_fen: int
    overlmt_selfpay_fen: int
    preselfpay_amt_fen: int
    inscp_scp_amt_fen: int
    cross_region_selfpay_amt_fen: int
    act_pay_dedc_fen: int
    hifp_pay_fen: int
    above_cap_amt_fen: int
    above_cap_fund_amt_fen: int
    hifob_pay_fen: int
    cvlserv_pay_fen: int
    hifmi_pay_fen: int
    maf_pay_fen: int
    fund_pay_sumamt_fen: int
    psn_part_amt_fen: int
    acct_pay_fen: int
    acct_mulaid_pay_fen: int
    psn_cash_pay_fen: int
    balc_fen: int
    pool_prop_selfpay: str
    breakdown: dict[str, Any]
    accumulators_before: dict[str, Any]
    accumulators_after: dict[str, Any]
    settlement_date: dt.date
    settled_at: dt.datetime
    revoked_on: dt.date | None
    revoked_at: dt.datetime | None
    revoke_reason: str
    acc_version_after: int
    revoked_acc_version: int | None
    answer: str | None
    mulaid_payer_id: int | None = None  # the family member whose account paid acct_mulaid_pay (家庭共济)
    mid_setl: bool = False  # 中途结算: a part settled while the person is in house
    part: int = 1  # its number among the visit's live settlements


FIELDS = tuple(f.name for f in fields(Settlement))
# the record is the table: a column without its field (or the other way round) is a wiring error
if set(FIELDS) != {c.key for c in SettlementRow.__table__.c}:  # pragma: no cover
    raise RuntimeError(f"Settlement and table settlements differ: {set(FIELDS) ^ {c.key for c in SettlementRow.__table__.c}}")


def posted_of(row: Settlement | SettlementRow) -> Posted:
    """What the ledger posts for a stored settlement (amounts back from fen to yuan)."""
    return Posted(row.institution, row.insured_region, row.person_id, from_fen(row.medfee_sumamt_fen),
                  {f: from_fen(getattr(row, f"{f}_fen")) for f in FUND_FIELDS}, from_fen(row.acct_pay_fen),
                  from_fen(row.psn_cash_pay_fen), row.mulaid_payer_id, from_fen(row.acct_mulaid_pay_fen))


@dataclass(frozen=True, slots=True)
class SettleInputs:
    """What settling a visit reads once its visit and person are locked: the hospital's settlement with the
    request's idempotency key and its message with the msgid (both usually absent), the person's chronic
    diseases, the visit's active lines, the person's filings, and their other open admissions
    (institution, admitted on); the reference data's version."""

    found: Settlement | None
    message: Message | None
    diseases: list[SimpleNamespace]  # person_diseases rows: disease, valid_from, valid_until
    lines: list[Line]
    filings: list[FilingRecord]
    admissions: list[tuple[str, dt.date]]
    reference_version: int


class SettlementRepository(Protocol):
    """结算 as the settlement and ledger use cases see them."""

    def get(self, id_: int) -> Settlement: ...
    def by_setl_id(self, setl_id: str) -> Settlement | None: ...

    def reread(self, s: Settlement) -> Settlement:
        """The settlement as stored now (after a lock was taken)."""
        ...

    def by_key_and_message(self, institution: str, key: str, msgid: str) -> tuple[Settlement | None, Message | None]:
        """The hospital's settlement with this idempotency key and its message with this msgid (both usually
        absent), asked at once."""
        ...

    def inputs(self, institution: str, key: str | None, msgid: str | None, visit_id: int, person: int,
               citizen_id: str) -> SettleInputs:
        """Everything a settle reads after its locks (`SettleInputs`), asked at once. A quote has no key nor
        msgid (both None): `found` and `message` are None, not asked."""
        ...

    def lock_and_inputs(self, visit_id: int, person: int, institution: str, key: str | None,
                        msgid: str | None) -> tuple[HospitalVisit, Person, SettleInputs]:
        """`VisitRepository.lock_with_person(visit_id)`, then `inputs` of the visit and its `person` (the
        visit's, already known), in one round trip where the database allows it."""
        ...

    def quote_inputs(self, mdtrt_id: str, year: int) -> tuple[HospitalVisit, Person, HeldAccumulators, SettleInputs] | None:
        """What a quote (pre-settle) reads, in one statement and no lock: the visit (None when unknown), its person
        (chronic diseases left out, as `VisitRepository.with_person`), their accumulators of `year` (as
        `AccumulatorRepository.get`) and `inputs` without key nor msgid."""
        ...

    def of_visit(self, visit_id: int) -> list[Settlement]: ...
    def of_person(self, person: int, limit: int) -> list[Settlement]:
        """The person's settlements (standing or revoked), newest first, at most `limit`."""
        ...

    def of_day(self, institution: str, day: dt.date) -> list[Settlement]:
        """The hospital's settlements settled or revoked on `day`, in the order they were made."""
        ...

    def settled_count(self, person: int, year: int) -> int:
        """How many of the person's settlements of the year stand."""
        ...

    def all(self) -> Iterator[Settlement]:
        """Every settlement, in the order they were made (streamed)."""
        ...

    def add(self, s: Settlement) -> Settlement:
        """Store a new settlement; it gets its number (`id`)."""
        ...

    def save(self, s: Settlement) -> None: ...


# a Core INSERT of the table: none of the ORM's bulk-insert steps for one row
_TABLE = cast(Table, SettlementRow.__table__)
_INSERT = insert(_TABLE).returning(_TABLE.c.id)
_NEW_COLS = [c for c in _TABLE.columns if c.name != "id"]
# the breakdown and the stored answer (~13 and ~10 kB) as parameters of their own: inside the row's JSON the
# server parsed them twice (the document, then the column's input) and the answer went escaped
_OWN = ("breakdown", "answer")
_ROW_COLS = [c for c in _NEW_COLS if c.name not in _OWN]
_ROW = json_params.records("row", _ROW_COLS, many=False)
# the record's columns by name, and psycopg caches a statement's text only up to 4,096 characters
_INSERT_JSON = (insert(_TABLE).from_select(
    [c.name for c in _NEW_COLS],
    select(*(bindparam(c.name, type_=c.type) if c.name in _OWN else _ROW.c[c.name] for c in _NEW_COLS))
    .select_from(_ROW)).returning(_TABLE.c.id))
_JSON_ROWS: dict[Any, json_params.Plan] = {}


def _json_row(dialect: Any) -> json_params.Plan:
    got = _JSON_ROWS.get(dialect.name)
    if got is None:
        got = _JSON_ROWS[dialect.name] = json_params.plan(_ROW_COLS, dialect)
    return got


def _walked_once(s: Settlement) -> AbstractContextManager[None]:
    """The row's JSON values proved orjson-safe once for its INSERT: its parameter (json_text.dumps), its digest's
    forms (row_state.sent_forms) and the digest's text (row_state.canonical) each asked, the ~11 kB breakdown
    walked three times a settle. Nothing runs in between that changes them."""
    return json_text.proven(s.breakdown, s.accumulators_before, s.accumulators_after)


def _settlement(row: SettlementRow) -> Settlement:
    return Settlement(*(getattr(row, n) for n in FIELDS))


class Settlements:
    """The SQL settlements repository (table settlements)."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def get(self, id_: int) -> Settlement:
        row = self.s.get(SettlementRow, id_)
        assert row is not None, f"no settlement {id_}"
        hold(self.s, row)
        return _settlement(row)

    def by_setl_id(self, setl_id: str) -> Settlement | None:
        row = self.s.scalars(select(SettlementRow).where(SettlementRow.setl_id == setl_id)).one_or_none()
        hold(self.s, row)
        return None if row is None else _settlement(row)

    def reread(self, s: Settlement) -> Settlement:
        row = self.s.get(SettlementRow, s.id)
        assert row is not None
        self.s.refresh(row)
        return _settlement(row)

    def by_key_and_message(self, institution: str, key: str, msgid: str) -> tuple[Settlement | None, Message | None]:
        sid, mid = self.s.execute(select(
            select(SettlementRow.id).where(SettlementRow.institution == institution,
                                           SettlementRow.idempotency_key == key).scalar_subquery(),
            select(HospitalMessageRow.id).where(HospitalMessageRow.institution == institution,
                                                HospitalMessageRow.msgid == msgid).scalar_subquery())).one()
        found = None if sid is None else self.s.get(SettlementRow, sid, populate_existing=True)
        msg = None if mid is None else self.s.get(HospitalMessageRow, mid, populate_existing=True)
        hold(self.s, found, msg)
        return (None if found is None else _settlement(found)), (None if msg is None else message_of(msg))

    def inputs(self, institution: str, key: str | None, msgid: str | None, visit_id: int, person: int,
               citizen_id: str) -> SettleInputs:
        # one statement, sent after the locks were taken, so it reads with a snapshot that sees everything
        # committed by whoever held them (a subquery of the locking statement itself would not)
        # (on the session's connection: a Core SELECT of plain values needs none of the ORM's execution steps,
        # and nothing is pending to flush before it, as settle and pre-settle read before they change anything)
        q, params = settle_inputs.inputs_statement(self.s, institution, key, msgid, visit_id, person)
        return self.inputs_of(prebuilt.run(self.s.connection(), q, params).one(), key is not None or msgid is not None,
                              citizen_id)

    def lock_and_inputs(self, visit_id: int, person: int, institution: str, key: str | None,
                        msgid: str | None) -> tuple[HospitalVisit, Person, SettleInputs]:
        # the read sent with the lock, in one round trip: the server runs it once the lock is taken, with a
        # snapshot of its own (READ COMMITTED: per statement), as when it is sent after the lock's answer
        q, params = settle_inputs.inputs_statement(self.s, institution, key, msgid, visit_id, person)
        visit, p, got = Visits(self.s).lock_with_person_then(visit_id, q, params)
        assert visit.person == person, "the visit's person is fixed when it is registered"
        return visit, p, self.inputs_of(got.one(), key is not None or msgid is not None, p.citizen_id.number)

    def inputs_of(self, got: Any, keyed: bool, citizen_id: str) -> SettleInputs:
        """`inputs`' statement's one row as `SettleInputs` (the settlement and message found loaded)."""
        sid, mid = got[:2] if keyed else (None, None)
        diseases, lines, filings, admissions, version = got[-5:]
        found = None if sid is None else self.s.get(SettlementRow, sid, populate_existing=True)
        msg = None if mid is None else self.s.get(HospitalMessageRow, mid, populate_existing=True)
        hold(self.s, found, msg)
        return SettleInputs(None if found is None else _settlement(found), None if msg is None else message_of(msg),
                            *settle_inputs.decoded(diseases, lines, filings, admissions, version, citizen_id))

    def quote_inputs(self, mdtrt_id: str, year: int) -> tuple[HospitalVisit, Person, HeldAccumulators, SettleInputs] | None:
        # no lock to wait for: the one snapshot of one statement reads all of it (on the session's connection, as
        # `inputs`)
        got = self.s.connection().execute(settle_inputs.quote_query(self.s.get_bind().dialect.name),
                                          {"mdtrt_id": mdtrt_id, "year": year}).one_or_none()
        if got is None:
            return None
        visit, person, held = accumulators.quoted(got, year)
        diseases, lines, filings, admissions, version = got[-5:]
        return visit, person, held, SettleInputs(None, None, *settle_inputs.decoded(
            diseases, lines, filings, admissions, version, person.citizen_id.number))

    def of_visit(self, visit_id: int) -> list[Settlement]:
        q = select(SettlementRow).where(SettlementRow.visit_id == visit_id).order_by(SettlementRow.id)
        return [_settlement(r) for r in self.s.scalars(q)]

    def of_person(self, person: int, limit: int) -> list[Settlement]:
        q = select(SettlementRow).where(SettlementRow.person_id == person).order_by(SettlementRow.id.desc())
        return [_settlement(r) for r in self.s.scalars(q.limit(limit))]

    def of_day(self, institution: str, day: dt.date) -> list[Settlement]:
        q = select(SettlementRow).where(SettlementRow.institution == institution,
                                        (SettlementRow.settlement_date == day) | (SettlementRow.revoked_on == day))
        return [_settlement(r) for r in self.s.scalars(q.order_by(SettlementRow.id))]

    def settled_count(self, person: int, year: int) -> int:
        return self.s.scalar(select(func.count()).select_from(SettlementRow).where(
            SettlementRow.person_id == person, SettlementRow.year == year, SettlementRow.status == "SETTLED")) or 0

    def all(self) -> Iterator[Settlement]:
        for row in self.s.scalars(select(SettlementRow).order_by(SettlementRow.id)).yield_per(1000):
            yield _settlement(row)

    def add(self, s: Settlement) -> Settlement:
        # one INSERT … RETURNING, built once: the unit of work for a single new row cost more CPU than the
        # statement, and so did the session's execution of it. The audit trail digests the row from the values
        # sent (yidi.store.audit_bulk: only when each is stored as given; otherwise it reads the row back). On
        # PostgreSQL the row's small columns go as one JSON parameter (psycopg converts a statement of more than
        # 50 parameters anew every time, and this one would have 54), the breakdown and the answer beside it
        values = {n: getattr(s, n) for n in FIELDS if n != "id"}
        dialect = self.s.get_bind().dialect
        if dialect.name == "postgresql":
            try:
                row = json_params.row_of(_json_row(dialect), values)
            except json_params.Refused:
                pass
            else:
                if s.breakdown is not None:  # None would go as SQL NULL, where the ordinary INSERT sends JSON null
                    params = {"row": row, "breakdown": s.breakdown, "answer": s.answer}
                    with _walked_once(s):
                        s.id = audit_chain.insert_one(self.s, _INSERT_JSON, params, values)[0]
                    return s
        with _walked_once(s):
            s.id = audit_chain.insert_one(self.s, _INSERT, values, values)[0]
        return s

    def save(self, s: Settlement) -> None:
        row = self.s.get(SettlementRow, s.id)  # in the session already: no query
        assert row is not None
        for n in FIELDS[1:]:
            setattr(row, n, getattr(s, n))
