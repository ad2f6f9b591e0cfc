"""The error catalogue: every code yidi answers with, and raising by code (`raise error("FILING_NOT_FOUND", ...)`).

One table, grouped by what the code is about (the modules beside this one); docs/errors.md is written from
it by scripts/docs_errors.py, and tests/domain/test_error_catalogue.py checks that every code raised in src/
is here, every code here is raised (or says why it is reserved) and the document is current.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from yidi.domain.error_catalogue import (
    access,
    advisor,
    chronic,
    claims,
    clearing,
    files,
    filings,
    fsi,
    operations,
    persons,
    reference,
    requests,
    settlement,
)
from yidi.domain.error_catalogue.spec import ErrorSpec
from yidi.domain.errors import Problem, YidiError

# (title, entries) in the order docs/errors.md shows them
GROUPS: tuple[tuple[str, tuple[ErrorSpec, ...]], ...] = tuple(
    (m.TITLE, m.ENTRIES) for m in (requests, access, persons, reference, filings, chronic, settlement, fsi, claims,
                                   files, clearing, advisor, operations))

CATALOGUE: Mapping[str, ErrorSpec] = {e.code: e for _title, entries in GROUPS for e in entries}


def _shown(value: Any, sep: str) -> Any:
    # a list reads naturally in either language: 甲、乙 / a, b
    if isinstance(value, (list, tuple, set, frozenset)):
        return sep.join(str(v) for v in value)
    return value


def message(code: str, /, **values: Any) -> tuple[str, str]:
    """The zh and en messages of a code with its placeholders filled in."""
    spec = CATALOGUE[code]
    return (spec.zh.format(**{k: _shown(v, "、") for k, v in values.items()}),
            spec.en.format(**{k: _shown(v, ", ") for k, v in values.items()}))


def error(code: str, /, *, field: str | None = None, status: int | None = None,
          problems: list[Problem] | None = None, retry_after: int | None = None, **values: Any) -> YidiError:
    """The YidiError of a catalogue code: its status and field unless the raise site names others."""
    spec = CATALOGUE[code]
    if status is not None and status != spec.status and status not in spec.also:
        raise ValueError(f"{code} answers {spec.status} (or {spec.also}), not {status}")
    zh, en = message(code, **values)
    return YidiError(code, zh, en, spec.field if field is None else field,
                     spec.status if status is None else status, problems or [], retry_after)


def problem(code: str, field: str | None = None, /, **values: Any) -> Problem:
    """One Problem of a catalogue code (for errors that report several problems at once)."""
    zh, en = message(code, **values)
    return Problem(code, CATALOGUE[code].field if field is None else field, zh, en)


def multiple(problems: list[Problem], code: str | None = None) -> YidiError:
    """Several problems at once (`YidiError.of`), under a catalogue code when one is given."""
    if code is not None and code not in CATALOGUE:
        raise KeyError(code)
    return YidiError.of(problems, code=code, status=CATALOGUE[code].status if code else 422)


__all__ = ["CATALOGUE", "GROUPS", "ErrorSpec", "error", "message", "multiple", "problem"]
