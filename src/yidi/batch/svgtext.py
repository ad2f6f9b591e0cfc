"""Text in hand-written SVG charts (the report's and the pages'): about how wide it is drawn, and shortened to fit."""

from __future__ import annotations


def text_width(text: str, size: float) -> float:
    """About how wide `text` is drawn at `size` px: a CJK, full-width or arrow character is a square (CJK fonts
    draw → full width), others ~0.62."""
    return sum(size if ord(c) >= 0x2E80 or 0x2190 <= ord(c) <= 0x21FF else size * 0.62 for c in text)


def fit(text: str, size: float, room: float) -> str:
    """`text` shortened with … to fit `room` px (charts keep the whole of it in a tooltip)."""
    if text_width(text, size) <= room:
        return text
    while text and text_width(text + "…", size) > room:
        text = text[:-1]
    return text + "…"
