"""Fixtures: SQLite and PostgreSQL databases (tests/support/db.py), agencies as principals."""

from tests.support.db import ctx, db, packs  # noqa: F401
