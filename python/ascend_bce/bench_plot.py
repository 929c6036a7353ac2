"""The benchmark's plot: modelled time of ours vs the stock operator per case, as a PNG with
matplotlib when it is installed, else as a dependency-free SVG bar chart
(`python -m ascend_bce bench --plot bench.png`)."""
from __future__ import annotations

import os
from typing import Protocol, Sequence
from xml.sax.saxutils import escape

BAR_WIDTH = 14
GAP = 10           # between the cases
CHART_HEIGHT = 240
MARGIN_LEFT = 56
MARGIN_BOTTOM = 150  # rotated case labels
MARGIN_TOP = 40
MIN_WIDTH = 680       # room for the title
COLORS = {"ours": "#2a7ab9", "stock": "#c8553d"}
PNG_DPI = 120
PNG_INCHES_PER_CASE = 0.35
PNG_MIN_WIDTH_INCHES = 8.0
PNG_HEIGHT_INCHES = 5.0


class Bar(Protocol):
    name: str
    ours_us: float
    stock_us: float


def comparison_svg(results: Sequence[Bar], title: str) -> str:
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


def _png(results: Sequence[Bar], title: str, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display needed
    import matplotlib.pyplot as plt

    width = max(PNG_MIN_WIDTH_INCHES, PNG_INCHES_PER_CASE * len(results))
    fig, ax = plt.subplots(figsize=(width, PNG_HEIGHT_INCHES))
    xs = range(len(results))
    half = 0.4
    ax.bar([x - half / 2 for x in xs], [r.ours_us for r in results], half, label="ours", color=COLORS["ours"])
    ax.bar([x + half / 2 for x in xs], [r.stock_us for r in results], half, label="stock", color=COLORS["stock"])
    ax.set_xticks(list(xs))
    ax.set_xticklabels([r.name for r in results], rotation=60, ha="right", fontsize=8)
    ax.set_ylabel("modelled us")
    ax.set_title(title, fontsize=10)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=PNG_DPI, format="png")
    plt.close(fig)


def write_plot(results: Sequence[Bar], title: str, path: str) -> str:
    """Writes the chart to `path`: PNG with matplotlib unless `path` ends in .svg, else SVG (a
    .png path then gets .svg instead). Returns the path written."""
    if not path.lower().endswith(".svg"):
        try:
            _png(results, title, path)
            return path
        except ImportError:
            root, ext = os.path.splitext(path)
            path = root + ".svg" if ext.lower() == ".png" else path
    with open(path, "w", encoding="utf-8") as f:
        f.write(comparison_svg(results, title))
    return path
