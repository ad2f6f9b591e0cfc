"""One entry of the error catalogue: a stable code, its HTTP status, the field it names, its zh/en templates."""

from __future__ import annotations

import string
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ErrorSpec:
    """What a code means, the same wherever it is raised.

    `zh` and `en` are `str.format` templates with named placeholders (`{filing_id}`); a value given as a
    list is joined with 、 in Chinese and ", " in English. `also` lists further statuses a door answers the
    code with (each raise site names its status explicitly). `reserved` says why a code nobody raises any
    more stays in the catalogue (clients may still hold it).
    """

    code: str
    status: int
    field: str
    zh: str
    en: str
    also: tuple[int, ...] = ()
    reserved: str = ""

    @property
    def placeholders(self) -> frozenset[str]:
        """The names the templates need."""
        return frozenset(name for text in (self.zh, self.en)
                         for _lit, name, _spec, _conv in string.Formatter().parse(text) if name)


def E(code: str, status: int, field: str, zh: str, en: str, *, also: tuple[int, ...] = (),
      reserved: str = "") -> ErrorSpec:
    """Shorthand for the catalogue tables."""
    return ErrorSpec(code, status, field, zh, en, also, reserved)
