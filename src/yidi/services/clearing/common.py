"""What every clearing use case shares: reading a month, who may do what, the clock, and the not-run error."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from yidi.domain.clearing import Month
from yidi.domain.error_catalogue import error
from yidi.domain.errors import YidiError
from yidi.services.access import Principal, Role, require

Step = Callable[[str], None]  # progress: told the name of each step as it starts


def month_of(text: str) -> Month:
    """The clearing month written YYYY-MM; anything else is CLEARING_MONTH_INVALID (422)."""
    try:
        return Month.parse(text)
    except ValueError:
        raise error("CLEARING_MONTH_INVALID", text=text) from None


def ended_month(text: str, today: dt.date) -> Month:
    """A month that has ended (a page refuses to clear the month still under way: CLEARING_MONTH_UNFINISHED)."""
    m = month_of(text)
    if not m.is_over(today):
        raise error("CLEARING_MONTH_UNFINISHED", month=str(m), first=m.next().start.isoformat())
    return m


def not_run(month: str) -> YidiError:
    return error("CLEARING_NOT_RUN", month=month)


def require_operator(principal: Principal, what_zh: str, what_en: str) -> None:
    # Clearing operators (national or provincial) and agency staff may run and close a month; which agency
    # staff (duty) is decided per route by yidi.http.authz. Confirmations and disputes are the agencies'.
    require(principal, Role.AGENCY, Role.CLEARING, what_zh=what_zh, what_en=what_en)


def require_agency(principal: Principal, what_zh: str, what_en: str) -> None:
    require(principal, Role.AGENCY, what_zh=what_zh, what_en=what_en)


def actor(principal: Principal) -> str:
    return f"{principal.role}:{principal.subject}"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
