"""Failed logins are counted in the database: two worker processes (two engines on one database) count the
same attempts, so spreading guesses over workers gains nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tests.support.db import TODAY
from tests.support.packs import sample_packs
from yidi.domain.errors import YidiError
from yidi.services import accounts
from yidi.services.context import Context
from yidi.store.db import make_engine, session_factory


def test_failures_counted_by_one_worker_stop_the_other(db: tuple[str, Engine], ctx: Context) -> None:
    url, _engine = db
    other = make_engine(url)  # a second worker process has its own engine and pool
    try:
        worker2 = Context(other, session_factory(other), sample_packs(), lambda: TODAY)
        for _ in range(accounts.MAX_FAILURES - 1):  # 4 failures on worker 1 ...
            accounts.record_failure(ctx, "u:someone", "10.0.0.1")
        accounts.check_rate(worker2, "u:someone", "10.0.0.1")  # ... still allowed on worker 2
        accounts.record_failure(worker2, "u:someone", "10.0.0.2")  # the 5th, on worker 2
        for c in (ctx, worker2):  # now refused on both, whichever address
            with pytest.raises(YidiError) as refused:
                accounts.check_rate(c, "u:someone", "10.0.0.3")
            assert refused.value.code == "LOGIN_RATE_LIMITED"
            assert 0 < refused.value.retry_after <= accounts.WINDOW_SECONDS + 1
        accounts.check_rate(ctx, "u:someone-else", "10.0.0.3")  # another account is not limited
    finally:
        other.dispose()
