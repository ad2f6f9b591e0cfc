"""Repository of settlements (结算): one settlement per row, every amount in fen, found by setl_id, by the
hospital's idempotency key, by visit, by day; and what the ledger posts for one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, fields
from types import SimpleNamespace
from typing import Any, Protocol, cast

from sqlalchemy import Select, Table, bindparam, func, insert, select
from sqlalchemy.orm import Session

from yidi.domain.enums import Scheme, VisitType
from yidi.domain.filing_rules import FilingRecord
from yidi.domain.ledger import FUND_FIELDS, Posted
from yidi.domain.money import from_fen
from yidi.domain.reference import Person
from yidi.store import audit_chain, json_params, json_rows, json_text, prebuilt
from yidi.store.models import FilingRow, PersonDiseaseRow, VisitRow
from yidi.store.repositories import accumulators
from yidi.store.repositories.accumulators import HeldAccumulators
from yidi.store.repositories.filings import DISEASE_COLS, FILING_COLS, OPEN_VISIT_COLS, record_of
from yidi.store.repositories.held import hold
from yidi.store.repositories.lines import Line
from yidi.store.repositories.messages import Message, message_of
from yidi.store.repositories.reference import reference_version
from yidi.store.repositories.visits import HospitalVisit
from yidi.store.settlement_models import FeeLineRow, HospitalMessageRow, SettlementRow


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


_LINE_FIELDS = tuple(f.name for f in fields(Line))
_LINE_COLS = [FeeLineRow.__table__.c[n] for n in _LINE_FIELDS]
# what a FilingRecord holds (filings.record_of): not whose it is, who reviewed it nor when it last changed
_VC = VisitRow.__table__.c
_DC = PersonDiseaseRow.__table__.c
_INPUTS: dict[tuple[str, bool], Select[Any]] = {}
_QUOTE: dict[str, Select[Any]] = {}
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


def _inputs_query(dialect: str, keyed: bool) -> Select[Any]:
    """`Settlements.inputs`' statement, built once per database kind and whether the idempotency key and msgid
    are asked (not for a quote: two index look-ups fewer): its values are parameters, so SQLAlchemy neither
    builds it nor works out its cache key again for every settle."""
    q = _INPUTS.get((dialect, keyed))
    if q is not None:
        return q
    institution: Any = bindparam("institution")
    st, mt = SettlementRow.__table__.c, HospitalMessageRow.__table__.c
    asked = [select(st.id).where(st.institution == institution, st.idempotency_key == bindparam("key")).scalar_subquery(),
             select(mt.id).where(mt.institution == institution, mt.msgid == bindparam("msgid")).scalar_subquery()]
    q = _INPUTS[(dialect, keyed)] = select(*(asked if keyed else []),
                                           *_input_columns(dialect, bindparam("visit_id"), bindparam("person")))
    return q


def _input_columns(dialect: str, visit_id: Any, person: Any) -> list[Any]:
    """The diseases, active lines, filings, other open admissions (as JSON value arrays) and the reference
    version, of `visit_id` and `person` (parameters, or the columns of a statement around them)."""
    lt = FeeLineRow.__table__.c
    return [
        json_rows.array_of(dialect, DISEASE_COLS, _DC.person_id == person, keyed=False),
        json_rows.array_of(dialect, _LINE_COLS, (lt.visit_id == visit_id) & (lt.status == "ACTIVE"), keyed=False),
        json_rows.array_of(dialect, FILING_COLS, FilingRow.__table__.c.person_id == person, keyed=False),
        json_rows.array_of(dialect, OPEN_VISIT_COLS, (_VC.person_id == person) & (_VC.status == "OPEN")
                           & (_VC.visit_type == VisitType.INPATIENT) & (_VC.id != visit_id), keyed=False),
        reference_version()]


def _quote_query(dialect: str) -> Select[Any]:
    """`Settlements.quote_inputs`' one statement, built once per database kind: the quoted visit, its person and
    accumulators (yidi.store.repositories.accumulators) and, beside them, its inputs."""
    q = _QUOTE.get(dialect)
    if q is None:
        v = accumulators.QUOTE_VISIT.c
        q = _QUOTE[dialect] = (select(*accumulators.QUOTE_COLUMNS, *_input_columns(dialect, v.id, v.person_id))
                               .select_from(accumulators.QUOTE_FROM).where(accumulators.QUOTE_WHERE))
    return q


def _decoded(found: Settlement | None, msg: Message | None, diseases: Any, lines: Any, filings: Any, admissions: Any,
             version: Any, citizen_id: str) -> SettleInputs:
    """`SettleInputs` of the values `_input_columns` read."""
    return SettleInputs(
        found, msg,
        [SimpleNamespace(**r) for r in json_rows.rows_of(DISEASE_COLS, diseases, "disease")],
        [Line(*r) for r in json_rows.values_of_rows(_LINE_COLS, lines, "id")],  # its fields in column order
        [record_of(SimpleNamespace(**r), citizen_id)
         for r in json_rows.rows_of(FILING_COLS, filings, "created_on", "filing_id")],
        [(r["institution"], r["admitted_on"]) for r in json_rows.rows_of(OPEN_VISIT_COLS, admissions, "id")],
        int(version or 0))


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
        keyed = key is not None or msgid is not None
        q = _inputs_query(self.s.get_bind().dialect.name, keyed)
        params: dict[str, Any] = {"visit_id": visit_id, "person": person}
        if keyed:
            params.update(institution=institution, key=key, msgid=msgid)
        got = prebuilt.run(self.s.connection(), q, params).one()
        sid, mid = got[:2] if keyed else (None, None)
        diseases, lines, filings, admissions, version = got[-5:]
        found = None if sid is None else self.s.get(SettlementRow, sid, populate_existing=True)
        msg = None if mid is None else self.s.get(HospitalMessageRow, mid, populate_existing=True)
        hold(self.s, found, msg)
        return _decoded(None if found is None else _settlement(found), None if msg is None else message_of(msg),
                        diseases, lines, filings, admissions, version, citizen_id)

    def quote_inputs(self, mdtrt_id: str, year: int) -> tuple[HospitalVisit, Person, HeldAccumulators, SettleInputs] | None:
        # no lock to wait for: the one snapshot of one statement reads all of it (on the session's connection, as
        # `inputs`)
        got = self.s.connection().execute(_quote_query(self.s.get_bind().dialect.name),
                                          {"mdtrt_id": mdtrt_id, "year": year}).one_or_none()
        if got is None:
            return None
        visit, person, held = accumulators.quoted(got, year)
        diseases, lines, filings, admissions, version = got[-5:]
        return visit, person, held, _decoded(None, None, diseases, lines, filings, admissions, version,
                                             person.citizen_id.number)

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
