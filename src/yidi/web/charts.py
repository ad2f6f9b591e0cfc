"""Inline SVG charts for the pages: horizontal bars (labels on the left, values at the bar's end).

Inline SVG text is drawn with the page's own fonts, so Chinese labels render wherever the page does,
with no chart library and no network. Bars are horizontal because long Chinese region names fit a phone
that way. Negative values (a net payer) draw to the left of the zero line in a second colour. The chart is
drawn at a phone's width (360 units, shown 1:1 on a 390-px screen) and leaves room for every label and value
by its length, so no text overlaps a bar or another text and nothing is cut off (tests/web/test_chart_layout.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from html import escape

from markupsafe import Markup

from yidi.batch.svgtext import fit, text_width

POS, NEG, TEXT, AXIS = "#0b5cad", "#a4161a", "#1a1a1a", "#6b7178"
LABEL_PX, VALUE_PX, TITLE_PX = 13, 12, 15


def bars(title: str, rows: Sequence[tuple[str, Decimal | int | float]], *, unit: str = "", width: int = 360,
         bar: int = 22, gap: int = 10, label_w: int | None = None, places: int = 2) -> Markup:
    """A titled horizontal bar chart of (label, value) rows, as accessible inline SVG (role=img + title);
    values are shown with `places` decimals (0 for counts)."""
    vals = [Decimal(str(v)) for _, v in rows]
    shown = [f"{v:,.{places}f}{unit}" for v in vals]
    if label_w is None:  # as wide as the longest label, at most 40 % of the chart
        label_w = int(min(max([text_width(lab, LABEL_PX) for lab, _ in rows] + [24]) + 14, width * 0.4))
    pos_room = max([text_width(s, VALUE_PX) for s, v in zip(shown, vals, strict=True) if v >= 0] + [0]) + 8
    neg_room = max([text_width(s, VALUE_PX) for s, v in zip(shown, vals, strict=True) if v < 0] + [-8]) + 8
    lo, hi = min([Decimal(0), *vals]), max([Decimal(0), *vals])
    span = (hi - lo) or Decimal(1)
    left = label_w + neg_room
    plot_w = max(width - left - pos_room, 20)
    zero_x = left + float((0 - lo) / span) * plot_w
    height = 30 + len(rows) * (bar + gap)
    cid = f"c{abs(hash(title))}"
    out = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg" '
           f'aria-labelledby="{cid}"><title id="{cid}">{escape(title)}</title>',
           f'<text x="0" y="16" font-size="{TITLE_PX}" font-weight="600" fill="{TEXT}">'
           f'{escape(fit(title, TITLE_PX, width))}</text>']
    for i, ((label, _), v, s) in enumerate(zip(rows, vals, shown, strict=True)):
        y = 28 + i * (bar + gap)
        w = abs(float(v / span)) * plot_w
        x = zero_x if v >= 0 else zero_x - w
        colour = POS if v >= 0 else NEG
        out.append(f'<text x="{label_w - 8}" y="{y + bar * 0.7:.1f}" font-size="{LABEL_PX}" text-anchor="end" '
                   f'fill="{TEXT}">{escape(fit(label, LABEL_PX, label_w - 12))}</text>')
        out.append(f'<rect x="{x:.1f}" y="{y}" width="{max(w, 1):.1f}" height="{bar}" fill="{colour}" rx="3">'
                   f'<title>{escape(label)}: {s}</title></rect>')
        tx = (x + max(w, 1) + 4) if v >= 0 else (x - 4)
        anchor = "start" if v >= 0 else "end"
        out.append(f'<text x="{tx:.1f}" y="{y + bar * 0.7:.1f}" font-size="{VALUE_PX}" text-anchor="{anchor}" '
                   f'fill="{TEXT}">{escape(s)}</text>')
    out.append(f'<line x1="{zero_x:.1f}" y1="24" x2="{zero_x:.1f}" y2="{height - 4}" stroke="{AXIS}" stroke-width="1"/>')
    out.append("</svg>")
    return Markup("".join(out))
