"""The catalogue as the Markdown docs/errors.md holds between its markers (scripts/docs_errors.py writes it)."""

from __future__ import annotations

from yidi.domain.error_catalogue import GROUPS, ErrorSpec


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _status(e: ErrorSpec) -> str:
    return str(e.status) + "".join(f", {s}" for s in e.also)


def markdown() -> str:
    """One table per group, codes in alphabetical order; placeholders shown as `{name}`."""
    out: list[str] = []
    for title, entries in GROUPS:
        out += [f"### {title}", "", "| code | status | field | message (zh) | message (en) |", "|---|---|---|---|---|"]
        for e in sorted(entries, key=lambda e: e.code):
            note = f" *(reserved: {_cell(e.reserved)})*" if e.reserved else ""
            out.append(f"| `{e.code}`{note} | {_status(e)} | {f'`{e.field}`' if e.field else ''} "
                       f"| {_cell(e.zh)} | {_cell(e.en)} |")
        out.append("")
    return "\n".join(out)
