"""Fixtures: SQLite and PostgreSQL databases (tests/support/db.py), the demo persons, an HTTP client on them."""

from tests.support.db import client, ctx, db, demo, packs  # noqa: F401
