"""Working days (Monday to Friday): claim processing times and post-hoc filing deadlines count them."""

from __future__ import annotations

import datetime as dt


def add_working_days(day: dt.date, n: int) -> dt.date:
    """n working days (Monday to Friday) after `day`; public holidays are not known here [C]."""
    d = day
    while n > 0:
        d += dt.timedelta(days=1)
        if d.weekday() < 5:
            n -= 1
    return d
