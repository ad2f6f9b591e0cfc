"""Fixtures: SQLite and PostgreSQL databases (tests/support/db.py), with the settlement tables registered."""

from tests.support.db import client, ctx, db, packs  # noqa: F401
from yidi.store import settlement_models  # noqa: F401 - the wipe between tests must know these tables
