"""The benchmark's plot: modelled time of ours vs the stock operator per case, as a dependency-free
SVG bar chart (`python -m ascend_bce bench --plot bench.svg`)."""
from __future__ import annotations

from typing import List
from xml.sax.saxutils import escape

from .bench_model import Comparison

BAR_WIDTH = 14
GAP = 10           # between the cases
CHART_HEIGHT = 240
MARGIN_LEFT = 56
MARGIN_BOTTOM = 150  # rotated case labels
MARGIN_TOP = 40
MIN_WIDTH = 680       # room for the title
COLORS = {"ours": "#2a7ab9", "stock": "#c8553d"}


def comparison_svg(results: List[Comparison], title: str) -> str:
    top = max(max(r.ours_us, r.stock_us) for r in results) * 1.1
    width = max(MARGIN_LEFT + len(results) * (2 * BAR_WIDTH + GAP) + GAP, MIN_WIDTH)
    height = MARGIN_TOP + CHART_HEIGHT + MARGIN_BOTTOM
    base = MARGIN_TOP + CHART_HEIGHT
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'font-family="sans-serif" font-size="11">',
             f'<text x="{MARGIN_LEFT}" y="20" font-size="13">{escape(title)}</text>',
             f'<line x1="{MARGIN_LEFT}" y1="{base}" x2="{width}" y2="{base}" stroke="black"/>',
             f'<text x="8" y="{MARGIN_TOP + 10}">us</text>']
    for tick in range(0, int(top) + 1, max(int(top) // 5, 1)):
        y = base - tick / top * CHART_HEIGHT
        parts.append(f'<text x="{MARGIN_LEFT - 6}" y="{y:.1f}" text-anchor="end">{tick}</text>')
    for i, r in enumerate(results):
        x = MARGIN_LEFT + GAP + i * (2 * BAR_WIDTH + GAP)
        for j, (who, value) in enumerate((("ours", r.ours_us), ("stock", r.stock_us))):
            h = value / top * CHART_HEIGHT
            parts.append(f'<rect class="{who}" x="{x + j * BAR_WIDTH}" y="{base - h:.1f}" width="{BAR_WIDTH}" '
                         f'height="{h:.1f}" fill="{COLORS[who]}"><title>{escape(r.name)}: {who} '
                         f'{value:.1f} us</title></rect>')
        parts.append(f'<text transform="translate({x + BAR_WIDTH},{base + 8}) rotate(60)">{escape(r.name)}</text>')
    for k, who in enumerate(COLORS):
        parts.append(f'<rect x="{width - 120}" y="{8 + 16 * k}" width="10" height="10" fill="{COLORS[who]}"/>'
                     f'<text x="{width - 105}" y="{17 + 16 * k}">{who}</text>')
    parts.append("</svg>")
    return "\n".join(parts)
