"""Changing, cancelling and reviewing a filing: a new record each time, nothing edited in place."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace

from yidi.domain.error_catalogue import error
from yidi.domain.filing_rules.dates import add_months
from yidi.domain.filing_rules.new import check_request, make_record, refuse
from yidi.domain.filing_rules.records import FilingRecord, FilingRequest, FilingStatus
from yidi.domain.policy import FilingRules
from yidi.domain.reference import Institution, Person


def unlock_date(record: FilingRecord, rules: FilingRules) -> dt.date | None:
    """The first day a long-term filing may be changed or cancelled (None: no lock applies)."""
    if not record.long_term or rules.min_months_before_change == 0:
        return None
    return add_months(record.start, rules.min_months_before_change)


def _check_modifiable(record: FilingRecord, rules: FilingRules, today: dt.date, what_zh: str) -> None:
    if record.status in (FilingStatus.CANCELLED, FilingStatus.SUPERSEDED, FilingStatus.REJECTED):
        raise error("FILING_NOT_ACTIVE", filing_id=record.filing_id,
                    why_zh=f"状态为“{record.status.zh}”，不能再{what_zh}",
                    why_en=f"is {record.status.value} and cannot be changed or cancelled")
    if record.status is FilingStatus.ACTIVE and record.last_day is not None and record.last_day < today:
        raise error("FILING_NOT_ACTIVE", filing_id=record.filing_id,
                    why_zh=f"已于 {record.last_day} 到期，无需{what_zh}；如需继续就医请重新备案",
                    why_en=f"ended on {record.last_day}; file again if needed")
    unlock = unlock_date(record, rules)
    # the lock guards against switching back and forth; a filing not yet started has not been used
    if record.status is FilingStatus.ACTIVE and unlock is not None and record.start <= today < unlock:
        raise error("FILING_LOCKED", start=record.start,
                    min_months_before_change=rules.min_months_before_change, unlock=unlock)


def change_filing(
    record: FilingRecord,
    request: FilingRequest,
    person: Person,
    existing: Sequence[FilingRecord],
    rules: FilingRules,
    regions: Collection[str],
    today: dt.date,
    filing_id: str,
    *,
    institutions: Mapping[str, Institution] | None = None,
    intra_province_filing: bool = False,
    region_names: Mapping[str, str] | None = None,
    filed_by: str = "",
) -> tuple[FilingRecord, FilingRecord]:
    """Replace `record` by a new filing built from `request`; returns (old record after, new record).

    Store both. The new record names the old one in `supersedes`. Without review, the old record becomes
    SUPERSEDED at once and covers the days before the new one starts. With review, the old record is
    returned unchanged (still ACTIVE, so the person is never left without cover) and is superseded when
    the new one is approved (review_filing with `replaced`).
    Errors: FILING_NOT_ACTIVE, FILING_LOCKED (409), and every new_filing problem for the new request.
    """
    _check_modifiable(record, rules, today, "变更")
    start, end, problems = check_request(
        request, person, existing, rules, regions, today, ignore=record.filing_id, institutions=institutions,
        intra_province_filing=intra_province_filing, region_names=region_names, filed_by=filed_by,
    )
    refuse(problems)
    new = make_record(request, person, start, end, rules, today, filing_id, supersedes=record.filing_id,
                  filed_by=filed_by)
    if new.status is FilingStatus.PENDING_REVIEW:
        return record, new
    return _supersede(record, new, today), new


def _supersede(old: FilingRecord, new: FilingRecord, today: dt.date) -> FilingRecord:
    return replace(old, status=FilingStatus.SUPERSEDED, cancelled_on=max(today, new.start),
                   cancel_reason=f"变更为备案 {new.filing_id}")


def cancel_filing(record: FilingRecord, rules: FilingRules, today: dt.date, reason: str = "") -> FilingRecord:
    """Cancel a filing from today (a pending one is withdrawn); the record stays, marked CANCELLED.

    Temporary filings may be cancelled early; long-term ones only after the region's lock period.
    Errors: FILING_NOT_ACTIVE (already cancelled, superseded, rejected or ended), FILING_LOCKED (409).
    """
    _check_modifiable(record, rules, today, "取消")
    return replace(record, status=FilingStatus.CANCELLED, cancelled_on=today, cancel_reason=reason)


def review_filing(
    record: FilingRecord,
    approve: bool,
    reason: str,
    today: dt.date,
    replaced: FilingRecord | None = None,
) -> tuple[FilingRecord, FilingRecord | None]:
    """An agency's decision on a PENDING_REVIEW filing; returns (reviewed record, replaced record after).

    When an approved record supersedes another (a change under review), pass that record as `replaced`:
    it comes back SUPERSEDED from today (or the new start, if later). A rejection needs a reason the
    person can act on. Errors: FILING_NOT_PENDING (409), FILING_REASON_REQUIRED, FILING_REPLACED_MISMATCH.
    """
    if record.status is not FilingStatus.PENDING_REVIEW:
        raise error("FILING_NOT_PENDING", filing_id=record.filing_id, state_zh=record.status.zh,
                    state=record.status.value)
    if not approve and not reason.strip():
        raise error("FILING_REASON_REQUIRED")
    if replaced is not None and replaced.filing_id != record.supersedes:
        raise error("FILING_REPLACED_MISMATCH", filing_id=record.filing_id,
                    supersedes=record.supersedes or "—", replaced=replaced.filing_id)
    if not approve:
        return replace(record, status=FilingStatus.REJECTED, reviewed_on=today, review_reason=reason), None
    done = replace(record, status=FilingStatus.ACTIVE, reviewed_on=today, review_reason=reason)
    old = None
    if replaced is not None and replaced.counts_as_held():
        old = _supersede(replaced, done, today)
    return done, old
