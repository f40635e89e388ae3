"""A direction report whose indicators have more organizations than the report lists: the page and
the PDF show the distribution, the risk group, the best and the worst, and send the reader to the
XLSX, which keeps every organization's row; under the limit the report lists every organization.
And the distribution's ranges (indicators.charts.histogram_bins)."""

import io
from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from indicators import charts
from indicators.models import IndicatorValue
from reports import analytics, pdf, xlsx
from tests.reports.test_analytics import LONG_NAME, make_report_world

MIDDLE_NAME = "Гимназия середины списка"
FULL_LIST = "The full list of organizations is in the report's XLSX file."


def _spread(w) -> str:
    """Every organization of П1 at its own value: the weak one at 40 (the risk group), the others
    from 51 up; the one in the middle renamed to MIDDLE_NAME, which is returned."""
    rows = list(
        IndicatorValue.objects.filter(indicator=w.indicators[0], period=w.period, organization__isnull=False)
        .exclude(organization=w.weak)
        .select_related("organization")
        .order_by("organization_id")
    )
    for number, row in enumerate(rows):
        row.value = Decimal(51 + number)
        row.save(update_fields=["value"])
    middle = rows[len(rows) // 2].organization
    middle.short_name = MIDDLE_NAME
    middle.save()
    return MIDDLE_NAME


def _html(report) -> str:
    with translation.override("ru"):
        return pdf.render_html(report, analytics.draw_charts(analytics.gather(report)))


def _xlsx_names(report) -> list[str]:
    with translation.override("ru"):
        book = load_workbook(io.BytesIO(xlsx.report_xlsx(report)))
    sheet = book[book.sheetnames[1]]
    return [row[2] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0] == "П1"]


@pytest.mark.django_db
def test_over_the_limit_the_report_shows_the_distribution_and_the_xlsx_every_row(world):
    count = analytics.ORGANIZATIONS_LISTED + 6
    w = make_report_world(world, indicators=1, schools=count)
    middle = _spread(w)
    html = _html(w.report)
    with translation.override("ru"):
        full_list = translation.gettext(FULL_LIST)
    assert full_list != FULL_LIST  # Russian, through the catalogue
    assert full_list in html
    assert 'class="chart report-histogram"' in html and html.count("<rect") >= 1
    assert middle not in html  # neither a row nor a bar for an organization in the middle
    assert LONG_NAME in html  # the risk group, every one of it, and the worst
    assert html.count("СОШ № ") >= 2 * analytics.EXTREMES_LISTED - 1  # the best five, the worst four more
    names = _xlsx_names(w.report)
    assert len(names) == count and middle in names and LONG_NAME in names

    content = pdf.report_pdf(w.report)  # the PDF itself is made from the same markup
    assert content.startswith(b"%PDF")


@pytest.mark.django_db
def test_over_the_limit_the_item_lists_the_best_and_the_worst(world):
    w = make_report_world(world, indicators=1, schools=analytics.ORGANIZATIONS_LISTED + 1)
    _spread(w)
    item = analytics.draw_charts(analytics.gather(w.report)).direction.indicators[0]
    assert item.condensed and item.histogram and item.bar_chart is None
    assert [row.name for row in item.risk_group] == [LONG_NAME]
    assert [row.value for row in item.worst] == [Decimal(40), *[Decimal(51 + n) for n in range(4)]]
    assert [row.value for row in item.best] == [Decimal(51 + 24 - n) for n in range(5)]


@pytest.mark.django_db
def test_under_the_limit_the_report_lists_every_organization(world):
    count = analytics.ORGANIZATIONS_LISTED
    w = make_report_world(world, indicators=1, schools=count)
    middle = _spread(w)
    item = analytics.draw_charts(analytics.gather(w.report)).direction.indicators[0]
    assert not item.condensed and item.histogram is None and item.bar_chart is not None
    html = _html(w.report)
    with translation.override("ru"):
        assert translation.gettext(FULL_LIST) not in html
    assert "report-histogram" not in html
    assert html.count(middle) >= 2  # its row in the table and its bar in the chart
    assert html.count('<tr class="row-attention">') >= 1


# The distribution's ranges ---------------------------------------------------------------------------------

values = st.lists(
    st.decimals(min_value=-1000, max_value=1000, places=1, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=200,
)


@given(values, st.integers(min_value=1, max_value=12))
def test_histogram_bins_hold_every_value_once_between_the_smallest_and_the_largest(numbers, bins):
    ranges = charts.histogram_bins(numbers, bins)
    assert sum(count for _low, _high, count in ranges) == len(numbers)
    assert ranges[0][0] == min(numbers) and ranges[-1][1] == max(numbers)
    if min(numbers) == max(numbers):
        assert ranges == [(min(numbers), max(numbers), len(numbers))]
    else:
        assert len(ranges) == bins
        for (_low, high, _count), (low, _high, _next) in zip(ranges, ranges[1:], strict=False):
            assert high == low  # the ranges touch, none overlaps another
        for low, high, count in ranges[:-1]:
            assert count == sum(1 for value in numbers if low <= value < high) or high - low < Decimal(
                "1e-20"
            )


def test_histogram_bins_of_known_values():
    assert charts.histogram_bins([]) == []
    ranges = charts.histogram_bins([Decimal(v) for v in (0, 1, 9, 10, 10)], 10)
    assert [count for _low, _high, count in ranges] == [1, 1, 0, 0, 0, 0, 0, 0, 0, 3]
    assert (ranges[0][0], ranges[0][1], ranges[-1][1]) == (0, 1, 10)


def test_histogram_draws_a_bar_per_range_and_reads_the_counts():
    svg = charts.histogram([Decimal(v) for v in (0, 1, 9, 10, 10)], title="П1 <b>", unit="%")
    assert svg.startswith("<svg ") and "П1 &lt;b&gt;" in svg
    assert svg.count("<rect") == 3  # the empty ranges draw no bar


def test_histogram_reads_its_counts_as_whole_numbers():
    svg = charts.histogram([Decimal(v) for v in (0, 1, 9, 10, 10)], title="П1", unit="%")
    assert "9,0 % – 10,0 %: 3</desc>" in svg  # the description reads «3», not «3,0»
    assert ">3</text>" in svg and ">3,0</text>" not in svg
