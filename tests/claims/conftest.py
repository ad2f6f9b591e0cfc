"""Fixtures: SQLite and PostgreSQL databases (tests/support/db.py), and a data folder for scans per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.db import client, ctx, db, demo, packs  # noqa: F401


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("YIDI_DATA_DIR", str(folder))
    return folder
