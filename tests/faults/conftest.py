"""Fixtures: the sample packs (tests/support/db.py); the fault tests make their own PostgreSQL schemas."""

from tests.support.db import packs  # noqa: F401
from yidi.store import claim_models, settlement_models  # noqa: F401 - tables the tests read
