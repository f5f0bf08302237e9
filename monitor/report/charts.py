"""Per-minute line charts as inline SVG, drawn in Python.

Inline SVG needs no script and no network: the report opens offline, prints,
and survives being mailed. Hovering a point, a band or a line shows its
`<title>` as a tooltip. Times are the broadcast's (`clock.Clock`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

from .clock import Clock
from .words import shown

WIDTH, HEIGHT = 760, 228
LEFT, RIGHT, TOP, BOTTOM = 78, 34, 30, 24  # room for a time label at either end
PIN_STRIP = 7  # the pinned products' strip above the plot
_MINUTE_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 240)
_FULL_MARKS = 24
_NICE = (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)


@dataclass(frozen=True, slots=True)
class Band:
    """An alert from firing to resolved (or to the end)."""

    start: float
    end: float
    label: str


@dataclass(frozen=True, slots=True)
class Pin:
    """A product on the pin: a calm stretch of the strip above the plot."""

    start: float
    end: float
    product: str
    label: str


@dataclass(frozen=True, slots=True)
class Mark:
    """A host action at a moment."""

    t: float
    label: str


def nice_ceiling(value: float) -> float:
    """The smallest round number (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 x 10^k) at or above `value`."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in _NICE:
        if step * power >= value * (1 - 1e-12):
            return step * power
    return 10 * power


def line_chart(
    title: str,
    metric: str,
    points: list[tuple[float, float | None]],
    clock: Clock,
    *,
    target: float | None = None,
    bands: list[Band] = (),
    marks: list[Mark] = (),
    pins: list[Pin] = (),
) -> str:
    """One metric over the broadcast: `points` are (tick ms, value or None) in time order."""
    lang = clock.lang
    if not points:
        return ""
    start, end = points[0][0], points[-1][0]
    if end <= start:
        start, end = start - 60_000, end
    values = [value for _, value in points if value is not None]
    top = 4 * nice_ceiling(max([*values, target or 0, 0]) * 1.05 / 4)  # four round steps
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(t: float) -> float:
        return LEFT + (min(max(t, start), end) - start) / (end - start) * plot_w

    def y(value: float) -> float:
        return TOP + plot_h - value / top * plot_h

    out = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'role="img" aria-label="{escape(title)}" data-metric="{escape(metric)}">',
        f"<title>{escape(title)}</title>",
    ]
    for k in range(5):
        value = top * k / 4
        level = y(value)
        out.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{level:.1f}" y2="{level:.1f}"/>')
        out.append(
            f'<text class="ylabel" x="{LEFT - 6}" y="{level + 4:.1f}">'
            f"{escape(shown(metric, value, lang))}</text>"
        )
    step = _minute_step(end - start)
    offset = clock.offset_ms(start)  # labels on the round minutes of the broadcast's clock
    tick = -(-(start + offset) // step) * step - offset
    while tick <= end:
        out.append(f'<text class="xlabel" x="{x(tick):.1f}" y="{HEIGHT - 6}">{escape(clock.time(tick))}</text>')
        tick += step
    for index, pin in enumerate(pins):
        left, right = x(pin.start), x(pin.end)
        width = max(right - left, 2)
        out.append(
            f'<g class="pinned pinned-{index % 2}"><rect x="{left:.1f}" y="{TOP - PIN_STRIP - 2}" '
            f'width="{width:.1f}" height="{PIN_STRIP}"/><title>{escape(pin.label)}</title></g>'
        )
        if pin.product and width >= 7 * len(pin.product) + 8:  # the product's name where it fits
            out.append(f'<text class="pin-name" x="{left + 3:.1f}" y="{TOP - PIN_STRIP - 4}">{escape(pin.product)}</text>')
    for band in bands:
        left, right = x(band.start), x(band.end)
        out.append(
            f'<rect class="alert-band" x="{left:.1f}" y="{TOP}" width="{max(right - left, 3):.1f}" height="{plot_h}">'
            f"<title>{escape(band.label)}</title></rect>"
        )
    # many actions (a long broadcast) become ticks on the time axis instead of a curtain of lines
    full = len(marks) <= _FULL_MARKS
    reach, kind = (TOP, "host-action") if full else (TOP + plot_h - 10, "host-action tick")
    for mark in marks:
        at = x(mark.t)
        out.append(
            f'<line class="{kind}" x1="{at:.1f}" x2="{at:.1f}" y1="{reach}" y2="{TOP + plot_h}">'
            f"<title>{escape(mark.label)}</title></line>"
        )
    if target is not None:
        level = y(target)
        out.append(
            f'<line class="target" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{level:.1f}" y2="{level:.1f}">'
            f"<title>{escape(shown(metric, target, lang))}</title></line>"
        )
    out.append(f'<path class="line" d="{_path(points, x, y)}"/>')
    if len(points) <= 360:
        for t, value in points:
            if value is not None:
                label = f"{clock.time(t)} — {shown(metric, value, lang)}"
                out.append(
                    f'<circle class="point" cx="{x(t):.1f}" cy="{y(value):.1f}" r="2.5">'
                    f"<title>{escape(label)}</title></circle>"
                )
    out.append("</svg>")
    return "\n".join(out)


def _path(points, x, y) -> str:
    """Line segments that break where a value is null (no data is not zero)."""
    parts = []
    pen_down = False
    for t, value in points:
        if value is None:
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{x(t):.1f},{y(value):.1f}")
        pen_down = True
    return " ".join(parts)


def _minute_step(span_ms: float) -> int:
    """Label every 1, 2, 5, ... minutes so at most eight labels fit."""
    minutes = span_ms / 60_000
    for step in _MINUTE_STEPS:
        if minutes / step <= 8:
            return step * 60_000
    return _MINUTE_STEPS[-1] * 60_000
