"""Server-drawn SVG charts: no JavaScript, no CDN, crisp on screen and on paper.

Each function returns SVG markup (already escaped) for the template to insert with |safe.
"""

from __future__ import annotations

import math
from html import escape

PALETTE = ["#1f4e79", "#f5b700", "#1e7b34", "#b3261e", "#7a4fa3", "#5b6470", "#2a9d8f"]


def _nice_max(value: float) -> float:
    """The top of the y axis: four gridline steps of 1, 2, 2.5 or 5 × 10^k that reach the value."""
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value / 4))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * magnitude * 4 >= value:
            return factor * magnitude * 4
    return value


def _fmt(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() or value >= 10 else f"{value:.1f}"


def bar_chart(*, categories: list[str], series: dict[str, list[float | None]], title: str, stacked: bool = False,
              width: int = 720, height: int = 260, unit: str = "", y_max: float | None = None, y_ticks: int = 4,
              value_labels: bool = False, value_format: str = "", notes: list[str] | None = None) -> str:
    """Draw grouped (or stacked) vertical bars, one group per category, with a legend and y-axis labels.

    A None value draws no bar (nothing measured, unlike a zero). `y_max` fixes the axis (a 1–5 rating) with
    `y_ticks` gridline steps; `value_labels` writes each bar's value (formatted with `value_format`, e.g. ".1f")
    above it and `notes` a second line under each category, so the figures survive printing without tooltips.
    """
    left, right, top, bottom = 48, 12, 28, 52
    plot_w, plot_h = width - left - right, height - top - bottom
    names = list(series)
    n = max(len(categories), 1)
    totals = ([sum(series[name][i] or 0 for name in names) for i in range(len(categories))] if stacked
              else [max((series[name][i] or 0 for name in names), default=0) for i in range(len(categories))])
    if y_max is None:
        y_max = _nice_max(max(totals, default=0))
        if all(float(v).is_integer() for values in series.values() for v in values if v is not None):
            y_max = max(y_max, 4)  # counts: whole-number gridlines
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
             f'xmlns="http://www.w3.org/2000/svg">', f"<title>{escape(title)}</title>",
             f'<text x="{left}" y="16" font-size="13" font-weight="700" fill="#1b1f24">{escape(title)}</text>']
    for i in range(y_ticks + 1):
        value = y_max * i / y_ticks
        y = top + plot_h - plot_h * i / y_ticks
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#d8dde3" '
                     f'stroke-width="1"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="10" text-anchor="end" fill="#5b6470">'
                     f'{_fmt(value)}{escape(unit)}</text>')
    slot = plot_w / n
    bar_w = slot * 0.8 / (1 if stacked else max(len(names), 1))
    label_every = max(1, round(n / 12), math.ceil(n * 34 / plot_w))  # a label is about 30 px wide
    for i, category in enumerate(categories):
        x0 = left + slot * i + slot * 0.1
        base = top + plot_h
        for j, name in enumerate(names):
            value = series[name][i]
            if value is None:
                continue
            h = plot_h * min(value, y_max) / y_max
            x = x0 if stacked else x0 + bar_w * j
            y = base - h
            shown = format(value, value_format) if value_format else _fmt(value)
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(bar_w - 1, 1):.1f}" height="{h:.1f}" '
                         f'fill="{PALETTE[j % len(PALETTE)]}"><title>{escape(category)} · {escape(name)}: '
                         f'{shown}{escape(unit)}</title></rect>')
            if value_labels and not stacked:
                parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{y - 4:.1f}" font-size="10" text-anchor="middle" '
                             f'fill="#1b1f24">{shown}{escape(unit)}</text>')
            if stacked:
                base = y
        if i % label_every == 0:
            parts.append(f'<text x="{x0 + slot * 0.4:.1f}" y="{top + plot_h + 14}" font-size="10" '
                         f'text-anchor="middle" fill="#5b6470">{escape(category)}</text>')
            if notes:
                parts.append(f'<text x="{x0 + slot * 0.4:.1f}" y="{top + plot_h + 26}" font-size="9" '
                             f'text-anchor="middle" fill="#5b6470">{escape(notes[i])}</text>')
    legend_x = left
    for j, name in enumerate(names):
        parts.append(f'<rect x="{legend_x}" y="{height - 18}" width="10" height="10" '
                     f'fill="{PALETTE[j % len(PALETTE)]}"/>')
        parts.append(f'<text x="{legend_x + 14}" y="{height - 9}" font-size="11" fill="#1b1f24">'
                     f'{escape(name)}</text>')
        legend_x += 24 + 7 * len(name)
    parts.append("</svg>")
    return "".join(parts)
