"""Backup and restore on SQLite (online backup API) and PostgreSQL (pg_dump / pg_restore), verified after."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, func, select

from yidi.demo.dataset import DemoPerson
from yidi.services import backup, hospital_keys, ledger
from yidi.services.context import Context
from yidi.store import audit_chain
from yidi.store.db import unit_of_work
from yidi.store.models import PersonRow
from yidi.store.settlement_models import AuditRow


def persons(ctx: Context) -> int:
    with unit_of_work(ctx.sessions) as s:
        return int(s.scalar(select(func.count()).select_from(PersonRow)) or 0)


def test_backup_restore_verifies(ctx: Context, db: tuple[str, Engine], demo: dict[str, DemoPerson],
                                 tmp_path: Path) -> None:
    url, engine = db
    if url.startswith("postgresql") and backup.shutil.which("pg_dump") is None:
        pytest.skip("pg_dump not installed")
    hospital_keys.create_key(ctx, "H44010000001")
    n = persons(ctx)
    res = backup.backup(url, tmp_path / "b.bak")
    assert res.bytes > 0
    # damage after the backup: data lost and the audit trail cut
    with engine.begin() as conn:
        conn.execute(delete(AuditRow))
    with unit_of_work(ctx.sessions) as s:
        assert not audit_chain.verify(s).ok
    engine.dispose()  # the restore replaces tables under any pooled connection
    assert backup.restore(url, tmp_path / "b.bak") in ("sqlite", "postgresql")
    engine.dispose()
    assert persons(ctx) == n
    assert ledger.verify(ctx).ok
    with unit_of_work(ctx.sessions) as s:
        rep = audit_chain.verify(s)
    assert rep.ok and rep.records > 0, rep.problems


def test_restore_refuses_other_files(db: tuple[str, Engine], tmp_path: Path) -> None:
    url, _ = db
    bad = tmp_path / "not-a-backup.bin"
    bad.write_bytes(b"hello")
    with pytest.raises(backup.YidiError) as e:
        backup.restore(url, bad)
    assert e.value.code in ("BACKUP_INVALID", "RESTORE_FAILED")
    with pytest.raises(backup.YidiError) as e:
        backup.restore(url, tmp_path / "missing")
    assert e.value.code == "BACKUP_NOT_FOUND"
