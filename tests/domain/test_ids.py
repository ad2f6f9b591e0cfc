"""Citizen ID numbers (GB 11643): check vectors (docs/rules.md R-7.1), birth date, gender, masking."""

from __future__ import annotations

import datetime as dt

import pytest

from yidi.domain.errors import YidiError
from yidi.domain.ids import mask_id, parse_citizen_id


@pytest.mark.parametrize("number", ["360426199101010071", "120103198806018241", "110101202311012176"])
def test_valid_vectors(number: str) -> None:
    assert parse_citizen_id(number).number == number


def test_checksum_failure_birth_date_and_gender() -> None:
    with pytest.raises(YidiError) as exc:
        parse_citizen_id("360426199101010072")
    assert exc.value.code == "ID_CHECKSUM"
    cid = parse_citizen_id("120103198806018241")
    assert cid.birth_date == dt.date(1988, 6, 1)
    assert cid.gender == "F"  # sequence 824: even digit 4 -> female
    assert parse_citizen_id("360426199101010071").gender == "M"  # 007: odd
    assert cid.age_on(dt.date(2026, 5, 31)) == 37 and cid.age_on(dt.date(2026, 6, 1)) == 38


@pytest.mark.parametrize(("number", "code"), [("36042619910101007", "ID_FORMAT"), ("36042619910230007X", "ID_BIRTH_DATE")])
def test_malformed(number: str, code: str) -> None:
    with pytest.raises(YidiError) as exc:
        parse_citizen_id(number)
    assert exc.value.code == code


def test_masking_keeps_only_region_prefix_and_last_four() -> None:
    assert mask_id("360426199101010071") == "360426********0071"
