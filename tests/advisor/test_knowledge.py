"""The knowledge files load, and every kind of mistake in them is a load error naming file and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from yidi.advisor.knowledge import KNOWLEDGE_DIR, load_knowledge
from yidi.domain.errors import YidiError


def test_shipped_knowledge_loads_and_cites_known_sections() -> None:
    k = load_knowledge()
    assert len(k.topics) >= 12 and {"national_app", "filing_mini_program", "agency_window",
                                     "hospital_insurance_office"} <= set(k.channels)
    for step in k.steps.values():
        assert step.sections and all(s in k.sections for s in step.sections)


def _broken(tmp_path: Path, file: str, old: str, new: str) -> list[str]:
    d = tmp_path / "kb"
    shutil.copytree(KNOWLEDGE_DIR, d)
    text = (d / file).read_text(encoding="utf-8")
    assert old in text
    (d / file).write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(YidiError) as e:
        load_knowledge(d)
    assert e.value.code == "KNOWLEDGE_INVALID"
    return [f"{p.code} {p.field}" for p in e.value.problems]


def test_unknown_key_rejected(tmp_path: Path) -> None:
    got = _broken(tmp_path, "channels.yaml", "    kind: online\n", "    kind: online\n    colour: blue\n")
    assert any(g.startswith("FIELD_UNKNOWN channels.yaml:channels.0.colour") for g in got)


def test_unknown_section_rejected(tmp_path: Path) -> None:
    got = _broken(tmp_path, "steps.yaml", 'sections: [R-1.1, R-9.6]', 'sections: [R-1.1, R-9.99]')
    assert got == ["KNOWLEDGE_SECTION_UNKNOWN steps:check_status"]


def test_unknown_channel_rejected(tmp_path: Path) -> None:
    got = _broken(tmp_path, "steps.yaml", "where: [national_app]", "where: [national_ap]")
    assert got[0].startswith("KNOWLEDGE_CHANNEL_UNKNOWN")


def test_unknown_placeholder_rejected(tmp_path: Path) -> None:
    got = _broken(tmp_path, "steps.yaml", "就医地选{area}", "就医地选{aera}")
    assert got[0].startswith("FIELD_INVALID steps.yaml:steps.")


def test_duplicate_topic_rejected(tmp_path: Path) -> None:
    got = _broken(tmp_path, "topics.yaml", "  - id: filing_type\n", "  - id: how_to_file\n")
    assert "KNOWLEDGE_DUPLICATE topics:how_to_file" in got
