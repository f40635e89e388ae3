"""An analytic report as an A4 PDF, rendered by WeasyPrint from the same markup and the same chart
SVG as the report's page (templates/reports/_report_body.html).

Set in PT Sans (DejaVu Sans when it is missing), so Cyrillic renders; the report's title in the
page header, «стр. N из M» in the footer, table headers repeated on every page a table crosses.
WeasyPrint's default fetcher would read any local file a crafted link names, so every fetch goes
through roadmaps.protocol.safe_url_fetcher: `data:` URLs and the project's static and font files only.
"""

import re
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from reports import analytics
from reports.models import Report
from roadmaps.protocol import safe_url_fetcher

PRINT_FONTS = "PT Sans, DejaVu Sans, sans-serif"
_PLACEHOLDER = re.compile(r"%\((page|pages)\)s")


def _css_string(text: str) -> str:
    """`text` as a CSS string literal: quotes, backslashes, control characters and markup
    characters escaped, so nothing can close the string or the <style> element."""
    escaped = []
    for char in text:
        if char in '"\\<>&' or ord(char) < 32 or ord(char) == 127:
            escaped.append(f"\\{ord(char):x} ")
        else:
            escaped.append(char)
    return '"' + "".join(escaped) + '"'


def page_counter_css() -> SafeString:
    """The footer's CSS `content`: the translated «page %(page)s of %(pages)s» with the page counters
    in place of its placeholders, e.g. `"стр. " counter(page) " из " counter(pages)`."""
    pattern = _("page %(page)s of %(pages)s")
    parts = []
    position = 0
    for match in _PLACEHOLDER.finditer(pattern):
        if match.start() > position:
            parts.append(_css_string(pattern[position : match.start()]))
        parts.append(f"counter({match.group(1)})")
        position = match.end()
    if position < len(pattern):
        parts.append(_css_string(pattern[position:]))
    return mark_safe(" ".join(parts))  # built from escaped literals and two fixed counter() calls


def _base_url() -> str:
    """The static directory, so `reports/report.css` in the template names our own stylesheet."""
    return Path(settings.STATICFILES_DIRS[0]).resolve().as_uri() + "/"


def _print_font(svg: SafeString | None) -> SafeString | None:
    """The chart with the print font named on its root: a browser gives inline SVG the page's font,
    WeasyPrint's SVG renderer only the font its attributes name."""
    if not svg or not svg.startswith("<svg "):
        return svg
    return mark_safe(svg.replace("<svg ", f'<svg font-family="{PRINT_FONTS}" ', 1))  # a fixed attribute added


def render_html(report: Report, data: analytics.ReportData) -> str:
    """The PDF's HTML: the report's body with its title and the print stylesheets."""
    for item in data.indicators:
        item.line_chart, item.bar_chart = _print_font(item.line_chart), _print_font(item.bar_chart)
        item.histogram = _print_font(item.histogram)
        for shown in item.breakdowns:
            shown.chart = _print_font(shown.chart)
    if data.indices is not None:
        data.indices.chart = _print_font(data.indices.chart)
    return render_to_string(
        "reports/report_pdf.html",
        {"report": report, "data": data, "page_counter": page_counter_css()},
    )


def html_to_pdf(html: str) -> bytes:
    """Any HTML of ours to PDF, with the safe fetcher: a resource outside the static files is refused
    (WeasyPrint logs the refusal and leaves the resource out)."""
    import weasyprint  # imported when used: its system libraries are needed only for PDFs

    document = weasyprint.HTML(string=html, base_url=_base_url(), url_fetcher=safe_url_fetcher())
    return document.write_pdf()


def report_pdf(report: Report, data: analytics.ReportData | None = None) -> bytes:
    """The report as PDF bytes; `data` when the caller gathered it already (with its charts)."""
    if data is None:
        data = analytics.draw_charts(analytics.gather(report))
    return html_to_pdf(render_html(report, data))
