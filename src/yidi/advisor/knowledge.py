"""The advisor's process knowledge: channels, step templates and topics, loaded from reviewed YAML files
(knowledge/*.yaml) and validated on load. Papers are not here: filing papers come from
yidi.domain.filing_rules.materials_for and manual-claim papers from yidi.domain.claim_rules (with the
insured region's pack changes), the one source of each.

Every entry names the sections of yidi's rules reference it rests on (`sections`: docs/rules.md anchors such
as R-1.8, listed in yidi.domain.rulebook); unknown keys, unknown anchors, unknown channel ids and unknown
placeholders in step texts are all load errors, so a typo in the data is caught by the tests instead of
showing up as a broken sentence in front of a patient.
"""

from __future__ import annotations

import datetime as dt
import string
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError, field_validator

from yidi.domain.enums import VisitType
from yidi.domain.error_catalogue import problem
from yidi.domain.errors import Problem, YidiError
from yidi.domain.rulebook import RULES
from yidi.domain.validation import Strict, problems_from

KNOWLEDGE_DIR = Path(__file__).parent / "knowledge"

# The names plan.py fills into step texts; any other {name} in a template is a data error.
PLACEHOLDERS = frozenset({
    "filing_type", "filing_type_en", "area", "by_when", "by_when_en", "visit_type", "visit_type_en",
    "deadline", "days", "working_days", "validity_end", "lock_months",
})
Focus = Literal["settlement", "steps", "materials", "deadlines", "money", "warnings"]


class Reviewed(Strict):
    """Who reviewed a knowledge file against docs/rules.md, and when."""

    date: dt.date
    by: str


class Channel(Strict):
    """A place where a person acts: an app, a mini program, a counter, a hospital office."""

    id: str
    name_zh: str
    name_en: str
    kind: Literal["online", "counter", "hospital"]
    for_zh: str
    for_en: str
    sections: list[str] = Field(min_length=1)


class StepTemplate(Strict):
    """One step of a plan, with where it happens; {placeholders} are filled by the planner."""

    id: str
    text_zh: str
    text_en: str
    where: list[str] = Field(min_length=1)
    sections: list[str] = Field(min_length=1)

    @field_validator("text_zh", "text_en")
    @classmethod
    def _placeholders(cls, v: str) -> str:
        names = {name for _, name, _, _ in string.Formatter().parse(v) if name is not None}
        unknown = names - PLACEHOLDERS
        if unknown:
            raise ValueError(f"unknown placeholder(s) {sorted(unknown)}; allowed: {sorted(PLACEHOLDERS)}")
        return v


class TopicPrefill(Strict):
    """What a topic says about the situation by itself (a subset of Situation's fields)."""

    filed: bool | None = None
    treated: bool | None = None
    paid_in_full: bool | None = None
    visit_type: VisitType | None = None
    reason: Literal["lives", "works", "retired", "referred", "emergency", "travelling"] | None = None


class Topic(Strict):
    """A question people ask, with a short generic answer, its sections and its search keywords."""

    id: str
    title_zh: str
    title_en: str
    answer_zh: str
    answer_en: str
    sections: list[str] = Field(min_length=1)
    focus: list[Focus] = Field(min_length=1)
    keywords: list[str] = Field(min_length=5)
    prefill: TopicPrefill = Field(default_factory=TopicPrefill)


class ChannelsFile(Strict):
    reviewed: Reviewed
    channels: list[Channel]


class StepsFile(Strict):
    reviewed: Reviewed
    steps: list[StepTemplate]


class TopicsFile(Strict):
    reviewed: Reviewed
    topics: list[Topic]


class Knowledge:
    """All knowledge files, cross-checked: look-ups by id."""

    def __init__(self, sections: dict[str, str], channels: list[Channel], steps: list[StepTemplate],
                 topics: list[Topic]) -> None:
        self.sections = sections
        self.channels = {c.id: c for c in channels}
        self.steps = {s.id: s for s in steps}
        self.topics = {t.id: t for t in topics}


def _read(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _validate(model: type[Any], path: Path, problems: list[Problem]) -> Any:
    try:
        return model.model_validate(_read(path))
    except FileNotFoundError:
        problems.append(problem("KNOWLEDGE_FILE_MISSING", path.name, name=path.name))
    except yaml.YAMLError as exc:
        problems.append(problem("KNOWLEDGE_SYNTAX", path.name, file=path.name, reason=exc))
    except ValidationError as exc:
        problems.extend(Problem(p.code, f"{path.name}:{p.field}", f"{path.name}：{p.message_zh}",
                                f"{path.name}: {p.message_en}") for p in problems_from(exc))
    return None


def load_knowledge(folder: Path | str = KNOWLEDGE_DIR) -> Knowledge:
    """Load and cross-check the knowledge folder; raise YidiError KNOWLEDGE_INVALID listing every problem."""
    folder = Path(folder)
    problems: list[Problem] = []
    cf = _validate(ChannelsFile, folder / "channels.yaml", problems)
    stf = _validate(StepsFile, folder / "steps.yaml", problems)
    tf = _validate(TopicsFile, folder / "topics.yaml", problems)
    if problems:
        raise YidiError.of(problems, code="KNOWLEDGE_INVALID")
    known = set(RULES)
    channel_ids = {c.id for c in cf.channels}

    def check_ids(kind: str, ids: list[str]) -> None:
        seen: set[str] = set()
        for i in ids:
            if i in seen:
                problems.append(problem("KNOWLEDGE_DUPLICATE", f"{kind}:{i}", kind=kind, id=i))
            seen.add(i)

    def check_sections(where: str, sections: list[str]) -> None:
        for s in sections:
            if s not in known:
                problems.append(problem("KNOWLEDGE_SECTION_UNKNOWN", where, where=where, section=s))

    check_ids("channels", [c.id for c in cf.channels])
    check_ids("steps", [s.id for s in stf.steps])
    check_ids("topics", [t.id for t in tf.topics])
    for c in cf.channels:
        check_sections(f"channels:{c.id}", c.sections)
    for s in stf.steps:
        check_sections(f"steps:{s.id}", s.sections)
        for w in s.where:
            if w not in channel_ids:
                problems.append(problem("KNOWLEDGE_CHANNEL_UNKNOWN", f"steps:{s.id}", step=s.id, channel=w))
    for t in tf.topics:
        check_sections(f"topics:{t.id}", t.sections)
    if problems:
        raise YidiError.of(problems, code="KNOWLEDGE_INVALID")
    return Knowledge({a: r.title for a, r in RULES.items()}, cf.channels, stf.steps, tf.topics)


@cache
def knowledge() -> Knowledge:
    """The shipped knowledge, loaded once per process (the files are read-only package data)."""
    return load_knowledge()
