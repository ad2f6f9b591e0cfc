"""Edits made outside yidi are seen (issue 13, item 9): `yidi audit verify` compares every audited row with
the state the audit trail says yidi last wrote, and reports rows changed, added or deleted behind its back.

On SQLite and PostgreSQL (the `ctx` fixture runs both). Normal use reporting nothing is also checked after
every test that uses `ctx` (tests/support/db.py); here the edits are made by hand, as an intruder with
database access would, through raw SQL on a connection of its own.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, func, insert, select, text, update
from typer.testing import CliRunner

from tests.support.db import as_
from tests.support.rows import trail
from yidi.cli import app
from yidi.demo.dataset import DemoPerson
from yidi.services import accounts
from yidi.services.context import Context
from yidi.store import migrate, row_baseline, row_state
from yidi.store.auth_models import AuditRowLogRow
from yidi.store.db import unit_of_work
from yidi.store.models import FilingRow, PersonDiseaseRow, PersonRow
from yidi.store.settlement_models import AuditRow

pytestmark = pytest.mark.edits_outside_yidi


def by_hand(ctx: Context, *statements: Any) -> None:
    """Statements on a plain connection: no session, no audit trail — behind yidi's back."""
    with ctx.engine.begin() as conn:
        for stmt in statements:
            conn.execute(stmt)


def problems(ctx: Context) -> list[tuple[str, str, str]]:
    chain, rows = trail(ctx)
    assert chain.ok, chain.problems  # the chain itself was not touched: only the data
    assert not rows.log_problems, rows.log_problems
    return sorted((p.table, p.key, p.kind) for p in rows.problems)


def last_write(ctx: Context, table: str, key: str) -> int:
    with unit_of_work(ctx.sessions) as s:
        return int(s.scalar(select(func.max(AuditRowLogRow.seq)).where(AuditRowLogRow.table_name == table,
                                                                        AuditRowLogRow.row_key == key)) or 0)


def set_area(fid: str, area: str) -> Any:
    return text("UPDATE filings SET treatment_area = :a WHERE filing_id = :f").bindparams(a=area, f=fid)


def beijing_filing(ctx: Context, demo: dict[str, DemoPerson]) -> str:
    with unit_of_work(ctx.sessions) as s:
        pid = s.scalar(select(PersonRow.id).where(PersonRow.citizen_id == demo["long_term_resident"].id_number))
        return str(s.scalar(select(FilingRow.filing_id).where(FilingRow.person_id == pid,
                                                              FilingRow.treatment_area == "110100")))


def test_normal_use_reports_nothing(ctx: Context, demo: dict[str, DemoPerson], client: TestClient) -> None:
    p = demo["post_hoc"]
    r = client.post("/api/v1/filings", headers=as_("person", p.id_number),
                    json={"type": "OTHER_TEMPORARY", "treatment_area": "440100", "start": "2026-03-10",
                          "end": "2026-06-01", "commitment": True, "consent": True})
    assert r.status_code in (201, 422), r.text
    accounts.create_user(ctx, "li.reviewer", "a-long-password-1", accounts.AccountRole.AGENCY, "369900",
                         duties=["reviewer"])
    accounts.set_password(ctx, "li.reviewer", "another-password-2")  # a bulk UPDATE of the sessions table
    accounts.set_active(ctx, "li.reviewer", False)
    chain, rows = trail(ctx)
    assert chain.ok and rows.ok, (chain.problems, rows.log_problems, rows.problems[:5])
    assert rows.rows > 100 and rows.lines >= rows.rows  # every row the demo wrote is in the log


def test_treatment_area_changed_by_hand_is_reported(ctx: Context, demo: dict[str, DemoPerson]) -> None:
    fid = beijing_filing(ctx, demo)
    written = last_write(ctx, "filings", fid)
    assert problems(ctx) == []
    by_hand(ctx, set_area(fid, "310100"))  # 北京 → 上海
    _chain, rows = trail(ctx)
    assert [(p.table, p.key, p.kind, p.seq) for p in rows.problems] == [("filings", fid, "changed", written)]
    assert dict(rows.counts) == {"changed": 1}
    by_hand(ctx, set_area(fid, "110100"))
    assert problems(ctx) == []  # put back exactly as it was: nothing to report


def test_row_added_by_hand_is_reported(ctx: Context, demo: dict[str, DemoPerson]) -> None:
    by_hand(ctx, insert(PersonRow).values(citizen_id="110105198705211520", name="冒名", insured_region="110100",
                                          scheme="RESIDENT", category="ACTIVE", status="ACTIVE",
                                          account_balance_fen=0))
    with unit_of_work(ctx.sessions) as s:
        pid = s.scalar(select(PersonRow.id).where(PersonRow.citizen_id == "110105198705211520"))
    assert problems(ctx) == [("persons", str(pid), "added")]


def test_row_deleted_by_hand_is_reported(ctx: Context, demo: dict[str, DemoPerson]) -> None:
    with unit_of_work(ctx.sessions) as s:
        pid = s.scalar(select(PersonRow.id).where(PersonRow.citizen_id == demo["dibao"].id_number))
    by_hand(ctx, delete(PersonDiseaseRow).where(PersonDiseaseRow.person_id == pid))  # 糖尿病 certification gone
    assert problems(ctx) == [("person_diseases", f'[{pid},"M01600"]', "deleted")]


def test_a_value_no_reader_can_parse_is_reported_not_fatal(ctx: Context, demo: dict[str, DemoPerson]) -> None:
    fid = beijing_filing(ctx, demo)
    by_hand(ctx, text("UPDATE filings SET status = 'NO_SUCH_STATUS' WHERE filing_id = :f").bindparams(f=fid))
    assert problems(ctx) == [("filings", fid, "changed")]


def test_an_edit_carried_on_by_a_later_write_is_reported(ctx: Context, demo: dict[str, DemoPerson]) -> None:
    accounts.create_user(ctx, "li.reviewer", "a-long-password-1", accounts.AccountRole.AGENCY, "369900",
                         duties=["reviewer"])
    by_hand(ctx, text("UPDATE auth_users SET duties = 'reviewer,payer,administrator' WHERE username = 'li.reviewer'"))
    accounts.set_active(ctx, "li.reviewer", False)  # yidi writes the row again: the edited duties go with it
    with unit_of_work(ctx.sessions) as s:
        uid = s.scalar(text("SELECT id FROM auth_users WHERE username = 'li.reviewer'"))
    _chain, rows = trail(ctx)
    assert [(p.table, p.key, p.kind) for p in rows.problems] == [("auth_users", str(uid), "overwritten")]
    assert rows.problems[0].seq == last_write(ctx, "auth_users", str(uid))  # the write that found it edited


def test_row_log_edits_are_reported(ctx: Context, demo: dict[str, DemoPerson]) -> None:
    fid = beijing_filing(ctx, demo)
    seq = last_write(ctx, "filings", fid)
    by_hand(ctx, set_area(fid, "310100"))
    # covering the tracks: the log line made to say the edited state
    with unit_of_work(ctx.sessions) as s:
        row = s.execute(select(*row_state.read_columns(FilingRow.__table__))  # type: ignore[arg-type]
                        .where(FilingRow.filing_id == fid)).one()
        _key, now = row_state.stored_state(FilingRow.__table__, row, s.get_bind().dialect)  # type: ignore[arg-type]
    L = AuditRowLogRow
    by_hand(ctx, update(L).where(L.seq == seq, L.table_name == "filings", L.row_key == fid).values(after=now))
    _chain, rows = trail(ctx)
    assert rows.log_problems == [f"seq {seq}: its row log lines do not match the record's digests (edited?)"]
    by_hand(ctx, delete(L).where(L.seq == seq))
    _chain, rows = trail(ctx)
    assert rows.log_problems == [f"seq {seq}: its row log lines are missing (deleted?)"]


def test_cli_exit_code_and_json(ctx: Context, demo: dict[str, DemoPerson], db: tuple[str, Engine],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YIDI_DATABASE_URL", db[0])
    monkeypatch.setenv("YIDI_SECRET_KEY", "a-test-secret-of-enough-length")
    ok = CliRunner().invoke(app, ["audit", "verify", "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["rows"]["ok"] is True
    fid = beijing_filing(ctx, demo)
    by_hand(ctx, set_area(fid, "310100"))
    bad = CliRunner().invoke(app, ["audit", "verify", "--json"])
    assert bad.exit_code == 1, bad.output
    out = json.loads(bad.stdout)
    assert out["ok"] is False and out["problems"] == []  # the chain holds; the data does not
    assert [(p["table"], p["key"], p["kind"]) for p in out["rows"]["problems"]] == [("filings", fid, "changed")]
    assert out["rows"]["problems"][0]["message_en"] == "changed outside yidi"
    human = CliRunner().invoke(app, ["audit", "verify"])
    assert human.exit_code == 1 and f"filings {fid}" in human.output and "在 yidi 之外被修改" in human.output
    assert CliRunner().invoke(app, ["audit", "verify", "--no-rows"]).exit_code == 0  # the chain alone holds


def test_upgrade_adopts_existing_rows_then_sees_edits(ctx: Context, demo: dict[str, DemoPerson]) -> None:
    # a database from before the row log: data and a chain, no log
    migrate.downgrade(ctx.engine, "0006_settle_answer")
    migrate.upgrade(ctx.engine)
    with unit_of_work(ctx.sessions) as s:
        start = s.scalars(select(AuditRow).where(AuditRow.action == row_state.LOG_START)).one()
        persons = s.scalar(select(func.count()).select_from(PersonRow))
    assert start.detail["rows"]["persons"] == persons and start.seq > 1
    assert problems(ctx) == []
    fid = beijing_filing(ctx, demo)
    by_hand(ctx, set_area(fid, "310100"))
    assert problems(ctx) == [("filings", fid, "changed")]


def test_upgrade_that_reshapes_a_table_adopts_its_rows(ctx: Context, demo: dict[str, DemoPerson]) -> None:
    # as if the upgrade had added a column to `persons`: its rows are adopted again, the others are not
    with ctx.engine.begin() as conn:
        before = row_baseline.table_columns(conn)
        before["persons"] = before["persons"] - {"assistance_group"}
        n = row_baseline.after_upgrade(conn, before, "0007_row_log", "0008_example")
    with unit_of_work(ctx.sessions) as s:
        rec = s.scalars(select(AuditRow).where(AuditRow.action == row_state.BASELINE)).one()
        persons = s.scalar(select(func.count()).select_from(PersonRow))
    assert n == persons and rec.detail["rows"] == {"persons": persons}
    assert problems(ctx) == []
