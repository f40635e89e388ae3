"""Charts drawn on the server as inline SVG: no JavaScript, readable by a screen reader.

Pure functions of their data: no ORM, no request. Every label is escaped, so a direction's name
from the database cannot inject markup into the page.
"""

import hashlib
from decimal import ROUND_HALF_UP, Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from mcok import numbers

WIDTH = 640
LABEL_WIDTH = 190  # the label column on the left
VALUE_WIDTH = 70  # room for «100,0 %» right of the longest bar
BAR_HEIGHT = 22
GAP = 10
TOP = 8
AXIS_HEIGHT = 24  # the tick labels under the bars
LABEL_CHARS = 28  # longer labels are cut with «…» in the picture; <title> keeps them whole
TICKS = (0, 25, 50, 75, 100)
HUNDRED = Decimal(100)
TENTH = Decimal("0.1")


def percent_text(value: Decimal | None) -> str:
    """«72,3 %» with one decimal rounded half up and a decimal comma; «—» when there is none."""
    return numbers.number_text(value, "%")


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"


def _number(value: float | Decimal) -> str:
    """A coordinate for SVG: at most two decimals, a dot, no exponent."""
    return format(Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP).normalize(), "f")


def bar_chart(rows: list[tuple[str, Decimal | None]], *, title: str) -> SafeString:
    """A horizontal bar chart of percentages (0–100) as inline SVG markup.

    Each row is (label, percent); None draws no bar and reads «—». The picture is an `img` named
    by its <title> and described by a <desc> that lists every label with its value, so a screen
    reader reads the figures, not the geometry; each bar also carries its own <title> (a tooltip).
    Values outside 0–100 are drawn clipped but read as they are.
    """
    digest = hashlib.sha256(repr((title, rows)).encode()).hexdigest()[:10]
    chart_id = f"chart-{digest}"
    plot_left = LABEL_WIDTH
    plot_width = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    height = TOP + len(rows) * (BAR_HEIGHT + GAP) + AXIS_HEIGHT
    plot_bottom = TOP + len(rows) * (BAR_HEIGHT + GAP)

    description = "; ".join(f"{label}: {percent_text(value)}" for label, value in rows)
    if not rows:
        description = _("No data.")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bar-chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
        '<g aria-hidden="true" font-family="inherit" font-size="13">',
    ]
    for tick in TICKS:
        x = _number(plot_left + plot_width * tick / 100)
        parts.append(
            f'<line x1="{x}" y1="{TOP - 4}" x2="{x}" y2="{plot_bottom}" stroke="#d5dbe3" stroke-width="1"/>'
            f'<text x="{x}" y="{plot_bottom + 16}" text-anchor="middle" fill="#5b6775">{tick}</text>'
        )
    for index, (label, value) in enumerate(rows):
        y = TOP + index * (BAR_HEIGHT + GAP)
        middle = _number(y + BAR_HEIGHT / 2 + 4)
        text = percent_text(value)
        parts.append(f"<g><title>{escape(label)}: {escape(text)}</title>")
        parts.append(
            f'<text x="{plot_left - 8}" y="{middle}" text-anchor="end" fill="#1d2733">'
            f"{escape(_short(label))}</text>"
        )
        bar_end = plot_left
        if value is not None:
            share = min(max(Decimal(value), Decimal(0)), HUNDRED) / HUNDRED
            bar_width = plot_width * share
            bar_end = plot_left + bar_width
            parts.append(
                f'<rect x="{plot_left}" y="{y}" width="{_number(bar_width)}" height="{BAR_HEIGHT}" '
                f'fill="#1f5fa8"/>'
            )
        parts.append(
            f'<text x="{_number(bar_end + 6)}" y="{middle}" fill="#1d2733">{escape(text)}</text></g>'
        )
    parts.append("</g></svg>")
    return mark_safe("".join(parts))  # every interpolated text above went through escape()
