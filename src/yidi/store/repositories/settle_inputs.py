"""The one statement that reads what decides a settle's money (and a quote's, beside its visit), and its values."""

from __future__ import annotations

import datetime as dt
from dataclasses import fields
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from yidi.domain.enums import VisitType
from yidi.domain.filing_rules import FilingRecord
from yidi.store import json_rows
from yidi.store.models import FilingRow, PersonDiseaseRow, VisitRow
from yidi.store.repositories import accumulators
from yidi.store.repositories.filings import DISEASE_COLS, FILING_COLS, OPEN_VISIT_COLS, record_of
from yidi.store.repositories.lines import Line
from yidi.store.repositories.reference import reference_version
from yidi.store.settlement_models import FeeLineRow, HospitalMessageRow, SettlementRow

_LINE_FIELDS = tuple(f.name for f in fields(Line))
_LINE_COLS = [FeeLineRow.__table__.c[n] for n in _LINE_FIELDS]
_VC = VisitRow.__table__.c
_DC = PersonDiseaseRow.__table__.c
_INPUTS: dict[tuple[str, bool], Select[Any]] = {}
_QUOTE: dict[str, Select[Any]] = {}


def inputs_query(dialect: str, keyed: bool) -> Select[Any]:
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


def inputs_statement(s: Session, institution: str, key: str | None, msgid: str | None, visit_id: int,
                     person: int) -> tuple[Select[Any], dict[str, Any]]:
    """`Settlements.inputs`' statement and its parameters."""
    keyed = key is not None or msgid is not None
    params: dict[str, Any] = {"visit_id": visit_id, "person": person}
    if keyed:
        params.update(institution=institution, key=key, msgid=msgid)
    return inputs_query(s.get_bind().dialect.name, keyed), params


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


def quote_query(dialect: str) -> Select[Any]:
    """`Settlements.quote_inputs`' one statement, built once per database kind: the quoted visit, its person and
    accumulators (yidi.store.repositories.accumulators) and, beside them, its inputs."""
    q = _QUOTE.get(dialect)
    if q is None:
        v = accumulators.QUOTE_VISIT.c
        q = _QUOTE[dialect] = (select(*accumulators.QUOTE_COLUMNS, *_input_columns(dialect, v.id, v.person_id))
                               .select_from(accumulators.QUOTE_FROM).where(accumulators.QUOTE_WHERE))
    return q


def decoded(diseases: Any, lines: Any, filings: Any, admissions: Any, version: Any, citizen_id: str
            ) -> tuple[list[SimpleNamespace], list[Line], list[FilingRecord], list[tuple[str, dt.date]], int]:
    """The values `_input_columns` read, as `SettleInputs` holds them (after `found` and `message`)."""
    return ([SimpleNamespace(**r) for r in json_rows.rows_of(DISEASE_COLS, diseases, "disease")],
            [Line(*r) for r in json_rows.values_of_rows(_LINE_COLS, lines, "id")],  # its fields in column order
            [record_of(SimpleNamespace(**r), citizen_id)
             for r in json_rows.rows_of(FILING_COLS, filings, "created_on", "filing_id")],
            [(r["institution"], r["admitted_on"]) for r in json_rows.rows_of(OPEN_VISIT_COLS, admissions, "id")],
            int(version or 0))
