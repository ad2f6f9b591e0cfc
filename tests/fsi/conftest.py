"""Fixtures: SQLite and PostgreSQL databases with the demo persons (tests/support/db.py)."""

from tests.support.db import client, ctx, db, demo, packs  # noqa: F401
from yidi.store import settlement_models  # noqa: F401 - the wipe between tests must know these tables
