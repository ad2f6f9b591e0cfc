"""Run a use case again when it lost a race the database detected: here, in the store, because only the
store knows which of its errors mean "a concurrent transaction won" (a unique key taken, a deadlock, a
serialisation failure) rather than a defect; services wrap a whole unit of work in it, and the rerun then
sees the winner's rows (a settlement replayed, a message found)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError

T = TypeVar("T")

# PostgreSQL's serialization_failure and deadlock_detected: the transaction may simply run again
RETRYABLE_SQLSTATES = ("40001", "40P01")


def retrying(fn: Callable[[], T], attempts: int = 4) -> T:
    """fn(), run again (up to `attempts` times in all) after a lost race; any other error goes through."""
    for i in range(attempts):
        try:
            return fn()
        except IntegrityError:
            if i == attempts - 1:
                raise
        except DBAPIError as exc:
            code = getattr(getattr(exc, "orig", None), "sqlstate", None)
            if code not in RETRYABLE_SQLSTATES or i == attempts - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover
