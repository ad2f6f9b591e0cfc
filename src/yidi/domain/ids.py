"""Citizen ID numbers (GB 11643-1999): province, birth date, checksum, gender, and masking for display."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from yidi.domain import bounds
from yidi.domain.error_catalogue import error
from yidi.domain.normalise import id_number

# GB/T 2260: the first two digits of an address code name a province-level division
PROVINCES = frozenset({"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
                       "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
                       "65", "71", "81", "82"})

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def check_character(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character for the first 17 digits."""
    s = sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[s % 11]


@dataclass(frozen=True, slots=True)
class CitizenId:
    """A validated 18-character citizen ID number."""

    number: str

    @property
    def birth_date(self) -> dt.date:
        n = self.number
        return dt.date(int(n[6:10]), int(n[10:12]), int(n[12:14]))

    @property
    def gender(self) -> str:
        """"M" or "F": odd sequence digit is male."""
        return "M" if int(self.number[16]) % 2 == 1 else "F"

    def age_on(self, day: dt.date) -> int:
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))

    @property
    def masked(self) -> str:
        return mask_id(self.number)


def mask_id(number: str) -> str:
    """Show only the first 6 and last 4 characters: 360426********0071."""
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def parse_citizen_id(value: str, field: str = "id_number", *, today: dt.date | None = None) -> CitizenId:
    """Validate an 18-character ID: structure, province (GB/T 2260), a plausible birth date (not before
    1900, not after `today` when it is given, never after the last date yidi accepts), checksum.

    Typed forms are normalised first (yidi.domain.normalise.id_number): full-width digits, spaces, x -> X.
    """
    n = id_number(value)
    if len(n) != 18 or not n.isascii() or not n[:17].isdigit() or not (n[17].isdigit() or n[17] == "X"):
        raise error("ID_FORMAT", shown=mask_id(n[:40]), field=field)
    if n[:2] not in PROVINCES:
        raise error("ID_REGION", field=field)
    try:
        born = dt.date(int(n[6:10]), int(n[10:12]), int(n[12:14]))
    except ValueError:
        born = None
    latest = min(today, bounds.DATE_MAX) if today is not None else bounds.DATE_MAX
    if born is None or not bounds.BIRTH_DATE_MIN <= born <= latest:
        raise error("ID_BIRTH_DATE", field=field, detail_zh="不存在或不合理（早于1900年或晚于今天）",
                    detail_en="is not a real, plausible date (before 1900 or after today)")
    if check_character(n[:17]) != n[17]:
        raise error("ID_CHECKSUM", field=field)
    return CitizenId(n)
