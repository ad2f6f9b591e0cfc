"""Which filing covers a visit: area, dates, chosen hospitals, and the better benefit first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from yidi.domain.enums import FilingType
from yidi.domain.filing_rules.records import FilingRecord, FilingStatus

# When several filings cover the same visit, the one with the better benefit applies: long-term first
# (no ratio cut), then referral and emergency (cut at most 10 points) before other temporary (20).
_RANK = {
    FilingType.RETIREE_RESETTLED: 0,
    FilingType.LONG_TERM_RESIDENT: 0,
    FilingType.RESIDENT_WORKER: 0,
    FilingType.REFERRAL: 1,
    FilingType.EMERGENCY: 1,
    FilingType.OTHER_TEMPORARY: 2,
}


def covers(record: FilingRecord, region: str, day: dt.date, institution: str | None = None) -> bool:
    """Whether this record (ACTIVE, or for days before its cancellation) covers treatment there that day."""
    if record.status not in (FilingStatus.ACTIVE, FilingStatus.CANCELLED, FilingStatus.SUPERSEDED):
        return False
    if not (record.area_covers(region) and record.in_dates(day)):
        return False
    return not (record.institutions and institution is not None and institution not in record.institutions)


def filing_for(
    records: Iterable[FilingRecord], region: str, day: dt.date, institution: str | None = None
) -> FilingRecord | None:
    """The filing that covers treatment in `region` on `day` (at `institution`, where hospitals were chosen).

    A province code covers every region of the province. A cancelled or superseded record still covers
    the days before it ended, so a past visit is judged by the filing held then. PENDING_REVIEW and
    REJECTED records never cover.
    """
    found = [r for r in records if covers(r, region, day, institution)]
    if not found:
        return None
    found.sort(key=lambda r: (r.status is not FilingStatus.ACTIVE, _RANK[r.type], -r.start.toordinal()))
    return found[0]
