"""Fixtures: SQLite and PostgreSQL databases (tests/support/db.py), and an HTTP client on them."""

from tests.support.db import client, ctx, db, packs  # noqa: F401
