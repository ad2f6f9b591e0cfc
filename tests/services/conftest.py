"""Fixtures: SQLite and PostgreSQL databases (tests/support/db.py), and the in-memory store (tests/support/memory.py)."""

from tests.support.db import client, ctx, db, demo, packs  # noqa: F401
from tests.support.memory import world  # noqa: F401
