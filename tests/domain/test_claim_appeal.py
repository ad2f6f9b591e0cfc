"""复核 rules (yidi.domain.claim_rules.appeal): the appeal window, new material, the second reviewer."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from yidi.domain.claim_rules import appeal as a
from yidi.domain.claim_rules.records import ClaimEvent
from yidi.domain.errors import YidiError

DAY = dt.date(2026, 3, 10)
AT = dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC)


def ev(seq: int, action: str, **detail: Any) -> ClaimEvent:
    return ClaimEvent(seq, action, None, "X", "agency", "369900", "", detail, DAY, AT)


def test_window_counts_the_last_day() -> None:
    # rejected 2026-03-10, 60 days: 2026-03-10 + 60 = 2026-05-09 (21 days left in March, 30 in April, 9 in May)
    assert a.appeal_deadline(DAY, 60) == dt.date(2026, 5, 9)
    a.check_window(DAY, 60, dt.date(2026, 5, 9))  # the last day itself is in time
    with pytest.raises(YidiError) as e:
        a.check_window(DAY, 60, dt.date(2026, 5, 10))
    assert e.value.code == "CLAIM_APPEAL_DEADLINE_PASSED" and e.value.status == 422
    assert "2026-05-09" in e.value.message_zh
    assert a.appeal_deadline(None, 60) is None


def test_new_material_is_what_came_after_the_rejection_and_stayed() -> None:
    events = [ev(1, "DOCUMENT_ADDED", document=1), ev(2, "SUBMIT"), ev(3, "REJECT", reviewer="reviewer-369900"),
              ev(4, "DOCUMENT_ADDED", document=7), ev(5, "DOCUMENT_ADDED", document=8),
              ev(6, "DOCUMENT_REMOVED", document=7)]
    assert a.new_material(events) == [8]  # 1 was there before; 7 was taken off again
    assert a.check_material(events) == [8]
    with pytest.raises(YidiError) as e:
        a.check_material(events[:3])
    assert e.value.code == "CLAIM_APPEAL_NO_MATERIAL" and e.value.status == 422


def test_a_second_reviewer_decides() -> None:
    events = [ev(1, "SUBMIT"), ev(2, "REJECT", reviewer="reviewer-369900")]
    assert a.rejected_by(events) == "reviewer-369900"
    a.check_second_reviewer(events, "agency-369900")
    for same in ("reviewer-369900", ""):  # the one who rejected, or someone who cannot be told apart
        with pytest.raises(YidiError) as e:
            a.check_second_reviewer(events, same)
        assert e.value.code == "CLAIM_APPEAL_SAME_REVIEWER" and e.value.status == 403
