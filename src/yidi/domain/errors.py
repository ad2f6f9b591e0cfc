"""Stable, bilingual errors that any layer may raise and every door renders the same way."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input: a stable code, where it is, and what it means in zh and en."""

    code: str
    field: str
    message_zh: str
    message_en: str

    def as_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "field": self.field,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
        }


@dataclass
class YidiError(Exception):
    """A caller-caused error. `status` is the HTTP status a door should answer with (4xx; 507 STORAGE_FULL when a file could not be stored).

    An error may carry several problems: we report everything wrong with an input at once,
    so a person or a HIS does not have to fix one field per round trip.
    """

    code: str
    message_zh: str
    message_en: str
    field: str = ""
    status: int = 422
    problems: list[Problem] = dc_field(default_factory=list)
    retry_after: int | None = None  # seconds until trying again makes sense (rate limits: 429 Retry-After)

    def __post_init__(self) -> None:
        Exception.__init__(self, f"{self.code}: {self.message_en}")
        if not self.problems:
            self.problems = [Problem(self.code, self.field, self.message_zh, self.message_en)]

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "field": self.field,
            "problems": [p.as_dict() for p in self.problems],
        }

    @classmethod
    def of(cls, problems: list[Problem], *, code: str | None = None, status: int = 422) -> YidiError:
        """Wrap several problems; the first one names the error unless a code is given."""
        first = problems[0]
        if len(problems) == 1 and code is None:
            return cls(first.code, first.message_zh, first.message_en, first.field, status, problems)
        return cls(
            code or first.code,
            f"输入有 {len(problems)} 处问题，第一处：{first.message_zh}",
            f"{len(problems)} problem(s) in the input; first: {first.message_en}",
            first.field,
            status,
            problems,
        )
