"""Inline SVG charts for the pages: horizontal bars (labels on the left, values at the bar's end).

Inline SVG text is drawn with the page's own fonts, so Chinese labels render wherever the page does,
with no chart library and no network. Bars are horizontal because long Chinese region names fit a phone
that way. Negative values (a net payer) draw to the left of the zero line in a second colour.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from html import escape

from markupsafe import Markup

POS, NEG, TEXT, AXIS = "#0b5cad", "#a4161a", "#1a1a1a", "#6b7178"


def bars(title: str, rows: Sequence[tuple[str, Decimal | int | float]], *, unit: str = "", width: int = 640,
         bar: int = 22, gap: int = 10, label_w: int = 150, places: int = 2) -> Markup:
    """A titled horizontal bar chart of (label, value) rows, as accessible inline SVG (role=img + title);
    values are shown with `places` decimals (0 for counts)."""
    vals = [Decimal(str(v)) for _, v in rows]
    lo, hi = min([Decimal(0), *vals]), max([Decimal(0), *vals])
    span = (hi - lo) or Decimal(1)
    plot_w = width - label_w - 90
    zero_x = label_w + float((0 - lo) / span) * plot_w
    height = 30 + len(rows) * (bar + gap)
    out = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg" '
           f'aria-labelledby="c{abs(hash(title))}"><title id="c{abs(hash(title))}">{escape(title)}</title>',
           f'<text x="0" y="16" font-size="15" font-weight="600" fill="{TEXT}">{escape(title)}</text>']
    for i, ((label, _), v) in enumerate(zip(rows, vals, strict=True)):
        y = 28 + i * (bar + gap)
        w = abs(float(v / span)) * plot_w
        x = zero_x if v >= 0 else zero_x - w
        colour = POS if v >= 0 else NEG
        shown = f"{v:,.{places}f}{unit}"
        out.append(f'<text x="{label_w - 8}" y="{y + bar * 0.7:.1f}" font-size="13" text-anchor="end" fill="{TEXT}">'
                   f'{escape(label)}</text>')
        out.append(f'<rect x="{x:.1f}" y="{y}" width="{max(w, 1):.1f}" height="{bar}" fill="{colour}" rx="3">'
                   f'<title>{escape(label)}: {shown}</title></rect>')
        tx = (x + w + 6) if v >= 0 else (x - 6)
        anchor = "start" if v >= 0 else "end"
        out.append(f'<text x="{tx:.1f}" y="{y + bar * 0.7:.1f}" font-size="12" text-anchor="{anchor}" fill="{TEXT}">'
                   f'{escape(shown)}</text>')
    out.append(f'<line x1="{zero_x:.1f}" y1="24" x2="{zero_x:.1f}" y2="{height - 4}" stroke="{AXIS}" stroke-width="1"/>')
    out.append("</svg>")
    return Markup("".join(out))
