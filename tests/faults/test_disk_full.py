"""The disk full during an upload (issue 8): a scan or a fee list that cannot be written answers 507
STORAGE_FULL with both messages, leaves no half-written file under <data>/scans/ and no document row, the
claim otherwise unchanged; once space is back the same upload succeeds, and the ledger and the audit chain
verify. ENOSPC is injected by monkeypatching the low-level write (half the bytes land, then the error), on
SQLite and PostgreSQL."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.claims.helpers import API, JPEG, PNG, add_people, draft, error, me, upload
from tests.support.db import client, ctx, db  # noqa: F401
from yidi.services import ledger
from yidi.services.context import Context
from yidi.store import audit_chain
from yidi.store.db import unit_of_work

FEE_CSV = "项目编码,项目名称,数量,单价\nXA01,阿莫西林胶囊,2,50.00\n".encode()


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("YIDI_DATA_DIR", str(folder))
    return folder


class _FullDisk:
    """A file whose write stores half the bytes, then fails as a full disk does."""

    def __init__(self, fh: Any) -> None:
        self._fh = fh

    def write(self, data: bytes) -> int:
        self._fh.write(data[: len(data) // 2])
        self._fh.flush()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __enter__(self) -> _FullDisk:
        return self

    def __exit__(self, *exc: object) -> None:
        self._fh.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fh, name)


def _files(folder: Path) -> dict[str, int]:
    """Every file (hidden temp files too) under the folder, with its size."""
    return {str(p.relative_to(folder)): p.stat().st_size for p in folder.rglob("*") if p.is_file()} if folder.exists() else {}


def _claim(client: TestClient, no: str) -> dict[str, Any]:  # noqa: F811
    r = client.get(f"{API}/{no}", headers=me())
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def _verify(ctx: Context) -> None:  # noqa: F811
    rep = ledger.verify(ctx)
    assert rep.ok, rep.problems
    with unit_of_work(ctx.sessions) as s:
        chain = audit_chain.verify(s)
    assert chain.ok, chain.problems


def test_disk_full_on_scan_upload_keeps_nothing_and_retry_succeeds(
        ctx: Context, client: TestClient, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    add_people(ctx)
    no = draft(client)["claim_no"]
    assert upload(client, no, "credential", PNG, "id.png", media="image/png").status_code == 201
    scans = data_dir / "scans"
    before_files, before = _files(scans), _claim(client, no)
    assert len(before_files) == 1 and len(before["documents"]) == 1

    real_fdopen = os.fdopen
    with monkeypatch.context() as m:
        m.setattr(os, "fdopen", lambda fd, *a, **k: _FullDisk(real_fdopen(fd, *a, **k)))
        r = upload(client, no, "invoice", JPEG, "invoice.jpg", media="image/jpeg")
    e = error(r, 507, "STORAGE_FULL")
    assert e["message_zh"] == "存储空间不足，文件未保存，请稍后重试"
    assert e["message_en"] == "storage full: the file was not saved; try again later"

    after = _claim(client, no)
    assert _files(scans) == before_files  # no half-written file, no temp file left
    assert after["documents"] == before["documents"] and after["version"] == before["version"]
    assert after["history"] == before["history"] and after["missing"] == before["missing"]
    _verify(ctx)

    # space is back: the same upload succeeds and the file is whole
    r = upload(client, no, "invoice", JPEG, "invoice.jpg", media="image/jpeg")
    assert r.status_code == 201, r.text
    docs = r.json()["documents"]
    assert [d["material"] for d in docs] == ["credential", "invoice"]
    got = client.get(f"{API}/{no}/documents/{docs[1]['id']}", headers=me())
    assert got.status_code == 200 and got.content == JPEG
    assert len(_files(scans)) == 2 and not [f for f in _files(scans) if Path(f).name.startswith(".")]
    _verify(ctx)


def test_disk_full_on_fee_list_upload_changes_nothing(
        ctx: Context, client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    add_people(ctx)
    no = draft(client)["claim_no"]
    before = _claim(client, no)

    def full(self: Path, data: bytes) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with monkeypatch.context() as m:
        m.setattr(Path, "write_bytes", full)
        r = client.post(f"{API}/{no}/fee-list", files={"file": ("fees.csv", FEE_CSV, "text/csv")}, headers=me())
    error(r, 507, "STORAGE_FULL")
    after = _claim(client, no)
    assert after["line_total"] == before["line_total"] and after["version"] == before["version"]
    assert after["history"] == before["history"]

    r = client.post(f"{API}/{no}/fee-list", files={"file": ("fees.csv", FEE_CSV, "text/csv")}, headers=me())
    assert r.status_code == 200, r.text
    assert r.json()["line_total"] == "100.00"
    _verify(ctx)
