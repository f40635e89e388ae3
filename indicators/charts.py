"""Charts of indicator values drawn on the server as inline SVG, in the manner of directions.charts:
pure functions of their data, every label escaped, a <title> and a <desc> that read the figures.

`bar_chart` reuses directions.charts.bar_chart for percentages between 0 and 100 and draws bars
scaled to the largest value otherwise («на 1000», persons, a growth rate of 120 %); `line_chart`
draws the dynamics over periods.
"""

import hashlib
import math
from decimal import ROUND_HALF_UP, Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from directions import charts as direction_charts
from mcok.numbers import change_text, number_text  # noqa: F401  (the charts' own and their callers')

WIDTH = 640
TENTH = Decimal("0.1")
LABEL_CHARS = 28
AXIS_LABEL_CHARS = 16

# Bars
LABEL_WIDTH = 190
VALUE_WIDTH = 90
BAR_HEIGHT = 22
GAP = 10
TOP = 8

# Lines
HEIGHT = 260
LEFT, RIGHT, TOP_MARGIN, BOTTOM = 64, 24, 24, 44


def _coordinate(value: float) -> str:
    """A coordinate for SVG: at most two decimals, a dot, no exponent."""
    return format(Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP).normalize(), "f")


def _short(label: str, limit: int = LABEL_CHARS) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _chart_id(*parts) -> str:
    return "chart-" + hashlib.sha256(repr(parts).encode()).hexdigest()[:10]


def _opening(chart_id: str, css: str, height: float, title: str, description: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{css}" role="img" '
        f'viewBox="0 0 {WIDTH} {_coordinate(height)}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
        '<g aria-hidden="true" font-family="inherit" font-size="13">',
    ]


def _description(rows: list[tuple[str, Decimal | None]], unit: str) -> str:
    if not rows:
        return _("No data.")
    return "; ".join(f"{label}: {number_text(value, unit)}" for label, value in rows)


def bar_chart(rows: list[tuple[str, Decimal | None]], *, title: str, unit: str = "") -> SafeString:
    """A horizontal bar per row (label, value). Percentages within 0–100 are drawn by
    directions.charts.bar_chart on its 0–100 scale; other values are scaled to the largest one.
    A row without a value draws no bar and reads «—»; a negative value draws no bar but reads."""
    values = [value for _label, value in rows if value is not None]
    if unit.strip() == "%" and all(0 <= value <= 100 for value in values):
        return direction_charts.bar_chart(rows, title=title)
    chart_id = _chart_id("bars", title, unit, rows)
    plot_width = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    height = TOP + len(rows) * (BAR_HEIGHT + GAP) + TOP
    largest = max([value for value in values if value > 0], default=Decimal(0))
    parts = _opening(chart_id, "bar-chart", height, title, _description(rows, unit))
    for index, (label, value) in enumerate(rows):
        y = TOP + index * (BAR_HEIGHT + GAP)
        middle = _coordinate(y + BAR_HEIGHT / 2 + 4)
        text = number_text(value, unit)
        parts.append(f"<g><title>{escape(label)}: {escape(text)}</title>")
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{middle}" text-anchor="end" fill="#1d2733">'
            f"{escape(_short(label))}</text>"
        )
        bar_end = LABEL_WIDTH
        if value is not None and value > 0 and largest > 0:
            bar_width = plot_width * float(value / largest)
            bar_end = LABEL_WIDTH + bar_width
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{y}" width="{_coordinate(bar_width)}" height="{BAR_HEIGHT}" '
                f'fill="#1f5fa8"/>'
            )
        parts.append(
            f'<text x="{_coordinate(bar_end + 6)}" y="{middle}" fill="#1d2733">{escape(text)}</text></g>'
        )
    parts.append("</g></svg>")
    return mark_safe("".join(parts))  # every interpolated text above went through escape()


def _step(span: float) -> float:
    """A round step that cuts `span` into about four parts: 1, 2, 2.5 or 5 × 10ⁿ."""
    raw = span / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 2.5, 5, 10):
        if raw <= multiple * magnitude:
            return multiple * magnitude
    return 10 * magnitude  # pragma: no cover (10 always fits)


def _tick_text(value: float) -> str:
    text = format(Decimal(repr(round(value, 6))).normalize(), "f")
    return text.replace(".", ",").replace("-", "−")


def line_chart(points: list[tuple[str, Decimal | None]], *, title: str, unit: str = "") -> SafeString:
    """A line through the values of consecutive periods (label, value), as inline SVG.

    The vertical axis starts at zero (or below, for negative values) and ends at a round number
    above the largest value. A period without a value breaks the line and reads «—». Each point
    carries its own <title>; the <desc> lists every period with its value for a screen reader."""
    chart_id = _chart_id("line", title, unit, points)
    values = [float(value) for _label, value in points if value is not None]
    low = min([0.0, *values])
    high = max([0.0, *values])
    if high == low:
        high = low + 1
    step = _step(high - low)
    low = math.floor(low / step) * step
    high = math.ceil(high / step) * step
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP_MARGIN - BOTTOM
    bottom = TOP_MARGIN + plot_height

    def y_of(value: float) -> float:
        return bottom - plot_height * (value - low) / (high - low)

    def x_of(index: int) -> float:
        return LEFT + plot_width * (index + 0.5) / max(len(points), 1)

    parts = _opening(chart_id, "line-chart", HEIGHT, title, _description(points, unit))
    ticks = round((high - low) / step)
    for number in range(ticks + 1):
        tick = low + number * step
        y = _coordinate(y_of(tick))
        parts.append(
            f'<line x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}" stroke="#d5dbe3" stroke-width="1"/>'
            f'<text x="{LEFT - 8}" y="{_coordinate(y_of(tick) + 4)}" text-anchor="end" fill="#5b6775">'
            f"{escape(_tick_text(tick))}</text>"
        )
    segment: list[str] = []
    segments: list[list[str]] = []
    for index, (_label, value) in enumerate(points):
        if value is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        segment.append(f"{_coordinate(x_of(index))},{_coordinate(y_of(float(value)))}")
    if segment:
        segments.append(segment)
    for line in segments:
        if len(line) > 1:
            parts.append(
                f'<polyline points="{" ".join(line)}" fill="none" stroke="#1f5fa8" stroke-width="2.5"/>'
            )
    for index, (label, value) in enumerate(points):
        x = _coordinate(x_of(index))
        text = number_text(value, unit)
        parts.append(f"<g><title>{escape(label)}: {escape(text)}</title>")
        if value is not None:
            y = y_of(float(value))
            parts.append(
                f'<circle cx="{x}" cy="{_coordinate(y)}" r="4.5" fill="#1f5fa8"/>'
                f'<text x="{x}" y="{_coordinate(y - 10)}" text-anchor="middle" fill="#1d2733">'
                f"{escape(number_text(value))}</text>"
            )
        parts.append(
            f'<text x="{x}" y="{_coordinate(bottom + 20)}" text-anchor="middle" fill="#1d2733">'
            f"{escape(_short(label, AXIS_LABEL_CHARS))}</text></g>"
        )
    parts.append("</g></svg>")
    return mark_safe("".join(parts))  # every interpolated text above went through escape()


HISTOGRAM_BINS = 10


def histogram_bins(values: list[Decimal], bins: int = HISTOGRAM_BINS) -> list[tuple[Decimal, Decimal, int]]:
    """The distribution of `values` over `bins` ranges of equal width between the smallest and the
    largest value: (lower bound, upper bound, how many values) per range, the lowest first. A value
    falls in the range whose lower bound it reaches; the largest value falls in the last range. All
    values equal give one range holding them all; no values give no range. Pure."""
    if not values:
        return []
    low, high = min(values), max(values)
    if low == high:
        return [(low, high, len(values))]
    width = (high - low) / bins
    counts = [0] * bins
    for value in values:
        index = min(int((value - low) / width), bins - 1)
        counts[index] += 1
    return [
        (low + width * index, high if index == bins - 1 else low + width * (index + 1), count)
        for index, count in enumerate(counts)
    ]


def histogram(values: list[Decimal], *, title: str, unit: str = "", bins: int = HISTOGRAM_BINS) -> SafeString:
    """The distribution of organizations' values as a chart: a bar per value range (from
    `histogram_bins`), labelled «from – to», as long as the number of organizations in it, which it
    reads as a whole number. An empty range draws no bar."""
    rows = [
        (
            f"{number_text(low.quantize(TENTH, rounding=ROUND_HALF_UP), unit)} – "
            f"{number_text(high.quantize(TENTH, rounding=ROUND_HALF_UP), unit)}",
            count,
        )
        for low, high, count in histogram_bins(values, bins)
    ]
    chart_id = _chart_id("histogram", title, unit, rows)
    plot_width = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    height = TOP + len(rows) * (BAR_HEIGHT + GAP) + TOP
    largest = max([count for _label, count in rows], default=0)
    description = "; ".join(f"{label}: {count}" for label, count in rows) or _("No data.")
    parts = _opening(chart_id, "bar-chart histogram", height, title, description)
    for index, (label, count) in enumerate(rows):
        y = TOP + index * (BAR_HEIGHT + GAP)
        middle = _coordinate(y + BAR_HEIGHT / 2 + 4)
        parts.append(f"<g><title>{escape(label)}: {count}</title>")
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{middle}" text-anchor="end" fill="#1d2733">'
            f"{escape(label)}</text>"
        )
        bar_end = LABEL_WIDTH
        if count and largest:
            bar_width = plot_width * count / largest
            bar_end = LABEL_WIDTH + bar_width
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{y}" width="{_coordinate(bar_width)}" height="{BAR_HEIGHT}" '
                f'fill="#1f5fa8"/>'
            )
        parts.append(f'<text x="{_coordinate(bar_end + 6)}" y="{middle}" fill="#1d2733">{count}</text></g>')
    parts.append("</g></svg>")
    return mark_safe("".join(parts))  # every interpolated text above went through escape() or is a number
