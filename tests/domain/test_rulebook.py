"""Citations resolve inside the product: docs/rules.md and yidi.domain.rulebook agree, every anchor cited
anywhere exists, answers name their policy documents, and nothing points to a reference outside the repo."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.packs import sample_packs
from yidi.advisor.models import Situation
from yidi.advisor.plan import advise
from yidi.advisor.search import search
from yidi.domain.eligibility import check_eligibility
from yidi.domain.enums import FilingType, InsuranceStatus, Level, Scheme, VisitType
from yidi.domain.filing_rules import FilingRecord, FilingStatus
from yidi.domain.ids import parse_citizen_id
from yidi.domain.packset import PackSet
from yidi.domain.reference import Institution, Person
from yidi.domain.rulebook import RULES, anchors_of, sources

ROOT = Path(__file__).resolve().parents[2]
RULES_MD = ROOT / "docs" / "rules.md"
ANCHOR = re.compile(r"\bR-\d+\.\d+\b")
HEADING = re.compile(r"^### (R-\d+\.\d+) (.+)$", re.M)
OUTSIDE = "domain" + ".md"  # the reference outside the product that nothing may cite (split: this file is scanned)
TEXT = {".py", ".md", ".yaml", ".yml", ".html", ".toml", ".txt", ".cfg", ".ini", ".sh"}
SKIP = {".venv", ".git", "__pycache__", "node_modules", "screenshots", "var"}
DELIBERATELY_UNKNOWN = {"R-9.99"}  # tests/advisor/test_knowledge.py: a knowledge file citing it must not load


def _files() -> list[Path]:
    out = []
    for top in ("src", "tests", "docs", "benchmarks", "scripts"):
        for p in (ROOT / top).rglob("*"):
            if p.is_file() and p.suffix in TEXT and not SKIP & set(p.parts) and ".egg-info" not in str(p):
                out.append(p)
    return [*out, ROOT / "README.md"]


def _sections() -> dict[str, tuple[str, str]]:
    """anchor -> (heading title, the section's text) of docs/rules.md."""
    text = RULES_MD.read_text(encoding="utf-8")
    found = list(HEADING.finditer(text))
    out: dict[str, tuple[str, str]] = {}
    for i, m in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(text)
        assert m.group(1) not in out, f"{m.group(1)} twice in docs/rules.md"
        out[m.group(1)] = (m.group(2).strip(), text[m.end():end])
    return out


def test_the_rulebook_is_docs_rules_md() -> None:
    sections = _sections()
    assert set(sections) == set(RULES)
    for anchor, rule in RULES.items():
        title, body = sections[anchor]
        assert title == rule.title, anchor
        assert f"依据 Source: {rule.source}\n" in body, f"{anchor}: its source is not written in its section"


def test_no_file_cites_a_reference_outside_the_product() -> None:
    offenders = [str(p.relative_to(ROOT)) for p in _files() if OUTSIDE in p.read_text(encoding="utf-8", errors="ignore")]
    assert offenders == []


def test_every_anchor_cited_exists() -> None:
    missing = {(str(p.relative_to(ROOT)), a) for p in _files()
               for a in ANCHOR.findall(p.read_text(encoding="utf-8", errors="ignore"))
               if a not in RULES and a not in DELIBERATELY_UNKNOWN}
    assert missing == set()


# ---------------------------------------------------------------------------------------------- answers

DAY = dt.date(2025, 3, 10)
ID = "360426199101010071"
GZ = Institution("H440101", "广州市第一人民医院", "440100", Level.L3, frozenset({VisitType.INPATIENT}))
NC = Institution("H360101", "南昌大学第一附属医院", "360100", Level.L3, frozenset(VisitType))


def _cited(section: str, source: str) -> None:
    anchors = anchors_of(section)
    assert anchors and all(a in RULES for a in anchors), section
    assert source == sources(*anchors) and source, section


def test_eligibility_answers_cite_rules_and_name_their_documents() -> None:
    from yidi.domain.policy import PolicyVersion

    policy = PolicyVersion.model_validate({"effective_from": "2024-01-01", "schemes": {}})
    person = Person(parse_citizen_id(ID), "张三", "360100", Scheme.EMPLOYEE, status=InsuranceStatus.LAPSED)
    other_area = FilingRecord("F1", ID, "360100", FilingType.OTHER_TEMPORARY, "310000", DAY, None,
                              FilingStatus.ACTIVE, True, (), (), DAY)
    answers = [
        check_eligibility(person, ID, "李四", GZ, VisitType.OUTPATIENT, DAY, [other_area], policy,
                          open_admissions=[("H9", DAY)]),
        check_eligibility(None, ID, "张三", GZ, VisitType.INPATIENT, DAY, [], policy),
        check_eligibility(person, ID, "张三", NC, VisitType.INPATIENT, DAY, [], policy),
        check_eligibility(person, ID, "张三", GZ, VisitType.INPATIENT, DAY, [], policy, emergency=True),
    ]
    seen = set()
    for r in answers:
        d = r.as_dict()
        assert OUTSIDE not in json.dumps(d, ensure_ascii=False)
        for x in d["reasons"] + d["notes"]:
            _cited(x["section"], x["source"])
            seen.add(x["code"])
    assert {"IDENTITY_MISMATCH", "INSURANCE_LAPSED", "OPEN_ADMISSION", "FILING_OTHER_AREA", "PERSON_NOT_FOUND",
            "NOT_CROSS_REGION", "EMERGENCY_AS_FILED", "HOSPITAL_NOT_NETWORKED"} <= seen


@pytest.fixture(scope="module")
def packs() -> PackSet:
    return sample_packs()


@pytest.mark.parametrize("fields", [
    {"insured_region": "360100", "current_region": "440100", "reason": "travelling", "filed": False, "treated": True,
     "visit_type": "INPATIENT", "scheme": "EMPLOYEE", "paid_in_full": True, "paid_on": "2026-04-20"},
    {"insured_region": "369900", "current_region": "440100", "filed": True, "filing_type": "REFERRAL",
     "visit_type": "INPATIENT", "scheme": "EMPLOYEE", "bill_total": "20000"},
    {"insured_region": "440300", "current_region": "440100", "visit_type": "OUTPATIENT"},
    {},
])
def test_advisor_answers_cite_rules_and_name_their_documents(packs: PackSet, fields: dict[str, object]) -> None:
    plan = advise(Situation.model_validate(fields), packs, dt.date(2026, 5, 1))
    dumped = plan.model_dump(mode="json")
    assert OUTSIDE not in json.dumps(dumped, ensure_ascii=False)
    cites = list(_cites(dumped))
    assert any(c["kind"] == "rules" for c in cites)
    for c in cites:
        assert c["kind"] in ("rules", "pack")
        if c["kind"] == "rules":
            assert c["ref"] in RULES and c["title"] == RULES[c["ref"]].title and c["article"] == RULES[c["ref"]].source


def _cites(node: object) -> Iterator[dict[str, str]]:
    """Every cite in a dumped plan, wherever it stands."""
    if isinstance(node, dict):
        yield from node.get("cites", [])
        for v in node.values():
            yield from _cites(v)
    elif isinstance(node, list):
        for v in node:
            yield from _cites(v)


def test_advice_search_answers_cite_rules(packs: PackSet) -> None:
    found = search("没备案在外地住院怎么报销", packs, 3)
    assert found["topics"]
    for t in found["topics"]:
        assert t["sections"] and all(a in RULES for a in t["sections"])
        assert t["sources"] == sources(*t["sections"])
