"""The claim deadline: from discharge (inpatient) or the earliest invoice, checked at first submission."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from yidi.domain.enums import VisitType
from yidi.domain.error_catalogue import error
from yidi.domain.workdays import add_working_days as add_working_days  # re-exported by claim_rules


def deadline_start(visit_type: VisitType, discharged_on: dt.date | None, invoice_dates: Sequence[dt.date]
                   ) -> dt.date | None:
    """The day the claim deadline counts from: discharge for inpatient care, else the earliest invoice."""
    if visit_type is VisitType.INPATIENT and discharged_on is not None:
        return discharged_on
    return min(invoice_dates) if invoice_dates else discharged_on


def deadline(start: dt.date | None, deadline_days: int) -> dt.date | None:
    """The last day a claim may be submitted."""
    return None if start is None else start + dt.timedelta(days=deadline_days)


def check_deadline(start: dt.date | None, deadline_days: int, today: dt.date) -> None:
    last = deadline(start, deadline_days)
    if last is not None and today > last:
        raise error("CLAIM_DEADLINE_PASSED", start=start, deadline_days=deadline_days, last_day=last)
