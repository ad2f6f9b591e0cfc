"""Write the bounds table of docs/bounds.md from yidi.domain.bounds (a test keeps the two equal)."""

from __future__ import annotations

import re
from pathlib import Path

from yidi.domain.bounds import markdown_table

DOC = Path(__file__).resolve().parents[1] / "docs" / "bounds.md"
START, END = "<!-- bounds:start -->\n", "<!-- bounds:end -->"

text = DOC.read_text(encoding="utf-8")
DOC.write_text(re.sub(f"{re.escape(START)}.*?{re.escape(END)}", lambda _m: START + markdown_table() + END, text,
                      flags=re.S), encoding="utf-8")
print(f"wrote {DOC}")
