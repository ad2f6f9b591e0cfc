"""New rows digested from the values sent (issue 15, yidi.store.row_state.sent_forms): the settlement's INSERT
and the settle's one statement no longer read every column back; the digest the audit trail keeps must be the
digest of the row as `yidi audit verify` reads it, and a value the database might store otherwise than given
must still be read back."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from enum import StrEnum
from typing import Any

import pytest
from sqlalchemy import Engine, Table, event, insert, select

from tests.settlement.helpers import GZ1, visits_with_lines
from tests.support.rows import assert_trail_holds
from yidi.domain.enums import Scheme, VisitType
from yidi.services import settlement as svc
from yidi.services.access import Principal, Role
from yidi.services.context import Context
from yidi.store import audit_chain, row_state
from yidi.store.auth_models import AuditRowLogRow
from yidi.store.db import unit_of_work
from yidi.store.models import PersonRow
from yidi.store.repositories.settlements import FIELDS, Settlements
from yidi.store.settlement_models import HospitalMessageRow, LedgerEntryRow, SettlementRow

AT = dt.datetime(2026, 3, 1, 8, 30, tzinfo=dt.UTC)
TABLES: list[Table] = [SettlementRow.__table__, LedgerEntryRow.__table__, HospitalMessageRow.__table__]  # type: ignore[list-item]


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The text of every statement sent while the block runs."""
    seen: list[str] = []

    def note(_conn: object, _cursor: object, stmt: str, *_a: object) -> None:
        seen.append(" ".join(stmt.split()))
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def stored_and_logged(ctx: Context, table: Table, keys: list[Any]) -> list[tuple[str, str, str]]:
    """(key, digest of the row as read back the way `yidi audit verify` reads it, the row log's last after)."""
    pk = next(iter(table.primary_key.columns))
    out = []
    with unit_of_work(ctx.sessions) as s:
        dialect = s.get_bind().dialect
        for row in s.execute(select(*row_state.read_columns(table)).where(pk.in_(keys))):
            key, digest = row_state.stored_state(table, row, dialect)
            logged = s.scalars(select(AuditRowLogRow.after).where(
                AuditRowLogRow.table_name == table.name, AuditRowLogRow.row_key == key)
                .order_by(AuditRowLogRow.seq.desc()).limit(1)).one()
            out.append((key, digest, logged))
    return out


def test_a_settles_new_rows_are_digested_from_what_was_sent_as_they_read_back(ctx: Context) -> None:
    (mid,) = visits_with_lines(ctx, 1, 481)
    with statements(ctx.engine) as seen:
        out = svc.settle(ctx, Principal(Role.HOSPITAL, GZ1), mid, svc.SettleIn(idempotency_key="SENT-KEY-1"))
    assert out.status == "SETTLED"
    insert_sql = [q for q in seen if q.startswith("INSERT INTO settlements")]
    assert len(insert_sql) == 1 and insert_sql[0].endswith(("RETURNING id", "RETURNING settlements.id")), insert_sql
    if ctx.engine.dialect.name == "postgresql":  # the settle's one statement returns only what the database fills in
        (one,) = [q for q in seen if q.startswith("WITH") and "INSERT INTO ledger_entries" in q]
        assert "RETURNING json_build_object(CAST('id' AS TEXT), ledger_entries.id) AS r" in one  # the settle sets `at`
    with unit_of_work(ctx.sessions) as s:
        sid = s.scalars(select(SettlementRow.id).where(SettlementRow.idempotency_key == "SENT-KEY-1")).one()
        setl = Settlements(s).get(sid)
        legs = list(s.scalars(select(LedgerEntryRow.id).where(LedgerEntryRow.settlement_id == sid)))
        msgs = list(s.scalars(select(HospitalMessageRow.id).where(HospitalMessageRow.settlement_id == sid)))
        dialect = s.get_bind().dialect
    assert legs and msgs
    # table by table: the digest kept is the digest of the row as read back (ints, strings, enums, a date,
    # datetimes with a zone, NULLs, the JSON breakdown and accumulators)
    for table, keys in zip(TABLES, ([sid], legs, msgs), strict=True):
        got = stored_and_logged(ctx, table, keys)
        assert len(got) == len(keys)
        for key, stored, logged in got:
            assert stored == logged, (table.name, key)
    # and the settlement's digest is the one its values give, id included, with no read-back
    forms = row_state.sent_forms(TABLES[0], {n: getattr(setl, n) for n in FIELDS}, dialect)
    assert forms is not None
    assert row_state.forms_state(TABLES[0], forms) == stored_and_logged(ctx, TABLES[0], [sid])[0][:2]
    assert_trail_holds(ctx)


class Colour(StrEnum):
    RED = "red"


@pytest.mark.parametrize(("column", "value", "exact"), [
    ("infno", "2207", True),
    ("infno", "2207" + " " * 6, False),  # longer than VARCHAR(8): PostgreSQL cuts the trailing spaces off
    ("at", AT, True),
    ("at", "2026-03-01 08:30:00+00", False),  # text for a time: stored as the time, not as this text
    ("at", dt.date(2026, 3, 1), False),  # a date for a time: stored as midnight
    ("settlement_id", 7, True),
    ("settlement_id", 7.0, False),
    ("settlement_id", True, False),
    ("settlement_id", None, True),
])
def test_which_values_are_stored_as_given(ctx: Context, column: str, value: Any, exact: bool) -> None:
    table = HospitalMessageRow.__table__
    forms = row_state.sent_forms(table, {column: value}, ctx.engine.dialect)  # type: ignore[arg-type]
    assert (forms is not None) is exact


def test_enums_json_and_dates_by_what_the_column_holds(ctx: Context) -> None:
    d = ctx.engine.dialect
    persons, settlements = PersonRow.__table__, SettlementRow.__table__
    assert row_state.sent_forms(persons, {"scheme": Scheme.EMPLOYEE}, d) == {"scheme": Scheme.EMPLOYEE.value}
    assert row_state.sent_forms(persons, {"scheme": Scheme.EMPLOYEE.value}, d) is not None
    assert row_state.sent_forms(persons, {"scheme": "EMPLOYEE_BY_NAME?"}, d) is None  # not one of its values
    assert row_state.sent_forms(persons, {"scheme": Colour.RED}, d) is None  # another enum
    assert row_state.sent_forms(persons, {"status_since": dt.date(2026, 3, 1)}, d) == {"status_since": "2026-03-01"}
    assert row_state.sent_forms(persons, {"status_since": dt.datetime(2026, 3, 1)}, d) is None
    assert row_state.sent_forms(settlements, {"breakdown": {"a": [1, 2.5, None]}}, d) == {"breakdown": {"a": [1, 2.5, None]}}
    assert row_state.sent_forms(settlements, {"breakdown": {"a": Decimal("1.50")}}, d) is None  # json.dumps refuses
    assert row_state.sent_forms(settlements, {"no_such_column": 1}, d) is None


def test_a_value_stored_otherwise_than_given_is_read_back(ctx: Context) -> None:
    # infno is VARCHAR(8): on PostgreSQL "2207" and six spaces is stored as "2207" and four (the excess spaces
    # are cut without an error), on SQLite as given; either way the digest kept is the stored row's
    values = {"institution": GZ1, "msgid": "SENT-SPACES", "infno": "2207" + " " * 6, "outcome": "DONE",
              "request_hash": "", "at": AT, "settlement_id": None, "visit_id": None, "reversed_at": None}
    with unit_of_work(ctx.sessions) as s:
        (mid,) = audit_chain.insert_one(s, insert(HospitalMessageRow).returning(HospitalMessageRow.id), values, values)
    with unit_of_work(ctx.sessions) as s:
        infno = s.scalars(select(HospitalMessageRow.infno).where(HospitalMessageRow.id == mid)).one()
    assert infno == ("2207    " if ctx.engine.dialect.name == "postgresql" else "2207      ")
    ((_key, stored, logged),) = stored_and_logged(ctx, HospitalMessageRow.__table__, [mid])  # type: ignore[arg-type]
    assert stored == logged
    assert_trail_holds(ctx)


def test_python_state_is_python_form_column_by_column(ctx: Context) -> None:
    """The per-table shortcut of python_state gives python_form's form for every kind of value."""
    d = ctx.engine.dialect
    table: Table = SettlementRow.__table__  # type: ignore[assignment]
    naive = dt.datetime(2026, 3, 1, 16, 30, 0, 5)
    cases: list[dict[str, Any]] = [
        {"id": 1, "visit_type": VisitType.OUTPATIENT, "scheme": "EMPLOYEE", "settled_at": AT, "revoked_at": naive,
         "settlement_date": dt.date(2026, 3, 1), "revoked_on": None, "mid_setl": True, "breakdown": {"b": [1]},
         "year": True, "line_count": 3.0, "pool_prop_selfpay": 5},
        {"id": "1", "settled_at": "2026-03-01", "mid_setl": 0, "settlement_date": naive},
    ]
    for values in cases:
        want = {c.name: row_state.python_form(c, values.get(c.name), d) for c in table.columns}
        assert row_state.python_state(table, values, d) == (row_state.key_of(table, want),
                                                           row_state.digest_forms(table, want))


@pytest.mark.parametrize("value", [
    {"a": [1, 2.5, None, True, "甲"], "b": {"c": -0.0}},  # plain: taken as it is
    {"n": float("nan")},
    {2: "x", 10: "y"},  # int keys: "10" sorts before "2" once stored, 2 before 10 as ints
    {"t": (1, 2)},  # a tuple: a list once stored
    {"e": Colour.RED, Colour.RED: 1},  # an enum: its value once stored
    [{"k": [True, 1]}],
])
def test_a_json_value_has_the_form_json_reads_back(ctx: Context, value: Any) -> None:
    col = SettlementRow.__table__.c.breakdown
    want = json.loads(json.dumps(value))
    got = row_state.python_form(col, value, ctx.engine.dialect)
    assert row_state.canonical(got) == row_state.canonical(want)


@pytest.mark.parametrize("key", [7, 10**20, -3, True, 2.5, None, "7"])
def test_a_one_column_key_reads_as_before(key: Any) -> None:
    # the row log's keys of rows already logged must not change: an int is its JSON text ("7"), a string itself
    table: Table = HospitalMessageRow.__table__  # type: ignore[assignment]
    want = key if isinstance(key, str) else json.dumps(key)
    assert row_state.key_of(table, {"id": key}) == want
