"""Tiny server-rendered SVG charts: stacked columns, horizontal bars, a sparkline.

Each returns :class:`markupsafe.Markup` (labels escaped here), with ``role="img"`` and a
text alternative, and colours by CSS class (``.s-ok``, ``.s-bad``, ... in ``app.css``).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

__all__ = ["columns", "hbars", "sparkline"]


def _svg(width: int, height: int, label: str, body: list[str], css: str = "chart",
         aspect: str = "xMidYMid meet") -> Markup:
    text = escape(label)
    return Markup(  # noqa: S704  (every piece of text is escaped above or below)
        f'<svg class="{css}" viewBox="0 0 {width} {height}" role="img" aria-label="{text}" '
        f'preserveAspectRatio="{aspect}"><title>{text}</title>{"".join(body)}</svg>'
    )


def columns(
    bars: Sequence[tuple[str, Sequence[tuple[float, str]]]],
    label: str,
    width: int = 560,
    height: int = 160,
    every: int = 1,
) -> Markup:
    """Stacked columns: ``[(x label, [(value, css class), ...]), ...]``; every ``every``-th
    x label is written under its column."""
    top = max((sum(v for v, _ in parts) for _, parts in bars), default=0) or 1
    plot_h, base = height - 22, height - 18
    slot = width / max(len(bars), 1)
    body = [f'<line x1="0" y1="{base}" x2="{width}" y2="{base}" class="axis"/>',
            f'<text x="0" y="10">{escape(_num(top))}</text>']
    for i, (x_label, parts) in enumerate(bars):
        x, y = i * slot + slot * 0.15, float(base)
        for value, css in parts:
            h = value / top * (plot_h - 12)
            if h > 0:
                y -= h
                body.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" '
                            f'height="{h:.1f}" class="{escape(css)}" rx="2">'
                            f'<title>{escape(x_label)}: {escape(_num(value))}</title></rect>')
        if i % every == 0:
            body.append(f'<text x="{x + slot * 0.35:.1f}" y="{height - 3}" '
                        f'text-anchor="middle">{escape(x_label)}</text>')
    return _svg(width, height, label, body)


def hbars(
    rows: Sequence[tuple[str, Sequence[tuple[float, str]]]],
    label: str,
    width: int = 560,
    row_height: int = 22,
    label_width: int = 150,
) -> Markup:
    """Horizontal stacked bars, one row per ``(row label, [(value, css class), ...])``."""
    top = max((sum(v for v, _ in parts) for _, parts in rows), default=0) or 1
    height = max(len(rows), 1) * row_height + 4
    room = width - label_width - 40
    body: list[str] = []
    for i, (row_label, parts) in enumerate(rows):
        y = i * row_height + 3
        body.append(f'<text x="{label_width - 6}" y="{y + row_height * 0.62:.1f}" '
                    f'text-anchor="end">{escape(row_label[:24])}</text>')
        x = float(label_width)
        for value, css in parts:
            w = value / top * room
            if w > 0:
                body.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" '
                            f'height="{row_height - 7}" class="{escape(css)}" rx="2">'
                            f'<title>{escape(row_label)}: {escape(_num(value))}</title></rect>')
                x += w
        total = sum(v for v, _ in parts)
        body.append(f'<text x="{x + 4:.1f}" y="{y + row_height * 0.62:.1f}">'
                    f'{escape(_num(total))}</text>')
    return _svg(width, height, label, body)


def sparkline(values: Sequence[float], label: str, width: int = 160, height: int = 32) -> Markup:
    """A line through ``values`` (oldest first), stretched to the width it is given."""
    css, aspect = "chart spark-chart", "none"
    if not values:
        return _svg(width, height, label, [], css, aspect)
    top, n = max(values) or 1, len(values)
    step = width / max(n - 1, 1)
    points = [(i * step, height - 3 - v / top * (height - 6)) for i, v in enumerate(values)]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    return _svg(width, height, label, [
        f'<polyline points="{path}" class="spark" fill="none" '
        'vector-effect="non-scaling-stroke"/>',
    ], css, aspect)


def _num(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) and not value.is_integer() else f"{int(value)}"
