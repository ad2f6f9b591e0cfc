"""Filing dates: validity in months, and whether two periods overlap."""

from __future__ import annotations

import calendar
import datetime as dt

# D2022 (as widely reported, docs/rules.md ): a temporary filing is valid for not less than 6 months.
MIN_TEMPORARY_MONTHS = 6


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day `months` later, clamped to the month's end (2024-08-31 + 6 -> 2025-02-28)."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def validity_end(start: dt.date, months: int) -> dt.date:
    """Last day of a validity of `months` from `start` (inclusive): 2024-01-15 + 6 -> 2024-07-14."""
    return add_months(start, months) - dt.timedelta(days=1)


def dates_overlap(a0: dt.date, a1: dt.date | None, b0: dt.date, b1: dt.date | None) -> bool:
    """Whether [a0, a1] and [b0, b1] share a day (None: open-ended)."""
    return (a1 is None or b0 <= a1) and (b1 is None or a0 <= b1)
