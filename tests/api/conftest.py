"""Fixtures: SQLite and PostgreSQL databases (tests/support/db.py)."""

from tests.support.db import client, ctx, db, demo, packs  # noqa: F401
