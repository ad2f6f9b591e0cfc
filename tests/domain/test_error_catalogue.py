"""The error catalogue is the one list of codes: every code raised in src/ is in it with its status, every
code in it is raised somewhere (or says why it is kept), and docs/errors.md shows it as it is."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from yidi.domain.error_catalogue import CATALOGUE, GROUPS, error, message, problem
from yidi.domain.error_catalogue.document import markdown

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "yidi"
CODE = re.compile(r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)+")
CJK = re.compile(r"[\u4e00-\u9fff]")

# every way src/ raises an error, and where its code is: the callee's name -> index of the code argument
RAISERS = {"YidiError": 0, "Problem": 0, "fail": 0, "error": 0, "problem": 0, "failure": 0, "message": 0,
           "_config_error": 0, "_not_eligible": 1, "not_eligible": 1}
# modules that keep a table of codes (pydantic error type -> code, HTTP status -> code): every code-shaped
# string in them counts as raised
TABLES = {"src/yidi/domain/validation.py", "src/yidi/http/errors.py"}
# callees that name the code of several problems by keyword (YidiError.of, multiple, validate_model)
BY_KEYWORD = {"of", "multiple", "validate_model"}
NOT_VALUES = {"field", "status", "problems", "retry_after"}


@dataclass(frozen=True)
class Site:
    code: str
    where: str
    callee: str
    status: int | None  # the status written at the site, None when it takes the default
    values: frozenset[str] | None  # placeholder values given to error()/problem() (None: not by catalogue)


def _name(func: ast.expr) -> str:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _sites_in(path: Path) -> list[Site]:
    where = str(path.relative_to(ROOT))
    out: list[Site] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            name = _name(node.func)
            kw = {k.arg: k.value for k in node.keywords if k.arg}
            i = RAISERS.get(name)
            code = node.args[i] if i is not None and len(node.args) > i else kw.get("code") if i is not None else None
            if name in BY_KEYWORD:
                code = kw.get("code")
            if not (isinstance(code, ast.Constant) and isinstance(code.value, str)):
                continue
            status = node.args[4] if name == "YidiError" and len(node.args) > 4 else kw.get("status")
            st = status.value if isinstance(status, ast.Constant) else None
            if name == "YidiError" and status is None:
                st = 422  # the dataclass default
            values = None
            if name in ("error", "problem") and not any(k.arg is None for k in node.keywords):
                values = frozenset(k for k in kw if k not in NOT_VALUES)
            out.append(Site(code.value, f"{where}:{node.lineno}", name, st, values))
        elif isinstance(node, ast.FunctionDef):  # def _not_eligible(..., code: str = "VISIT_NOT_ELIGIBLE")
            every = [*node.args.posonlyargs, *node.args.args]
            params = every[len(every) - len(node.args.defaults):]
            for a, d in zip(params, node.args.defaults, strict=True):
                if a.arg == "code" and isinstance(d, ast.Constant) and isinstance(d.value, str):
                    out.append(Site(d.value, f"{where}:{node.lineno}", node.name, None, None))
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str) and where in TABLES
              and CODE.fullmatch(node.value) and not node.value.startswith("YIDI_")):
            out.append(Site(node.value, f"{where}:{node.lineno}", "table", None, None))
    return out


SITES = [s for p in sorted(SRC.rglob("*.py")) if "migrations" not in p.parts for s in _sites_in(p)]


def test_the_scan_sees_the_raise_sites() -> None:
    # a scan that found nothing would pass every check below
    assert len(SITES) > 300 and {"PERSON_NOT_FOUND", "FIELD_UNKNOWN", "VISIT_NOT_ELIGIBLE"} <= {s.code for s in SITES}


def test_every_raised_code_is_in_the_catalogue_with_its_status() -> None:
    unknown = sorted({f"{s.code} ({s.where})" for s in SITES if s.code not in CATALOGUE})
    assert not unknown, f"add these codes to src/yidi/domain/error_catalogue/: {unknown}"
    wrong = [f"{s.where}: {s.code} answers {s.status}, the catalogue says {CATALOGUE[s.code].status}"
             for s in SITES if s.status is not None
             and s.status not in (CATALOGUE[s.code].status, *CATALOGUE[s.code].also)]
    assert not wrong, wrong


def test_raising_by_code_gives_exactly_the_placeholders() -> None:
    wrong = [f"{s.where}: {s.code} takes {sorted(CATALOGUE[s.code].placeholders)}, got {sorted(s.values)}"
             for s in SITES if s.values is not None and s.values != CATALOGUE[s.code].placeholders]
    assert not wrong, wrong


def test_every_catalogue_code_is_raised_or_says_why_it_is_kept() -> None:
    raised = {s.code for s in SITES}
    idle = sorted(c for c, e in CATALOGUE.items() if c not in raised and not e.reserved)
    assert not idle, f"raise these codes somewhere or mark them reserved (with why): {idle}"
    assert not [c for c, e in CATALOGUE.items() if e.reserved and c in raised], "a raised code is not reserved"


def test_codes_are_unique_and_well_formed() -> None:
    codes = [e.code for _t, entries in GROUPS for e in entries]
    assert len(codes) == len(set(codes))
    for e in CATALOGUE.values():
        assert re.fullmatch(r"[A-Z][A-Z0-9_]*[A-Z0-9]", e.code), e.code
        assert 400 <= e.status < 600 and all(400 <= s < 600 for s in e.also), e.code
        assert CJK.search(e.zh) and e.en, e.code  # zh first, English beside it
        assert not e.placeholders & NOT_VALUES, f"{e.code}: a placeholder may not be named like a keyword of error()"


def test_errors_md_is_current() -> None:
    doc = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    assert markdown() in doc, "regenerate: .venv/bin/python scripts/docs_errors.py"


def test_error_builds_the_catalogue_answer() -> None:
    e = error("FILING_NOT_FOUND", filing_id="F-1")
    assert (e.code, e.status, e.field) == ("FILING_NOT_FOUND", 404, "filing_id")
    assert "F-1" in e.message_zh and "F-1" in e.message_en
    assert e.problems[0].code == "FILING_NOT_FOUND"
    # a site may name its own field; a status only from the code's own list
    assert error("FILING_NOT_FOUND", field="id", filing_id="F-1").field == "id"
    with pytest.raises(ValueError, match="FILING_NOT_FOUND"):
        error("FILING_NOT_FOUND", status=400, filing_id="F-1")
    with pytest.raises(KeyError):
        error("FILING_NOT_FOUND")  # a placeholder left empty is a defect, not a message with a hole
    assert problem("FILING_NOT_FOUND", "x", filing_id="F-1").field == "x"


def test_lists_read_naturally_in_each_language() -> None:
    zh, en = message("CLEARING_ALREADY_DISPUTED", taken=["S1", "S2"])
    assert "S1、S2" in zh and "S1, S2" in en
