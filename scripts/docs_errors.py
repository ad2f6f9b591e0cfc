"""Write the catalogue tables of docs/errors.md from yidi.domain.error_catalogue (a test keeps the two equal)."""

from __future__ import annotations

import re
from pathlib import Path

from yidi.domain.error_catalogue.document import markdown

DOC = Path(__file__).resolve().parents[1] / "docs" / "errors.md"
START, END = "<!-- errors:start -->\n", "<!-- errors:end -->"

text = DOC.read_text(encoding="utf-8")
DOC.write_text(re.sub(f"{re.escape(START)}.*?{re.escape(END)}", lambda _m: START + markdown() + END, text,
                      flags=re.S), encoding="utf-8")
print(f"wrote {DOC}")
